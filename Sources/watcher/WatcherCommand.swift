import ArgumentParser
import Logging

#if canImport(Glibc)
    /// glibc's `mallopt` (malloc.h, which the Glibc module leaves out); `M_MMAP_THRESHOLD` is -3.
    @_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
    private let M_MMAP_THRESHOLD: Int32 = -3
#endif

@main
struct WatcherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watcher",
        abstract: "Turns the spam in a mail folder into reports for the desks that can stop it.",
        discussion: """
            watcher reads spam (Japanese carrier spam above all), finds where it really came from and which \
            domains its URLs use, and writes the reports: the forward to the sending carrier's desk, and \
            reports to registrars, hosts and networks. It never opens a URL found in a message.
            """,
        version: "0.1.0",
        subcommands: [Run.self, Watch.self, Check.self, Init.self, Analyze.self, History.self, Domains.self, Recheck.self, SummaryCommand.self, UpdateData.self]
    )

    static func main() {
        #if canImport(Glibc)
            // Buffers of 1 MB and up are mapped on their own and go back to the system when freed.
            // Left to itself glibc raises this threshold after the first large free, so a 25 MB
            // message's buffers would then stay in the heap, fragmented, for the rest of the run.
            _ = mallopt(M_MMAP_THRESHOLD, 1 << 20)
        #endif
        main(nil)
    }
}
