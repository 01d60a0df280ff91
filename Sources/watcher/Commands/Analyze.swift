import ArgumentParser
import Foundation
import ReportEngine

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show what watcher finds in .eml files and the reports it would write. Changes nothing.",
        discussion: """
            Exit status: 0 when every file was read as a message, 1 when a file was not a message (the \
            other files still run) or the --files-from list cannot be read, 78 for a configuration error.
            """
    )

    @Option(name: .long, help: "Configuration file (TOML). analyze needs none.")
    var config: String?

    @Flag(name: .long, help: "Do no network lookups.")
    var offline = false

    @Flag(name: .long, help: "One JSON object per message per line.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("A file that names the messages to analyse, one path a line (- for standard input).", valueName: "list"))
    var filesFrom: String?

    @Argument(help: "Messages to analyse (.eml files).")
    var files: [String] = []

    func validate() throws {
        if files.isEmpty, filesFrom == nil { throw ValidationError("Name at least one .eml file to analyse, or a list of them with --files-from.") }
    }

    /// The paths a `--files-from` list names: one a line, CR LF or LF, blank lines skipped. A long
    /// list is better given this way than as arguments, whose parsing grows with the square of their number.
    static func paths(fromList list: String) throws -> [String] {
        let data: Data?
        if list == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: list)
        }
        guard let data else { throw ReadError(message: "--files-from \(list): cannot read the list (missing or not readable)") }
        return data.split(separator: 0x0A).compactMap { line in
            var line = line
            if line.last == 0x0D { line = line.dropLast() }
            return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
        }
    }

    func run() throws {
        let settings: WatcherConfig
        do {
            settings = try config.map(WatcherConfig.load(path:)) ?? WatcherConfig()
        } catch {
            printError(String(describing: error))
            throw ExitStatus.code(for: error)
        }
        let analyzer = settings.analyzerConfiguration
        var resolver: Resolver?
        if !offline, settings.lookup.enabled {
            // The ledger caches answers only when the file names it; analyze writes nothing else there.
            let cache: LookupCache = try settings.statePath.map { _ in try Ledger(path: settings.resolvedStatePath) } ?? MemoryLookupCache()
            resolver = settings.makeResolver(cache: cache)
        }
        var all = files
        if let filesFrom {
            do {
                all += try Self.paths(fromList: filesFrom)
            } catch let error as ReadError {
                printError(error.message)
                throw ExitStatus.failure
            }
        }
        var failed = false
        let out = StandardOutput()
        defer { out.flush() }
        // Reading and analysing run on every core, a few messages ahead; lookups and output stay
        // on this thread, in the order the files were named. A large file is left to this thread,
        // in its turn: two of them analysed at once would double the peak memory of a run.
        let limit = analyzer.limits.maxSize
        let analyse = { @Sendable (file: String) -> Outcome in
            switch Self.read(file, limit: limit) {
            case .failure(let error): return Outcome(file: file, result: .failure(error))
            case .success(let data):
                do throws(MIMEError) {
                    return Outcome(file: file, result: .success(try MessageAnalyzer.analyze(data, file: file, configuration: analyzer)))
                } catch {
                    return Outcome(file: file, result: .failure(ReadError(message: error.description)))
                }
            }
        }
        // Four messages a thread may be analysed ahead of the output: one that takes long holds up
        // its output, not the other threads (5 % of the wall time over corpus/spam, against two;
        // eight gained nothing more). Files over `largeFile` wait for the main thread, so at most
        // the window's count of smaller ones is held.
        orderedParallelMap(count: all.count, workers: analysisWorkers, window: 4 * analysisWorkers, { [all] i -> Outcome? in
            var st = stat()
            if stat(all[i], &st) == 0, Int(st.st_size) > Self.largeFile { return nil }
            return analyse(all[i])
        }) { i, early in
            let outcome = early ?? analyse(all[i])
            switch outcome.result {
            case .failure(let error):
                failed = true
                out.flush()
                emit(file: outcome.file, error: error.message)
            case .success(var analysis):
                if let resolver {
                    analysis.add(resolver.resolve(analysis), settings: analyzer.drafts)
                } else {
                    analysis.pending = pendingLookups(analysis)
                }
                if json {
                    // Written in pieces: a 25 MB message's text is not copied into one more buffer.
                    analysis.json.write(to: out.append)
                    out.append([0x0A])
                } else {
                    out.flush()
                    print(ReadableReport.render(analysis))
                }
            }
        }
        if failed { throw ExitStatus.failure }
    }

    struct ReadError: Error { let message: String }

    /// Files larger than this are analysed on the main thread, one at a time (2 MB: spam is
    /// mostly a few KB to a few hundred).
    static let largeFile = 2 << 20

    /// What became of one file: its analysis, or why there is none.
    struct Outcome: @unchecked Sendable {
        let file: String
        let result: Result<MessageAnalysis, ReadError>
    }

    /// The file's bytes, read at once. The size comes first: a file over the limit is refused
    /// before it is read into memory.
    static func read(_ path: String, limit: Int) -> Result<[UInt8], ReadError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(ReadError(message: "cannot read the file (missing or not readable)")) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR else {
            return .failure(ReadError(message: "cannot read the file (missing or not readable)"))
        }
        // A pipe (`analyze <(…)`) has no size: it is read in growing steps up to the limit.
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        let size = regular ? Int(st.st_size) : 0
        if size > limit { return .failure(ReadError(message: MIMEError.tooLarge(size: size, limit: limit).description)) }
        // One byte more than the size, to see a file that grew since: it is read on to its end or the limit.
        var bytes: [UInt8] = []
        var capacity = regular ? size + 1 : min(limit + 1, 65536)
        while true {
            var failed = false
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: capacity - start))
            let filled = bytes.withUnsafeMutableBufferPointer { buffer -> Int in
                var count = start
                while count < buffer.count {
                    let n = Foundation.read(fd, buffer.baseAddress! + count, buffer.count - count)
                    if n < 0, errno == EINTR { continue }
                    if n < 0 { failed = true }
                    guard n > 0 else { break }
                    count += n
                }
                return count
            }
            if failed { return .failure(ReadError(message: "cannot read the file (\(String(cString: strerror(errno))))")) }
            bytes.removeLast(bytes.count - filled)
            guard filled == capacity, filled <= limit else { break }
            capacity = min(limit + 1, capacity * 2)
        }
        if bytes.count > limit { return .failure(ReadError(message: MIMEError.tooLarge(size: bytes.count, limit: limit).description)) }
        return .success(bytes)
    }

    private func emit(file: String, error: String) {
        if json {
            print(MessageAnalysis.errorJSON(file: file, error: error).serialized())
        } else {
            printError("\(file): \(error)")
        }
    }

    /// The lookups this message needs and that were not made.
    private func pendingLookups(_ analysis: MessageAnalysis) -> [String] {
        let reason = offline ? "skipped (--offline)" : "skipped ([lookup] enabled = false)"
        var pending: [String] = []
        if let ip = analysis.origin.sourceIP { pending.append("network owner of \(ip): \(reason)") }
        for d in analysis.domains { pending.append("registrar, hosting and nameservers of \(d): \(reason)") }
        return pending
    }
}

/// Standard output for the JSON lines: what is written is gathered up to 64 KB and handed to
/// write(2) together, not a write or two per message; `flush` writes what is gathered (first what
/// `print` buffered), and comes before anything else is printed.
final class StandardOutput {
    private var buffer: [UInt8] = []
    static let size = 65_536

    init() { buffer.reserveCapacity(Self.size) }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        // A piece of 64 KB or more is written on its own, after what was gathered.
        if buffer.count + bytes.count > Self.size || bytes.count >= Self.size { flush() }
        if bytes.count >= Self.size {
            Self.write(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    func append(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { append($0) } }

    func flush() {
        fflush(nil)
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBufferPointer { Self.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes all of `b` (after `flush`, which wrote what `print` buffered).
    private static func write(_ b: UnsafeBufferPointer<UInt8>) {
        var done = 0
        while done < b.count {
            let n = Foundation.write(1, b.baseAddress! + done, b.count - done)
            if n < 0 { if errno == EINTR { continue }; return }
            done += n
        }
    }
}
