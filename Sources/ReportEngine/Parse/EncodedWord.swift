/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in unstructured header text.
///
/// White space between two adjacent encoded words is dropped (§6.2), and the bytes of adjacent words
/// in the same charset are joined before decoding, so a multibyte character split across two words
/// survives. RFC 2231 language tags (`=?ISO-2022-JP*ja?B?…?=`) are accepted and ignored. Malformed
/// words stay as they were written.
public enum EncodedWord {
    private struct Word {
        var range: Range<String.Index>
        var charset: String
        var bytes: [UInt8]
    }

    /// Decodes every encoded word in `text`.
    public static func decode(_ text: String) -> String {
        guard text.contains("=?") else { return text }
        let words = scan(text)
        guard !words.isEmpty else { return text }
        var out = ""
        var cursor = text.startIndex
        var i = 0
        while i < words.count {
            var group = words[i]
            out += text[cursor..<group.range.lowerBound]
            var j = i + 1
            // Join the following words that touch this one (only white space between them).
            while j < words.count, text[group.range.upperBound..<words[j].range.lowerBound].allSatisfy(\.isWhitespace) {
                if words[j].charset == group.charset {
                    group.bytes += words[j].bytes
                    group.range = group.range.lowerBound..<words[j].range.upperBound
                } else {
                    out += Charset.decode(group.bytes, label: group.charset).text
                    group = words[j]
                }
                j += 1
            }
            out += Charset.decode(group.bytes, label: group.charset).text
            cursor = group.range.upperBound
            i = j
        }
        out += text[cursor...]
        return out
    }

    private static func scan(_ text: String) -> [Word] {
        var words: [Word] = []
        var search = text.startIndex
        while let start = text[search...].range(of: "=?") {
            let afterStart = start.upperBound
            guard let q1 = text[afterStart...].firstIndex(of: "?"),
                text.distance(from: afterStart, to: q1) <= 64
            else { break }
            let charsetPart = text[afterStart..<q1]
            let encIndex = text.index(after: q1)
            guard encIndex < text.endIndex,
                let q2 = text.index(encIndex, offsetBy: 1, limitedBy: text.endIndex), q2 < text.endIndex,
                text[q2] == "?", !charsetPart.isEmpty,
                !charsetPart.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" })
            else {
                search = afterStart
                continue
            }
            let encoding = text[encIndex]
            let payloadStart = text.index(after: q2)
            guard let end = text[payloadStart...].range(of: "?=") else { break }
            let payload = text[payloadStart..<end.lowerBound]
            if payload.contains(where: { $0 == "\n" || $0 == "\r" }) && encoding != "B" && encoding != "b" {
                search = afterStart
                continue
            }
            let charset = String(charsetPart.split(separator: "*", maxSplits: 1).first ?? charsetPart)
            let bytes: [UInt8]
            switch encoding {
            case "B", "b":
                bytes = TransferEncoding.base64(payload.utf8)
            case "Q", "q":
                bytes = TransferEncoding.quotedPrintable(ArraySlice(payload.utf8), header: true)
            default:
                search = afterStart
                continue
            }
            words.append(Word(range: start.lowerBound..<end.upperBound, charset: charset.lowercased(), bytes: bytes))
            search = end.upperBound
        }
        return words
    }
}
