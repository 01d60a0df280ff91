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
            text: bodyText(message: message, summary: summary, origin: origin, carrier: carrier, language: settings.language),
            original: message.raw)
        return Draft(kind: .carrierForward, to: [carrier.desk.lowercased()], form: nil, subject: subject, id: id, raw: raw)
    }

    static func bodyText(message: MIMEMessage, summary: MessageSummary, origin: Origin, carrier: Carrier, language: ReportLanguage) -> String {
        let intro = language == .ja
            ? ["\(carrier.name) 迷惑メール受付ご担当者様", "",
               "貴社のメールアドレスから送られたと判断できる迷惑メールを受け取りましたので、転送いたします。",
               "送信者へのご対応をお願い申し上げます。"]
            : ["To the \(carrier.name) spam desk,", "",
               "The message below was sent from an address of your service and is unsolicited.",
               "Please take action against the sender."]
        return bodyText(intro: intro, message: message, summary: summary, origin: origin, language: language)
    }

    /// `intro`, then the sender, the authentication results, the whole header block and the text of the message.
    static func bodyText(intro: [String], message: MIMEMessage, summary: MessageSummary, origin: Origin, language: ReportLanguage) -> String {
        let headerText = HeaderField.plainText(Array(message.headerBytes), fallback: nil)
            .replacingOccurrences(of: "\r\n", with: "\n")
        let auth = [origin.spf.map { "spf=\($0)" }, origin.dkim.map { "dkim=\($0)" }, origin.dmarc.map { "dmarc=\($0)" }]
            .compactMap { $0 }.joined(separator: " ")
        var lines: [String] = intro
        switch language {
        case .ja:
            lines += [
                "受信したメールは、ヘッダーを含めて無加工のまま添付しております。",
                "",
                "送信者アドレス: \(summary.from ?? "(不明)")",
                "認証結果: \(auth.isEmpty ? "(なし)" : auth)",
            ]
            if let ip = origin.sourceIP { lines.append("接続元IPアドレス: \(ip)") }
            lines += ["", "===== 受信メールのヘッダー(全文) =====", headerText, "", "===== 受信メールの内容 =====",
                "件名: \(MessageWriter.sanitize(summary.subject ?? ""))", "日時: \(MessageWriter.sanitize(summary.dateText ?? ""))", "送信者: \(MessageWriter.sanitize(summary.fromText ?? ""))",
                "宛先: \(MessageWriter.sanitize(summary.toText ?? ""))", "", summary.text]
        case .en:
            lines += [
                "The original is attached unaltered, with all its headers.",
                "",
                "Sender: \(summary.from ?? "(unknown)")",
                "Authentication: \(auth.isEmpty ? "(none)" : auth)",
            ]
            if let ip = origin.sourceIP { lines.append("Connecting IP address: \(ip)") }
            lines += ["", "===== Full header of the received message =====", headerText, "",
                "===== The received message =====", "Subject: \(MessageWriter.sanitize(summary.subject ?? ""))", "Date: \(MessageWriter.sanitize(summary.dateText ?? ""))",
                "From: \(MessageWriter.sanitize(summary.fromText ?? ""))", "To: \(MessageWriter.sanitize(summary.toText ?? ""))", "", summary.text]
        }
        return lines.joined(separator: "\n")
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
        let intro = settings.language == .ja
            ? ["\(desk.name) ご担当者様", "", "同意なく送られてきた広告メールを受信しましたので、情報提供として転送いたします。"]
            : ["To \(desk.name),", "", "I received the unsolicited advertisement below and forward it for your records."]
        let raw = MessageWriter.withAttachment(
            from: settings.from, to: address, subject: subject, id: id, kind: .clearinghouse, now: now,
            text: CarrierForward.bodyText(intro: intro, message: message, summary: summary, origin: origin, language: settings.language),
            original: message.raw)
        return Draft(kind: .clearinghouse, to: [address.lowercased()], form: nil, subject: subject, id: id, raw: raw)
    }
}
