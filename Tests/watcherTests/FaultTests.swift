import Foundation
import Testing

/// Faults that must end in a clear error naming the cause, never in a silent reset that reports a
/// whole folder again: a damaged ledger, durations that overflow, a password in a URL, leftovers of
/// a killed run. No mail server needed: the examples folder is the source, a folder the sink.
@Suite(.serialized) struct FaultTests {
    /// A folder with the example spam, a configuration that writes drafts to files, and one run done.
    func setup() throws -> (dir: String, config: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-fault-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.projectRoot.appendingPathComponent("examples/spam").path, toPath: dir + "/spam")
        let config = dir + "/watcher.toml"
        try """
            [source]
            kind = "directory"
            path = "spam"

            [reports]
            mode = "directory"
            directory = "drafts"
            from = "Owner <owner@example.net>"

            [lookup]
            enabled = false

            [state]
            path = "state/ledger.sqlite"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (dir, config)
    }

    func drafts(_ dir: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: dir + "/drafts").filter { $0.hasSuffix(".eml") }.count
    }

    @Test(arguments: ["empty", "truncated", "garbage inside", "garbage"])
    func aDamagedLedgerStopsTheRunWithAClearErrorAndNothingIsReportedAgain(_ damage: String) throws {
        let (dir, config) = try setup()
        let first = try CLI.run(["run", "--config", config])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try drafts(dir)
        #expect(before > 0)
        let ledger = dir + "/state/ledger.sqlite"
        // Fold the write-ahead log into the file first, as a clean shutdown leaves it.
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledger + suffix) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ledger)))
        switch damage {
        case "empty": bytes = []
        case "truncated": bytes = Array(bytes.prefix(bytes.count / 2))
        case "garbage inside":
            for i in 4096..<min(bytes.count, 4096 + 8192) { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        default: bytes = Array(repeating: 0x41, count: 20_000)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: ledger))
        let again = try CLI.run(["run", "--config", config])
        #expect(again.status == 78, "\(damage): \(again.stderr)")
        #expect(again.stderr.contains("ledger.sqlite"), "names the file")
        #expect(again.stderr.contains("restore it from a backup, or move it away"), "says what to do: \(again.stderr)")
        #expect(try drafts(dir) == before, "nothing reported again")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == Data(bytes), "run left the damaged file as it was")
        let check = try CLI.run(["check", "--config", config])
        #expect(check.status == 78)
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == Data(bytes), "check changed nothing")
    }

    /// A small tmpfs for the ledger (root mounts it; elsewhere the test says so and stops).
    func tinyDisk(at path: String, size: String = "1m") throws -> Bool {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    func unmount(_ path: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = [path]
        try? p.run()
        p.waitUntilExit()
    }

    /// Fills the file system of `folder` with one file until it takes no more.
    func fill(_ folder: String) -> String {
        let filler = folder + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let chunk = [UInt8](repeating: 0x55, count: 4096)
        while chunk.withUnsafeBufferPointer({ write(fd, $0.baseAddress!, $0.count) }) > 0 {}
        close(fd)
        return filler
    }

    /// The ledger's disk fills up in the middle of a run: exit 74 with a line that names the disk and
    /// says the ledger is sound; nothing is reported twice, and the run after space returns finishes
    /// the job exactly once (as many drafts as one run over the whole folder makes).
    @Test func aFullDiskStopsTheRunWith74AndTheRunAfterFinishesTheJobOnce() throws {
        let (control, controlConfig) = try setup()
        #expect(try CLI.run(["run", "--config", controlConfig]).status == 0)
        let expected = try drafts(control)
        #expect(expected > 2)

        let (dir, config) = try setup()
        guard try tinyDisk(at: dir + "/state") else {
            print("skipped: this user cannot mount a small tmpfs to fill")
            return
        }
        defer { unmount(dir + "/state") }
        // Half the folder first, with room on the disk.
        let spam = try FileManager.default.contentsOfDirectory(atPath: dir + "/spam").sorted()
        try FileManager.default.createDirectory(atPath: dir + "/later", withIntermediateDirectories: true)
        for name in spam.suffix(spam.count / 2) { try FileManager.default.moveItem(atPath: dir + "/spam/" + name, toPath: dir + "/later/" + name) }
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        let firstHalf = try drafts(dir)
        // Then the rest, on a disk with no room left.
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/later") {
            try FileManager.default.moveItem(atPath: dir + "/later/" + name, toPath: dir + "/spam/" + name)
        }
        let filler = fill(dir + "/state")
        let full = try CLI.run(["run", "--config", config])
        #expect(full.status == 74, "\(full.stderr)")
        #expect(full.stderr.contains("disk is full") || full.stderr.contains("is full"), "\(full.stderr)")
        #expect(full.stderr.contains(dir + "/state"), "names the disk's folder: \(full.stderr)")
        #expect(!full.stderr.contains("restore it from a backup") && !full.stderr.contains("move it away"), "\(full.stderr)")
        #expect(try drafts(dir) >= firstHalf)
        // Space again: the job is finished, each report once.
        try FileManager.default.removeItem(atPath: filler)
        try finishesOnce(dir, config, expected: expected)
    }

    /// The next run ends well with `expected` drafts, and the one after makes none.
    func finishesOnce(_ dir: String, _ config: String, expected: Int) throws {
        let after = try CLI.run(["run", "--config", config])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try drafts(dir) == expected, "each report exactly once")
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        #expect(try drafts(dir) == expected)
    }

    /// The drafts' disk is full: exit 74 naming the folder and saying nothing was lost; the reports wait
    /// in the ledger, and once there is room the next run writes each exactly once.
    @Test func aFullDraftsDiskStopsTheRunWith74AndTheRunAfterWritesEachDraftOnce() throws {
        let (control, controlConfig) = try setup()
        #expect(try CLI.run(["run", "--config", controlConfig]).status == 0)
        let expected = try drafts(control)
        let (dir, config) = try setup()
        guard try tinyDisk(at: dir + "/drafts") else {
            print("skipped: this user cannot mount a small tmpfs to fill")
            return
        }
        defer { unmount(dir + "/drafts") }
        let filler = fill(dir + "/drafts")
        let full = try CLI.run(["run", "--config", config])
        #expect(full.status == 74, "\(full.stderr)")
        #expect(full.stderr.contains("No space left on device") && full.stderr.contains(dir + "/drafts"), "\(full.stderr)")
        #expect(full.stderr.contains("nothing was lost"), "\(full.stderr)")
        #expect(try drafts(dir) == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/drafts").filter { $0 != "filler" }
        #expect(leftovers.isEmpty, "no half-written draft is left: \(leftovers)")
        try FileManager.default.removeItem(atPath: filler)
        try finishesOnce(dir, config, expected: expected)
    }

    /// The ledger's file system turns read-only: exit 74 with a line that says so, never "damaged".
    @Test func aReadOnlyStateFolderIsTheDisksFaultNotDamage() throws {
        let (dir, config) = try setup()
        guard try tinyDisk(at: dir + "/state") else {
            print("skipped: this user cannot mount a small tmpfs")
            return
        }
        defer { unmount(dir + "/state") }
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        let remount = Process()
        remount.executableURL = URL(fileURLWithPath: "/bin/mount")
        remount.arguments = ["-o", "remount,ro", dir + "/state"]
        try remount.run()
        remount.waitUntilExit()
        let r = try CLI.run(["run", "--config", config])
        #expect(r.status == 74, "\(r.stderr)")
        #expect(r.stderr.contains("Read-only file system") && r.stderr.contains(dir + "/state"), "\(r.stderr)")
        #expect(!r.stderr.contains("damaged") && !r.stderr.contains("move it away"))
    }

    /// What a run makes is for its owner alone: folders 0700, the ledger and the drafts 0600.
    @Test func theLedgerAndTheDraftsAreTheOwnersAlone() throws {
        let (dir, config) = try setup()
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        func mode(_ path: String) throws -> Int { try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode(dir + "/state") == 0o700)
        #expect(try mode(dir + "/drafts") == 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/state") {
            #expect(try mode(dir + "/state/" + name) == 0o600, "\(name)")
        }
        let drafts = try FileManager.default.contentsOfDirectory(atPath: dir + "/drafts")
        #expect(!drafts.isEmpty)
        for name in drafts { #expect(try mode(dir + "/drafts/" + name) == 0o600, "\(name)") }
    }

    @Test func aMissingLedgerIsAFirstRunAndCheckMakesNothing() throws {
        let (dir, config) = try setup()
        let check = try CLI.run(["check", "--config", config])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.contains("none yet; the first run makes it"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/state"), "check made no folder")
        #expect(!FileManager.default.fileExists(atPath: dir + "/drafts"))
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        #expect(try CLI.run(["check", "--config", config]).stdout.contains("message(s) processed"))
    }

    @Test func aStatePathThatCannotBeMadeIsAConfigurationError() throws {
        let (dir, config) = try setup()
        try "x".write(toFile: dir + "/blocker", atomically: true, encoding: .utf8)
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "state/ledger.sqlite", with: "blocker/ledger.sqlite")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "--config", config])
        #expect(r.status == 78, "\(r.stderr)")
        #expect(r.stderr.contains("blocker"))
    }

    @Test(arguments: [("cache_ttl", "999999999999999d"), ("timeout", "4000000000000000000s"), ("budget", "99999999999999999999s"), ("timeout", "2h")])
    func durationsThatOverflowAreConfigurationErrors(_ key: String, _ value: String) throws {
        let (_, config) = try setup()
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "enabled = false", with: "enabled = false\n\(key) = \"\(value)\"")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        for command in ["check", "run"] {
            let r = try CLI.run([command, "--config", config])
            #expect(r.status == 78, "\(command) \(key) = \(value): \(r.stdout) \(r.stderr)")
            #expect(r.signal == nil)
            #expect((r.stdout + r.stderr).contains("lookup.\(key) (line"))
        }
    }

    @Test func aPasswordInTheURLIsRefusedAndNeverPrinted() throws {
        let (_, config) = try setup()
        try (try String(contentsOfFile: config, encoding: .utf8) + "\n[imap]\nurl = \"imaps://me:S3cretPass@imap.example.net\"\nuser = \"me\"\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        for command in ["check", "run"] {
            let r = try CLI.run([command, "--config", config])
            #expect(r.status == 78)
            #expect(!(r.stdout + r.stderr).contains("S3cretPass"))
            #expect((r.stdout + r.stderr).contains("imap.url (line"))
        }
    }

    @Test func halfWrittenDraftsOfAKilledRunAreCleanedUp() throws {
        let (dir, config) = try setup()
        try FileManager.default.createDirectory(atPath: dir + "/drafts", withIntermediateDirectories: true)
        try "half".write(toFile: dir + "/drafts/0123.eml.partial", atomically: true, encoding: .utf8)
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: dir + "/drafts/0123.eml.partial"))
    }

    /// A message over the size limit is skipped with a line saying so, and no more than one byte
    /// past the limit of it is read (a sparse 2 GB file costs no memory); the others are reported.
    @Test func aMessageOverTheSizeLimitIsSkippedUnreadInRun() throws {
        let (dir, config) = try setup()
        let huge = dir + "/spam/zz-huge.eml"
        FileManager.default.createFile(atPath: huge, contents: Data("From: a@b.example\r\nSubject: big\r\n\r\n".utf8))
        let handle = try #require(FileHandle(forWritingAtPath: huge))
        try handle.truncate(atOffset: 2_000_000_000)
        try handle.close()
        let r = try CLI.run(["run", "--config", config, "--log-level", "info"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("skipped: larger than the 25000000-byte message limit"), "\(r.stderr)")
        #expect(try drafts(dir) == 3)  // two carrier forwards, one phishing report
    }

    /// An empty file in the folder is skipped as not a message; the run goes on.
    @Test func anEmptyFileInTheFolderIsSkipped() throws {
        let (dir, config) = try setup()
        FileManager.default.createFile(atPath: dir + "/spam/aa-empty.eml", contents: Data())
        let r = try CLI.run(["run", "--config", config, "--log-level", "info"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("skipped: not a message: the file is empty"), "\(r.stderr)")
        #expect(try drafts(dir) == 3)  // two carrier forwards, one phishing report
    }
}
