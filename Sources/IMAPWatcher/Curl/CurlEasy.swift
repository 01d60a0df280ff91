internal import CCurl
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `curl_global_init` once per process, before the first handle.
enum CurlGlobal {
    static let initialized: Bool = ccurl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

/// Owns one libcurl easy handle and the buffers its callbacks use.
///
/// Not thread-safe: confine an instance to one thread. TLS peer and host verification stay on
/// (libcurl's default) unless a caller turns them off explicitly.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private var errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    final class Sink {
        var body: [UInt8] = []
        var header: [UInt8] = []
        var upload: [UInt8] = []
        var uploadPosition = 0
    }
    let sink = Sink()

    init() throws(CurlError) {
        _ = CurlGlobal.initialized
        guard let h = ccurl_easy_init() else {
            throw CurlError(code: CURLE_FAILED_INIT, buffer: "", operation: "init", url: "")
        }
        handle = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        _ = ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer)
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
        _ = ccurl_setopt_callback(h, CURLOPT_READFUNCTION) { ptr, size, n, ud in
            let s = Unmanaged<CurlEasy.Sink>.fromOpaque(ud!).takeUnretainedValue()
            let want = min(size * n, s.upload.count - s.uploadPosition)
            if want > 0, let ptr {
                s.upload.withUnsafeBytes { src in
                    UnsafeMutableRawPointer(ptr).copyMemory(from: src.baseAddress! + s.uploadPosition, byteCount: want)
                }
                s.uploadPosition += want
            }
            return want
        }
        _ = ccurl_setopt_pointer(h, CURLOPT_READDATA, ud)
    }

    /// A new handle, its failure reported as a `MailError` about `server`.
    static func forServer(_ server: String) throws(MailError) -> CurlEasy {
        do {
            return try CurlEasy()
        } catch {
            throw MailError(curl: error, server: server)
        }
    }

    deinit {
        ccurl_easy_cleanup(handle)
        for l in lists { ccurl_slist_free_all(l) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) { _ = ccurl_setopt_long(handle, option, value) }
    func set(_ option: CURLoption, _ value: String) { _ = ccurl_setopt_string(handle, option, value) }
    func set(_ option: CURLoption, list: [String]) {
        var l: UnsafeMutablePointer<curl_slist>?
        for item in list { l = ccurl_slist_append(l, item) }
        if let l { lists.append(l) }
        _ = ccurl_setopt_slist(handle, option, l)
    }
    func setUpload(_ bytes: [UInt8]) {
        sink.upload = bytes
        sink.uploadPosition = 0
        set(CURLOPT_UPLOAD, 1)
        _ = ccurl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(bytes.count))
    }

    /// Applies TLS settings: verification on, an extra CA file when given, and STARTTLS required for
    /// plain-scheme URLs unless `allowInsecure`.
    func configureTLS(url: String, caFile: String?, allowInsecure: Bool) {
        if let caFile { set(CURLOPT_CAINFO, caFile) }
        if !url.hasPrefix("imaps://") && !url.hasPrefix("smtps://") && !url.hasPrefix("https://") {
            set(CURLOPT_USE_SSL, Int(allowInsecure ? CURLUSESSL_TRY.rawValue : CURLUSESSL_ALL.rawValue))
        }
        if allowInsecure {
            set(CURLOPT_SSL_VERIFYPEER, 0)
            set(CURLOPT_SSL_VERIFYHOST, 0)
        }
    }

    /// Performs the transfer set up so far.
    /// - Throws: `CurlError` naming `operation` and the URL.
    func perform(operation: String, url: String) throws(CurlError) {
        errorBuffer[0] = 0
        let rc = ccurl_easy_perform(handle)
        guard rc == CURLE_OK else {
            throw CurlError(code: rc, buffer: String(cString: errorBuffer), operation: operation, url: url)
        }
    }

    func responseCode() -> Int {
        var code = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    // MARK: - Raw channel (CURLOPT_CONNECT_ONLY)

    private var socket: Int32 {
        var s: curl_socket_t = -1
        _ = ccurl_getinfo_socket(handle, &s)
        return s
    }

    /// Sends all of `bytes` on a connect-only handle.
    func send(_ bytes: [UInt8], timeout: Int, operation: String, url: String) throws(CurlError) {
        var offset = 0
        while offset < bytes.count {
            var sent = 0
            let rc = bytes.withUnsafeBytes { buf in
                ccurl_easy_send(handle, buf.baseAddress! + offset, bytes.count - offset, &sent)
            }
            if rc == CURLE_AGAIN {
                try wait(events: Int16(POLLOUT), timeout: timeout, operation: operation, url: url)
                continue
            }
            guard rc == CURLE_OK else { throw CurlError(code: rc, buffer: "", operation: operation, url: url) }
            offset += sent
        }
    }

    /// Receives what is available (waiting up to `timeout` seconds for something); empty at end of stream.
    func receive(timeout: Int, operation: String, url: String) throws(CurlError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var got = 0
            // Ask curl first: TLS may hold decrypted bytes the socket no longer shows.
            let rc = buffer.withUnsafeMutableBytes { ccurl_easy_recv(handle, $0.baseAddress, $0.count, &got) }
            if rc == CURLE_OK { return Array(buffer[0..<got]) }
            if rc == CURLE_AGAIN {
                try wait(events: Int16(POLLIN), timeout: timeout, operation: operation, url: url)
                continue
            }
            throw CurlError(code: rc, buffer: "", operation: operation, url: url)
        }
    }

    /// Receives what arrives within `seconds`: nil when nothing did (a quiet server, which is no
    /// failure while waiting in IDLE), empty at end of stream.
    func receiveIfAny(within seconds: Int, operation: String, url: String) throws(CurlError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var waited = false
        while true {
            var got = 0
            let rc = buffer.withUnsafeMutableBytes { ccurl_easy_recv(handle, $0.baseAddress, $0.count, &got) }
            if rc == CURLE_OK { return Array(buffer[0..<got]) }
            guard rc == CURLE_AGAIN else { throw CurlError(code: rc, buffer: "", operation: operation, url: url) }
            // Readable once already and still nothing decrypted (a partial TLS record): the normal
            // wait takes over, so a record cut short is still a timeout.
            if waited { try wait(events: Int16(POLLIN), timeout: seconds, operation: operation, url: url); continue }
            var p = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(max(1, seconds) * 1000))
            if ready == 0 { return nil }
            if ready < 0, errno != EINTR { throw CurlError(code: CURLE_RECV_ERROR, buffer: "poll failed", operation: operation, url: url) }
            waited = ready > 0
        }
    }

    private func wait(events: Int16, timeout: Int, operation: String, url: String) throws(CurlError) {
        var p = pollfd(fd: socket, events: events, revents: 0)
        let rc = poll(&p, 1, Int32(max(1, timeout) * 1000))
        if rc == 0 { throw CurlError(code: CURLE_OPERATION_TIMEDOUT, buffer: "no answer in \(timeout) s", operation: operation, url: url) }
        if rc < 0, errno != EINTR { throw CurlError(code: CURLE_RECV_ERROR, buffer: "poll failed", operation: operation, url: url) }
    }
}

/// The libcurl this program runs with, e.g. `libcurl/7.88.1 OpenSSL/3.0.15`.
public func curlVersion() -> String {
    String(cString: ccurl_version())
}
