internal import CCurl

/// Sends messages by SMTP submission through libcurl: implicit TLS (`smtps://`) or STARTTLS required
/// (`smtp://`, unless `allowInsecure`), AUTH with the configured user. libcurl does the dot-stuffing.
public final class SMTPSubmission {
    public let configuration: ServerConfiguration
    private let curl: CurlEasy

    public init(_ configuration: ServerConfiguration) throws(MailError) {
        self.configuration = configuration
        curl = try CurlEasy.forServer(configuration.server)
    }

    /// Sends `message` from `from` to `recipients` (bare addresses).
    /// - Throws: `MailError` naming the server and what failed.
    public func send(_ message: [UInt8], from: String, to recipients: [String]) throws(MailError) {
        curl.set(CURLOPT_URL, configuration.server + "/watcher.localhost")
        try configuration.applyLogin(to: curl)
        curl.set(CURLOPT_CONNECTTIMEOUT, configuration.timeout)
        curl.set(CURLOPT_TIMEOUT, configuration.timeout * 4)
        curl.configureTLS(url: configuration.url, caFile: configuration.caFile, allowInsecure: configuration.allowInsecure)
        curl.set(CURLOPT_MAIL_FROM, "<\(from)>")
        curl.set(CURLOPT_MAIL_RCPT, list: recipients.map { "<\($0)>" })
        curl.setUpload(message)
        curl.sink.header.removeAll(keepingCapacity: true)
        do {
            try curl.perform(operation: "SMTP send", url: configuration.server)
        } catch {
            throw SMTPSubmission.classify(error, reply: curl.responseCode(), transcript: curl.sink.header, server: configuration.server)
        }
    }

    /// A failed send as the person running watcher needs it: a 4xx answer to the message is
    /// `deferred`, a 5xx `refused` (each with the server's own line), an authentication answer
    /// (530, 534, 535, 538) a login problem, anything else what curl says (cut, stall, TLS).
    static func classify(_ error: CurlError, reply: Int, transcript: [UInt8], server: String) -> MailError {
        let authentication = [530, 534, 535, 538]
        guard error.code != 28, !error.isCertificateProblem, error.code != 64, (400..<600).contains(reply), !authentication.contains(reply) else {
            return MailError(curl: error, server: server)
        }
        // The server's last line with that code ("550 5.1.1 <x@y>: Recipient address rejected: …").
        let lines = String(decoding: transcript, as: UTF8.self).split(whereSeparator: \.isNewline)
        let line = lines.last { $0.hasPrefix("\(reply)") }.map { String($0.prefix(300)) } ?? "\(reply)"
        var mail = MailError(reply >= 500 ? .refused : .deferred, server: server, command: error.operation, message: line)
        mail.reply = reply
        return mail
    }
}
