import Foundation

/// Per-field agreement of the parser with another project's expected outputs.
///
/// Each scoring test prints one line per field (`corpus <suite> <field>: agree/total (pct)`); with
/// `WATCHER_SCORE_DETAILS=1` in the environment it also prints every disagreement.
final class CorpusScore: @unchecked Sendable {
    let suite: String
    private(set) var fields: [(String, Int, Int)] = []
    private var index: [String: Int] = [:]
    private(set) var misses: [String] = []

    init(_ suite: String) { self.suite = suite }

    func check<T: Equatable>(_ field: String, _ got: T, _ expected: T, _ label: @autoclosure () -> String) {
        let i = index[field] ?? {
            fields.append((field, 0, 0))
            index[field] = fields.count - 1
            return fields.count - 1
        }()
        fields[i].2 += 1
        if got == expected {
            fields[i].1 += 1
        } else {
            misses.append("\(suite) \(field) \(label().replacingOccurrences(of: "\n", with: "⏎")): got \(got) expected \(expected)")
        }
    }

    func ratio(_ field: String) -> Double {
        guard let i = index[field], fields[i].2 > 0 else { return 1 }
        return Double(fields[i].1) / Double(fields[i].2)
    }

    var total: (Int, Int) { fields.reduce((0, 0)) { ($0.0 + $1.1, $0.1 + $1.2) } }

    func report() {
        for (name, ok, n) in fields {
            print("corpus \(suite) \(name): \(ok)/\(n) (\(String(format: "%.1f", 100 * Double(ok) / Double(max(n, 1))))%)")
        }
        if ProcessInfo.processInfo.environment["WATCHER_SCORE_DETAILS"] != nil {
            for m in misses { print("  miss: \(m)") }
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
