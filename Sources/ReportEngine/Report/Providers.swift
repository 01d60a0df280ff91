import Foundation

/// A mail provider `watcher init --provider` knows (`Resources/providers.json`): its servers, how it
/// logs in, and the hosts and authserv-ids that write the trace fields of mail it receives. Each
/// fact carries the page it was read on.
public struct MailProvider: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// `imaps://host[:port]` and `smtps://…` or `smtp://…` (STARTTLS).
    public var imap: String
    public var smtp: String
    /// The login methods it takes, the preferred first (`xoauth2`, `password`).
    public var auth: [String]
    public var serverSource: String
    /// The OAuth 2.0 scope its tokens need, when it says.
    public var tokenScope: String?
    /// Hosts that receive its users' mail and write `Received: … by <host>`, and the authserv-ids of
    /// its Authentication-Results: trusted once this is the mailbox read.
    public var receivingHosts: [String]
    public var authservIDs: [String]
    public var receivingSource: String
    public var note: String
}

public enum MailProviders {
    /// The day the facts were read.
    public static let checked: String = file?.checked ?? ""

    /// The providers shipped in the package.
    public static let bundled: [MailProvider] = file?.providers ?? []

    private struct File: Decodable {
        var checked: String
        var providers: [MailProvider]
    }

    private static let file = BundledResource.json("providers", as: File.self)
}
