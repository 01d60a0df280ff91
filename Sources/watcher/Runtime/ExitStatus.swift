import ArgumentParser
import IMAPWatcher
import ReportEngine

/// The one place where errors become exit statuses (sysexits.h): configuration mistakes 78
/// (EX_CONFIG), transient trouble 75 (EX_TEMPFAIL), anything else 1.
enum ExitStatus {
    static let config = ExitCode(78)
    static let tempFail = ExitCode(75)
    static let failure = ExitCode(1)
    /// EX_USAGE: a wrong or missing argument.
    static let usage = ExitCode(64)
    /// EX_CANTCREAT: a file that cannot or may not be written.
    static let cannotCreate = ExitCode(73)
    /// EX_IOERR: the disk failed (full, read-only, an I/O error) or the mailbox is over its quota; nothing was
    /// lost, run again once it is fixed.
    static let ioError = ExitCode(74)

    static func code(for error: any Error) -> ExitCode {
        switch error {
        case is ConfigError, is ConfigErrors: return config
        case is RunLockHeld: return tempFail
        case let e as MailError: return e.isTransient ? tempFail : e.kind == .overQuota ? ioError : config
        case let e as LedgerError: return e.isTransient ? tempFail : e.isStorage ? ioError : config
        case is StorageError: return ioError
        default: return failure
        }
    }
}

/// Prints a line to standard error.
func printError(_ text: String) {
    var stderr = StandardError()
    print(text, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleShim.writeStderr(string)
    }
}
