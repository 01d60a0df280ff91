import Foundation

/// A domain a desk was told about that is still registered long after: what a follow-up says of it.
public struct FollowUpItem: Sendable, Hashable {
    public var domain: String
    /// The first report to the desk that named it, and how many reports (follow-ups too) named it.
    public var firstReported: Date
    public var reports: Int
    /// The registry's answer that shows it still active (server, query, time and line), if any.
    public var evidence: String?

    public init(domain: String, firstReported: Date, reports: Int, evidence: String?) {
        self.domain = domain
        self.firstReported = firstReported
        self.reports = reports
        self.evidence = evidence
    }
}

/// The second word to a desk (`[recheck] follow_up_after`): the domains it was told about that its
/// registry still shows active, each with the first report's date, the number of reports so far
/// and the registry's current answer. Text only: the spams went with the first reports.
public enum FollowUpReport {
    public static func make(desk: String, deskName: String?, items: [FollowUpItem], settings: DraftSettings,
                            format: SummaryFormat, now: Date = Date()) -> Draft {
        let id = UUID().uuidString.lowercased()
        let ja = settings.language == .ja
        let addresses = desk.hasPrefix("http://") || desk.hasPrefix("https://") ? [] : desk.split(separator: ",").map(String.init)
        let form = addresses.isEmpty ? desk : nil
        let domains = items.map(\.domain).filter(PhishingReport.isHeaderSafe)
        var context: [String: Any] = [
            "greetingName": deskName ?? (ja ? "ご担当者" : "abuse desk"),
            "hasName": deskName != nil,
            "checked": format.time(now),
            "domains": items.map { item -> [String: Any] in
                ["domain": item.domain, "first": format.day(item.firstReported), "reports": "\(item.reports)",
                 "evidence": item.evidence.map { MessageWriter.sanitize($0, limit: 400) } ?? "", "hasEvidence": item.evidence != nil]
            },
            "signature": settings.signatureText,
        ]
        if let form { context["form"] = form }
        let text = settings.templates.render(DraftKind.followUp.rawValue, language: settings.language, context)
        let subject = ja ? "再度のご連絡: ご報告したドメインが現在も有効なままです" : "Follow-up: the domains we reported are still active"
        let raw = MessageWriter.withAttachments(
            from: settings.from, to: addresses.isEmpty ? "undisclosed-recipients:;" : addresses.joined(separator: ", "), subject: subject, id: id,
            kind: .followUp, now: now, text: text, attachments: [], extraHeaders: [("X-Watcher-Targets", domains.joined(separator: ", "))])
        return Draft(kind: .followUp, to: addresses.map { $0.lowercased() }, form: form, subject: subject, id: id, raw: raw, targets: domains)
    }
}
