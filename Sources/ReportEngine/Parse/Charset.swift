import CIconv
import Foundation

/// Decodes bytes in a declared or detected character set into Unicode text.
///
/// Every decoder goes through glibc's iconv, except ISO-2022-JP, which is first rewritten to
/// EUC-JP so that the Microsoft extensions of CP50220/CP50221 (①, ㈱, the NEC and IBM rows) survive:
/// glibc's own ISO-2022-JP converter rejects them. A label iconv does not know falls back to
/// detection, and the result says so.
public enum Charset {
    /// The outcome of decoding one run of bytes.
    public struct Decoded: Sendable, Hashable {
        /// The text, as a String or as UTF-8 known to be valid: a body that an HTML renderer or a
        /// URL scan reads as bytes is not made a String (and checked again) on the way.
        private enum Storage: Sendable { case text(String), utf8([UInt8]) }
        private var storage: Storage

        /// The text; undecodable bytes became U+FFFD.
        public var text: String {
            get {
                switch storage {
                case .text(let s): s
                case .utf8(let b): String(decoding: b, as: UTF8.self)
                }
            }
            set { storage = .text(newValue) }
        }
        /// The UTF-8 of `text`.
        public var utf8: [UInt8] {
            switch storage {
            case .text(let s): Array(s.utf8)
            case .utf8(let b): b
            }
        }
        /// The charset actually used, as an iconv name.
        public var used: String
        /// How many bytes could not be decoded.
        public var errors: Int
        /// The declared label was missing, unknown or wrong, so the charset was guessed.
        public var detected: Bool

        public init(text: String, used: String, errors: Int, detected: Bool) {
            self.init(.text(text), used: used, errors: errors, detected: detected)
        }

        /// `bytes` when they are valid UTF-8 (nearly always: iconv's output); otherwise the String
        /// they make, invalid sequences replaced.
        init(utf8 bytes: [UInt8], used: String, errors: Int, detected: Bool) {
            self.init(Bytes.isValidUTF8(bytes) ? .utf8(bytes) : .text(String(decoding: bytes, as: UTF8.self)), used: used, errors: errors, detected: detected)
        }

        /// Bytes the caller has already found to be UTF-8 (ASCII, or checked), kept without a second check.
        init(validUTF8 bytes: [UInt8], used: String, errors: Int, detected: Bool) {
            self.init(.utf8(bytes), used: used, errors: errors, detected: detected)
        }

        private init(_ storage: Storage, used: String, errors: Int, detected: Bool) {
            self.storage = storage
            self.used = used
            self.errors = errors
            self.detected = detected
        }

        public static func == (a: Decoded, b: Decoded) -> Bool {
            a.utf8 == b.utf8 && a.used == b.used && a.errors == b.errors && a.detected == b.detected
        }

        public func hash(into h: inout Hasher) {
            h.combine(utf8)
            h.combine(used)
            h.combine(errors)
            h.combine(detected)
        }
    }

    /// Decodes `bytes` labelled `label` (a MIME charset name, or nil when none was declared).
    public static func decode(_ bytes: some Collection<UInt8>, label: String?) -> Decoded {
        let bytes = Array(bytes)
        if Bytes.isASCII(bytes, excludingEscape: true) {
            if let label, let name = iconvName(for: label), isSevenBitSuperset(name) || name == "UTF-8" {
                return Decoded(validUTF8: bytes, used: name, errors: 0, detected: false)
            }
            if label == nil {
                return Decoded(validUTF8: bytes, used: "US-ASCII", errors: 0, detected: false)
            }
        }
        guard let label, let name = iconvName(for: label) else {
            var guess = detect(bytes)
            guess.detected = label != nil || guess.used != "US-ASCII"
            return guess
        }
        // A declared charset that does not fit the bytes: spam often says one thing and sends another.
        // The first decoding is let go while guessing, and made again if it stays the best.
        let firstErrors: Int
        do {
            let first = convert(bytes, from: name)
            if first.errors == 0 { return first }
            firstErrors = first.errors
        }
        let guess = detect(bytes)
        if guess.errors < firstErrors {
            var g = guess
            g.detected = true
            return g
        }
        return convert(bytes, from: name)
    }

    /// Guesses the charset of unlabelled bytes: ISO-2022-JP by its escapes, UTF-8 by validity, then
    /// Shift_JIS (CP932) against EUC-JP, and Windows-1252 as the last resort.
    public static func detect(_ bytes: [UInt8]) -> Decoded {
        if Bytes.isASCII(bytes) {
            if bytes.contains(0x1B) { return convert(bytes, from: "ISO-2022-JP") }
            return Decoded(validUTF8: bytes, used: "US-ASCII", errors: 0, detected: false)
        }
        if Bytes.isValidUTF8(bytes) {
            return Decoded(validUTF8: bytes, used: "UTF-8", errors: 0, detected: true)
        }
        if bytes.contains(0x1B), bytes.count(where: { $0 >= 0x80 }) * 20 < bytes.count {
            let jis = convert(bytes, from: "ISO-2022-JP")
            if jis.errors == 0 { return withDetected(jis) }
        }
        // Shift_JIS against EUC-JP: a clean decoding that reads as Japanese (kana, kanji) wins;
        // anything else is most likely a Western text in Windows-1252.
        // Each candidate is scored and let go, and the winner decoded again: a large body costs one
        // text at a time, not three.
        var best: (name: String, score: Int, errors: Int)?
        for name in ["CP932", "EUC-JP-MS", "UTF-8"] {
            let score: Int, errors: Int
            if let (utf8, bad) = iconvUTF8(bytes, from: name) {
                (score, errors) = (japaneseScore(utf8: utf8) - 4 * bad, bad)
            } else {
                let d = convert(bytes, from: name)
                (score, errors) = (japaneseScore(d.text) - 4 * d.errors, d.errors)
            }
            if best == nil || score > best!.score { best = (name, score, errors) }
        }
        if let best, best.score > 0, best.errors * 20 < bytes.count {
            return withDetected(convert(bytes, from: best.name))
        }
        return withDetected(convert(bytes, from: "WINDOWS-1252"))
    }

    /// Maps a MIME charset label to the iconv name used for it, or nil when nothing fits.
    public static func iconvName(for label: String) -> String? {
        // An ASCII label (nearly all) is lowered and cleaned on its bytes; any other by Character.
        var key = Bytes.isASCII(label.utf8)
            ? String(decoding: label.utf8.filter { $0 != 0x22 && $0 != 0x27 && $0 != 0x20 && $0 != 0x09 }.map(Bytes.lower), as: UTF8.self)
            : label.lowercased().filter { !"\"' \t".contains($0) }
        if let name = aliases[key] { return name }
        if let cached = probe(key) { return cached }
        // Damaged labels seen in bulk mailers: `_iso-2022-jp$ESC`, `x-sjis`, `utf8;format=flowed`.
        key = String(key.prefix { $0 != ";" })
        if let name = aliases[key] { return name }
        for (needle, name) in fragments where key.contains(needle) { return name }
        return probe(key)
    }

    // MARK: - Private

    private static let aliases: [String: String] = [
        "us-ascii": "US-ASCII", "ascii": "US-ASCII", "ansi_x3.4-1968": "US-ASCII", "us_ascii": "US-ASCII",
        "utf-8": "UTF-8", "utf8": "UTF-8", "unicode-1-1-utf-8": "UTF-8",
        "iso-2022-jp": "ISO-2022-JP", "csiso2022jp": "ISO-2022-JP", "iso2022jp": "ISO-2022-JP",
        "iso-2022-jp-ms": "ISO-2022-JP", "cp50220": "ISO-2022-JP", "cp50221": "ISO-2022-JP",
        "cp50222": "ISO-2022-JP", "iso-2022-jp-1": "ISO-2022-JP", "iso-2022-jp-2": "ISO-2022-JP",
        "iso-2022-jp-3": "ISO-2022-JP", "jis": "ISO-2022-JP",
        "shift_jis": "CP932", "shift-jis": "CP932", "sjis": "CP932", "x-sjis": "CP932", "cp932": "CP932",
        "windows-31j": "CP932", "ms932": "CP932", "x-ms-cp932": "CP932", "ms_kanji": "CP932",
        "csshiftjis": "CP932", "shift_jisx0213": "SHIFT_JISX0213",
        "euc-jp": "EUC-JP-MS", "x-euc-jp": "EUC-JP-MS", "eucjp": "EUC-JP-MS", "cp51932": "EUC-JP-MS",
        "euc-jp-ms": "EUC-JP-MS", "eucjp-ms": "EUC-JP-MS", "cseucpkdfmtjapanese": "EUC-JP-MS",
        "iso-8859-1": "WINDOWS-1252", "latin1": "WINDOWS-1252", "latin-1": "WINDOWS-1252",
        "iso_8859-1": "WINDOWS-1252", "l1": "WINDOWS-1252", "cp819": "WINDOWS-1252",
        "windows-1252": "WINDOWS-1252", "cp1252": "WINDOWS-1252",
        "gb2312": "GB18030", "gbk": "GB18030", "gb18030": "GB18030", "x-gbk": "GB18030", "cp936": "GB18030",
        "euc-cn": "GB18030", "csgb2312": "GB18030", "hz-gb-2312": "GB18030",
        "big5": "BIG5-HKSCS", "big5-hkscs": "BIG5-HKSCS", "x-x-big5": "BIG5-HKSCS", "cp950": "BIG5-HKSCS",
        "euc-kr": "CP949", "ks_c_5601-1987": "CP949", "ks_c_5601": "CP949", "korean": "CP949",
        "cp949": "CP949", "x-windows-949": "CP949", "ksc5601": "CP949", "iso-2022-kr": "ISO-2022-KR",
        "utf-16": "UTF-16", "utf-16le": "UTF-16LE", "utf-16be": "UTF-16BE", "utf-7": "UTF-7",
    ]

    private static let fragments: [(String, String)] = [
        ("2022-jp", "ISO-2022-JP"), ("shift", "CP932"), ("sjis", "CP932"), ("euc-jp", "EUC-JP-MS"),
        ("utf-8", "UTF-8"), ("utf8", "UTF-8"), ("8859-1", "WINDOWS-1252"),
    ]

    private static func isSevenBitSuperset(_ name: String) -> Bool {
        !["UTF-16", "UTF-16LE", "UTF-16BE", "UTF-7", "ISO-2022-KR"].contains(name)
    }

    /// Asks iconv whether it knows a label.
    private static func probe(_ label: String) -> String? {
        guard !label.isEmpty, label.count < 40,
            label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
        else { return nil }
        let name = label.uppercased()
        guard let cd = IconvPool.shared.take(name) else { return nil }
        IconvPool.shared.give(back: cd, name)
        return name
    }

    private static func withDetected(_ d: Decoded) -> Decoded {
        var d = d
        d.detected = true
        return d
    }

    /// Favours decodings that produce kana, which real Japanese text is full of.
    private static func japaneseScore(_ text: String) -> Int {
        var score = 0
        for s in text.unicodeScalars {
            switch s.value {
            case 0x3040...0x30FF: score += 2
            case 0x4E00...0x9FFF: score += 1
            case 0xFF61...0xFF9F: score -= 1
            case 0xE000...0xF8FF: score -= 3
            default: break
            }
        }
        return score
    }

    /// `japaneseScore` of the text whose UTF-8 is `utf8` (the characters it counts take three bytes).
    private static func japaneseScore(utf8: [UInt8]) -> Int {
        var score = 0
        var i = 0
        while i < utf8.count {
            let b = utf8[i]
            guard b >= 0xE0, b < 0xF0, i + 2 < utf8.count else { i += 1; continue }
            let v = UInt32(b & 0x0F) << 12 | UInt32(utf8[i + 1] & 0x3F) << 6 | UInt32(utf8[i + 2] & 0x3F)
            switch v {
            case 0x3040...0x30FF: score += 2
            case 0x4E00...0x9FFF: score += 1
            case 0xFF61...0xFF9F: score -= 1
            case 0xE000...0xF8FF: score -= 3
            default: break
            }
            i += 3
        }
        return score
    }

    static func convert(_ bytes: [UInt8], from name: String) -> Decoded {
        if name == "ISO-2022-JP" {
            let (euc, bad) = ISO2022JP.toEUCJP(bytes)
            var d = iconvDecode(euc, from: "EUC-JP-MS")
            d.errors += bad
            d.used = "ISO-2022-JP"
            return d
        }
        if name == "UTF-8", Bytes.isValidUTF8(bytes) {
            return Decoded(validUTF8: bytes, used: name, errors: 0, detected: false)
        }
        return iconvDecode(bytes, from: name)
    }

    private static func iconvDecode(_ input: [UInt8], from name: String) -> Decoded {
        guard let (output, errors) = iconvUTF8(input, from: name) else {
            return Decoded(text: String(decoding: input, as: UTF8.self), used: "UTF-8", errors: 1, detected: true)
        }
        return Decoded(utf8: output, used: name, errors: errors, detected: false)
    }

    /// The UTF-8 of `input` read as `name`, each byte iconv rejects made U+FFFD and counted; nil when
    /// iconv does not know the charset.
    private static func iconvUTF8(_ input: [UInt8], from name: String) -> ([UInt8], Int)? {
        guard let cd = IconvPool.shared.take(name) else { return nil }
        defer { IconvPool.shared.give(back: cd, name) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 2 + 16)
        var errors = 0
        var buffer = [UInt8](repeating: 0, count: 16384)
        input.withUnsafeBufferPointer { inBuf in
            var inPtr = UnsafeMutablePointer(mutating: inBuf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) })
            var inLeft = inBuf.count
            buffer.withUnsafeMutableBufferPointer { outBuf in
                let outBase = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                while true {
                    var outPtr: UnsafeMutablePointer<CChar>? = outBase
                    var outLeft = outBuf.count
                    let rc = inLeft == 0
                        ? iconv(cd, nil, nil, &outPtr, &outLeft)
                        : iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    let produced = outBuf.count - outLeft
                    output.append(contentsOf: UnsafeBufferPointer(start: outBuf.baseAddress, count: produced))
                    if rc != -1 {
                        if inLeft == 0 { break }
                        continue
                    }
                    let err = ciconv_errno()
                    if err == E2BIG { continue }
                    // EILSEQ or EINVAL (truncated sequence at the end): replace one byte and go on.
                    errors += 1
                    output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    if inLeft > 0 {
                        inPtr = inPtr.map { $0 + 1 }
                        inLeft -= 1
                    }
                    if inLeft == 0 {
                        var o: UnsafeMutablePointer<CChar>? = outBase
                        var l = outBuf.count
                        _ = iconv(cd, nil, nil, &o, &l)
                        break
                    }
                }
            }
        }
        return (output, errors)
    }
}

/// Open iconv descriptors, by charset name, for reuse: opening one loads glibc's converter module
/// (CP932.so, EUC-JP-MS.so and libJIS.so: three dlopens) and closing the last one unloads it, which
/// cost more than the conversion itself for a small message. A descriptor is used by one caller at
/// a time: it is taken out of the pool, and given back in its initial state.
final class IconvPool: @unchecked Sendable {
    static let shared = IconvPool()
    private let lock = NSLock()
    private var idle: [String: [iconv_t]] = [:]
    /// Descriptors kept per charset; more (from callers on several threads at once) are closed.
    private let keep = 4

    /// A descriptor converting `name` to UTF-8, or nil when iconv does not know `name`.
    func take(_ name: String) -> iconv_t? {
        lock.lock()
        let cd = idle[name]?.popLast()
        lock.unlock()
        if let cd { return cd }
        let opened = iconv_open("UTF-8", name)
        return opened == iconv_t(bitPattern: -1) ? nil : opened
    }

    func give(back cd: iconv_t, _ name: String) {
        _ = iconv(cd, nil, nil, nil, nil)  // back to the initial shift state
        lock.lock()
        if idle[name, default: []].count < keep {
            idle[name, default: []].append(cd)
            lock.unlock()
        } else {
            lock.unlock()
            iconv_close(cd)
        }
    }
}
