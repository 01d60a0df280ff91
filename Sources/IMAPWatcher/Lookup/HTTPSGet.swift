internal import CCurl

/// HTTPS GET through libcurl (for RDAP), TLS verified, redirects followed within the same request.
public struct HTTPSGet: Sendable {
    public let timeout: Int
    public let caFile: String?

    public init(timeout: Int = 10, caFile: String? = nil) {
        self.timeout = timeout
        self.caFile = caFile
    }

    /// - Returns: the HTTP status and the body.
    /// - Throws: `MailError(.connection)` or `.certificate`.
    public func get(_ url: String, accept: String = "application/rdap+json, application/json") throws(MailError) -> (Int, [UInt8]) {
        let curl = try CurlEasy.forServer(url)
        curl.set(CURLOPT_URL, url)
        curl.set(CURLOPT_FOLLOWLOCATION, 1)
        curl.set(CURLOPT_MAXREDIRS, 5)
        curl.set(CURLOPT_TIMEOUT, timeout)
        curl.set(CURLOPT_CONNECTTIMEOUT, timeout)
        curl.set(CURLOPT_PROTOCOLS_STR, "http,https")
        if let caFile { curl.set(CURLOPT_CAINFO, caFile) }
        curl.set(CURLOPT_HTTPHEADER, list: ["Accept: \(accept)"])
        do {
            try curl.perform(operation: "GET", url: url)
        } catch {
            throw MailError(curl: error, server: url)
        }
        return (curl.responseCode(), curl.sink.body)
    }
}
