/// A mistake in the configuration file, naming the key (and its line when known).
struct ConfigError: Error, CustomStringConvertible, Hashable {
    var keyPath: String
    var line: Int?
    var problem: String

    var description: String {
        if let line { return "config: \(keyPath) (line \(line)): \(problem)" }
        return "config: \(keyPath): \(problem)"
    }
}

/// Every mistake found in one file, reported at once.
struct ConfigErrors: Error, CustomStringConvertible {
    var errors: [ConfigError]
    var description: String { errors.map(\.description).joined(separator: "\n") }
}
