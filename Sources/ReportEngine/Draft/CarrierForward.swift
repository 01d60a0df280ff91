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
        let boundary = "=_watcher_" + id.replacingOccurrences(of: "-", with: "")
        var w = MessageWriter()
        w.header("From", raw: settings.from)
        w.header("To", raw: carrier.desk)
        w.header("Subject", text: subject)
        w.header("Date", raw: MessageWriter.rfc5322Date(now))
        w.header("Message-ID", raw: "<\(id)@\(Address.domain(of: Address.first(in: settings.from) ?? "") ?? "watcher.invalid")>")
        w.header("MIME-Version", raw: "1.0")
        w.header("X-Watcher-Draft-Id", raw: id)
        w.header("X-Watcher-Kind", raw: DraftKind.carrierForward.rawValue)
        w.header("Content-Type", raw: "multipart/mixed; boundary=\"\(boundary)\"")
        w.body("This is a multi-part message in MIME format.")
        w.line("--\(boundary)")
        w.header("Content-Type", raw: "text/plain; charset=UTF-8")
        w.header("Content-Transfer-Encoding", raw: "8bit")
        w.body(bodyText(message: message, summary: summary, origin: origin, carrier: carrier, language: settings.language))
        w.line("--\(boundary)")
        let original = message.raw
        let clean = String(validating: original, as: UTF8.self) != nil
        w.header("Content-Type", raw: "message/rfc822")
        w.header("Content-Disposition", raw: "attachment; filename=\"original.eml\"")
        if clean {
            w.header("Content-Transfer-Encoding", raw: "8bit")
            w.line("")
            w.append(raw: original)
        } else {
            w.header("Content-Transfer-Encoding", raw: "base64")
            w.line("")
            let b64 = Data(original).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            w.append(raw: Array(b64.utf8))
        }
        w.line("--\(boundary)--")
        return Draft(kind: .carrierForward, to: [carrier.desk.lowercased()], form: nil, subject: subject, id: id, raw: w.message)
    }

    static func bodyText(message: MIMEMessage, summary: MessageSummary, origin: Origin, carrier: Carrier, language: ReportLanguage) -> String {
        let headerText = HeaderField.plainText(Array(message.headerBytes), fallback: nil)
            .replacingOccurrences(of: "\r\n", with: "\n")
        let auth = [origin.spf.map { "spf=\($0)" }, origin.dkim.map { "dkim=\($0)" }, origin.dmarc.map { "dmarc=\($0)" }]
            .compactMap { $0 }.joined(separator: " ")
        var lines: [String] = []
        switch language {
        case .ja:
            lines += [
                "\(carrier.name) 迷惑メール受付ご担当者様",
                "",
                "貴社のメールアドレスから送られたと判断できる迷惑メールを受け取りましたので、転送いたします。",
                "送信者へのご対応をお願い申し上げます。",
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
                "To the \(carrier.name) spam desk,",
                "",
                "The message below was sent from an address of your service and is unsolicited.",
                "Please take action against the sender. The original is attached unaltered, with all its headers.",
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
