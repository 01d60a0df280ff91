import Foundation
import IMAPWatcher

extension WatcherConfig {
    /// The IMAP server as the program reaches it: with a password, resolved now (a file, a command,
    /// the environment); with OAuth, `token_command` asked at each connection.
    /// - Throws: `ConfigError` when `url`, `user` or the password is missing or unusable.
    func imapServer(timeout: Int) throws -> ServerConfiguration {
        try server(imap.server, section: "imap", user: imap.server.user, timeout: timeout)
    }

    /// The SMTP server, its user `[smtp] user` or else `[imap] user`.
    func smtpServer(timeout: Int) throws -> ServerConfiguration {
        try server(smtp, section: "smtp", user: smtp.user ?? imap.server.user, timeout: timeout)
    }

    private func server(_ s: Server, section: String, user: String?, timeout: Int) throws -> ServerConfiguration {
        guard let url = s.url, !url.isEmpty else { throw ConfigError(keyPath: "\(section).url", line: nil, problem: "required for this setup") }
        guard let user, !user.isEmpty else { throw ConfigError(keyPath: "\(section).user", line: nil, problem: "required for this setup") }
        var c = ServerConfiguration(url: url, user: user, password: "", caFile: resolvedPath(s.caFile), allowInsecure: s.allowInsecure, timeout: timeout)
        c.auth = ServerConfiguration.Auth(rawValue: s.auth.rawValue)!
        if s.auth == .password {
            c.password = try Secret.resolve(section: section, file: resolvedPath(s.passwordFile), command: s.passwordCommand).value
        } else if let command = s.tokenCommand {
            let key = "\(section).token_command"
            c.secret = { try Secret.run(command, key: key).value }
        }
        return c
    }
}
