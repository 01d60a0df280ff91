import Foundation

/// A report to a registrar, host, network or nameserver operator: one per desk per message, naming
/// every domain and URL of that message the desk can act on, with the evidence that leads to the desk.
///
/// The body is plain UTF-8 text (8bit); a web-form desk gets the same text with `form` set and no
/// recipient, to paste into the form. The original travels attached, unaltered.
public enum DeskReport {
    public static func make(contact: Contact, analysis: MessageAnalysis, settings: DraftSettings,
                            now: Date = Date(), id: String = UUID().uuidString.lowercased()) -> Draft {
        let kind: DraftKind = switch contact.role {
        case "hosting": .hosting
        case "network": .network
        case "nameserver": .nameserver
        default: .registrar
        }
        // The copy and the text hide the reporter: recipients, own addresses, tracking parts of URLs.
        let redaction = settings.redaction(for: analysis.analysed)
        var seenURLs = Set<String>()
        let urls = analysis.urls.filter { u in contact.domains.contains(u.domain ?? u.host) }.map { redaction.url($0.url) }
            .filter { seenURLs.insert($0).inserted }
        let messageSubject = redaction.apply(MessageWriter.sanitize(analysis.summary.subject ?? ""))
        let sender = analysis.summary.from.map(redaction.apply)
        let subject: String
        let text: String
        let domains = contact.domains.joined(separator: ", ")
        switch settings.language {
        case .ja:
            subject = kind == .network ? "迷惑メール送信元の報告 (\(analysis.origin.sourceIP ?? ""))" : "迷惑メールに記載されたドメインの報告 (\(domains))"
            var lines = ["\(contact.name) ご担当者様", "",
                         kind == .network
                             ? "貴社の管理するネットワークから、次の迷惑メールが送信されました。"
                             : "次の迷惑メールの本文に、貴社が管理されているドメインが記載されていました。",
                         "ご確認のうえ、必要に応じて利用者への警告や利用停止などのご対応をお願いいたします。", ""]
            if kind == .network, let ip = analysis.origin.sourceIP { lines.append("送信元IPアドレス: \(ip)") }
            if !contact.domains.isEmpty { lines.append("対象ドメイン: \(domains)") }
            if !urls.isEmpty { lines += ["記載されていたURL(アクセスはしていません):"] + urls.map { "  \($0)" } }
            lines += ["", "受信したメール:", "  件名: \(messageSubject)",
                      "  日時: \(MessageWriter.sanitize(analysis.summary.dateText ?? ""))",
                      "  送信者: \(sender ?? "(不明)")", "", "貴社を報告先と判断した根拠:"]
            lines += contact.evidence.map { "  \($0)" }
            lines += ["", "添付のメールは受信したものの写しです。受信者のアドレス" + (redaction.trackingURLs ? "とURLの追跡部分" : "")
                          + "は伏せてあります。", "よろしくお願いいたします。"]
            text = lines.joined(separator: "\n")
        case .en:
            subject = kind == .network ? "Spam sent from your network (\(analysis.origin.sourceIP ?? ""))" : "Spam advertising domains you manage (\(domains))"
            var lines = ["To the \(contact.name) abuse desk,", "",
                         kind == .network ? "The unsolicited message below was sent from your network."
                             : "The unsolicited message below advertises domains under your management.",
                         "Please review it and warn or suspend the customer as your policy allows.", ""]
            if kind == .network, let ip = analysis.origin.sourceIP { lines.append("Source IP address: \(ip)") }
            if !contact.domains.isEmpty { lines.append("Domains: \(domains)") }
            if !urls.isEmpty { lines += ["URLs in the message (not visited):"] + urls.map { "  \($0)" } }
            lines += ["", "The message:", "  Subject: \(messageSubject)",
                      "  Date: \(MessageWriter.sanitize(analysis.summary.dateText ?? ""))",
                      "  From: \(sender ?? "(unknown)")", "", "Why this report goes to you:"]
            lines += contact.evidence.map { "  \($0)" }
            lines += ["", "The attached copy of the message has the recipient's addresses" + (redaction.trackingURLs ? " and the tracking parts of its URLs" : "")
                          + " replaced.", "Thank you."]
            text = lines.joined(separator: "\n")
        }
        let to = contact.email.map { [$0.lowercased()] } ?? []
        let raw = MessageWriter.withAttachment(
            from: settings.from, to: to.first ?? "undisclosed-recipients:;", subject: subject, id: id, kind: kind, now: now,
            text: text + (contact.form.map { settings.language == .ja ? "\n\n(報告フォーム: \($0))" : "\n\n(Report form: \($0))" } ?? ""),
            original: RedactedCopy.make(analysis.analysed, redaction: redaction), attachmentName: "redacted-copy.eml")
        return Draft(kind: kind, to: to, form: contact.form, subject: subject, id: id, raw: raw)
    }
}

extension MessageWriter {
    /// A report message: the text, then the original as an unaltered message/rfc822 attachment.
    static func withAttachment(from: String, to: String, subject: String, id: String, kind: DraftKind, now: Date,
                               text: String, original: [UInt8], attachmentName: String = "original.eml") -> [UInt8] {
        let boundary = "=_watcher_" + id.replacingOccurrences(of: "-", with: "")
        var w = MessageWriter()
        w.header("From", raw: from)
        w.header("To", raw: to)
        w.header("Subject", text: subject)
        w.header("Date", raw: MessageWriter.rfc5322Date(now))
        w.header("Message-ID", raw: "<\(id)@\(Address.domain(of: Address.first(in: from) ?? "") ?? "watcher.invalid")>")
        w.header("MIME-Version", raw: "1.0")
        w.header("X-Watcher-Draft-Id", raw: id)
        w.header("X-Watcher-Kind", raw: kind.rawValue)
        w.header("Content-Type", raw: "multipart/mixed; boundary=\"\(boundary)\"")
        w.body("This is a multi-part message in MIME format.")
        w.line("--\(boundary)")
        w.header("Content-Type", raw: "text/plain; charset=UTF-8")
        w.header("Content-Transfer-Encoding", raw: "8bit")
        w.body(text)
        w.line("--\(boundary)")
        w.header("Content-Type", raw: "message/rfc822")
        w.header("Content-Disposition", raw: "attachment; filename=\"\(attachmentName)\"")
        if String(validating: original, as: UTF8.self) != nil {
            w.header("Content-Transfer-Encoding", raw: "8bit")
            w.line("")
            w.append(raw: original)
        } else {
            w.header("Content-Transfer-Encoding", raw: "base64")
            w.line("")
            w.append(raw: Array(Data(original).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]).utf8))
        }
        w.line("--\(boundary)--")
        return w.message
    }
}

extension MessageAnalysis {
    /// Adds what the lookups found: contacts, pending lookups, and one draft per desk.
    public mutating func add(_ result: Resolver.Result, settings: DraftSettings, now: Date = Date()) {
        contacts = result.contacts
        pending += result.pending
        // One draft per desk: a desk named in several roles gets one report with all its domains.
        for contact in Contact.merged(result.contacts, by: \.desk) {
            drafts.append(DeskReport.make(contact: contact, analysis: self, settings: settings, now: now))
        }
    }
}
