internal import CCurl

/// A libcurl failure, carrying what a person needs: the operation, the URL (never credentials),
/// curl's code and its message.
public struct CurlError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var operation: String
    public var url: String

    public var description: String { "\(operation) \(url): \(message) (curl \(code))" }

    /// The failure is about reaching the server (refused, unreachable, timed out, cut off): worth a retry later.
    public var isTransient: Bool {
        [5, 6, 7, 28, 35, 52, 55, 56].contains(code) && !isCertificateProblem
    }

    /// The server's certificate could not be verified.
    public var isCertificateProblem: Bool { [51, 58, 60, 77, 83, 90, 91].contains(code) }

    /// The server refused the credentials.
    public var isLoginDenied: Bool { code == 67 }

    init(code: CURLcode, buffer: String, operation: String, url: String) {
        self.code = Int(code.rawValue)
        let text = String(cString: ccurl_easy_strerror(code))
        self.message = buffer.isEmpty ? text : "\(text): \(buffer)"
        self.operation = operation
        self.url = CurlError.redacted(url)
    }

    /// The URL without any `user:password@` part.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let slash = url[scheme.upperBound...].firstIndex(of: "/") ?? url.endIndex
        return at < slash ? String(url[..<scheme.upperBound]) + String(url[url.index(after: at)...]) : url
    }
}
