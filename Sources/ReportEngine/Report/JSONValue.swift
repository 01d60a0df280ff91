/// A JSON value with ordered object keys, so that output follows the documented field order and
/// unknown values print as `null`.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }
    public func hash(into h: inout Hasher) { h.combine(serialized()) }

    public static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
    public static func strings(_ a: [String]) -> JSONValue { .array(a.map(JSONValue.string)) }

    /// Compact JSON text on one line; non-ASCII characters are written as themselves.
    public func serialized() -> String { String(decoding: utf8(), as: UTF8.self) }

    /// `serialized()` as UTF-8 bytes.
    public func utf8() -> [UInt8] {
        var all: [UInt8] = []
        write { all.append(contentsOf: $0) }
        return all
    }

    /// Hands the UTF-8 of `serialized()` to `sink` piece by piece (at most 64 KB at a time, or one
    /// long string run), so writing out a 25 MB message's text needs no copy of it.
    public func write(to sink: (UnsafeBufferPointer<UInt8>) -> Void) {
        withoutActuallyEscaping(sink) { sink in
            var out = JSONOutput(sink: sink)
            write(&out)
            out.flush()
        }
    }

    private func write(_ out: inout JSONOutput) {
        switch self {
        case .null: out.append("null" as StaticString)
        case .bool(let b): out.append(b ? "true" : "false" as StaticString)
        case .number(let n): out.append(String(n))
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let a):
            out.append(byte: 0x5B)  // [
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(byte: 0x2C) }  // ,
                v.write(&out)
            }
            out.append(byte: 0x5D)  // ]
        case .object(let o):
            out.append(byte: 0x7B)  // {
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out.append(byte: 0x2C) }  // ,
                JSONValue.quote(k, into: &out)
                out.append(byte: 0x3A)  // :
                v.write(&out)
            }
            out.append(byte: 0x7D)  // }
        }
    }

    /// A JSON string: runs of bytes that need no escape are copied whole; control characters,
    /// DEL, U+2028 and U+2029 are written as escapes.
    fileprivate static func quote(_ s: String, into out: inout JSONOutput) {
        out.append(byte: 0x22)
        var s = s
        let escapes = mayNeedEscape
        s.withUTF8 { b in
            var run = 0
            var i = 0
            while i < b.count {
                // The bytes that need no escape are skipped by `plainRun` (no closure shares `i`,
                // which keeps it in a register).
                i = plainRun(b, from: i, escapes)
                guard i < b.count else { break }
                let c = b[i]
                let escaped: StaticString
                var skip = 1
                switch c {
                case 0x22: escaped = "\\\""
                case 0x5C: escaped = "\\\\"
                case 0x0A: escaped = "\\n"
                case 0x0D: escaped = "\\r"
                case 0x09: escaped = "\\t"
                case 0..<0x20, 0x7F:
                    out.append(UnsafeBufferPointer(rebasing: b[run..<i]))
                    let hex = String(c, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                    i += 1
                    run = i
                    continue
                case 0xE2 where i + 2 < b.count && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9):
                    escaped = b[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    skip = 3
                default:
                    i += 1
                    continue
                }
                out.append(UnsafeBufferPointer(rebasing: b[run..<i]))
                out.append(UnsafeBufferPointer(start: escaped.utf8Start, count: escaped.utf8CodeUnitCount))
                i += skip
                run = i
            }
            out.append(UnsafeBufferPointer(rebasing: b[run..<b.count]))
        }
        out.append(byte: 0x22)
    }

    /// The bytes that may need an escape: controls, quote, backslash, DEL, and 0xE2, the lead byte
    /// of U+2028 and U+2029.
    private static let mayNeedEscape = Bytes.ByteSet(Array(0..<0x20) + [0x22, 0x5C, 0x7F, 0xE2])

    /// Where the run of bytes from `start` that need no escape ends: eight bytes at a time while a
    /// block holds none that may, then one bit test a byte.
    @inline(__always) private static func plainRun(_ b: UnsafeBufferPointer<UInt8>, from start: Int, _ escapes: Bytes.ByteSet) -> Int {
        var i = start
        if let base = b.baseAddress {
            while i + 8 <= b.count {
                let v = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if Bytes.Word.holdsByte(below: 0x20, v) || Bytes.Word.holds(v, 0x22) || Bytes.Word.holds(v, 0x5C)
                    || Bytes.Word.holds(v, 0x7F) || Bytes.Word.holds(v, 0xE2)
                {
                    break
                }
                i += 8
            }
        }
        while i < b.count, !escapes.contains(b[i]) { i += 1 }
        return i
    }
}

/// Collects output bytes in a 64 KB buffer and hands them on when it fills.
private struct JSONOutput {
    let sink: (UnsafeBufferPointer<UInt8>) -> Void
    var buffer: [UInt8] = []
    static let size = 65_536

    init(sink: @escaping (UnsafeBufferPointer<UInt8>) -> Void) {
        self.sink = sink
        buffer.reserveCapacity(Self.size)
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if buffer.count + bytes.count > Self.size { flush() }
        if bytes.count > Self.size { sink(bytes) } else { buffer.append(contentsOf: bytes) }
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// One byte of punctuation, with no String made for it.
    mutating func append(byte: UInt8) {
        if buffer.count == Self.size { flush() }
        buffer.append(byte)
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBufferPointer { sink($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
