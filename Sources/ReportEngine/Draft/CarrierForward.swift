import Foundation

/// The report to a carrier's abuse desk: the spam forwarded with its full header block.
///
/// The body (plain UTF-8 text, 8bit) opens with a short request, then the whole original header
/// block, then the original's subject, date, sender, recipient and text. The original travels
/// unaltered as a message/rfc822 attachment (8bit when it is valid UTF-8 or ASCII, base64 otherwise,
/// so that its bytes are never changed). Nothing from the spam becomes a header of the draft except
/// the sanitised subject after "FW: ".
public enum CarrierForward {
    public static func make(
        message: MIMEMessage, summary: MessageSummary, origin: Origin, carrier: Carrier,
        settings: DraftSettings, now: Date = Date(), id: String = UUID().uuidString.lowercased()
    ) -> Draft {
        let subject = "FW: " + MessageWriter.sanitize(summary.subject ?? "", limit: 200)
        let raw = MessageWriter.withAttachment(
            from: settings.from, to: carrier.desk, subject: subject, id: id, kind: .carrierForward, now: now,
            text: bodyText(message: message, summary: summary, origin: origin, carrier: carrier, settings: settings),
            original: Array(message.raw), sound: message.isStructurallySound)
        return Draft(kind: .carrierForward, to: [carrier.desk.lowercased()], form: nil, subject: subject, id: id, raw: raw)
    }

    static func bodyText(message: MIMEMessage, summary: MessageSummary, origin: Origin, carrier: Carrier, settings: DraftSettings) -> String {
        var context = forwardContext(message: message, summary: summary, origin: origin, settings: settings)
        context["greetingName"] = settings.language == .ja ? (carrier.nameJa ?? carrier.name) : carrier.name
        return settings.templates.render("carrier-forward", language: settings.language, context)
    }

    /// What the forward templates show: the sender, the authentication results, the whole header block
    /// and the text of the message.
    static func forwardContext(message: MIMEMessage, summary: MessageSummary, origin: Origin, settings: DraftSettings) -> [String: Any] {
        let headerText = MessageAnalyzer.unixLineBreaks(HeaderField.plainText(Array(message.headerBytes), fallback: nil))
        let auth = [origin.spf.map { "spf=\($0)" }, origin.dkim.map { "dkim=\($0)" }, origin.dmarc.map { "dmarc=\($0)" }]
            .compactMap { $0 }.joined(separator: " ")
        let ja = settings.language == .ja
        var context: [String: Any] = [
            "sender": summary.from ?? (ja ? "(不明)" : "(unknown)"),
            "auth": auth.isEmpty ? (ja ? "(なし)" : "(none)") : auth,
            "headerBlock": headerText,
            "subject": MessageWriter.sanitize(summary.subject ?? ""),
            "date": MessageWriter.sanitize(summary.dateText ?? ""),
            "fromText": MessageWriter.sanitize(summary.fromText ?? ""),
            "toText": MessageWriter.sanitize(summary.toText ?? ""),
            "text": summary.text,
            "signature": settings.signatureText,
        ]
        if let ip = origin.sourceIP { context["sourceIP"] = ip }
        return context
    }
}

/// The unaltered original to 迷惑メール相談センター (`[reports] dekyo = true`), which collects spam that
/// breaks the 特定電子メール法 for the ministries' measures and the carriers' filters: the whole mail, with
/// its header block in the text and the original attached.
public enum ClearinghouseForward {
    public static func make(message: MIMEMessage, summary: MessageSummary, origin: Origin, desk: AbuseDesk,
                            settings: DraftSettings, now: Date = Date(), id: String = UUID().uuidString.lowercased()) -> Draft? {
        guard let address = desk.email else { return nil }
        let subject = "FW: " + MessageWriter.sanitize(summary.subject ?? "", limit: 200)
        var context = CarrierForward.forwardContext(message: message, summary: summary, origin: origin, settings: settings)
        context["greetingName"] = desk.name(in: settings.language)
        let raw = MessageWriter.withAttachment(
            from: settings.from, to: address, subject: subject, id: id, kind: .clearinghouse, now: now,
            text: settings.templates.render("clearinghouse", language: settings.language, context),
            original: Array(message.raw), sound: message.isStructurallySound)
        return Draft(kind: .clearinghouse, to: [address.lowercased()], form: nil, subject: subject, id: id, raw: raw)
    }
}

extension MIMEMessage {
    /// Whether the message's MIME structure reads without a defect (every boundary found, a blank line
    /// after each header block, no multipart with a transfer encoding): one that does not is attached
    /// as an .eml file, so the draft around it stays a valid message.
    var isStructurallySound: Bool {
        func sound(_ part: MIMEPart, outer: [String]) -> Bool {
            var outer = outer
            if part.contentType.type == "multipart" {
                if !["7bit", "8bit", "binary", ""].contains(part.transferEncoding) { return false }
                // Each boundary stands on a line of its own, exactly, and is not one an enclosing part uses
                // (or a prefix of it): readers that do not match innermost first would lose the parts.
                guard let boundary = part.contentType.boundary, hasDelimiterLine(Array("--\(boundary)".utf8)),
                    !outer.contains(where: { $0.hasPrefix(boundary) || boundary.hasPrefix($0) })
                else { return false }
                outer.append(boundary)
            }
            return part.parts.allSatisfy { sound($0, outer: outer) } && part.embedded.allSatisfy(\.isStructurallySound)
        }
        return diagnostics.isEmpty && sound(root, outer: [])
    }

    /// Whether `delimiter` starts a line of `raw` and is followed by white space, a line end or `--`.
    /// Only line starts are compared, each up to its first differing byte, so the whole costs at
    /// most a pass over `raw`, however long a delimiter or a run of its bytes a spammer writes.
    private func hasDelimiterLine(_ delimiter: [UInt8]) -> Bool {
        var lineStart = raw.startIndex
        while lineStart < raw.endIndex {
            let end = lineStart + delimiter.count
            if end <= raw.endIndex, raw[lineStart..<end].elementsEqual(delimiter) {
                let after = end < raw.endIndex ? raw[end] : 0x0A
                if after == 0x0D || after == 0x0A || after == 0x20 || after == 0x09 || after == 0x2D { return true }
            }
            guard let lineEnd = Bytes.index(of: 0x0A, in: raw, from: lineStart) else { return false }
            lineStart = lineEnd + 1
        }
        return false
    }
}
