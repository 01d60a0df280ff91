import Foundation
import ReportEngine

/// libFuzzer targets, one per parser of hostile input. Built with `scripts/fuzz.sh` (which compiles
/// everything with `-sanitize=fuzzer,address` and `-DFUZZING`); the target is chosen by
/// `WATCHER_FUZZ_TARGET`. Built normally, the same program replays inputs: `watcher-fuzz TARGET FILE…`.
enum FuzzTargets {
    static let names = ["mime", "encoded-words", "header-fields", "received", "authentication-results", "html", "urls", "whois", "rdap", "config", "analyze"]

    static func run(_ target: String, _ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        switch target {
        case "mime":
            if let m = try? MIMEMessage.parse(data) {
                for leaf in m.root.leaves { _ = leaf.decodedText() }
            }
        case "encoded-words":
            _ = HeaderField(name: "Subject", rawValue: data).text(fallback: "iso-2022-jp")
        case "header-fields":
            _ = ContentType.parse(text)
            _ = Address.all(in: text)
            _ = MailDate.iso8601(text)
        case "received":
            _ = ReceivedHeader(text).fromIdentities
        case "authentication-results":
            _ = AuthenticationResults(text)
        case "html":
            _ = HTMLText.render(text)
        case "urls":
            _ = URLExtractor.extract(text: text)
            _ = URLExtractor.extract(link: text)
        case "whois":
            _ = WhoisRecord.parse(text)
        case "rdap":
            _ = RDAPResponse.parse(data)
        case "config":
            _ = try? WatcherConfig.parse(text)
        case "analyze":
            if let a = try? MessageAnalyzer.analyze(data) { _ = a.json.serialized() }
        default:
            fatalError("unknown fuzz target \(target); known: \(names.joined(separator: ", "))")
        }
    }
}

#if FUZZING
    private let target = ProcessInfo.processInfo.environment["WATCHER_FUZZ_TARGET"] ?? "analyze"

    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ start: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzTargets.run(target, size == 0 || start == nil ? [] : Array(UnsafeBufferPointer(start: start, count: size)))
        return 0
    }

    /// The program's entry (SwiftPM names it after the module): hands control to libFuzzer's driver.
    @_cdecl("watcher_fuzz_main")
    func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var values = argv
        return LLVMFuzzerRunDriver(&count, &values) { start, size in
            FuzzTargets.run(target, size == 0 || start == nil ? [] : Array(UnsafeBufferPointer(start: start, count: size)))
            return 0
        }
    }
#else
    @main
    struct Replay {
        static func main() {
            let args = CommandLine.arguments.dropFirst()
            guard let target = args.first, FuzzTargets.names.contains(target) else {
                print("usage: watcher-fuzz TARGET FILE… (targets: \(FuzzTargets.names.joined(separator: ", ")))")
                exit(64)
            }
            for file in args.dropFirst() {
                guard let data = FileManager.default.contents(atPath: file) else { print("\(file): cannot read"); exit(66) }
                FuzzTargets.run(target, [UInt8](data))
                print("\(file): ok")
            }
        }
    }
#endif
