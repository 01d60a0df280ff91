/// One server response line (RFC 3501 §7) with its literals taken out.
///
/// `text` is the line with each literal replaced by `{N}` as it was announced; `literals` holds the
/// literal payloads in order. Literals are read by byte count, so nothing inside a message can be
/// mistaken for a response.
struct IMAPResponseLine {
    var text: String
    var literals: [[UInt8]]

    var isUntagged: Bool { text.hasPrefix("* ") }
    var isContinuation: Bool { text.hasPrefix("+") }
    /// `* N EXISTS`: the open mailbox now holds N messages (RFC 3501 §7.3.1).
    var isExists: Bool {
        // "* 4294967295 EXISTS" is 19 bytes: a longer line (a SEARCH of thousands of UIDs) is not split.
        guard text.utf8.count <= 24 else { return false }
        let w = words
        return w.count == 3 && w[0] == "*" && Int(w[1]) != nil && w[2].uppercased() == "EXISTS"
    }

    /// The words of the line (quoted strings kept whole).
    var words: [Substring] { text.split(separator: " ") }

    /// The value after `key` in a parenthesised list, e.g. `UID` in `* 3 FETCH (UID 7 FLAGS (\Seen))`.
    func number(after key: String) -> UInt32? {
        let w = words
        guard let i = w.firstIndex(where: { $0.uppercased() == key || $0.uppercased() == "(" + key }) , i + 1 < w.count else { return nil }
        return UInt32(w[i + 1].trimmingCharacters(in: ")]"))
    }

    /// The flags in `FLAGS (...)`.
    var flags: [String] {
        guard let r = text.range(of: "FLAGS (", options: .caseInsensitive) else { return [] }
        let rest = text[r.upperBound...]
        guard let close = rest.firstIndex(of: ")") else { return [] }
        return rest[..<close].split(separator: " ").map(String.init)
    }

    /// The parenthesised list of a response code, e.g. `[PERMANENTFLAGS (\Seen \*)]`.
    func list(afterCode name: String) -> [String]? {
        guard let r = text.range(of: "[" + name + " (", options: .caseInsensitive) else { return nil }
        let rest = text[r.upperBound...]
        guard let close = rest.firstIndex(of: ")") else { return nil }
        return rest[..<close].split(separator: " ").map(String.init)
    }

    /// A response code such as `[UIDVALIDITY 123]` or `[APPENDUID 1 2]`: its words after the name.
    func code(_ name: String) -> [Substring]? {
        guard let r = text.range(of: "[" + name + " ", options: .caseInsensitive) else { return nil }
        let rest = text[r.upperBound...]
        guard let close = rest.firstIndex(of: "]") else { return nil }
        return rest[..<close].split(separator: " ")
    }
}

import Foundation

extension StringProtocol {
    /// `self` without the characters of `set` at either end. Linear: the ends move by index
    /// (Collection's `dropLast()` counts the whole string each time).
    func trimmingCharacters(in set: String) -> String {
        var lo = startIndex
        var hi = endIndex
        while lo < hi, set.contains(self[lo]) { lo = index(after: lo) }
        while hi > lo, set.contains(self[index(before: hi)]) { hi = index(before: hi) }
        return String(self[lo..<hi])
    }
}
