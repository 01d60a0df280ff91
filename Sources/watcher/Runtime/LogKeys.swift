import Foundation
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
    /// Logs go to standard error (journald collects them under systemd), one line each:
    /// `2026-11-20T21:14:03+09:00 watcher info: message key=value …` — the program named once.
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { _ in
            var h = LineLogHandler()
            h.logLevel = level
            return h
        }
    }
}

/// A log handler that writes one plain line per event to standard error.
struct LineLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        FileHandleShim.writeStderr("\(LineLogHandler.timestamp()) watcher \(event.level): \(event.message)\(fields)\n")
    }

    static func timestamp() -> String {
        var t = time(nil)
        var parts = tm()
        localtime_r(&t, &parts)
        var buffer = [Int8](repeating: 0, count: 40)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

import ArgumentParser
