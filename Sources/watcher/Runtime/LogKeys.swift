import Logging

/// Metadata keys of the log lines, in one place.
enum LogKeys {
    static let uid = "uid"
    static let uidValidity = "uidvalidity"
    static let mailbox = "mailbox"
    static let messageID = "message-id"
    static let draftID = "draft-id"
}

enum Log {
    /// Logs go to standard error (journald collects them under systemd).
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

import ArgumentParser
