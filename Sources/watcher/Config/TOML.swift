/// A TOML 1.0 reader for the configuration file: every value type, dotted and quoted keys, table and
/// array-of-table headers, inline tables, and the rules about defining a key or table twice.
///
/// Written for this program rather than taken from a library: the C++ parser TOMLKit wraps asserts
/// (aborting the process) on some malformed files, which a configuration typo must never do. One pass
/// over the bytes; nesting is capped so no file can exhaust the stack.
enum TOML {
    /// A malformed file: what is wrong, and the line (from 1).
    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    /// Reads a whole document into its root table.
    static func parse(_ text: String) throws(ParseError) -> TOMLTable {
        var reader = Reader(Array(text.utf8))
        return try reader.document()
    }
}

/// A value in a TOML document. Dates and times are kept as their text.
enum TOMLValue {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case dateTime(String)
    case array([TOMLValue])
    case table(TOMLTable)
    case tables(TOMLTableArray)

    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    var table: TOMLTable? { if case .table(let t) = self { return t } else { return nil } }
    var array: [TOMLValue]? {
        switch self {
        case .array(let a): return a
        case .tables(let t): return t.tables.map { .table($0) }
        default: return nil
        }
    }
}

/// A table: its keys in the order the file gives them.
final class TOMLTable {
    private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]
    /// How the table came to be, for the rules on defining it again.
    enum Origin { case header, implicit, dotted, inline }
    var origin: Origin

    init(origin: Origin) { self.origin = origin }

    subscript(key: String) -> TOMLValue? { values[key] }

    fileprivate func set(_ key: String, _ value: TOMLValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }
}

/// The tables of an `[[array]]`, appended to by each header.
final class TOMLTableArray {
    fileprivate(set) var tables: [TOMLTable] = []
}

private struct Reader {
    let bytes: [UInt8]
    var i = 0
    let root = TOMLTable(origin: .header)
    /// Tables and arrays inside values, so deep nesting cannot overflow the stack.
    var depth = 0
    static let maxDepth = 64

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }  // a byte order mark some editors write
    }

    // MARK: - Document

    mutating func document() throws(TOML.ParseError) -> TOMLTable {
        var current = root
        while true {
            skipBlankLinesAndComments()
            guard i < bytes.count else { return root }
            if bytes[i] == UInt8(ascii: "[") {
                current = try header()
            } else {
                try keyValue(into: current, lineEnd: true)
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`: the table that key-value lines after it go into.
    mutating func header() throws(TOML.ParseError) -> TOMLTable {
        let start = i
        i += 1
        let isArray = peek == UInt8(ascii: "[")
        if isArray { i += 1 }
        skipBlanks()
        guard let c = peek, isBareKey(c) || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") else {
            throw fail("a table header needs a name after '[', such as [imap]")
        }
        let path = try keyPath()
        try expect("]", "expected ']' to close the table header")
        if isArray { try expect("]", "expected ']]' to close the array-of-tables header") }
        try endOfLine()

        var table = root
        for (n, key) in path.enumerated() {
            let last = n == path.count - 1
            switch table[key] {
            case nil:
                if last && isArray {
                    let array = TOMLTableArray()
                    let t = TOMLTable(origin: .header)
                    array.tables.append(t)
                    table.set(key, .tables(array))
                    return t
                }
                let t = TOMLTable(origin: last ? .header : .implicit)
                table.set(key, .table(t))
                table = t
            case .table(let t):
                if last {
                    if isArray { throw fail(at: start, "\(key) is a table, not an array of tables") }
                    guard t.origin == .implicit else { throw fail(at: start, "the table [\(path.joined(separator: "."))] is defined twice") }
                    t.origin = .header
                } else if t.origin == .inline {
                    throw fail(at: start, "\(key) is an inline table and cannot be extended")
                }
                table = t
            case .tables(let array):
                if last {
                    guard isArray else { throw fail(at: start, "\(key) is an array of tables, not a table") }
                    let t = TOMLTable(origin: .header)
                    array.tables.append(t)
                    return t
                }
                table = array.tables[array.tables.count - 1]
            default:
                throw fail(at: start, "\(key) already holds a value, so it cannot be a table")
            }
        }
        return table
    }

    /// `key = value` into `table`; with `lineEnd`, the rest of the line must be blank or a comment.
    mutating func keyValue(into table: TOMLTable, lineEnd: Bool) throws(TOML.ParseError) {
        guard let c = peek, isBareKey(c) || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") else {
            throw fail("expected a key, such as url = \"…\"")
        }
        let path = try keyPath()
        skipBlanks()
        try expect("=", "expected '=' after the key \(path.joined(separator: "."))")
        skipBlanks()
        let v = try value()
        var target = table
        for key in path.dropLast() {
            switch target[key] {
            case nil:
                let t = TOMLTable(origin: .dotted)
                target.set(key, .table(t))
                target = t
            case .table(let t) where t.origin == .dotted || t.origin == .implicit:
                t.origin = .dotted
                target = t
            default:
                throw fail("\(key) is already defined, so \(path.joined(separator: ".")) cannot extend it")
            }
        }
        let key = path[path.count - 1]
        if target[key] != nil { throw fail("\(path.joined(separator: ".")) is defined twice") }
        target.set(key, v)
        if lineEnd { try endOfLine() }
    }

    /// `a`, `a.b`, `"a b".'c'`: the segments of a key.
    mutating func keyPath() throws(TOML.ParseError) -> [String] {
        var path: [String] = []
        while true {
            skipBlanks()
            guard let c = peek else { throw fail("the file ends inside a key") }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                if i + 2 < bytes.count, bytes[i + 1] == c, bytes[i + 2] == c { throw fail("a key cannot be a multi-line string") }
                path.append(c == UInt8(ascii: "\"") ? try basicString() : try literalString())
            } else if isBareKey(c) {
                let start = i
                while let c = peek, isBareKey(c) { i += 1 }
                path.append(String(decoding: bytes[start..<i], as: UTF8.self))
            } else {
                throw fail("expected a key name")
            }
            skipBlanks()
            guard peek == UInt8(ascii: ".") else { return path }
            i += 1
        }
    }

    // MARK: - Values

    mutating func value() throws(TOML.ParseError) -> TOMLValue {
        guard let c = peek else { throw fail("expected a value, but the file ends") }
        switch c {
        case UInt8(ascii: "\""):
            return .string(isTripled(c) ? try multiLineBasicString() : try basicString())
        case UInt8(ascii: "'"):
            return .string(isTripled(c) ? try multiLineLiteralString() : try literalString())
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "{"): return try inlineTable()
        default: return try scalar()
        }
    }

    mutating func array() throws(TOML.ParseError) -> TOMLValue {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw fail("arrays and tables nest deeper than \(Self.maxDepth) levels") }
        i += 1
        var items: [TOMLValue] = []
        while true {
            skipBlankLinesAndComments()
            guard let c = peek else { throw fail("the file ends inside an array: expected ']'") }
            if c == UInt8(ascii: "]") { i += 1; return .array(items) }
            items.append(try value())
            skipBlankLinesAndComments()
            guard let d = peek else { throw fail("the file ends inside an array: expected ']'") }
            if d == UInt8(ascii: ",") { i += 1; continue }
            if d == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail("expected ',' or ']' in the array")
        }
    }

    mutating func inlineTable() throws(TOML.ParseError) -> TOMLValue {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw fail("arrays and tables nest deeper than \(Self.maxDepth) levels") }
        i += 1
        let table = TOMLTable(origin: .dotted)
        skipBlanks()
        if peek == UInt8(ascii: "}") { i += 1; table.origin = .inline; return .table(table) }
        while true {
            skipBlanks()
            if peek == 0x0A || peek == 0x0D { throw fail("an inline table must stay on one line") }
            try keyValue(into: table, lineEnd: false)
            skipBlanks()
            guard let c = peek else { throw fail("the file ends inside an inline table: expected '}'") }
            if c == UInt8(ascii: ",") { i += 1; continue }
            if c == UInt8(ascii: "}") { i += 1; break }
            throw fail("expected ',' or '}' in the inline table (it must stay on one line)")
        }
        freeze(table)
        return .table(table)
    }

    /// An inline table and the tables its dotted keys made are complete: no header may add to them.
    func freeze(_ table: TOMLTable) {
        table.origin = .inline
        for key in table.keys { if case .table(let t) = table[key], t.origin == .dotted { freeze(t) } }
    }

    /// Booleans, numbers, dates and times: a run of the characters they are written with.
    mutating func scalar() throws(TOML.ParseError) -> TOMLValue {
        let start = i
        while let c = peek, isScalarByte(c) { i += 1 }
        // A date and a time may be separated by one space: 1979-05-27 07:32:00.
        if i - start == 10, bytes[start + 4] == UInt8(ascii: "-"), peek == UInt8(ascii: " "),
           i + 1 < bytes.count, isDigit(bytes[i + 1]) {
            i += 1
            while let c = peek, isScalarByte(c) { i += 1 }
        }
        let token = String(decoding: bytes[start..<i], as: UTF8.self)
        if token.isEmpty { throw fail("expected a value (a string in quotes, a number, true, false, an array or a table)") }
        if token == "true" { return .bool(true) }
        if token == "false" { return .bool(false) }
        if let n = Self.integer(token) { return .integer(n) }
        if let x = Self.float(token) { return .float(x) }
        if Self.isDateTime(token) { return .dateTime(token) }
        throw fail("\"\(token)\" is not a value: strings go in quotes")
    }

    static func integer(_ token: String) -> Int64? {
        var t = Substring(token)
        var radix = 10
        for (prefix, r) in [("0x", 16), ("0o", 8), ("0b", 2)] where t.hasPrefix(prefix) { radix = r; t = t.dropFirst(2) }
        if radix == 10 {
            let digits = t.first == "+" || t.first == "-" ? t.dropFirst() : t
            if digits.count > 1 && digits.first == "0" { return nil }  // no leading zeros
        } else if t.first == "+" || t.first == "-" {
            return nil
        }
        guard validUnderscores(t.first == "+" || t.first == "-" ? t.dropFirst() : t) else { return nil }
        return Int64(t.replacingOccurrences(of: "_", with: ""), radix: radix)
    }

    static func float(_ token: String) -> Double? {
        let unsigned = token.first == "+" || token.first == "-" ? token.dropFirst() : Substring(token)
        if unsigned == "inf" { return token.first == "-" ? -.infinity : .infinity }
        if unsigned == "nan" { return .nan }
        guard unsigned.first.map({ $0.isASCII && $0.isNumber }) == true, unsigned.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        // Digits on both sides of the point; no leading zero before more digits.
        let mantissa = unsigned.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "e" || $0 == "E" })[0]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count > 2 || parts.contains(where: { $0.isEmpty }) { return nil }
        if parts[0].count > 1 && parts[0].first == "0" { return nil }
        guard validUnderscores(unsigned.replacingOccurrences(of: ".", with: "0").replacingOccurrences(of: "e", with: "0").replacingOccurrences(of: "E", with: "0")[...])
        else { return nil }
        return Double(token.replacingOccurrences(of: "_", with: ""))
    }

    /// Underscores only between two digits.
    static func validUnderscores(_ s: Substring) -> Bool {
        let b = Array(s.utf8)
        for (n, c) in b.enumerated() where c == UInt8(ascii: "_") {
            guard n > 0, n + 1 < b.count, isHexDigit(b[n - 1]), isHexDigit(b[n + 1]) else { return false }
        }
        return true
    }

    /// Offset and local dates and times, written as RFC 3339 allows (loosely checked: they are not used).
    static func isDateTime(_ token: String) -> Bool {
        let b = Array(token.utf8)
        let isDate = b.count >= 10 && b[0..<4].allSatisfy(isDigit) && b[4] == UInt8(ascii: "-") && b[5..<7].allSatisfy(isDigit)
            && b[7] == UInt8(ascii: "-") && b[8..<10].allSatisfy(isDigit)
        let isTime = b.count >= 8 && b[0..<2].allSatisfy(isDigit) && b[2] == UInt8(ascii: ":") && b[3..<5].allSatisfy(isDigit)
            && b[5] == UInt8(ascii: ":") && b[6..<8].allSatisfy(isDigit)
        return (isDate || isTime) && b.allSatisfy { isDigit($0) || ":-+.TtZz ".utf8.contains($0) }
    }

    // MARK: - Strings

    func isTripled(_ q: UInt8) -> Bool { i + 2 < bytes.count && bytes[i + 1] == q && bytes[i + 2] == q }

    mutating func basicString() throws(TOML.ParseError) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek, c != UInt8(ascii: "\n") else { throw fail("a string is not closed on its line: expected '\"'") }
            i += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\") { try escape(into: &out); continue }
            if isControl(c) { throw fail("a control character must be escaped in a string") }
            out.append(c)
        }
    }

    mutating func multiLineBasicString() throws(TOML.ParseError) -> String {
        i += 3
        skipNewline()
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw fail("the file ends inside a \"\"\" string") }
            if c == UInt8(ascii: "\""), isTripled(c) {
                // Up to two quotes may stand just before the closing three.
                var run = 3
                while run < 5, i + run < bytes.count, bytes[i + run] == c { run += 1 }
                out.append(contentsOf: repeatElement(c, count: run - 3))
                i += run
                return String(decoding: out, as: UTF8.self)
            }
            i += 1
            if c == UInt8(ascii: "\\") {
                // A backslash at the end of a line trims the line break and the white space after it.
                var j = i
                while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
                if j < bytes.count, bytes[j] == 0x0A || (bytes[j] == 0x0D && j + 1 < bytes.count && bytes[j + 1] == 0x0A) {
                    i = j
                    while let d = peek, d == 0x20 || d == 0x09 || d == 0x0A || d == 0x0D { i += 1 }
                    continue
                }
                try escape(into: &out)
                continue
            }
            if isControl(c) && c != 0x0A && !(c == 0x0D && peek == 0x0A) { throw fail("a control character must be escaped in a string") }
            out.append(c)
        }
    }

    mutating func literalString() throws(TOML.ParseError) -> String {
        i += 1
        let start = i
        while true {
            guard let c = peek, c != UInt8(ascii: "\n") else { throw fail("a string is not closed on its line: expected \"'\"") }
            if c == UInt8(ascii: "'") { i += 1; return String(decoding: bytes[start..<i - 1], as: UTF8.self) }
            if isControl(c) { throw fail("a control character cannot stand in a literal string") }
            i += 1
        }
    }

    mutating func multiLineLiteralString() throws(TOML.ParseError) -> String {
        i += 3
        skipNewline()
        let start = i
        while true {
            guard let c = peek else { throw fail("the file ends inside a ''' string") }
            if c == UInt8(ascii: "'"), isTripled(c) {
                var run = 3
                while run < 5, i + run < bytes.count, bytes[i + run] == c { run += 1 }
                let end = i + run - 3
                i += run
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            if isControl(c) && c != 0x0A && !(c == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) {
                throw fail("a control character cannot stand in a literal string")
            }
            i += 1
        }
    }

    /// The escape after a backslash (already consumed).
    mutating func escape(into out: inout [UInt8]) throws(TOML.ParseError) {
        guard let c = peek else { throw fail("the file ends inside an escape") }
        i += 1
        switch c {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(c)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = c == UInt8(ascii: "u") ? 4 : 8
            guard i + count <= bytes.count, bytes[i..<i + count].allSatisfy(isHexDigit),
                  let code = UInt32(String(decoding: bytes[i..<i + count], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(code)
            else { throw fail("\\\(Character(Unicode.Scalar(c))) must be followed by \(count) hex digits naming a Unicode scalar") }
            i += count
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw fail("unknown escape \\\(Character(Unicode.Scalar(c))) in a string")
        }
    }

    // MARK: - Layout

    var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func skipBlanks() { while let c = peek, c == 0x20 || c == 0x09 { i += 1 } }

    mutating func skipNewline() {
        if peek == 0x0A { i += 1 } else if peek == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 2 }
    }

    mutating func skipComment() throws(TOML.ParseError) {
        guard peek == UInt8(ascii: "#") else { return }
        while let c = peek, c != 0x0A {
            if isControl(c) && c != 0x0D { throw fail("a control character cannot stand in a comment") }
            i += 1
        }
    }

    mutating func skipBlankLinesAndComments() {
        while let c = peek {
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 } else if c == UInt8(ascii: "#") {
                while let d = peek, d != 0x0A { i += 1 }
            } else { return }
        }
    }

    /// After a key-value pair or header: blanks, perhaps a comment, then a line break or the end.
    mutating func endOfLine() throws(TOML.ParseError) {
        skipBlanks()
        try skipComment()
        guard let c = peek else { return }
        if c == 0x0A || (c == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) { skipNewline(); return }
        throw fail("expected the end of the line after the value (one key = value per line)")
    }

    mutating func expect(_ c: Unicode.Scalar, _ message: String) throws(TOML.ParseError) {
        guard peek == UInt8(c.value) else { throw fail(message) }
        i += 1
    }

    func fail(at offset: Int? = nil, _ message: String) -> TOML.ParseError {
        var line = 1
        for b in bytes[..<min(offset ?? i, bytes.count)] where b == 0x0A { line += 1 }
        return TOML.ParseError(line: line, message: message)
    }
}

private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
private func isHexDigit(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
private func isBareKey(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x5F || c == 0x2D }
private func isScalarByte(_ c: UInt8) -> Bool { isBareKey(c) || c == 0x2B || c == 0x2E || c == 0x3A }
private func isControl(_ c: UInt8) -> Bool { (c < 0x20 && c != 0x09) || c == 0x7F }
