import Foundation
import Mustache

/// Why the report templates could not be used.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "template \(file): \(message)" }
}

/// The texts of the reports, one Mustache template per kind and language (`Resources/templates/<ja|en>/<kind>.mustache`),
/// with partials shared between kinds. A folder named in `[reports] templates` may replace any of
/// them with a file of the same name (`ja/registrar.mustache`).
public struct ReportTemplates: Sendable {
    private let store: Store

    /// The parsed templates of each language, made on its first use for the bundled ones: parsing
    /// takes a few milliseconds, which a run that writes no report (most runs of a timer), or
    /// none in the other language, need not spend.
    private final class Store: @unchecked Sendable {
        private let lock = NSLock()
        private var libraries: [ReportLanguage: MustacheLibrary] = [:]
        private let make: @Sendable (ReportLanguage) -> MustacheLibrary

        init(_ make: @escaping @Sendable (ReportLanguage) -> MustacheLibrary) { self.make = make }

        subscript(language: ReportLanguage) -> MustacheLibrary {
            lock.lock()
            defer { lock.unlock() }
            if let library = libraries[language] { return library }
            let made = make(language)
            libraries[language] = made
            return made
        }
    }

    private init(store: Store) { self.store = store }

    /// The bundled templates.
    public static let bundled = ReportTemplates(store: Store { (try? library(language: $0, overrides: nil)) ?? MustacheLibrary() })

    /// The bundled templates, each replaced by the file of the same name under `overrides` when there is one.
    /// Read and parsed at once, so that a mistake is reported when the configuration is loaded.
    /// - Throws: `TemplateError` naming the file that cannot be read or parsed.
    public static func load(overrides: String?) throws -> ReportTemplates {
        var libraries: [ReportLanguage: MustacheLibrary] = [:]
        for language in [ReportLanguage.ja, .en] { libraries[language] = try library(language: language, overrides: overrides) }
        return ReportTemplates(store: Store { [libraries] in libraries[$0] ?? MustacheLibrary() })
    }

    private static func library(language: ReportLanguage, overrides: String?) throws -> MustacheLibrary {
        let bundledRoot = BundledResource.path("templates")
        var library = MustacheLibrary()
        for root in [bundledRoot, overrides].compactMap({ $0 }) {
            let folder = (root as NSString).appendingPathComponent(language.rawValue)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names.sorted() where name.hasSuffix(".mustache") {
                let path = (folder as NSString).appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
                    throw TemplateError(file: path, message: "cannot read it as UTF-8 text")
                }
                // Reports are plain text: nothing is escaped unless a template asks for HTML.
                if !text.hasPrefix("{{%") { text = "{{% CONTENT_TYPE: TEXT}}\n" + text }
                do {
                    try library.register(text, named: String(name.dropLast(".mustache".count)))
                } catch {
                    throw TemplateError(file: path, message: "not a valid Mustache template: \(error)")
                }
            }
        }
        return library
    }

    /// The text of a report of `kind` (`registrar`, `carrier-forward` …) in `language`, without blank
    /// lines at either end.
    public func render(_ kind: String, language: ReportLanguage, _ context: [String: Any]) -> String {
        let text = (store[language].render(context, withTemplate: kind) ?? "").unicodeScalars
        // Trimmed of line breaks (LF, VT, FF, CR, NEL, LS, PS), as CharacterSet.newlines has them.
        func isBreak(_ c: Unicode.Scalar) -> Bool { (0x0A...0x0D).contains(c.value) || c.value == 0x85 || c.value == 0x2028 || c.value == 0x2029 }
        var lo = text.startIndex
        var hi = text.endIndex
        while lo < hi, isBreak(text[lo]) { lo = text.index(after: lo) }
        while hi > lo, isBreak(text[text.index(before: hi)]) { hi = text.index(before: hi) }
        return String(text[lo..<hi])
    }
}
