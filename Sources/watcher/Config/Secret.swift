import Foundation

/// A password, resolved late from a file, a command, the environment or systemd's credentials
/// directory. Its description is always `<redacted>`, so it cannot reach a log by accident.
struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String
    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }

    /// Resolves the password of `section` (`imap` or `smtp`), in this order: `password_file`,
    /// `password_command`, `$WATCHER_<SECTION>_PASSWORD`, `$CREDENTIALS_DIRECTORY/<section>`.
    /// - Throws: `ConfigError` naming the key when a source is set but unusable, or none is set.
    static func resolve(section: String, file: String?, command: String?) throws -> Secret {
        if let file {
            var st = stat()
            guard stat(file, &st) == 0 else {
                throw ConfigError(keyPath: "\(section).password_file", line: nil, problem: "cannot read \(file)")
            }
            if st.st_mode & 0o077 != 0 {
                throw ConfigError(keyPath: "\(section).password_file", line: nil,
                                  problem: "\(file) is readable by group or others; run chmod 600 \(file)")
            }
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigError(keyPath: "\(section).password_file", line: nil, problem: "cannot read \(file)")
            }
            return Secret(value: firstLine(text))
        }
        if let command {
            return try run(command, key: "\(section).password_command")
        }
        let env = ProcessInfo.processInfo.environment
        if let v = env["WATCHER_\(section.uppercased())_PASSWORD"], !v.isEmpty { return Secret(value: v) }
        if let dir = env["CREDENTIALS_DIRECTORY"], let text = try? String(contentsOfFile: dir + "/" + section, encoding: .utf8) {
            return Secret(value: firstLine(text))
        }
        throw ConfigError(keyPath: "\(section).password_file", line: nil,
                          problem: "no password: set password_file or password_command, WATCHER_\(section.uppercased())_PASSWORD, or a systemd credential named \(section)")
    }

    /// The first line `command` prints (run by /bin/sh), for `key`: a password command, or the
    /// `token_command` that prints an OAuth access token, run at each connection. Its output is never
    /// shown, not even when it fails; its error output is discarded.
    /// - Throws: `ConfigError` naming `key` and the exit status, or an empty answer.
    static func run(_ command: String, key: String) throws -> Secret {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch {
            throw ConfigError(keyPath: key, line: nil, problem: "cannot run it")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw ConfigError(keyPath: key, line: nil, problem: "exited with status \(p.terminationStatus)")
        }
        let value = firstLine(String(decoding: data, as: UTF8.self))
        guard !value.isEmpty else { throw ConfigError(keyPath: key, line: nil, problem: "printed nothing") }
        return Secret(value: value)
    }

    private static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }
}
