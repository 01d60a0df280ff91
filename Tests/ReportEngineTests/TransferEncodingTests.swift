import Foundation
import Testing

@testable import ReportEngine

struct TransferEncodingTests {
    /// The lenient decoder one character at a time, as the rule reads: six bits per character of
    /// either alphabet, padding ends a quantum, anything else is skipped.
    static func reference(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        for c in input {
            let v = TransferEncoding.base64Values[Int(c)]
            if v == 0xFE { bits = 0; acc = 0; continue }
            guard v < 64 else { continue }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(acc >> UInt32(bits) & 0xFF))
            }
        }
        return out
    }

    @Test func wrappedBase64DecodesToWhatWasEncoded() {
        var rng = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 3, 4, 57, 58, 59, 1000, 4099] {
            let data = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let text = data.base64EncodedData(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            #expect(TransferEncoding.base64(Array(text)) == Array(data), "\(size) bytes")
        }
        #expect(TransferEncoding.base64(Array("aGVsbG8".utf8)) == Array("hello".utf8))  // padding missing
        #expect(TransferEncoding.base64(Array("aGVs-_8=".utf8)) == [0x68, 0x65, 0x6C, 0xFB, 0xFF])  // URL alphabet
    }

    /// Broken input — stray characters, padding in the middle, quanta cut short — decodes as the
    /// one-character-at-a-time rule does.
    @Test func brokenBase64DecodesAsTheRuleSays() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("QUJDRA==ab+/-_=\r\n .!é".utf8)
        for _ in 0..<20_000 {
            let input = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            #expect(TransferEncoding.base64(input) == Self.reference(input), "\(String(decoding: input, as: UTF8.self).debugDescription)")
        }
    }
}
