/// Content-Transfer-Encoding decoders (RFC 2045 §6): lenient, never failing.
public enum TransferEncoding {
    /// Decodes base64, skipping anything outside the alphabet and tolerating missing padding.
    public static func base64(_ input: some Sequence<UInt8>) -> [UInt8] {
        if let out = input.withContiguousStorageIfAvailable(base64) { return out }
        return Array(input).withUnsafeBufferPointer(base64)
    }

    /// The six bits of each character of both alphabets (`+/` and `-_`); 0xFE for the padding
    /// `=`, 0xFF for anything else.
    static let base64Values: [UInt8] = (0..<256).map { c in
        switch UInt8(c) {
        case 0x41...0x5A: UInt8(c - 0x41)
        case 0x61...0x7A: UInt8(c - 0x61 + 26)
        case 0x30...0x39: UInt8(c - 0x30 + 52)
        case 0x2B, 0x2D: 62
        case 0x2F, 0x5F: 63
        case 0x3D: 0xFE
        default: 0xFF
        }
    }

    /// Six bits come from every character of the alphabet, so the output is at most three
    /// quarters of the input: it is written into a buffer of that size, with no check per byte.
    /// Four characters of the alphabet in a row, the bulk of any body, become three bytes at once.
    private static func base64(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        base64Values.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 + 3) { out, count in
                var acc: UInt32 = 0
                var bits = 0
                var k = 0
                var i = 0
                let n = input.count
                while i < n {
                    if bits == 0, i + 4 <= n {
                        let a = table[Int(input[i])], b = table[Int(input[i + 1])]
                        let c = table[Int(input[i + 2])], d = table[Int(input[i + 3])]
                        if a | b | c | d < 64 {
                            out[k] = a << 2 | b >> 4
                            out[k + 1] = b << 4 | c >> 2
                            out[k + 2] = c << 6 | d
                            k += 3
                            i += 4
                            continue
                        }
                    }
                    let v = table[Int(input[i])]
                    i += 1
                    if v == 0xFE {
                        bits = 0; acc = 0  // padding ends a quantum
                        continue
                    }
                    guard v < 64 else { continue }
                    acc = (acc << 6) | UInt32(v)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        out[k] = UInt8((acc >> UInt32(bits)) & 0xFF)
                        k += 1
                    }
                }
                count = k
            }
        }
    }

    /// Decodes quoted-printable: `=XX`, soft line breaks, and a lone `=` kept as is.
    public static func quotedPrintable(_ input: ArraySlice<UInt8>, header: Bool = false) -> [UInt8] {
        // No input byte makes more than one output byte: the output is written into a buffer of
        // the input's size, with no check per byte.
        input.withUnsafeBufferPointer { src in
            [UInt8](unsafeUninitializedCapacity: src.count) { out, count in
                var k = 0
                var i = 0
                let end = src.count
                while i < end {
                    let c = src[i]
                    if c == 0x3D {
                        if i + 1 < end, src[i + 1] == 0x0A { i += 2; continue }
                        if i + 2 < end, src[i + 1] == 0x0D, src[i + 2] == 0x0A { i += 3; continue }
                        if i + 2 < end, let h = Bytes.hexValue(src[i + 1]), let l = Bytes.hexValue(src[i + 2]) {
                            out[k] = h << 4 | l
                            k += 1
                            i += 3
                            continue
                        }
                        // "= " followed by spaces up to the end of the line is a soft break too.
                        var j = i + 1
                        while j < end, src[j] == 0x20 || src[j] == 0x09 { j += 1 }
                        if j < end, src[j] == 0x0A { i = j + 1; continue }
                        if j + 1 < end, src[j] == 0x0D, src[j + 1] == 0x0A { i = j + 2; continue }
                        if j == end, !header { break }
                        out[k] = c
                        k += 1
                        i += 1
                        continue
                    }
                    if header {
                        out[k] = c == 0x5F ? 0x20 : c
                        k += 1
                        i += 1
                        continue
                    }
                    // A body's run up to the next "=" is copied whole.
                    let next = Bytes.index(of: 0x3D, in: src, from: i) ?? end
                    (out.baseAddress! + k).update(from: src.baseAddress! + i, count: next - i)
                    k += next - i
                    i = next
                }
                count = k
            }
        }
    }
}
