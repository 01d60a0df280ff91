/// Rewrites ISO-2022-JP (RFC 1468, with the CP50220/50221/50222 extensions) into EUC-JP bytes.
///
/// The JIS X 0208 rows are the same in both encodings (EUC-JP sets the high bit of each byte), so the
/// rewrite keeps every extension character that glibc's ISO-2022-JP converter refuses; EUC-JP-MS then
/// maps them. Half-width katakana (ESC ( I, SO/SI, or raw 8-bit bytes) become EUC's SS2 form, and
/// JIS X 0212 (ESC $ ( D) its SS3 form.
enum ISO2022JP {
    private enum Mode { case ascii, jis0208, katakana, jis0212 }

    /// Returns the EUC-JP bytes and the number of bytes that fit no rule.
    static func toEUCJP(_ input: [UInt8]) -> ([UInt8], Int) {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var mode = Mode.ascii
        var saved = Mode.ascii
        var bad = 0
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            if b == 0x1B {
                let rest = input[(i + 1)..<min(n, i + 4)]
                if rest.starts(with: [0x24, 0x42]) || rest.starts(with: [0x24, 0x40]) {
                    mode = .jis0208; i += 3; continue
                }
                if rest.starts(with: [0x24, 0x28, 0x42]) || rest.starts(with: [0x24, 0x28, 0x51]) || rest.starts(with: [0x24, 0x28, 0x4F]) {
                    mode = .jis0208; i += 4; continue
                }
                if rest.starts(with: [0x24, 0x28, 0x44]) { mode = .jis0212; i += 4; continue }
                if rest.starts(with: [0x28, 0x42]) || rest.starts(with: [0x28, 0x4A]) || rest.starts(with: [0x28, 0x48]) {
                    mode = .ascii; i += 3; continue
                }
                if rest.starts(with: [0x28, 0x49]) { mode = .katakana; i += 3; continue }
                if rest.starts(with: [0x26, 0x40]) { i += 3; continue }  // JIS X 0208-1990 announcer
                bad += 1; i += 1; continue
            }
            if b == 0x0E { saved = mode; mode = .katakana; i += 1; continue }
            if b == 0x0F { mode = saved == .katakana ? .ascii : saved; i += 1; continue }
            if b == 0x0A || b == 0x0D {
                out.append(b); i += 1; continue
            }
            if b >= 0x80 {
                if (0xA1...0xDF).contains(b) { out.append(0x8E); out.append(b) } else { bad += 1 }
                i += 1; continue
            }
            switch mode {
            case .ascii:
                out.append(b); i += 1
            case .katakana:
                if (0x21...0x5F).contains(b) { out.append(0x8E); out.append(b | 0x80) } else { out.append(b) }
                i += 1
            case .jis0208, .jis0212:
                if b < 0x21 || b > 0x7E {
                    out.append(b); i += 1; continue
                }
                guard i + 1 < n, (0x21...0x7E).contains(input[i + 1]) else {
                    bad += 1; i += 1; continue
                }
                if mode == .jis0212 { out.append(0x8F) }
                out.append(b | 0x80); out.append(input[i + 1] | 0x80)
                i += 2
            }
        }
        return (out, bad)
    }
}
