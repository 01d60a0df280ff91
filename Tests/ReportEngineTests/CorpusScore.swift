import Foundation

/// Per-field agreement of the parser with another project's expected outputs.
///
/// Each scoring test prints one line per field (`corpus <suite> <field>: agree/total (pct)`); with
/// `WATCHER_SCORE_DETAILS=1` in the environment it also prints every disagreement.
///
/// Cases where we judge the suite wrong for this tool are declared with `judge(_:_:_:)` and a
/// reason; a disagreement on one is counted apart and printed with its reason, and the line shows
/// the agreement both with and without them.
final class CorpusScore: @unchecked Sendable {
    let suite: String
    private(set) var fields: [(String, Int, Int)] = []
    private var index: [String: Int] = [:]
    private(set) var misses: [String] = []
    private var judgements: [(field: String, key: String, reason: String)] = []
    private var judgedCount: [String: Int] = [:]
    private var judgedMisses: [String] = []

    init(_ suite: String) { self.suite = suite }

    /// Declares that on `field`, cases whose label contains `key` are ones where the suite's
    /// expectation is wrong for this tool, for `reason`.
    func judge(_ field: String, _ key: String, _ reason: String) {
        judgements.append((field, key, reason))
    }

    func check<T: Equatable>(_ field: String, _ got: T, _ expected: T, _ label: @autoclosure () -> String) {
        let i = index[field] ?? {
            fields.append((field, 0, 0))
            index[field] = fields.count - 1
            return fields.count - 1
        }()
        fields[i].2 += 1
        if got == expected {
            fields[i].1 += 1
            return
        }
        let text = label()
        let line = "\(suite) \(field) \(text.replacingOccurrences(of: "\n", with: "⏎")): got \(got) expected \(expected)"
        if let j = judgements.first(where: { $0.field == field && text.contains($0.key) }) {
            judgedCount[field, default: 0] += 1
            judgedMisses.append(line + " — judged: \(j.reason)")
        } else {
            misses.append(line)
        }
    }

    func ratio(_ field: String) -> Double {
        guard let i = index[field], fields[i].2 > 0 else { return 1 }
        return Double(fields[i].1) / Double(fields[i].2)
    }

    var total: (Int, Int) { fields.reduce((0, 0)) { ($0.0 + $1.1, $0.1 + $1.2) } }

    func report() {
        func pct(_ a: Int, _ b: Int) -> String { String(format: "%.1f", 100 * Double(a) / Double(max(b, 1))) }
        for (name, ok, n) in fields {
            var line = "corpus \(suite) \(name): \(ok)/\(n) (\(pct(ok, n))%)"
            if let j = judgedCount[name], j > 0 {
                line += "; without \(j) judged case\(j == 1 ? "" : "s"): \(ok)/\(n - j) (\(pct(ok, n - j))%)"
            }
            print(line)
        }
        if ProcessInfo.processInfo.environment["WATCHER_SCORE_DETAILS"] != nil {
            for m in misses { print("  miss: \(m)") }
            for m in judgedMisses { print("  judged: \(m)") }
        }
    }
}

enum CorpusJSON {
    static func load(_ relative: String) throws -> Any {
        guard let root = Fixture.corpus else { throw CocoaError(.fileNoSuchFile) }
        let data = try Data(contentsOf: root.appendingPathComponent(relative))
        return try JSONSerialization.jsonObject(with: data)
    }
}
