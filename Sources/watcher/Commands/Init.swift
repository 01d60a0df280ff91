import ArgumentParser
import Foundation
import ReportEngine

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a configuration for a mail provider, then check it.",
        discussion: """
            The provider's servers, how it logs in and which of its hosts vouch for where a spam came \
            from are written with the page each fact was read on. Folders are left to the server's \
            SPECIAL-USE marks. What is missing is asked for at a terminal. Exit status as for check; \
            64 for a wrong or missing argument, 73 when the file exists.
            """
    )

    @Option(name: .long, help: "The provider: \(MailProviders.bundled.map(\.id).joined(separator: ", ")).")
    var provider: String?

    @Option(name: .long, help: "The mailbox's address (the IMAP user).")
    var user: String?

    @Option(name: .long, help: "password, xoauth2 or oauthbearer (default: the provider's first).")
    var auth: String?

    @Option(name: .long, help: "With a password: the file that holds it (mode 600).")
    var passwordFile: String?

    @Option(name: .long, help: "With OAuth: a command that prints an access token.")
    var tokenCommand: String?

    @Option(name: .long, help: "Where to write the configuration (default: ~/.config/watcher/config.toml).")
    var output: String?

    @Flag(name: .long, help: "Replace the file if it exists.")
    var force = false

    @Flag(name: .long, help: "Write the file only; do not run check.")
    var noCheck = false

    func run() throws {
        let atTerminal = isatty(0) == 1
        func ask(_ question: String) -> String? {
            guard atTerminal else { return nil }
            print(question, terminator: " ")
            return readLine()?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        }
        let known = MailProviders.bundled
        guard let id = provider ?? ask("Provider (\(known.map(\.id).joined(separator: ", "))):"),
            let preset = known.first(where: { $0.id == id.lowercased() })
        else {
            printError("watcher: init needs --provider, one of \(known.map(\.id).joined(separator: ", "))")
            throw ExitStatus.usage
        }
        guard let user = user ?? ask("Your address at \(preset.name):"), Address.first(in: user) != nil else {
            printError("watcher: init needs --user, the mailbox's address")
            throw ExitStatus.usage
        }
        let method = (auth ?? preset.auth.first ?? "password").lowercased()
        guard preset.auth.contains(method) || (method == "oauthbearer" && preset.auth.contains("xoauth2")) else {
            printError("watcher: \(preset.name) takes \(preset.auth.joined(separator: " or ")), not \(method)")
            throw ExitStatus.usage
        }
        let path = output ?? (NSHomeDirectory() + "/.config/watcher/config.toml")
        if FileManager.default.fileExists(atPath: path), !force {
            printError("watcher: \(path) exists; --force replaces it")
            throw ExitStatus.cannotCreate
        }
        var login: [String] = []
        if method == "password" {
            let file = passwordFile ?? ask("File that holds the password (mode 600):")
            login.append("password_file = \(Init.quoted(file ?? (path as NSString).deletingLastPathComponent + "/imap.pass"))"
                         + (file == nil ? "   # create it: one line, chmod 600" : ""))
        } else {
            login.append("auth = \(Init.quoted(method))")
            guard let command = tokenCommand ?? ask("Command that prints an access token\(preset.tokenScope.map { " (scope \($0))" } ?? ""):") else {
                printError("watcher: auth = \(method) needs --token-command, a command that prints an access token")
                throw ExitStatus.usage
            }
            login.append("token_command = \(Init.quoted(command))")
        }
        let text = Init.configuration(preset: preset, user: user, login: login)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            printError("watcher: cannot write \(path): \(error.localizedDescription)")
            throw ExitStatus.cannotCreate
        }
        print("wrote \(path)")
        guard !noCheck else { return }
        var check = try Check.parse(["--config", path])
        try check.run()
    }

    /// The configuration text: each fact from the provider table with its source in a comment.
    static func configuration(preset: MailProvider, user: String, login: [String]) -> String {
        var lines = [
            "# watcher configuration for \(preset.name), written by `watcher init --provider \(preset.id)`.",
            "# Servers and login: \(preset.serverSource), read \(MailProviders.checked).",
            "# \(preset.note)",
            "",
            "[imap]",
            "url = \(quoted(preset.imap))",
            "user = \(quoted(user))",
        ] + login + [
            "# folder, drafts_folder and sent_folder are left out: the folders the server marks \\Junk,",
            "# \\Drafts and \\Sent (SPECIAL-USE) are used; `watcher check` names them.",
            "mark = \"keyword\"               # or \"move:Reported\" where the server keeps no keywords",
            "",
            "[smtp]                         # used with [reports] mode = \"send\"",
            "url = \(quoted(preset.smtp))",
        ] + login + [
            "",
            "[reports]",
            "mode = \"draft\"                 # reports wait in the Drafts folder for you to read and send",
            "language = \"ja\"",
        ]
        if !preset.receivingHosts.isEmpty || !preset.authservIDs.isEmpty {
            lines += [
                "",
                "[analysis]",
                "# \(preset.name)'s own receiving hosts and the authserv-id of its Authentication-Results:",
                "# trusted, so a spam from a carrier subscriber that reached this mailbox is known as theirs.",
                "# Source: \(preset.receivingSource), read \(MailProviders.checked).",
                "trusted_relays = [\(preset.receivingHosts.map(quoted).joined(separator: ", "))]",
                "trusted_authserv_ids = [\(preset.authservIDs.map(quoted).joined(separator: ", "))]",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A TOML basic string.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
