/// Limits that keep a hostile message from exhausting memory or time.
public struct MIMELimits: Sendable, Hashable {
    /// Largest message accepted, in bytes (default 25 MB).
    public var maxSize: Int = 25_000_000
    /// Deepest multipart / message nesting parsed; deeper parts stay unparsed leaves.
    public var maxDepth: Int = 40
    /// Most body parts parsed in one message; the rest are dropped with a diagnostic.
    public var maxParts: Int = 2_000

    public init(maxSize: Int = 25_000_000, maxDepth: Int = 40, maxParts: Int = 2_000) {
        self.maxSize = maxSize
        self.maxDepth = maxDepth
        self.maxParts = maxParts
    }
}

/// Why a file could not be read as a message at all.
public enum MIMEError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case tooLarge(size: Int, limit: Int)
    case notAMessage(String)

    public var description: String {
        switch self {
        case .empty: return "not a message: the file is empty"
        case .tooLarge(let size, let limit): return "message too large: \(size) bytes (limit \(limit))"
        case .notAMessage(let why): return "not a message: \(why)"
        }
    }
}

/// One body part (RFC 2045/2046): a leaf with decoded content, a multipart with children, or an
/// encapsulated message.
public struct MIMEPart: Sendable, Hashable {
    public var headers: Headers
    public var contentType: ContentType
    /// The Content-Transfer-Encoding, lower-cased (`7bit` when absent).
    public var transferEncoding: String
    /// `inline`, `attachment`, or nil when absent.
    public var disposition: String?
    /// The file name from Content-Disposition or Content-Type, decoded.
    public var filename: String?
    /// The content as the message carries it, still transfer-encoded (leaves and message/rfc822
    /// parts): a slice of the message.
    public var encodedBody: ArraySlice<UInt8>
    /// The content after transfer decoding, decoded each time it is asked for: most attachments
    /// (images, documents) are never read, so none is decoded, or held decoded, before it is.
    public var body: ArraySlice<UInt8> { MIMEMessage.decode(encodedBody, encoding: transferEncoding) }
    /// Children of a multipart.
    public var parts: [MIMEPart]
    /// The encapsulated message of a message/rfc822 part (zero or one element).
    public var embedded: [MIMEMessage]

    /// Whether the part is meant as an attachment rather than as text to read.
    public var isAttachment: Bool {
        if disposition == "attachment" { return true }
        return filename != nil && contentType.type != "text"
    }

    /// The text of a leaf, decoded by its charset (detected when missing or wrong).
    public func decodedText() -> Charset.Decoded {
        let body = self.body
        var label = contentType.charset
        if label == nil, contentType.subtype == "html" { label = HTMLText.metaCharset(body) }
        return Charset.decode(body, label: label)
    }

    /// Every part in the tree, depth first, not descending into encapsulated messages.
    public var leaves: [MIMEPart] {
        if parts.isEmpty { return [self] }
        return parts.flatMap(\.leaves)
    }
}

/// A parsed message: its header block, its MIME tree, and what was odd about it.
///
/// Parsing never throws for malformed mail; it throws only when the bytes are not a message at all
/// (empty, too large, or no header field at the start). RFC 5322, RFC 2045–2049, RFC 2231.
public struct MIMEMessage: Sendable, Hashable {
    /// The message exactly as received.
    public var raw: ArraySlice<UInt8>
    /// The header block as received (without the blank line).
    public var headerBytes: ArraySlice<UInt8> { raw[raw.startIndex..<headerEnd] }
    private var headerEnd: Int
    public var headers: Headers { root.headers }
    /// The top of the MIME tree; its headers are the message's headers.
    public var root: MIMEPart
    /// Parser warnings: defects found and how they were handled.
    public var diagnostics: [String]

    /// Parses `data`.
    /// - Throws: `MIMEError` when the data is empty, larger than `limits.maxSize`, or has no header field.
    public static func parse(_ data: [UInt8], limits: MIMELimits = MIMELimits()) throws(MIMEError) -> MIMEMessage {
        guard !data.isEmpty else { throw .empty }
        guard data.count <= limits.maxSize else { throw .tooLarge(size: data.count, limit: limits.maxSize) }
        var start = 0
        // A UTF-8 byte-order mark, leading blank lines and an mbox "From " separator are not part of the message.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < data.count, data[start] == 0x0A || data[start] == 0x0D { start += 1 }
        if data[start...].starts(with: Array("From ".utf8)) {
            if let lf = data[start...].firstIndex(of: 0x0A) { start = lf + 1 }
        }
        let trimmed = data[start...]
        guard looksLikeHeader(trimmed) else {
            throw .notAMessage("no header field at the start (expected `Name: value`)")
        }
        let context = ParseContext(limits: limits)
        return parseMessage(trimmed, context: context, depth: 0)
    }

    static func looksLikeHeader(_ data: ArraySlice<UInt8>) -> Bool {
        var i = data.startIndex
        var sawSpace = false
        while i < data.endIndex, i - data.startIndex < 1000 {
            let b = data[i]
            if b == 0x3A { return i > data.startIndex }
            if b == 0x20 || b == 0x09 {
                // obs-optional white space between the name and the colon (RFC 5322 §4.5)
                if i == data.startIndex { return false }
                sawSpace = true
            } else if b < 0x20 || b >= 0x7F || sawSpace {
                return false
            }
            i += 1
        }
        return false
    }

    /// Where the header block at the start of `data` ends and the body begins.
    ///
    /// The block ends at the first empty line or at a line that starts with `--` and is no field: a
    /// boundary delimiter right after the fields, with the blank line missing. That line starts the
    /// body, and `strayLine` tells so. Other lines that are no field stay in the block (a broken fold
    /// must not push the Received chain into the body). Nil when the data ends inside the block.
    static func headerBlockEnd(_ data: ArraySlice<UInt8>) -> (headerEnd: Int, bodyStart: Int, strayLine: Bool)? {
        var lineStart = data.startIndex
        while lineStart < data.endIndex {
            let b = data[lineStart]
            if b == 0x0A { return (lineStart, lineStart + 1, false) }
            if b == 0x0D, lineStart + 1 < data.endIndex, data[lineStart + 1] == 0x0A {
                return (lineStart, lineStart + 2, false)
            }
            if lineStart > data.startIndex, b == 0x2D, data[(lineStart + 1)...].first == 0x2D,
                !looksLikeHeader(data[lineStart...]) {
                return (lineStart, lineStart, true)
            }
            guard let lf = Bytes.index(of: 0x0A, in: data, from: lineStart) else { return nil }
            lineStart = lf + 1
        }
        return nil
    }

    static func parseMessage(_ data: ArraySlice<UInt8>, context: ParseContext, depth: Int) -> MIMEMessage {
        var diagnostics: [String] = []
        let whole = data
        let split = headerBlockEnd(whole)
        if split == nil { diagnostics.append("no blank line after the header block: the message has no body") }
        if split?.strayLine == true { diagnostics.append("a boundary line ends the header block without a blank line") }
        let headerEnd = split?.headerEnd ?? data.endIndex
        let bodyStart = split?.bodyStart ?? data.endIndex
        let root = parsePart(
            headerBlock: whole[..<headerEnd], body: whole[bodyStart...], defaultType: .textPlain,
            depth: depth, context: context, diagnostics: &diagnostics)
        return MIMEMessage(raw: data, headerEnd: headerEnd, root: root, diagnostics: diagnostics)
    }

    /// Reads a part: its header block, then its body. A multipart part reads its children from
    /// `body` (which runs to the end of the data) and stops at its closing delimiter or at a line of
    /// an enclosing boundary; the returned index is where the enclosing multipart goes on.
    private static func parsePart(
        headerBlock: ArraySlice<UInt8>, body: ArraySlice<UInt8>, defaultType: ContentType,
        depth: Int, context: ParseContext, diagnostics: inout [String]
    ) -> MIMEPart {
        var part = partHead(headerBlock, defaultType: defaultType, context: context, diagnostics: &diagnostics)
        if let boundary = multipartBoundary(&part, depth: depth, context: context, diagnostics: &diagnostics) {
            _ = readMultipart(&part, body, boundary: boundary, enclosing: [], depth: depth, context: context,
                              diagnostics: &diagnostics)
        } else if part.contentType.type != "multipart" {
            readLeaf(&part, body, depth: depth, context: context, diagnostics: &diagnostics)
        }
        return part
    }

    /// A part with its header fields read and no content yet.
    static func partHead(
        _ headerBlock: ArraySlice<UInt8>, defaultType: ContentType, context: ParseContext, diagnostics: inout [String]
    ) -> MIMEPart {
        context.parts += 1
        let headers = Headers.parse(headerBlock, diagnostics: &diagnostics)
        let typeFields = headers.all("Content-Type")
        // Of several Content-Type fields the last is used, as mail readers do: senders that add one
        // rarely remove the one already there.
        if typeFields.count > 1 { diagnostics.append("\(typeFields.count) Content-Type fields: the last is used") }
        var contentType = defaultType
        if let field = typeFields.last {
            if let parsed = ContentType.parse(field.plain) {
                contentType = parsed
            } else {
                diagnostics.append("unreadable Content-Type \"\(field.plain.prefix(60))\": treated as \(defaultType.mimeType)")
            }
        }
        var cte = headers.first("Content-Transfer-Encoding")?.plain.lowercased()
            .trimmingCharacters(in: " \t\"").split(separator: ";").first.map(String.init) ?? "7bit"
        cte = cte.trimmingCharacters(in: " \t")
        var disposition: String?
        var filename: String?
        if let field = headers.first("Content-Disposition") {
            let (head, params) = ContentType.splitParameters(field.plain)
            let d = head.lowercased().trimmingCharacters(in: " \t")
            disposition = d.isEmpty ? nil : d
            filename = params["filename"]
        }
        if filename == nil { filename = contentType.parameters["name"] }
        return MIMEPart(
            headers: headers, contentType: contentType, transferEncoding: cte, disposition: disposition,
            filename: filename, encodedBody: [], parts: [], embedded: [])
    }

    /// The boundary of a multipart part whose children are to be read; nil for a leaf, for a multipart
    /// without a boundary (turned into text) and for one nested too deep (left empty).
    static func multipartBoundary(
        _ part: inout MIMEPart, depth: Int, context: ParseContext, diagnostics: inout [String]
    ) -> [UInt8]? {
        guard part.contentType.type == "multipart" else { return nil }
        guard let boundary = part.contentType.boundary, !boundary.isEmpty else {
            diagnostics.append("multipart/\(part.contentType.subtype) without a boundary: read as text")
            part.contentType = ContentType(type: "text", subtype: "plain", parameters: part.contentType.parameters)
            return nil
        }
        if context.tooDeep(depth, diagnostics: &diagnostics) {
            return nil
        }
        return Array(boundary.utf8)
    }

    /// Decodes a leaf's content and parses an encapsulated message.
    static func readLeaf(
        _ part: inout MIMEPart, _ body: ArraySlice<UInt8>, depth: Int, context: ParseContext, diagnostics: inout [String]
    ) {
        part.encodedBody = body
        if !knownEncodings.contains(part.transferEncoding) {
            diagnostics.append("unknown Content-Transfer-Encoding \"\(part.transferEncoding.prefix(40))\": content taken as is")
        }
        let contentType = part.contentType
        guard contentType.type == "message", ["rfc822", "global"].contains(contentType.subtype) else { return }
        if context.tooDeep(depth, diagnostics: &diagnostics) { return }
        let decoded = part.body
        if looksLikeHeader(decoded) {
            var inner = parseMessage(decoded, context: context, depth: depth + 1)
            diagnostics += inner.diagnostics.map { "attached message: \($0)" }
            inner.diagnostics = []
            part.embedded = [inner]
        } else {
            diagnostics.append("message/\(contentType.subtype) part holds no header block")
        }
    }

    /// The content of a part: decoded for base64 and quoted-printable, else the part's own bytes
    /// (a slice of the message, never a copy: nested messages cost no memory per level). An unknown
    /// encoding (noted when the part is read) leaves the bytes as they are.
    static func decode(_ body: ArraySlice<UInt8>, encoding: String) -> ArraySlice<UInt8> {
        switch encoding {
        case "base64":
            return TransferEncoding.base64(body)[...]
        case "quoted-printable":
            return TransferEncoding.quotedPrintable(body)[...]
        default:
            return body
        }
    }

    /// The Content-Transfer-Encoding values read without a note.
    static let knownEncodings: Set<String> = ["base64", "quoted-printable", "7bit", "8bit", "binary", "7-bit", "8-bit", "8bits", "7bits", ""]

}

/// Counters shared while one message is parsed.
final class ParseContext {
    let limits: MIMELimits
    var parts = 0
    var reportedDepth = false
    var reportedParts = false
    init(limits: MIMELimits) { self.limits = limits }

    /// Whether `depth` is past the nesting limit; the first time, says so in `diagnostics`.
    func tooDeep(_ depth: Int, diagnostics: inout [String]) -> Bool {
        guard depth >= limits.maxDepth else { return false }
        if !reportedDepth {
            diagnostics.append("nesting deeper than \(limits.maxDepth) levels: inner parts not parsed")
            reportedDepth = true
        }
        return true
    }
}
