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
    /// The content after transfer decoding (leaves and message/rfc822 parts).
    public var body: [UInt8]
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
    public var raw: [UInt8]
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
        let trimmed = start > 0 ? Array(data[start...]) : data
        guard looksLikeHeader(trimmed[...]) else {
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

    fileprivate static func parseMessage(_ data: [UInt8], context: ParseContext, depth: Int) -> MIMEMessage {
        var diagnostics: [String] = []
        let whole = data[...]
        let split = Bytes.headerEnd(whole)
        if split == nil { diagnostics.append("no blank line after the header block: the message has no body") }
        let headerEnd = split?.headerEnd ?? data.count
        let bodyStart = split?.bodyStart ?? data.count
        let root = parsePart(
            headerBlock: whole[..<headerEnd], body: whole[bodyStart...], defaultType: .textPlain,
            depth: depth, context: context, diagnostics: &diagnostics)
        return MIMEMessage(raw: data, headerEnd: headerEnd, root: root, diagnostics: diagnostics)
    }

    private static func parsePart(
        headerBlock: ArraySlice<UInt8>, body: ArraySlice<UInt8>, defaultType: ContentType,
        depth: Int, context: ParseContext, diagnostics: inout [String]
    ) -> MIMEPart {
        context.parts += 1
        let headers = Headers.parse(headerBlock, diagnostics: &diagnostics)
        let typeFields = headers.all("Content-Type")
        if typeFields.count > 1 { diagnostics.append("\(typeFields.count) Content-Type fields: the first is used") }
        var contentType = defaultType
        if let field = typeFields.first {
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

        var part = MIMEPart(
            headers: headers, contentType: contentType, transferEncoding: cte, disposition: disposition,
            filename: filename, body: [], parts: [], embedded: [])

        if contentType.type == "multipart" {
            guard let boundary = contentType.boundary, !boundary.isEmpty else {
                diagnostics.append("multipart/\(contentType.subtype) without a boundary: read as text")
                part.contentType = ContentType(type: "text", subtype: "plain", parameters: contentType.parameters)
                part.body = decode(body, encoding: cte, diagnostics: &diagnostics)
                return part
            }
            if depth >= context.limits.maxDepth {
                if !context.reportedDepth {
                    diagnostics.append("nesting deeper than \(context.limits.maxDepth) levels: inner parts not parsed")
                    context.reportedDepth = true
                }
                return part
            }
            let childType = contentType.subtype == "digest"
                ? ContentType(type: "message", subtype: "rfc822") : ContentType.textPlain
            let (chunks, closed) = splitMultipart(body, boundary: Array(boundary.utf8))
            if !closed { diagnostics.append("multipart/\(contentType.subtype): closing boundary missing") }
            if chunks.isEmpty {
                // No delimiter at all: the body is all there is, so read it as text.
                diagnostics.append("multipart/\(contentType.subtype): no body part found; the body is read as text")
                part.parts = [MIMEPart(headers: Headers(), contentType: .textPlain, transferEncoding: cte, disposition: nil,
                                       filename: nil, body: decode(body, encoding: cte, diagnostics: &diagnostics), parts: [], embedded: [])]
                return part
            }
            for chunk in chunks {
                if context.parts >= context.limits.maxParts {
                    if !context.reportedParts {
                        diagnostics.append("more than \(context.limits.maxParts) body parts: the rest were not parsed")
                        context.reportedParts = true
                    }
                    break
                }
                let (h, b): (ArraySlice<UInt8>, ArraySlice<UInt8>)
                if chunk.first == 0x0A || (chunk.first == 0x0D && chunk.dropFirst().first == 0x0A) {
                    h = chunk[chunk.startIndex..<chunk.startIndex]
                    b = chunk.dropFirst(chunk.first == 0x0A ? 1 : 2)
                } else if let split = Bytes.headerEnd(chunk) {
                    h = chunk[..<split.headerEnd]
                    b = chunk[split.bodyStart...]
                } else if looksLikeHeader(chunk) {
                    h = chunk
                    b = chunk[chunk.endIndex...]
                } else {
                    h = chunk[chunk.startIndex..<chunk.startIndex]
                    b = chunk
                }
                part.parts.append(
                    parsePart(headerBlock: h, body: b, defaultType: childType, depth: depth + 1,
                        context: context, diagnostics: &diagnostics))
            }
            return part
        }

        part.body = decode(body, encoding: cte, diagnostics: &diagnostics)
        if contentType.type == "message", ["rfc822", "global"].contains(contentType.subtype) {
            if depth >= context.limits.maxDepth {
                if !context.reportedDepth {
                    diagnostics.append("nesting deeper than \(context.limits.maxDepth) levels: inner parts not parsed")
                    context.reportedDepth = true
                }
            } else if looksLikeHeader(part.body[...]) {
                var inner = parseMessage(part.body, context: context, depth: depth + 1)
                diagnostics += inner.diagnostics.map { "attached message: \($0)" }
                inner.diagnostics = []
                part.embedded = [inner]
            } else {
                diagnostics.append("message/\(contentType.subtype) part holds no header block")
            }
        }
        return part
    }

    private static func decode(_ body: ArraySlice<UInt8>, encoding: String, diagnostics: inout [String]) -> [UInt8] {
        switch encoding {
        case "base64":
            return TransferEncoding.base64(body)
        case "quoted-printable":
            return TransferEncoding.quotedPrintable(body)
        case "7bit", "8bit", "binary", "7-bit", "8-bit", "8bits", "7bits", "":
            return Array(body)
        default:
            diagnostics.append("unknown Content-Transfer-Encoding \"\(encoding.prefix(40))\": content taken as is")
            return Array(body)
        }
    }

    /// Splits a multipart body at its delimiter lines (RFC 2046 §5.1.1); the preamble and epilogue
    /// are dropped. Returns the parts and whether the closing delimiter was seen.
    static func splitMultipart(_ body: ArraySlice<UInt8>, boundary: [UInt8]) -> ([ArraySlice<UInt8>], Bool) {
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        let dashes: [UInt8] = [0x2D, 0x2D]
        let marker = dashes + boundary
        while lineStart < body.endIndex {
            var lineEnd = lineStart
            while lineEnd < body.endIndex, body[lineEnd] != 0x0A { lineEnd += 1 }
            let next = lineEnd < body.endIndex ? lineEnd + 1 : lineEnd
            let line = body[lineStart..<lineEnd]
            if line.count >= marker.count, line.starts(with: marker) {
                let rest = line.dropFirst(marker.count)
                let isClose = rest.starts(with: dashes)
                let tail = isClose ? rest.dropFirst(2) : rest
                if tail.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    if let s = partStart {
                        // The line break before the delimiter belongs to the delimiter.
                        var end = lineStart
                        if end > s, body[end - 1] == 0x0A { end -= 1 }
                        if end > s, body[end - 1] == 0x0D { end -= 1 }
                        parts.append(body[s..<max(s, end)])
                    }
                    if isClose { return (parts, true) }
                    partStart = next
                }
            }
            lineStart = next
        }
        if let s = partStart, s < body.endIndex { parts.append(body[s...]) }
        return (parts, false)
    }
}

/// Counters shared while one message is parsed.
private final class ParseContext {
    let limits: MIMELimits
    var parts = 0
    var reportedDepth = false
    var reportedParts = false
    init(limits: MIMELimits) { self.limits = limits }
}
