import Foundation

/// The data files shipped in the package's `Resources` folder.
enum BundledResource {
    /// `Resources/<name>.json` decoded as `T`, or nil when the file is missing or does not decode
    /// (each caller has its own fallback).
    static func json<T: Decodable>(_ name: String, as type: T.Type = T.self) -> T? {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }
}
