import Foundation

/// What a report to a third party (registrar, host, network, nameserver operator) must not show: the
/// reporter's addresses — the spam's recipients (To, Cc, Delivered-To, X-Original-To, `for <…>` in
/// Received), the configured own addresses and the IMAP user — with their local parts of four or more
/// characters, and, unless disabled, the per-recipient parts of URLs (path, query, fragment).
///
/// A spammer who receives a forwarded complaint learns nothing about who complained or that the
/// address is read. The carrier forward is never redacted: carrier desks ask for the mail as received.
public struct Redaction: Sendable, Hashable {
    /// Addresses to hide, lower-case.
    public private(set) var addresses: [String]
    /// Local parts to hide (four characters or more), lower-case.
    public private(set) var localParts: [String]
    /// Whether URLs lose their path, query and fragment (`https://host/…`).
    public var trackingURLs: Bool

    public static let addressPlaceholder = "reporter@redacted.invalid"
    public static let localPartPlaceholder = "[redacted]"

    public init(addresses: [String], trackingURLs: Bool) {
        var seen = Set<String>()
        self.addresses = addresses.map { $0.lowercased() }.filter { !$0.isEmpty && seen.insert($0).inserted }
            .sorted { $0.utf8.count > $1.utf8.count }
        var locals = Set<String>()
        localParts = self.addresses.compactMap { a in
            guard let at = a.lastIndex(of: "@") else { return nil }
            let local = String(a[..<at])
            return local.count >= 4 && locals.insert(local).inserted ? local : nil
        }.sorted { $0.utf8.count > $1.utf8.count }
        self.trackingURLs = trackingURLs
    }

    /// Header fields that name the message's recipients.
    static let recipientFields = ["To", "Cc", "Bcc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To",
                                  "Resent-To", "Resent-Cc", "X-Forwarded-To", "X-Rcpt-To"]

    /// The recipients a message names: its recipient fields and the `for <…>` clauses of its Received fields.
    public static func recipients(of message: MIMEMessage) -> [String] {
        var out: [String] = []
        for field in message.headers.fields {
            if recipientFields.contains(where: { field.is($0) }) {
                out += Address.all(in: field.text())
            } else if field.is("Received") {
                out += forClauses(field.plain)
            }
        }
        return out
    }

    /// The addresses after the word `for` in a Received field (`for <a@b>`, `for a@b;`).
    static func forClauses(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var out: [String] = []
        var i = 0
        while i + 4 <= bytes.count {
            let isWord = (bytes[i] | 0x20) == 0x66 && (bytes[i + 1] | 0x20) == 0x6F && (bytes[i + 2] | 0x20) == 0x72
                && (bytes[i + 3] == 0x20 || bytes[i + 3] == 0x09) && (i == 0 || bytes[i - 1] == 0x20 || bytes[i - 1] == 0x09 || bytes[i - 1] == 0x28)
            if isWord {
                var end = i + 4
                while end < bytes.count, end - i < 300, bytes[end] != 0x3B { end += 1 }
                if let a = Address.first(in: String(decoding: bytes[(i + 4)..<end], as: UTF8.self)) { out.append(a) }
                i = end
            } else {
                i += 1
            }
        }
        return out
    }

    /// `text` with every hidden address and local part replaced (ASCII case ignored), and URLs cut to
    /// their host when `trackingURLs` is set.
    public func apply(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for a in addresses { bytes = Redaction.replace(Array(a.utf8), in: bytes, with: Array(Redaction.addressPlaceholder.utf8)) }
        for l in localParts { bytes = Redaction.replace(Array(l.utf8), in: bytes, with: Array(Redaction.localPartPlaceholder.utf8)) }
        if trackingURLs { bytes = Redaction.cutURLs(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A URL as a report to a third party shows it: `scheme://host/…` when tracking parts are hidden.
    public func url(_ url: String) -> String {
        guard trackingURLs, let start = URLExtractor.pathStart(url) else { return apply(url) }
        let rest = url[start...]
        return apply(String(url[..<start])) + (rest == "/" ? "/" : "/…")
    }

    /// Replaces every occurrence of `needle` (ASCII letters compared without case) in one left-to-right pass.
    static func replace(_ needle: [UInt8], in hay: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard let first = needle.first, hay.count >= needle.count else { return hay }
        let f = Bytes.lower(first)
        var out: [UInt8] = []
        out.reserveCapacity(hay.count)
        var i = 0
        let n = hay.count, m = needle.count
        while i < n {
            if Bytes.lower(hay[i]) == f, i + m <= n {
                var k = 1
                while k < m, Bytes.lower(hay[i + k]) == needle[k] { k += 1 }
                if k == m {
                    out += replacement
                    i += m
                    continue
                }
            }
            out.append(hay[i])
            i += 1
        }
        return out
    }

    /// Cuts `http(s)://host` URLs after their host: whatever path, query or fragment follows becomes `/…`.
    static func cutURLs(_ s: [UInt8]) -> [UInt8] {
        func isHost(_ b: UInt8) -> Bool {
            (0x30...0x39).contains(b) || (0x61...0x7A).contains(Bytes.lower(b)) || b == 0x2E || b == 0x2D || b == 0x5F || b == 0x3A
                || b == 0x5B || b == 0x5D || b == 0x25 || b == 0x40
        }
        func isPath(_ b: UInt8) -> Bool {
            b > 0x20 && b < 0x7F && b != 0x22 && b != 0x27 && b != 0x3C && b != 0x3E && b != 0x60
        }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        let n = s.count
        while i < n {
            // "http://" or "https://", any case.
            if Bytes.lower(s[i]) == 0x68, i + 7 <= n, Bytes.lower(s[i + 1]) == 0x74, Bytes.lower(s[i + 2]) == 0x74, Bytes.lower(s[i + 3]) == 0x70 {
                var j = i + 4
                if j < n, Bytes.lower(s[j]) == 0x73 { j += 1 }
                if j + 3 <= n, s[j] == 0x3A, s[j + 1] == 0x2F, s[j + 2] == 0x2F {
                    j += 3
                    while j < n, isHost(s[j]) { j += 1 }
                    out += s[i..<j]
                    if j < n, s[j] == 0x2F || s[j] == 0x3F || s[j] == 0x23 {
                        var k = j
                        while k < n, isPath(s[k]) { k += 1 }
                        out += k - j > 1 || s[j] != 0x2F ? Array("/…".utf8) : [0x2F]
                        j = k
                    }
                    i = j
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }
}
