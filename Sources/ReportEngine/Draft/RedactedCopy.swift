import Foundation

/// A copy of a spam fit to send to a third party: the same header fields and MIME structure, with
/// every text part decoded to UTF-8 and the reporter's traces replaced (`Redaction`). Parts that are
/// not text (images, archives) are left out, each replaced by a line that names what it was, since a
/// tracking pixel or a personalised attachment can give the recipient away too.
///
/// The copy carries `X-Watcher-Redacted` so a reader knows it is not the original. Lines stay under
/// 998 octets: a text part with longer lines travels base64-encoded.
public enum RedactedCopy {
    /// Fields that describe the original's encoding; the copy writes its own.
    static let structural: Set<String> = ["content-type", "content-transfer-encoding", "content-length", "mime-version", "content-disposition"]

    /// The redacted copy of `message`.
    public static func make(_ message: MIMEMessage, redaction: Redaction) -> [UInt8] {
        var w = MessageWriter()
        for field in message.headers.fields where !structural.contains(field.name.lowercased()) {
            let value = redaction.apply(field.text())
            if Bytes.isASCII(field.rawValue) && !field.rawValue.contains(0x3D) {
                w.header(field.name, raw: value)
            } else {
                w.header(field.name, text: value)
            }
        }
        w.header("X-Watcher-Redacted", raw: "the reporter's addresses" + (redaction.trackingURLs ? " and the tracking parts of URLs" : "") + " are replaced in this copy")
        w.header("MIME-Version", raw: "1.0")
        var counter = 0
        write(message.root, into: &w, redaction: redaction, counter: &counter)
        return w.message
    }

    /// Writes a part's Content-Type (and encoding) fields, a blank line and its content.
    static func write(_ part: MIMEPart, into w: inout MessageWriter, redaction: Redaction, counter: inout Int) {
        counter += 1
        if !part.parts.isEmpty {
            let boundary = "=_watcher_redacted_\(counter)_" + String(part.parts.count)
            w.header("Content-Type", raw: "multipart/\(part.contentType.subtype); boundary=\"\(boundary)\"")
            w.line("")
            for child in part.parts {
                w.line("--\(boundary)")
                write(child, into: &w, redaction: redaction, counter: &counter)
            }
            w.line("--\(boundary)--")
            return
        }
        if let embedded = part.embedded.first {
            w.header("Content-Type", raw: "message/rfc822")
            let inner = make(embedded, redaction: redaction)
            w.header("Content-Transfer-Encoding", raw: Bytes.isValidUTF8(inner) ? "8bit" : "binary")
            w.line("")
            w.append(raw: inner)
            return
        }
        if part.contentType.type == "text" || part.contentType.type.isEmpty {
            let text = redaction.apply(part.decodedText().text)
            let subtype = part.contentType.type.isEmpty ? "plain" : part.contentType.subtype
            w.header("Content-Type", raw: "text/\(subtype); charset=UTF-8")
            let bytes = Array(text.utf8)
            if bytes.split(separator: 0x0A, omittingEmptySubsequences: false).allSatisfy({ $0.count <= 990 }) && !bytes.contains(0) {
                w.header("Content-Transfer-Encoding", raw: "8bit")
                w.body(lineFeeds(text))
            } else {
                w.header("Content-Transfer-Encoding", raw: "base64")
                w.body(Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed]))
            }
            return
        }
        let name = part.filename.map { " \"\(MessageWriter.sanitize(redaction.apply($0), limit: 80))\"" } ?? ""
        w.header("Content-Type", raw: "text/plain; charset=UTF-8")
        w.header("Content-Transfer-Encoding", raw: "8bit")
        w.body("[left out of this copy: \(part.contentType.mimeType)\(name), \(part.body.count) bytes]")
    }

    /// `text` with each CR LF and each lone CR made one LF, in one pass over its bytes (Foundation's
    /// two replacements cost some six million instructions on a 20 KB part).
    static func lineFeeds(_ text: String) -> String {
        let b = Array(text.utf8)
        guard b.contains(0x0D) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == 0x0D {
                out.append(0x0A)
                if i + 1 < b.count, b[i + 1] == 0x0A { i += 1 }
            } else {
                out.append(b[i])
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
