import Foundation

/// A file that could not be written because of the disk it is on: full, over quota, read-only or
/// failing (exit 74). The line names the folder and what to do; nothing was lost.
struct StorageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }

    /// The error for a failed file operation on `path`: a `StorageError` when `code` (an errno) is the
    /// disk's doing, a `SinkError` naming the cause otherwise.
    static func file(_ what: String, _ path: String, errno code: Int32) -> any Error {
        let folder = (path as NSString).deletingLastPathComponent
        let reason = String(cString: strerror(code))
        switch code {
        case ENOSPC, EDQUOT:
            return StorageError(message: "cannot \(what) \(path): \(reason): free space where \(folder) is (df \(folder)) and run again; "
                                + "the report stays pending in the ledger and nothing was lost")
        case EROFS, EACCES, EPERM:
            return StorageError(message: "cannot \(what) \(path): \(reason): make \(folder) writable for this user (chmod, or a read-write mount) "
                                + "and run again; nothing was lost")
        case EIO:
            return StorageError(message: "cannot \(what) \(path): \(reason): check the disk holding \(folder) and run again")
        default:
            return SinkError(message: "cannot \(what) \(path): \(reason)")
        }
    }
}
