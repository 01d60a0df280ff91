import ArgumentParser
import Foundation
import ReportEngine

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what watcher finds in .eml files and the reports it would write. Changes nothing.",
        discussion: """
            Exit status: 0 when every file was read as a message, 1 when a file was not a message (the \
            other files still run), 78 for a configuration error.
            """
    )

    @Option(name: .long, help: "Configuration file (TOML). analyze needs none.")
    var config: String?

    @Flag(name: .long, help: "Do no network lookups.")
    var offline = false

    @Flag(name: .long, help: "One JSON object per message per line.")
    var json = false

    @Argument(help: "Messages to analyse (.eml files).")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name at least one .eml file to analyse.") }
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
        var failed = false
        for file in files {
            // The size first: a file over the limit is refused before it is read into memory.
            let limit = analyzer.limits.maxSize
            if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size > limit {
                failed = true
                emit(file: file, error: MIMEError.tooLarge(size: size, limit: limit).description)
                continue
            }
            // As bytes at once: the Data is let go before the analysis starts.
            guard let data = FileManager.default.contents(atPath: file).map({ [UInt8]($0) }) else {
                failed = true
                emit(file: file, error: "cannot read the file (missing or not readable)")
                continue
            }
            do {
                var analysis = try MessageAnalyzer.analyze(data, file: file, configuration: analyzer)
                if let resolver {
                    analysis.add(resolver.resolve(analysis), settings: analyzer.drafts)
                } else {
                    analysis.pending = pendingLookups(analysis)
                }
                if json {
                    // Written in pieces: a 25 MB message's text is not copied into one more buffer.
                    fflush(nil)
                    analysis.json.write(to: writeOut)
                    writeOut([0x0A])
                } else {
                    print(ReadableReport.render(analysis))
                }
            } catch {
                failed = true
                emit(file: file, error: error.description)
            }
        }
        if failed { throw ExitStatus.failure }
    }

    /// Writes bytes to standard output (after `fflush(nil)` has written what `print` buffered).
    private func writeOut(_ b: UnsafeBufferPointer<UInt8>) {
        var done = 0
        while done < b.count {
            let n = write(1, b.baseAddress! + done, b.count - done)
            if n < 0 { if errno == EINTR { continue }; return }
            done += n
        }
    }

    private func writeOut(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { writeOut($0) } }

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
