/// Why an IMAP or SMTP exchange failed, naming the server and the command, never the password.
public struct MailError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The server could not be reached or the connection broke: try again later.
        case connection
        /// The server took the connection but did not answer in time: try again later.
        case timeout
        /// The server refused the user name or password.
        case authentication
        /// The server's certificate could not be verified.
        case certificate
        /// The server offers no TLS (no STARTTLS on an `imap://` or `smtp://` URL): nothing is sent in clear.
        case noTLS
        /// The mailbox does not exist.
        case missingMailbox
        /// The server answered NO or BAD, or something it should not have.
        case protocolError
        /// The mailbox is over its quota (RFC 9208 OVERQUOTA): nothing more fits until mail is deleted.
        case overQuota
        /// An SMTP server answered 4xx to this message: it may take it later (RFC 5321 §4.2.1).
        case deferred
        /// An SMTP server answered 5xx to this message: it will not take it as it is.
        case refused
    }

    public var kind: Kind
    public var server: String
    public var command: String
    public var message: String
    /// The SMTP reply code of a `deferred` or `refused` message (0 otherwise).
    public var reply = 0

    public var description: String {
        switch kind {
        case .connection: return "\(server): cannot reach the server (\(command)): \(message)"
        case .timeout: return "\(server): timed out (\(command)): \(message)"
        case .authentication: return "\(server): login refused for the configured user: \(message)"
        case .certificate: return "\(server): the server's TLS certificate is not trusted (set ca_file for a self-signed server): \(message)"
        case .noTLS:
            return "\(server): the server offers no STARTTLS, and a login without TLS is refused: use the server's imaps:// or smtps:// URL "
                + "(allow_insecure = true only for a test server): \(message)"
        case .missingMailbox: return "\(server): \(message)"
        case .protocolError: return "\(server): \(command) failed: \(message)"
        case .overQuota:
            return "\(server): \(command) refused, the mailbox is over its quota (\(message)): delete or expunge mail in this account "
                + "(old drafts, the spam folder) and run again; the reports wait in the ledger and nothing was lost"
        case .deferred: return "\(server): the server deferred the message (\(message)): it stays in the ledger and is tried again later"
        case .refused: return "\(server): the server refused the message (\(message))"
        }
    }

    /// Transient trouble that a later run may not have.
    public var isTransient: Bool { kind == .connection || kind == .timeout || kind == .deferred }

    /// The server will not take anything more on this connection or now at all (a cut, a stall, 421):
    /// what else waits to go to it waits for a later run.
    public var affectsEveryMessage: Bool { kind == .connection || kind == .timeout || (kind == .deferred && reply == 421) }

    public init(_ kind: Kind, server: String, command: String, message: String) {
        self.kind = kind
        self.server = server
        self.command = command
        self.message = message
    }

    init(curl: CurlError, server: String) {
        let kind: Kind = curl.isLoginDenied ? .authentication : curl.isCertificateProblem ? .certificate : curl.code == 64 ? .noTLS
            : curl.code == 28 ? .timeout : .connection
        self.init(kind, server: server, command: curl.operation, message: curl.message)
    }
}
