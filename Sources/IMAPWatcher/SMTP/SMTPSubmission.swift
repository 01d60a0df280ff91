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
        do {
            try curl.perform(operation: "SMTP send", url: configuration.server)
        } catch {
            throw MailError(curl: error, server: configuration.server)
        }
    }
}
