import Testing
@testable import ReportEngine

@Suite struct CharsetTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let label: String?
        let bytes: [UInt8]
        let expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "ISO-2022-JP kanji and kana", label: "iso-2022-jp",
             bytes: [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x4B, 0x5C, 0x38, 0x6C, 0x1B, 0x28, 0x42], expected: "日本語"),
        Case(name: "ISO-2022-JP with CP50221 NEC row 13 (① ㈱)", label: "ISO-2022-JP",
             bytes: [0x1B, 0x24, 0x42, 0x2D, 0x21, 0x2D, 0x6A, 0x1B, 0x28, 0x42], expected: "①㈱"),
        Case(name: "ISO-2022-JP half-width katakana (ESC ( I)", label: "iso-2022-jp",
             bytes: [0x1B, 0x28, 0x49, 0x36, 0x40, 0x1B, 0x28, 0x42], expected: "ｶﾀ"),
        Case(name: "Shift_JIS label decodes CP932 extensions", label: "Shift_JIS",
             bytes: [0x87, 0x40, 0x87, 0x8A, 0x82, 0xA0], expected: "①㈱あ"),
        Case(name: "EUC-JP", label: "euc-jp", bytes: [0xC6, 0xFC, 0xCB, 0xDC, 0xB8, 0xEC], expected: "日本語"),
        Case(name: "EUC-JP with NEC row 13", label: "EUC-JP", bytes: [0xAD, 0xA1, 0xAD, 0xEA], expected: "①㈱"),
        Case(name: "UTF-8", label: "utf-8", bytes: Array("スパム".utf8), expected: "スパム"),
        Case(name: "Latin-1 read as Windows-1252", label: "iso-8859-1", bytes: [0x43, 0x61, 0x66, 0xE9, 0x80], expected: "Café€"),
        Case(name: "GB18030 (gb2312 label)", label: "gb2312", bytes: [0xD6, 0xD0, 0xCE, 0xC4], expected: "中文"),
        Case(name: "Big5", label: "big5", bytes: [0xA4, 0xA4, 0xA4, 0xE5], expected: "中文"),
        Case(name: "EUC-KR (ks_c_5601-1987 label)", label: "ks_c_5601-1987", bytes: [0xC7, 0xD1, 0xB1, 0xDB], expected: "한글"),
        Case(name: "damaged label _iso-2022-jp$ESC", label: "_iso-2022-jp$ESC",
             bytes: [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x4B, 0x5C, 0x1B, 0x28, 0x42], expected: "日本"),
        Case(name: "quoted label \"u\"tf-8", label: "\"u\"tf-8", bytes: Array("ok✓".utf8), expected: "ok✓"),
    ]

    @Test(arguments: cases)
    func decodes(_ c: Case) {
        let d = Charset.decode(c.bytes, label: c.label)
        #expect(d.text == c.expected)
        #expect(d.errors == 0)
    }

    @Test func unknownLabelFallsBackToDetectionAndSaysSo() {
        let sjis: [UInt8] = [0x82, 0xB1, 0x82, 0xF1, 0x82, 0xC9, 0x82, 0xBF, 0x82, 0xCD]  // こんにちは
        let d = Charset.decode(sjis, label: "x-no-such-charset")
        #expect(d.text == "こんにちは")
        #expect(d.detected)
        #expect(d.used == "CP932")
    }

    @Test func wrongLabelIsCorrectedByDetection() {
        let euc: [UInt8] = [0xA4, 0xB3, 0xA4, 0xF3, 0xA4, 0xCB, 0xA4, 0xC1, 0xA4, 0xCF]  // こんにちは in EUC-JP, labelled UTF-8
        let d = Charset.decode(euc, label: "utf-8")
        #expect(d.text == "こんにちは")
        #expect(d.detected)
    }

    @Test func detectionTellsShiftJISFromEUCJP() {
        #expect(Charset.detect([0x96, 0xC0, 0x98, 0x66, 0x83, 0x81, 0x81, 0x5B, 0x83, 0x8B, 0x82, 0xCC, 0x95, 0xF1, 0x8D, 0x90, 0x82, 0xC5, 0x82, 0xB7]).text == "迷惑メールの報告です")
        #expect(Charset.detect([0xCC, 0xC2, 0xCF, 0xC7, 0xA5, 0xE1, 0xA1, 0xBC, 0xA5, 0xEB]).text == "迷惑メール")
    }

    @Test func undecodableBytesBecomeReplacementCharacters() {
        let d = Charset.convert([0x41, 0xFF, 0x42], from: "EUC-JP-MS")
        #expect(d.text.hasPrefix("A"))
        #expect(d.text.hasSuffix("B"))
        #expect(d.text.contains("\u{FFFD}"))
    }
}


/// The ASCII test reads eight bytes at a time: a non-ASCII byte or an ESC is found at any offset.
@Suite struct ASCIITestTests {
    @Test func findsTheOddByteAnywhere() {
        for length in 0..<20 {
            let plain = [UInt8](repeating: 0x61, count: length)
            #expect(Bytes.isASCII(plain))
            #expect(Bytes.isASCII(plain, excludingEscape: true))
            for at in 0..<length {
                for (odd, escape) in [(UInt8(0x80), false), (0xE3, false), (0xFF, false), (0x1B, true)] {
                    var b = plain
                    b[at] = odd
                    #expect(Bytes.isASCII(b) == escape)
                    #expect(!Bytes.isASCII(b, excludingEscape: true))
                    #expect(Bytes.isASCII(b[1...]) == (escape || at == 0))
                }
            }
        }
    }
}

/// The UTF-8 check that lets a decoded body stay bytes must decide exactly as the standard library
/// does, or a body would reach the HTML renderer and the URL scan unrepaired.
@Suite struct UTF8ValidityTests {
    @Test func agreesWithTheStandardLibraryOnEveryLeadAndSecondByte() {
        let tails: [UInt8] = [0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xFF]
        var cases: [[UInt8]] = []
        for first in 0...255 {
            for second in 0...255 {
                cases.append([UInt8(first)])
                cases.append([UInt8(first), UInt8(second)])
                guard first >= 0xE0 else { continue }
                for third in tails {
                    cases.append([UInt8(first), UInt8(second), third])
                    guard first >= 0xF0 else { continue }
                    for fourth in tails { cases.append([UInt8(first), UInt8(second), third, fourth]) }
                }
            }
        }
        let disagreements = cases.filter { Bytes.isValidUTF8($0) != (String(validating: $0, as: UTF8.self) != nil) }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    @Test func longTextsWithASCIIRunsAndBrokenEnds() {
        let text = Array("ascii run of more than eight bytes, 日本語のテキスト, émoji 😀 and more ascii".utf8)
        #expect(Bytes.isValidUTF8(text))
        for cut in 0...text.count {
            let b = Array(text.prefix(cut))
            #expect(Bytes.isValidUTF8(b) == (String(validating: b, as: UTF8.self) != nil), "cut at \(cut)")
        }
        var broken = text
        broken[40] = 0xFF
        #expect(!Bytes.isValidUTF8(broken))
        // A decoding's bytes are always its text's, whichever way it was made.
        for (bytes, label) in [([0x61, 0xFF, 0x62], "utf-8"), ([0x82, 0xA0], "shift_jis"), ([0x61], nil), ([0xE3, 0x81], nil)] as [([UInt8], String?)] {
            let d = Charset.decode(bytes, label: label)
            #expect(d.utf8 == Array(d.text.utf8) && Bytes.isValidUTF8(d.utf8))
        }
    }
}
