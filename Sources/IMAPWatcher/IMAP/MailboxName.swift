import Foundation

/// A mailbox name held in Unicode and written on the wire in IMAP's modified UTF-7 (RFC 3501 §5.1.3),
/// so `迷惑メール` works as well as `Junk`.
public struct MailboxName: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let name: String

    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }

    public var description: String { name }

    /// The name as an IMAP quoted string in modified UTF-7.
    public var wire: String {
        var out = ""
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            var bytes: [UInt8] = []
            for u in pending { bytes.append(UInt8(u >> 8)); bytes.append(UInt8(u & 0xFF)) }
            let b64 = Data(bytes).base64EncodedString().replacingOccurrences(of: "/", with: ",").replacingOccurrences(of: "=", with: "")
            out += "&" + b64 + "-"
            pending.removeAll()
        }
        for unit in name.utf16 {
            if unit >= 0x20 && unit <= 0x7E {
                flush()
                out += unit == 0x26 ? "&-" : String(UnicodeScalar(UInt8(unit)))
            } else {
                pending.append(unit)
            }
        }
        flush()
        return "\"" + out.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Decodes a modified UTF-7 name as a server lists it.
    public static func decode(_ wire: String) -> MailboxName {
        var out = ""
        var i = wire.startIndex
        while i < wire.endIndex {
            let c = wire[i]
            if c == "&", let dash = wire[i...].firstIndex(of: "-") {
                let chunk = wire[wire.index(after: i)..<dash]
                if chunk.isEmpty {
                    out += "&"
                } else {
                    var b64 = chunk.replacingOccurrences(of: ",", with: "/")
                    while b64.count % 4 != 0 { b64 += "=" }
                    if let data = Data(base64Encoded: b64) {
                        let bytes = [UInt8](data)
                        var units: [UInt16] = []
                        var k = 0
                        while k + 1 < bytes.count { units.append(UInt16(bytes[k]) << 8 | UInt16(bytes[k + 1])); k += 2 }
                        out += String(decoding: units, as: UTF16.self)
                    }
                }
                i = wire.index(after: dash)
                continue
            }
            out.append(c)
            i = wire.index(after: i)
        }
        return MailboxName(out)
    }
}
