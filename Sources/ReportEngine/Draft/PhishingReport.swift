import Foundation

/// Where phishing goes besides the lure's registrar and host (`[phishing]`): the clearing houses that
/// pass it to browser blocklists, the police and the imitated brand, and the brand's own desk.
public struct PhishingSettings: Sendable {
    /// The clearing houses chosen (`antiphishing`, `apwg`, `safebrowsing`), from the directory, in order.
    public var clearinghouses: [AbuseDesk]
    /// Whether the imitated brand's own desk (from brands.json) gets a report.
    public var brandDesk: Bool
    /// Whether the clearing houses get the redacted copy instead of the original.
    public var redact: Bool
    /// Seconds within which the same lure host is not sent to the same desk again.
    public var repeatAfter: Int

    /// The default: フィッシング対策協議会 and the brand's desk; the original unaltered; 7 days.
    public init(clearinghouses: [AbuseDesk]? = nil, brandDesk: Bool = true, redact: Bool = false, repeatAfter: Int = 7 * 86400) {
        self.clearinghouses = clearinghouses ?? AbuseDirectory.bundled.desks.filter { $0.id == "antiphishing" }
        self.brandDesk = brandDesk
        self.redact = redact
        self.repeatAfter = repeatAfter
    }

    /// No phishing reports (`[phishing] desks = []`).
    public static let off = PhishingSettings(clearinghouses: [], brandDesk: false)

    /// The desk ids `[phishing] desks` takes.
    public static let deskIDs = ["antiphishing", "apwg", "safebrowsing", "brand"]
}

/// The reports a phishing message gets without any lookup: one to each chosen clearing house, with
/// the original attached (or the redacted copy, `[phishing] redact = true`), and one to the imitated
/// brand's desk, with the redacted copy. Each names the brand and lists the lure URLs (host and path:
/// blocklists need them; query, fragment and the reporter's addresses left out), and carries
/// `X-Watcher-Kind`, `X-Watcher-Targets` (the lure domains, never the brand's) and `X-Watcher-Brand`.
public enum PhishingReport {
    public static func make(message: MIMEMessage, summary: MessageSummary, verdict: PhishingVerdict,
                            settings: DraftSettings, now: Date = Date()) -> [Draft] {
        let phishing = settings.phishing
        let brandDesk = phishing.brandDesk ? verdict.brand.desk.flatMap { $0.email != nil || $0.form != nil ? $0 : nil } : nil
        guard !phishing.clearinghouses.isEmpty || brandDesk != nil else { return [] }
        var drafts: [Draft] = []
        // What the reports hide, read from the message once for all of them.
        let redaction = settings.redaction(for: message)
        for desk in phishing.clearinghouses {
            drafts.append(draft(kind: .phishing, deskName: desk.name(in: settings.language), email: desk.email, form: desk.form,
                                redacted: phishing.redact, message: message, summary: summary, verdict: verdict, redaction: redaction,
                                settings: settings, now: now))
        }
        if let desk = brandDesk {
            drafts.append(draft(kind: .brand, deskName: verdict.brand.name(in: settings.language), email: desk.email, form: desk.form,
                                redacted: true, message: message, summary: summary, verdict: verdict, redaction: redaction,
                                settings: settings, now: now))
        }
        return drafts
    }

    /// A lure URL as a third party sees it: scheme, host and path, with the reporter's addresses
    /// replaced; a query or fragment becomes `?…` (they carry per-recipient tokens).
    static func shown(_ url: String, redaction: Redaction) -> String {
        var r = redaction
        r.trackingURLs = false
        guard let start = URLExtractor.pathStart(url) else { return r.apply(url) }
        let rest = url[start...]
        let cut = rest.firstIndex { $0 == "?" || $0 == "#" }
        return r.apply(String(url[..<(cut ?? url.endIndex)])) + (cut == nil ? "" : "?…")
    }

    /// Whether `target` may stand in a header: an A-label host name or an address, nothing else.
    static func isHeaderSafe(_ target: String) -> Bool {
        !target.isEmpty && target.utf8.count <= 253
            && target.utf8.allSatisfy { Bytes.isAlnum($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x3A || $0 == 0x5F }
    }

    static func draft(kind: DraftKind, deskName: String, email: String?, form: String?, redacted: Bool, message: MIMEMessage,
                      summary: MessageSummary, verdict: PhishingVerdict, redaction: Redaction, settings: DraftSettings, now: Date) -> Draft {
        let id = UUID().uuidString.lowercased()
        let ja = settings.language == .ja
        let brandName = verdict.brand.name(in: settings.language)
        let lures = verdict.lures.map { shown($0, redaction: redaction) }
        let targets = verdict.targets.filter(isHeaderSafe)
        var context: [String: Any] = [
            "greetingName": deskName,
            "brand": brandName,
            "lures": lures.map { ["url": $0] },
            "targets": targets.joined(separator: ", "),
            "subject": redaction.apply(MessageWriter.sanitize(summary.subject ?? "")),
            "date": MessageWriter.sanitize(summary.dateText ?? ""),
            "from": summary.from.map(redaction.apply) ?? (ja ? "(不明)" : "(unknown)"),
            "redacted": redacted,
            "signature": settings.signatureText,
        ]
        if let form { context["form"] = form }
        let text = settings.templates.render(kind.rawValue, language: settings.language, context)
        let subject = ja ? "フィッシングメールの報告（\(brandName)を装ったもの）" : "Phishing that imitates \(verdict.brand.name)"
        let attachment = redacted ? RedactedCopy.make(message, redaction: redaction) : Array(message.raw)
        let raw = MessageWriter.withAttachments(
            from: settings.from, to: email ?? "undisclosed-recipients:;", subject: subject, id: id, kind: kind, now: now, text: text,
            attachments: [(attachment, redacted ? "redacted-copy.eml" : "original.eml")],
            asFile: !redacted && !message.isStructurallySound,
            extraHeaders: [("X-Watcher-Targets", targets.joined(separator: ", ")), ("X-Watcher-Brand", verdict.brand.name)])
        return Draft(kind: kind, to: email.map { [$0.lowercased()] } ?? [], form: email == nil ? form : nil, subject: subject, id: id, raw: raw,
                     targets: targets, hosts: verdict.lureHosts)
    }
}

extension AbuseDesk {
    /// The name for a text in `language`.
    func name(in language: ReportLanguage) -> String { language == .ja ? (nameJa ?? name) : name }
}
