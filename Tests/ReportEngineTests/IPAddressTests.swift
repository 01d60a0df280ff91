#if canImport(Glibc)
    import Glibc
#endif
import Testing

@testable import ReportEngine

struct IPAddressTests {
    /// Dotted IPv4 is read by hand; it must accept exactly what inet_pton accepts, with the same bytes.
    @Test func dottedIPv4AgreesWithInetPton() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789.....".utf8) + [UInt8(ascii: "2"), UInt8(ascii: "5"), UInt8(ascii: "x")]
        var accepted = 0
        for k in 0..<100_000 {
            let text: String
            if k % 3 == 0 {
                text = (0..<4).map { _ in String(Int.random(in: 0...300, using: &rng)) }.joined(separator: ".")
            } else {
                text = String(decoding: (0..<Int.random(in: 1...16, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }, as: UTF8.self)
            }
            var a = in_addr()
            let expected: [UInt8]? = inet_pton(AF_INET, text, &a) == 1 ? withUnsafeBytes(of: &a) { Array($0) } : nil
            #expect(IPAddress(text)?.bytes == expected, "\(text)")
            if expected != nil { accepted += 1 }
        }
        #expect(accepted > 10_000)
        #expect(IPAddress("[192.0.2.1]")?.description == "192.0.2.1")
        #expect(IPAddress("01.2.3.4") == nil)
    }
}
