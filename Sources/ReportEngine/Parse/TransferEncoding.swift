/// Content-Transfer-Encoding decoders (RFC 2045 §6): lenient, never failing.
public enum TransferEncoding {
    /// Decodes base64, skipping anything outside the alphabet and tolerating missing padding.
    public static func base64(_ input: some Sequence<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.underestimatedCount / 4 * 3)
        var acc: UInt32 = 0
        var bits = 0
        for c in input {
            let v: UInt32
            switch c {
            case 0x41...0x5A: v = UInt32(c - 0x41)
            case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
            case 0x30...0x39: v = UInt32(c - 0x30 + 52)
            case 0x2B, 0x2D: v = 62
            case 0x2F, 0x5F: v = 63
            case 0x3D:
                bits = 0; acc = 0  // padding ends a quantum
                continue
            default: continue
            }
            acc = (acc << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    /// Decodes quoted-printable: `=XX`, soft line breaks, and a lone `=` kept as is.
    public static func quotedPrintable(_ input: ArraySlice<UInt8>, header: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = input.startIndex
        while i < input.endIndex {
            let c = input[i]
            if c == 0x3D {
                if i + 1 < input.endIndex, input[i + 1] == 0x0A { i += 2; continue }
                if i + 2 < input.endIndex, input[i + 1] == 0x0D, input[i + 2] == 0x0A { i += 3; continue }
                if i + 2 < input.endIndex, let h = Bytes.hexValue(input[i + 1]), let l = Bytes.hexValue(input[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                    continue
                }
                // "= " followed by spaces up to the end of the line is a soft break too.
                var j = i + 1
                while j < input.endIndex, input[j] == 0x20 || input[j] == 0x09 { j += 1 }
                if j < input.endIndex, input[j] == 0x0A { i = j + 1; continue }
                if j + 1 < input.endIndex, input[j] == 0x0D, input[j + 1] == 0x0A { i = j + 2; continue }
                if j == input.endIndex, !header { break }
                out.append(c)
                i += 1
                continue
            }
            if header, c == 0x5F { out.append(0x20) } else { out.append(c) }
            i += 1
        }
        return out
    }
}
