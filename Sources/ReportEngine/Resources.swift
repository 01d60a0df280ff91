import Foundation

/// The data files shipped in the package's `Resources` folder.
enum BundledResource {
    /// `Resources/<name>.json` decoded as `T`, or nil when the file is missing or does not decode
    /// (each caller has its own fallback).
    static func json<T: Decodable>(_ name: String, as type: T.Type = T.self) -> T? {
        guard let data = data(name) else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }

    /// `Resources/<name>.json` when it is one flat object of strings, read by `flatStrings`: the
    /// 2,000 HTML entity names load in a fraction of the time `JSONDecoder` takes, and every
    /// process that reads HTML needs them.
    static func stringTable(_ name: String) -> FlatStrings? {
        data(name).flatMap { flatStrings([UInt8]($0)) }
    }

    private static func data(_ name: String) -> Data? {
        path(name + ".json").flatMap(FileManager.default.contents(atPath:))
    }

    /// The path of `Resources/<name>` (a file or a folder), or nil when it is not there.
    static func path(_ name: String) -> String? {
        guard let root else { return nil }
        let path = root + "/" + name
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The `Resources` folder. It is looked for beside the executable first (where the build puts
    /// `watcher_ReportEngine.resources`, and where README installs it), found through
    /// `/proc/self/exe` without Foundation's `Bundle`, whose first use costs a millisecond or more of
    /// every run; otherwise where `Bundle.module` finds it (the build folder, for a binary moved away).
    static let root: String? = {
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &target, target.count - 1)
        if n > 0 {
            let exe = String(decoding: target[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let beside = (exe as NSString).deletingLastPathComponent + "/watcher_ReportEngine.resources/Resources"
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: beside, isDirectory: &isFolder), isFolder.boolValue { return beside }
        }
        return Bundle.module.url(forResource: "Resources", withExtension: nil)?.path
    }()

    /// A JSON object whose values are all strings (`{"amp": "&", …}`); nil for anything else.
    static func flatStringObject(_ b: [UInt8]) -> [String: String]? { flatStrings(b)?.dictionary }

    /// The keys and values of a JSON object whose values are all strings, decoded into one buffer
    /// with no String made for any of them; nil for anything else. The file must be UTF-8 throughout
    /// (checked once: every string is then UTF-8, escapes being whole characters).
    static func flatStrings(_ b: [UInt8]) -> FlatStrings? {
        guard Bytes.isValidUTF8(b) else { return nil }
        var table = FlatStrings()
        var i = 0
        func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        func hex4() -> UInt32? {
            guard i + 4 <= b.count else { return nil }
            var v: UInt32 = 0
            for c in b[i..<i + 4] {
                guard let d = Bytes.hexValue(c) else { return nil }
                v = v << 4 | UInt32(d)
            }
            i += 4
            return v
        }
        func string() -> Range<Int>? {
            guard i < b.count, b[i] == 0x22 else { return nil }
            i += 1
            let start = table.bytes.count
            while i < b.count {
                // A run with no quote, escape or control is copied whole.
                var j = i
                while j < b.count, b[j] != 0x22, b[j] != 0x5C, b[j] >= 0x20 { j += 1 }
                table.bytes.append(contentsOf: b[i..<j])
                i = j
                guard i < b.count else { break }
                let c = b[i]
                i += 1
                switch c {
                case 0x22:
                    return start..<table.bytes.count
                case 0x5C:
                    guard i < b.count else { return nil }
                    let e = b[i]
                    i += 1
                    switch e {
                    case 0x22, 0x5C, 0x2F: table.bytes.append(e); continue
                    case 0x62: table.bytes.append(0x08); continue
                    case 0x66: table.bytes.append(0x0C); continue
                    case 0x6E: table.bytes.append(0x0A); continue
                    case 0x72: table.bytes.append(0x0D); continue
                    case 0x74: table.bytes.append(0x09); continue
                    default: break
                    }
                    guard e == 0x75, var v = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(v) {
                        guard i + 2 <= b.count, b[i] == 0x5C, b[i + 1] == 0x75 else { return nil }
                        i += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(v) else { return nil }
                    UTF8.encode(scalar) { table.bytes.append($0) }
                default:
                    return nil  // a control character
                }
            }
            return nil
        }
        skipSpace()
        guard i < b.count, b[i] == 0x7B else { return nil }
        i += 1
        skipSpace()
        if i < b.count, b[i] == 0x7D {
            i += 1
        } else {
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard i < b.count, b[i] == 0x3A else { return nil }
                i += 1
                skipSpace()
                guard let value = string() else { return nil }
                table.pairs.append((key, value))
                skipSpace()
                guard i < b.count else { return nil }
                i += 1
                if b[i - 1] == 0x7D { break }
                guard b[i - 1] == 0x2C else { return nil }
            }
        }
        skipSpace()
        return i == b.count ? table : nil
    }
}

/// The strings of a flat JSON object, decoded into one buffer: each pair is the range of its key
/// and of its value in `bytes`, in file order.
struct FlatStrings: Sendable {
    var bytes: [UInt8] = []
    var pairs: [(key: Range<Int>, value: Range<Int>)] = []

    init() {}

    init(_ dictionary: [String: String]) {
        for (key, value) in dictionary {
            let keyStart = bytes.count
            bytes += key.utf8
            let valueStart = bytes.count
            bytes += value.utf8
            pairs.append((keyStart..<valueStart, valueStart..<bytes.count))
        }
    }

    /// The pairs as Strings; of a repeated key the last value counts.
    var dictionary: [String: String] {
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        return Dictionary(pairs.map { (text($0.key), text($0.value)) }, uniquingKeysWith: { _, last in last })
    }
}
