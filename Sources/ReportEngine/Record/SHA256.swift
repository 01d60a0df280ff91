internal import CCrypto

/// SHA-256 (FIPS 180-4) from the system's libcrypto, for content keys: a message's identity that
/// survives a new UID.
public enum SHA256 {
    /// The digest of `data` as 64 lower-case hex digits.
    public static func hex(_ data: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in digest(Array(data)) {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The 32-byte digest of `data`. libcrypto is opened on the first call; a system without it
    /// (libcurl, which watcher needs to fetch mail, depends on it) stops the program with the reason.
    public static func digest(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let status = data.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in ccrypto_sha256(input.baseAddress, input.count, output.baseAddress) }
        }
        guard status == 0 else { fatalError(ccrypto_load_error().map { String(cString: $0) } ?? "libcrypto cannot be loaded") }
        return out
    }
}
