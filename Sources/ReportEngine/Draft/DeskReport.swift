import Foundation

/// A domain the desk had a report about before, for the repeat note: when it was first reported to
/// that desk, and how many reports have named it there.
public struct RepeatNote: Sendable, Hashable {
    public var domain: String
    public var first: Date
    public var count: Int

    public init(domain: String, first: Date, count: Int) {
        self.domain = domain
        self.first = first
        self.count = count
    }
}

/// A report to a registrar, host, network or nameserver operator: one per desk per run, naming every
/// domain and URL of the run's messages that the desk can act on, with the evidence that leads to the
/// desk, a note on the domains reported to it before, and a redacted copy of each message attached.
///
/// The body is plain UTF-8 text (8bit) rendered from the templates of its kind and language; a
/// web-form desk gets the same text with `form` set and no recipient, to paste into the form.
public enum DeskReport {
    /// The report about one message (what `analyze` shows).
    public static func make(contact: Contact, analysis: MessageAnalysis, settings: DraftSettings,
                            now: Date = Date(), id: String = UUID().uuidString.lowercased()) -> Draft {
        make(contact: contact, messages: [analysis], settings: settings, now: now, id: id)
    }

    /// The report about `messages` to the desk of `contact`.
    public static func make(contact: Contact, messages: [MessageAnalysis], settings: DraftSettings, repeats: [RepeatNote] = [],
                            registrants: [String: String] = [:], now: Date = Date(), id: String = UUID().uuidString.lowercased()) -> Draft {
        let kind: DraftKind = switch contact.role {
        case "hosting": .hosting
        case "network": .network
        case "nameserver": .nameserver
        default: .registrar
        }
        // The copies and the text hide the reporter: recipients, own addresses, tracking parts of URLs.
        let redactions = messages.map { settings.redaction(for: $0.analysed) }
        var seenURLs = Set<String>()
        var urls: [String] = []
        for (m, r) in zip(messages, redactions) {
            for u in m.urls where contact.domains.contains(u.domain ?? u.host) {
                let shown = r.url(u.url)
                if seenURLs.insert(shown).inserted { urls.append(shown) }
            }
        }
        let domainsText = contact.domains.joined(separator: ", ")
        let sourceIPs = Array(Set(messages.compactMap(\.origin.sourceIP))).sorted()
        let dateFormat = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "Asia/Tokyo")!).year().month().day()
        var context: [String: Any] = [
            "greetingName": settings.language == .ja ? (contact.nameJa ?? contact.name) : contact.name,
            "hasDomains": !contact.domains.isEmpty,
            "domainsText": domainsText,
            "hasURLs": !urls.isEmpty,
            "urls": urls.map { ["url": $0] },
            "hasRepeats": !repeats.isEmpty,
            "repeats": repeats.map { ["domain": $0.domain, "first": $0.first.formatted(dateFormat), "count": "\($0.count)"] },
            "multiple": messages.count > 1,
            "messageCount": "\(messages.count)",
            "messages": zip(messages, redactions).enumerated().map { i, pair in
                [
                    "number": "\(i + 1)",
                    "subject": pair.1.apply(MessageWriter.sanitize(pair.0.summary.subject ?? "")),
                    "date": MessageWriter.sanitize(pair.0.summary.dateText ?? ""),
                    "from": pair.0.summary.from.map(pair.1.apply) ?? (settings.language == .ja ? "(不明)" : "(unknown)"),
                ]
            },
            "evidence": contact.evidence.map { ["line": $0] },
            "sourceIP": sourceIPs.joined(separator: ", "),
            "redactTracking": settings.redactTracking,
            "signature": settings.signatureText,
        ]
        if let form = contact.form { context["form"] = form }
        if let (name, domains) = sharedRegistrant(contact.domains, registrants) {
            context["sameRegistrant"] = ["name": name, "domains": domains.joined(separator: ", ")]
        }
        let text = settings.templates.render(kind.rawValue, language: settings.language, context)
        let subject: String
        switch settings.language {
        case .ja:
            subject = kind == .network ? "迷惑メール送信元の報告 (\(sourceIPs.joined(separator: ", ")))" : "迷惑メールに記載されたドメインの報告 (\(domainsText))"
        case .en:
            subject = kind == .network ? "Spam sent from your network (\(sourceIPs.joined(separator: ", ")))" : "Spam advertising domains you manage (\(domainsText))"
        }
        let to = contact.email.map { [$0.lowercased()] } ?? []
        let raw = MessageWriter.withAttachments(
            from: settings.from, to: to.first ?? "undisclosed-recipients:;", subject: subject, id: id, kind: kind, now: now, text: text,
            attachments: zip(messages, redactions).enumerated().map { i, pair in
                (RedactedCopy.make(pair.0.analysed, redaction: pair.1), messages.count == 1 ? "redacted-copy.eml" : "redacted-copy-\(i + 1).eml")
            })
        return Draft(kind: kind, to: to, form: contact.form, subject: subject, id: id, raw: raw)
    }

    /// Two or more of `domains` registered under one registrant name (privacy services left aside).
    static func sharedRegistrant(_ domains: [String], _ registrants: [String: String]) -> (String, [String])? {
        var byName: [String: [String]] = [:]
        for d in domains {
            guard let name = registrants[d]?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { continue }
            let lower = name.lowercased()
            if ["privacy", "redacted", "proxy", "protect", "withheld", "not disclosed", "代行"].contains(where: { lower.contains($0) }) { continue }
            byName[name, default: []].append(d)
        }
        return byName.filter { $0.value.count >= 2 }.max { $0.value.count < $1.value.count }.map { ($0.key, $0.value) }
    }
}

extension MessageWriter {
    /// Whether `message` can be attached as message/rfc822 in 8bit: UTF-8 (or ASCII), CRLF line ends
    /// only, no NUL, no line over 998 octets.
    static func travelsAsMessage(_ message: [UInt8]) -> Bool {
        guard Bytes.isValidUTF8(message) else { return false }
        var length = 0
        var previous: UInt8 = 0
        for b in message {
            switch b {
            case 0x00: return false
            case 0x0A:
                if previous != 0x0D { return false }
                length = 0
            default:
                if previous == 0x0D { return false }  // a CR not followed by LF
                if b != 0x0D { length += 1 }
                if length > 998 { return false }
            }
            previous = b
        }
        return previous != 0x0D
    }

    /// A report message: the text, then the original as an unaltered message/rfc822 attachment.
    static func withAttachment(from: String, to: String, subject: String, id: String, kind: DraftKind, now: Date,
                               text: String, original: [UInt8], attachmentName: String = "original.eml", sound: Bool = true) -> [UInt8] {
        withAttachments(from: from, to: to, subject: subject, id: id, kind: kind, now: now, text: text,
                        attachments: [(original, attachmentName)], asFile: !sound)
    }

    /// A report message: the text, then each message as a message/rfc822 attachment.
    static func withAttachments(from: String, to: String, subject: String, id: String, kind: DraftKind, now: Date,
                                text: String, attachments: [(bytes: [UInt8], name: String)], asFile: Bool = false,
                                extraHeaders: [(String, String)] = []) -> [UInt8] {
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
        // Made by the program from its own data (brand names) and from host names it checked.
        for (name, value) in extraHeaders where !value.isEmpty { w.header(name, raw: value) }
        w.header("Content-Type", raw: "multipart/mixed; boundary=\"\(boundary)\"")
        w.body("This is a multi-part message in MIME format.")
        w.line("--\(boundary)")
        w.header("Content-Type", raw: "text/plain; charset=UTF-8")
        w.header("Content-Transfer-Encoding", raw: "8bit")
        w.body(text)
        for (original, name) in attachments {
            w.line("--\(boundary)")
            // message/rfc822 may only travel as 7bit, 8bit or binary (RFC 2046 §5.2.1), and 8bit wants
            // CRLF lines of at most 998 octets with no NUL: a message that is not so, or whose own MIME
            // structure is broken, goes as an .eml file, base64, its bytes unchanged.
            if !asFile, MessageWriter.travelsAsMessage(original) {
                w.header("Content-Type", raw: "message/rfc822")
                w.header("Content-Disposition", raw: "attachment; filename=\"\(name)\"")
                w.header("Content-Transfer-Encoding", raw: "8bit")
                w.line("")
                w.append(raw: original)
            } else {
                w.header("Content-Type", raw: "application/octet-stream; name=\"\(name)\"")
                w.header("Content-Disposition", raw: "attachment; filename=\"\(name)\"")
                w.header("Content-Transfer-Encoding", raw: "base64")
                w.line("")
                w.append(raw: Array(Data(original).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]).utf8))
            }
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
        registrants = result.registrants
        // One draft per desk: a desk named in several roles gets one report with all its domains.
        for contact in Contact.merged(result.contacts, by: \.desk) {
            drafts.append(DeskReport.make(contact: contact, messages: [self], settings: settings, registrants: registrants, now: now))
        }
    }
}
