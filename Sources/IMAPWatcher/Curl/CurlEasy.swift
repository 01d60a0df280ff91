internal import CCurl
import Foundation

/// Runs `curl_global_init` once per process, before the first handle.
enum CurlGlobal {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

/// Owns one libcurl easy handle and the buffers its callbacks fill.
///
/// Not thread-safe: confine an instance to one actor or thread. TLS peer and host verification stay
/// on (libcurl's default) unless a caller turns them off explicitly.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    final class Sink {
        var body: [UInt8] = []
        var header: [UInt8] = []
    }
    let sink = Sink()

    init() throws(CurlError) {
        _ = CurlGlobal.initialized
        guard let h = curl_easy_init() else {
            throw CurlError(code: CURLE_FAILED_INIT, buffer: "", operation: "init", url: "")
        }
        handle = h
        _ = ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        errorBuffer.withUnsafeMutableBufferPointer { _ = ccurl_setopt_pointer(h, CURLOPT_ERRORBUFFER, $0.baseAddress) }
        let ud = Unmanaged.passUnretained(sink).toOpaque()
        _ = ccurl_setopt_callback(h, CURLOPT_WRITEFUNCTION) { ptr, size, n, ud in
            let s = Unmanaged<CurlEasy.Sink>.fromOpaque(ud!).takeUnretainedValue()
            let len = size * n
            if let ptr { ptr.withMemoryRebound(to: UInt8.self, capacity: len) { s.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: len)) } }
            return len
        }
        _ = ccurl_setopt_pointer(h, CURLOPT_WRITEDATA, ud)
        _ = ccurl_setopt_callback(h, CURLOPT_HEADERFUNCTION) { ptr, size, n, ud in
            let s = Unmanaged<CurlEasy.Sink>.fromOpaque(ud!).takeUnretainedValue()
            let len = size * n
            if let ptr { ptr.withMemoryRebound(to: UInt8.self, capacity: len) { s.header.append(contentsOf: UnsafeBufferPointer(start: $0, count: len)) } }
            return len
        }
        _ = ccurl_setopt_pointer(h, CURLOPT_HEADERDATA, ud)
    }

    deinit { curl_easy_cleanup(handle) }

    func set(_ option: CURLoption, _ value: Int) { _ = ccurl_setopt_long(handle, option, value) }
    func set(_ option: CURLoption, _ value: String) { _ = ccurl_setopt_string(handle, option, value) }

    /// Performs the transfer set up so far.
    /// - Throws: `CurlError` naming `operation` and the URL.
    func perform(operation: String, url: String) throws(CurlError) {
        errorBuffer[0] = 0
        let rc = curl_easy_perform(handle)
        guard rc == CURLE_OK else {
            let buffer = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw CurlError(code: rc, buffer: buffer, operation: operation, url: url)
        }
    }
}

/// The libcurl this program runs with, e.g. `libcurl/7.88.1 OpenSSL/3.0.15`.
public func curlVersion() -> String {
    String(cString: curl_version())
}
