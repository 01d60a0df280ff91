import Foundation
import Glibc
import ReportEngine

/// Linux's syncfs(2) (unistd.h declares it only under _GNU_SOURCE, which the Glibc module leaves out).
@_silgen_name("syncfs") private func syncfs(_ fd: Int32) -> Int32

/// A folder of .eml files as a `MessageSource` (for trying watcher without a server). Every run looks
/// at every file; the ledger's content keys keep a message from being reported twice.
final class DirectorySource: MessageSource {
    let path: String
    private var files: [String] = []

    init(path: String) { self.path = path }

    var identity: String { "directory:" + path }

    func open() throws -> UInt32 {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            throw SinkError(message: "source.path: cannot read the folder \(path)")
        }
        files = names.filter { $0.hasSuffix(".eml") }.sorted()
        return 1
    }

    func uids(after uid: UInt32) throws -> [UInt32] { files.indices.map { UInt32($0 + 1) } }

    /// The size limit: no more than one byte past it is read of any file.
    var maxBytes = MIMELimits().maxSize

    func fetch(_ uids: [UInt32]) throws -> [(uid: UInt32, bytes: [UInt8])] {
        try uids.map { uid in
            let file = (path as NSString).appendingPathComponent(files[Int(uid) - 1])
            guard let handle = FileHandle(forReadingAtPath: file) else { throw SinkError(message: "cannot read \(file)") }
            defer { try? handle.close() }
            // nil is the end of the file at once: an empty file, which the analysis skips as such.
            guard let data = try? handle.read(upToCount: maxBytes + 1) ?? Data() else { throw SinkError(message: "cannot read \(file)") }
            return (uid, [UInt8](data))
        }
    }

    func sizes(_ uids: [UInt32]) throws -> [UInt32: Int]? {
        var out: [UInt32: Int] = [:]
        for uid in uids {
            var st = stat()
            if stat((path as NSString).appendingPathComponent(files[Int(uid) - 1]), &st) == 0 { out[uid] = Int(st.st_size) }
        }
        return out
    }

    func markHandled(_ uids: [UInt32]) throws {}
}

/// Drafts written as `<draft id>.eml` files into a folder (atomically: a temporary file, then a
/// rename). Proof of delivery: the file exists.
final class DirectorySink: DraftSink {
    let path: String
    var via: String { "directory" }

    init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SinkError(message: "reports.directory: cannot create \(path): \(error.localizedDescription)")
        }
        // A run killed while writing leaves a half-written file: the draft itself is still pending in
        // the ledger and is written again, so the leftover goes.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where name.hasSuffix(".eml.partial") {
            try? FileManager.default.removeItem(atPath: (path as NSString).appendingPathComponent(name))
        }
    }

    private func file(_ id: String) -> String { (path as NSString).appendingPathComponent(id + ".eml") }

    /// Writes the draft to a temporary file and renames it into place. Nothing is synced here:
    /// `flush` syncs the folder's file system once for the batch, before the ledger records it.
    func deliver(_ draft: Draft) throws -> String {
        let target = file(draft.id)
        let temporary = target + ".partial"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError.file("write", temporary, errno: errno) }
        var failure: Int32 = 0
        let written = draft.raw.withUnsafeBufferPointer { b -> Bool in
            var done = 0
            while done < b.count {
                let n = write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return false }
                done += n
            }
            return true
        }
        let closed = close(fd) == 0
        if failure == 0, !closed { failure = errno }
        guard written, closed else {
            unlink(temporary)
            throw StorageError.file("write", temporary, errno: failure)
        }
        if rename(temporary, target) != 0 { throw StorageError.file("rename", temporary, errno: errno) }
        return target
    }

    /// One `syncfs` of the folder's file system: the batch's files and their names reach the disk
    /// before the ledger says they were delivered.
    func flush() throws {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SinkError(message: "cannot open \(path) to sync it") }
        defer { close(fd) }
        if syncfs(fd) != 0 { throw StorageError.file("sync", path, errno: errno) }
    }

    func find(draftID: String) throws -> String? {
        FileManager.default.fileExists(atPath: file(draftID)) ? file(draftID) : nil
    }
}
