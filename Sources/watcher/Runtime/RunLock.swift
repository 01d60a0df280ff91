import Foundation

/// A non-blocking exclusive lock (fcntl) on a file beside the ledger: two overlapping runs never
/// process the same message. Released when the process ends, however it ends.
final class RunLock {
    private let fd: Int32
    let path: String

    /// Takes the lock, or throws `RunLockHeld` at once when another run has it.
    init(path: String) throws {
        self.path = path
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        // A lock file that cannot be made is a state path to fix, not a reason to try later.
        guard fd >= 0 else {
            let code = errno
            // A disk that is full, read-only or failing is no configuration mistake (exit 74).
            if [ENOSPC, EDQUOT, EROFS, EIO].contains(code) { throw StorageError.file("make the lock file", path, errno: code) }
            throw ConfigError(keyPath: "state.path", line: nil, problem: "cannot make the lock file \(path) beside the ledger: \(String(cString: strerror(code)))")
        }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        if fcntl(fd, F_SETLK, &lock) != 0 {
            close(fd)
            throw RunLockHeld(path: path, reason: "another watcher run holds it")
        }
    }

    deinit { close(fd) }
}

struct RunLockHeld: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "lock \(path): \(reason); try again later" }
}
