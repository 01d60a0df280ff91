import Foundation
@testable import ReportEngine

enum Fixture {
    /// The bytes of `Fixtures/<name>`.
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return Array(try Data(contentsOf: url))
    }

    static func message(_ name: String) throws -> MIMEMessage {
        try MIMEMessage.parse(bytes(name))
    }

    /// `../shared/corpus` beside the project, or nil when it is absent.
    static let corpus: URL? = {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }  // Tests/ReportEngineTests/Fixture.swift → project root
        let url = dir.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()
}

import Testing
