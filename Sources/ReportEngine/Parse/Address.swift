/// Reads the address (addr-spec, RFC 5322 §3.4.1) out of a mailbox such as `"名前" <a@b.jp>`.
public enum Address {
    /// The first addr-spec in `value`, lower-cased, without display name or comments; nil when none.
    public static func first(in value: String) -> String? {
        all(in: value).first
    }

    /// Every addr-spec in `value`, in order.
    public static func all(in value: String) -> [String] {
        let cleaned = AuthenticationResults.stripComments(value)
        var result: [String] = []
        for chunk in ContentType.splitOutsideQuotes(cleaned, separator: ",") {
            var candidate: Substring
            if let open = chunk.lastIndex(of: "<"), let close = chunk[open...].firstIndex(of: ">") {
                candidate = chunk[chunk.index(after: open)..<close]
            } else {
                guard let word = chunk.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\"" }).first(where: { $0.contains("@") }) else { continue }
                candidate = word
            }
            // Source routes: <@a,@b:user@host>
            if let colon = candidate.lastIndex(of: ":"), candidate.hasPrefix("@") { candidate = candidate[candidate.index(after: colon)...] }
            let addr = candidate.trimmingCharacters(in: " \t\r\n\"';<>").lowercased()
            guard let at = addr.lastIndex(of: "@"), at != addr.startIndex, addr.index(after: at) != addr.endIndex else { continue }
            guard !addr.contains(where: { $0 == " " || $0.isNewline }) else { continue }
            result.append(addr)
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
