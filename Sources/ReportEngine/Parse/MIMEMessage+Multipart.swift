/// Multipart bodies (RFC 2046 §5.1): children read with a stack of boundaries.
extension MIMEMessage {
    /// Reads the children of a multipart part from `data` (RFC 2046 §5.1.1) and returns the index
    /// where reading stopped: after the closing delimiter, at the first line of an enclosing
    /// multipart's boundary, or at the end.
    ///
    /// A line is a delimiter when it starts with `--` and a boundary; the innermost boundary is tried
    /// first. Matching is by prefix, as RFC 2046 warns composers to expect ("must not contain the
    /// boundary of an enclosing multipart as a prefix"), and as mail readers do, so a nested
    /// multipart that reuses or extends its parent's boundary reads as they show it.
    static func readMultipart(
        _ part: inout MIMEPart, _ data: ArraySlice<UInt8>, boundary: [UInt8], enclosing: [[UInt8]],
        depth: Int, context: ParseContext, diagnostics: inout [String]
    ) -> Int {
        let subtype = part.contentType.subtype
        let childType = subtype == "digest" ? ContentType(type: "message", subtype: "rfc822") : ContentType.textPlain
        let stack = enclosing + [boundary]
        let own = stack.count - 1
        let lines = DelimiterScanner(data: data, boundaries: stack)

        // The preamble, up to the first delimiter.
        let first = lines.next(from: data.startIndex)
        if first == nil || first!.level < own || first!.close {
            // No body part (no delimiter, only the closing one, or the parent's next): what stands
            // before that is all the content there is, so it is read as text rather than lost.
            let end = first.map { $0.level < own ? $0.lineStart : $0.next } ?? data.endIndex
            let content = data[data.startIndex..<(first?.lineStart ?? data.endIndex)]
            if content.allSatisfy({ $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 }) {
                diagnostics.append("multipart/\(subtype) is empty")
                return end
            }
            diagnostics.append("multipart/\(subtype): no body part found; the body is read as text")
            var text = MIMEPart(headers: Headers(), contentType: .textPlain, transferEncoding: part.transferEncoding,
                                disposition: nil, filename: nil, encodedBody: [], parts: [], embedded: [])
            readLeaf(&text, content, depth: depth + 1, context: context, diagnostics: &diagnostics)
            part.parts = [text]
            return end
        }
        var start = first!.next
        while true {
            if context.parts >= context.limits.maxParts {
                if !context.reportedParts {
                    diagnostics.append("more than \(context.limits.maxParts) body parts: the rest were not parsed")
                    context.reportedParts = true
                }
                return data.endIndex
            }
            // The part's header block.
            let rest = data[start...]
            let headerEnd: Int
            let bodyStart: Int
            if rest.first == 0x0A || (rest.first == 0x0D && rest.dropFirst().first == 0x0A) {
                headerEnd = start
                bodyStart = start + (rest.first == 0x0A ? 1 : 2)
            } else if lines.delimiter(at: start) != nil || !looksLikeHeader(rest) {
                headerEnd = start
                bodyStart = start
            } else if let split = headerBlockEnd(rest) {
                headerEnd = split.headerEnd
                bodyStart = split.bodyStart
            } else {
                headerEnd = data.endIndex
                bodyStart = data.endIndex
            }
            var child = partHead(data[start..<headerEnd], defaultType: childType, context: context, diagnostics: &diagnostics)
            var resume: Int
            if let inner = multipartBoundary(&child, depth: depth + 1, context: context, diagnostics: &diagnostics) {
                resume = readMultipart(&child, data[bodyStart...], boundary: inner, enclosing: stack,
                                       depth: depth + 1, context: context, diagnostics: &diagnostics)
            } else {
                let next = lines.next(from: bodyStart)
                resume = next?.lineStart ?? data.endIndex
                if child.contentType.type != "multipart" {
                    // The line break before a delimiter belongs to the delimiter.
                    var end = resume
                    if next != nil {
                        if end > bodyStart, data[end - 1] == 0x0A { end -= 1 }
                        if end > bodyStart, data[end - 1] == 0x0D { end -= 1 }
                    }
                    readLeaf(&child, data[bodyStart..<max(bodyStart, end)], depth: depth + 1, context: context,
                             diagnostics: &diagnostics)
                }
            }
            part.parts.append(child)
            // What follows a nested multipart's end up to the next delimiter is its epilogue.
            guard let delimiter = lines.next(from: resume) else {
                diagnostics.append("multipart/\(subtype): closing boundary missing")
                return data.endIndex
            }
            if delimiter.level < own {
                diagnostics.append("multipart/\(subtype): closing boundary missing")
                return delimiter.lineStart
            }
            if delimiter.close { return delimiter.next }
            start = delimiter.next
        }
    }
}

/// Finds delimiter lines of a stack of multipart boundaries.
struct DelimiterScanner {
    let data: ArraySlice<UInt8>
    /// `--` + boundary, outermost first.
    let markers: [[UInt8]]

    struct Delimiter {
        /// Index into the boundary stack (0 = outermost).
        var level: Int
        var close: Bool
        var lineStart: Int
        /// Where the line after it starts.
        var next: Int
    }

    init(data: ArraySlice<UInt8>, boundaries: [[UInt8]]) {
        self.data = data
        markers = boundaries.map { [0x2D, 0x2D] + $0 }
    }

    /// The delimiter on the line starting at `lineStart`, if that line is one.
    func delimiter(at lineStart: Int) -> Delimiter? {
        guard lineStart + 1 < data.endIndex, data[lineStart] == 0x2D, data[lineStart + 1] == 0x2D else { return nil }
        let lineEnd = Bytes.index(of: 0x0A, in: data, from: lineStart) ?? data.endIndex
        let line = data[lineStart..<lineEnd]
        for level in markers.indices.reversed() where line.starts(with: markers[level]) {
            let close = line.dropFirst(markers[level].count).starts(with: [0x2D, 0x2D])
            return Delimiter(level: level, close: close, lineStart: lineStart,
                             next: lineEnd < data.endIndex ? lineEnd + 1 : lineEnd)
        }
        return nil
    }

    /// The first delimiter on a line starting at or after `index` (which is a line start).
    func next(from index: Int) -> Delimiter? {
        var lineStart = index
        while lineStart < data.endIndex {
            if let d = delimiter(at: lineStart) { return d }
            guard let lf = Bytes.index(of: 0x0A, in: data, from: lineStart) else { return nil }
            lineStart = lf + 1
        }
        return nil
    }
}
