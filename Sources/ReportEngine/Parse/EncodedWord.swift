/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in unstructured header text.
///
/// Decoding works on the raw bytes of the field, so an encoded word whose payload carries raw 8-bit
/// bytes (seen in the wild) is still decoded in its own charset, and the text around the words is
/// decoded by the fallback charset or detected. White space between two adjacent encoded words is
/// dropped (§6.2), and the bytes of adjacent words in the same charset are joined before decoding, so
/// a multibyte character split across two words survives. RFC 2231 language tags
/// (`=?ISO-2022-JP*ja?B?…?=`) are accepted and ignored. Malformed words stay as they were written.
public enum EncodedWord {
    private struct Word {
        var start: Int
        var end: Int
        var charset: String
        var bytes: [UInt8]
    }

    /// Decodes every encoded word in `text`.
    public static func decode(_ text: String) -> String {
        guard text.has("=?") else { return text }
        return decode(bytes: Array(text.utf8), fallback: "utf-8")
    }

    /// Decodes a raw header value: encoded words in their own charsets, the rest by `fallback` (or detected).
    /// The words are read one at a time, so a field of a million of them holds no list of them.
    public static func decode(bytes: [UInt8], fallback: String?) -> String {
        func plain(_ range: Range<Int>) -> String {
            HeaderField.plainText(Array(bytes[range]), fallback: fallback)
        }
        var next = word(in: bytes, from: 0)
        guard next != nil else { return plain(0..<bytes.count) }
        var out = ""
        var cursor = 0
        while var group = next {
            out += plain(cursor..<group.start)
            next = word(in: bytes, from: group.end)
            // Join the following words that touch this one (only white space between them).
            while let w = next, bytes[group.end..<w.start].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) {
                if w.charset == group.charset {
                    group.bytes += w.bytes
                    group.end = w.end
                } else {
                    out += Charset.decode(group.bytes, label: group.charset).text
                    group = w
                }
                next = word(in: bytes, from: w.end)
            }
            out += Charset.decode(group.bytes, label: group.charset).text
            cursor = group.end
        }
        out += plain(cursor..<bytes.count)
        return out
    }

    /// The first encoded word at or after `start`.
    private static func word(in b: [UInt8], from start: Int) -> Word? {
        var i = start
        let n = b.count
        while i + 1 < n {
            // The next "=" by memchr: most header text holds none.
            guard let eq = Bytes.index(of: 0x3D, in: b[...], from: i), eq + 1 < n else { return nil }
            i = eq
            guard b[i + 1] == 0x3F else { i += 1; continue }  // "=?"
            let csStart = i + 2
            var q1 = csStart
            while q1 < n, q1 - csStart <= 64, b[q1] != 0x3F, b[q1] > 0x20 { q1 += 1 }
            guard q1 < n, b[q1] == 0x3F, q1 > csStart, q1 + 2 < n, b[q1 + 2] == 0x3F else { i += 2; continue }
            let encoding = b[q1 + 1] | 0x20
            guard encoding == 0x62 || encoding == 0x71 else { i += 2; continue }  // b, q
            let payloadStart = q1 + 3
            var end = payloadStart
            while end + 1 < n, !(b[end] == 0x3F && b[end + 1] == 0x3D) { end += 1 }
            guard end + 1 < n else { return nil }
            let payload = b[payloadStart..<end]
            let charsetBytes = b[csStart..<q1]
            let charset = String(decoding: charsetBytes.prefix { $0 != 0x2A }, as: UTF8.self).lowercased()
            let decoded = encoding == 0x62
                ? TransferEncoding.base64(payload)
                : TransferEncoding.quotedPrintable(payload.filter { $0 != 0x0D && $0 != 0x0A }[...], header: true)
            return Word(start: i, end: end + 2, charset: charset, bytes: decoded)
        }
        return nil
    }
}
