/// Reads the address (addr-spec, RFC 5322 §3.4.1) out of a mailbox such as `"名前" <a@b.jp>`.
public enum Address {
    /// The first addr-spec in `value`, lower-cased, without display name or comments; nil when none.
    /// With `localNames`, a bare name in angle brackets (`<moderator>`, as local submissions write a
    /// sender) counts too; it never does where an address is to be mailed.
    public static func first(in value: String, localNames: Bool = false) -> String? {
        all(in: value, localNames: localNames).first
    }

    /// Every addr-spec in `value`, in order (the first `limit` of them).
    public static func all(in value: String, localNames: Bool = false, limit: Int = .max) -> [String] {
        let cleaned = AuthenticationResults.stripComments(value)
        var result: [String] = []
        ContentType.forEachOutsideQuotes(cleaned, separator: ",") { chunk in
            guard result.count < limit else { return false }
            var candidate: Substring
            var bracketed = false
            // The brackets are ASCII: found on the bytes (a search by Character walks grapheme breaks).
            if let open = chunk.utf8.lastIndex(of: 0x3C), let close = chunk.utf8[open...].firstIndex(of: 0x3E) {
                candidate = chunk[chunk.utf8.index(after: open)..<close]
                bracketed = true
            } else {
                guard let word = chunk.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\"" }).first(where: { $0.utf8.contains(0x40) }) else { return true }
                candidate = word
            }
            // Source routes: <@a,@b:user@host>
            if candidate.hasPrefix("@"), let colon = candidate.lastIndex(of: ":") { candidate = candidate[candidate.index(after: colon)...] }
            let addr = candidate.trimmingCharacters(in: " \t\r\n\"';<>").lowercased()
            // An ASCII address is checked on its bytes (each byte a Character; CR LF, the one pair that
            // makes one, is a line break either way); any other by Character.
            let ascii = Bytes.isASCII(addr.utf8)
            let hasBreak = ascii
                ? addr.utf8.contains { $0 == 0x20 || (0x0A...0x0D).contains($0) }
                : addr.contains(where: { $0 == " " || $0.isNewline })
            guard !addr.isEmpty, !hasBreak else { return true }
            if let at = ascii ? addr.utf8.lastIndex(of: 0x40) : addr.lastIndex(of: "@") {
                guard at != addr.startIndex, addr.index(after: at) != addr.endIndex else { return true }
            } else if !(bracketed && localNames) || addr.utf8.contains(0x2E) {
                // Without "@" only a local name alone in angle brackets counts (`<moderator>`, as local
                // submissions write it), and only where asked; a dotted name there is a host.
                return true
            }
            result.append(addr)
            return true
        }
        return result
    }

    /// The domain of an address, lower-case.
    public static func domain(of address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let d = address[address.index(after: at)...].trimmingCharacters(in: ". ")
        return d.isEmpty ? nil : d.lowercased()
    }
}
