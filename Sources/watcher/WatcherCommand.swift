import ArgumentParser
import Logging

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
        subcommands: [Run.self, Watch.self, Check.self, Analyze.self, History.self, Domains.self, Recheck.self, SummaryCommand.self, UpdateData.self]
    )
}
