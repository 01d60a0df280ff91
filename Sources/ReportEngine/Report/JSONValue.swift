/// A JSON value with ordered object keys, so that output follows the documented field order and
/// unknown values print as `null`.
public indirect enum JSONValue: Sendable, Hashable {
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
        case .null: out.append("null")
        case .bool(let b): out.append(b ? "true" : "false")
        case .number(let n): out.append(String(n))
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let a):
            out.append("[")
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(",") }
                v.write(&out)
            }
            out.append("]")
        case .object(let o):
            out.append("{")
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out.append(",") }
                JSONValue.quote(k, into: &out)
                out.append(":")
                v.write(&out)
            }
            out.append("}")
        }
    }

    /// A JSON string: runs of bytes that need no escape are copied whole; control characters,
    /// DEL, U+2028 and U+2029 are written as escapes.
    fileprivate static func quote(_ s: String, into out: inout JSONOutput) {
        out.append("\"")
        var s = s
        s.withUTF8 { b in
            var run = 0
            var i = 0
            func escape(_ text: String, skipping n: Int) {
                out.append(UnsafeBufferPointer(rebasing: b[run..<i]))
                out.append(text)
                i += n
                run = i
            }
            while i < b.count {
                let c = b[i]
                switch c {
                case 0x22: escape("\\\"", skipping: 1)
                case 0x5C: escape("\\\\", skipping: 1)
                case 0x0A: escape("\\n", skipping: 1)
                case 0x0D: escape("\\r", skipping: 1)
                case 0x09: escape("\\t", skipping: 1)
                case 0..<0x20, 0x7F:
                    let hex = String(c, radix: 16)
                    escape("\\u" + String(repeating: "0", count: 4 - hex.count) + hex, skipping: 1)
                case 0xE2 where i + 2 < b.count && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9):
                    escape(b[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", skipping: 3)
                default:
                    i += 1
                }
            }
            out.append(UnsafeBufferPointer(rebasing: b[run..<b.count]))
        }
        out.append("\"")
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

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBufferPointer { sink($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
