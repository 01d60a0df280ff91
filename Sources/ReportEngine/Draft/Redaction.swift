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
    /// The addresses and the local parts, each set found in one pass over a text: a spam names as
    /// many recipients as it likes, and a pass per name would cost names × text.
    private let addressTrie: NeedleTrie
    private let localPartTrie: NeedleTrie

    public static func == (a: Redaction, b: Redaction) -> Bool {
        a.addresses == b.addresses && a.localParts == b.localParts && a.trackingURLs == b.trackingURLs
    }

    public func hash(into h: inout Hasher) {
        h.combine(addresses)
        h.combine(localParts)
        h.combine(trackingURLs)
    }

    public static let addressPlaceholder = "reporter@redacted.invalid"
    public static let localPartPlaceholder = "[redacted]"

    /// At most this many addresses are hidden, the first ones given: a spam may name hundreds of
    /// thousands of recipients, and a name costs its states in the automaton. The reporter's own come
    /// first (`DraftSettings.redaction(for:)`: the configured addresses, then the fields the receiving
    /// servers wrote, then To and Cc).
    public static let maxAddresses = 10_000

    public init(addresses: [String], trackingURLs: Bool) {
        var seen = Set<String>()
        var kept: [String] = []
        for a in addresses where kept.count < Redaction.maxAddresses {
            let lower = a.lowercased()
            if !lower.isEmpty, seen.insert(lower).inserted { kept.append(lower) }
        }
        self.addresses = kept.sorted { $0.utf8.count > $1.utf8.count }
        var locals = Set<String>()
        localParts = self.addresses.compactMap { a in
            guard let at = a.lastIndex(of: "@") else { return nil }
            let local = String(a[..<at])
            return local.count >= 4 && locals.insert(local).inserted ? local : nil
        }.sorted { $0.utf8.count > $1.utf8.count }
        self.trackingURLs = trackingURLs
        addressTrie = NeedleTrie(self.addresses)
        localPartTrie = NeedleTrie(localParts)
    }

    /// Header fields that name the message's recipients.
    static let recipientFields = ["To", "Cc", "Bcc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To",
                                  "Resent-To", "Resent-Cc", "X-Forwarded-To", "X-Rcpt-To"]

    /// The fields among `recipientFields` that the receiving servers write: they name the mailbox the
    /// message was delivered to, the reporter's own.
    static let envelopeFields = ["Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Forwarded-To", "X-Rcpt-To"]

    /// The recipients a message names: first those of the fields the receiving servers wrote and of the
    /// `for <…>` clauses of its Received fields, then those of its other recipient fields (To, Cc …);
    /// of each kind the first `limit`.
    public static func recipients(of message: MIMEMessage, limit: Int = maxAddresses) -> [String] {
        var envelope: [String] = [], visible: [String] = []
        for field in message.headers.fields {
            if recipientFields.contains(where: { field.is($0) }) {
                if envelopeFields.contains(where: { field.is($0) }) {
                    if envelope.count < limit { envelope += Address.all(in: field.text(), limit: limit - envelope.count) }
                } else if visible.count < limit {
                    visible += Address.all(in: field.text(), limit: limit - visible.count)
                }
            } else if field.is("Received"), envelope.count < limit {
                envelope += forClauses(field.plain)
            }
        }
        return envelope + visible
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
    /// their host when `trackingURLs` is set. The addresses go first, in one pass that replaces at each
    /// place the longest one found there; then the local parts, the same way, over what is left.
    public func apply(_ text: String) -> String {
        var bytes = Array(text.utf8)
        bytes = addressTrie.replacingAll(in: bytes, with: Array(Redaction.addressPlaceholder.utf8))
        bytes = localPartTrie.replacingAll(in: bytes, with: Array(Redaction.localPartPlaceholder.utf8))
        if trackingURLs { bytes = Redaction.cutURLs(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A URL as a report to a third party shows it: `scheme://host/…` when tracking parts are hidden.
    public func url(_ url: String) -> String {
        guard trackingURLs, let start = URLExtractor.pathStart(url) else { return apply(url) }
        let rest = url[start...]
        return apply(String(url[..<start])) + (rest == "/" ? "/" : "/…")
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

/// Names looked for together in a text, ASCII letters without case, each place of the text left to
/// right taking the longest name that starts there. The longest name starting at each place is found
/// in one pass over the reversed text with an Aho–Corasick automaton of the reversed names (the
/// longest name ending at each place, kept with each state), so a text costs its length, whatever
/// the number and the length of the names a spam's recipient fields bring.
struct NeedleTrie: Sendable {
    /// The child of a state for a byte, keyed `state << 8 | byte`.
    private var children: [Int: Int] = [:]
    /// The state for the longest proper suffix of a state's path that is a path too.
    private var fail: [Int] = [0]
    /// The length of the longest name that ends at a state (its own, or one of its suffixes').
    private var longest: [Int] = [0]
    /// The root's child for each byte (0: none), looked up without hashing: the reversed pass is at
    /// the root at most bytes of most texts.
    private var root = [Int](repeating: 0, count: 256)

    /// A longer name is none: an address is at most 254 octets (RFC 5321 §4.5.3.1.3).
    static let maxLength = 1_000

    /// `names` must be lower-case; those longer than `maxLength` are left out.
    init(_ names: [String]) {
        // Each state's parent, the byte that leads to it, and its depth, for the failure links.
        var parent = [0], byte: [UInt8] = [0], depth = [0]
        children.reserveCapacity(names.reduce(0) { $0 + $1.utf8.count })
        for name in names where !name.isEmpty && name.utf8.count <= NeedleTrie.maxLength {
            let b = Array(name.utf8)
            var state = 0
            for c in b.reversed() {
                let key = state << 8 | Int(c)
                if let child = children[key] {
                    state = child
                } else {
                    let child = parent.count
                    children[key] = child
                    if state == 0 { root[Int(c)] = child }
                    parent.append(state)
                    byte.append(c)
                    depth.append(depth[state] + 1)
                    longest.append(0)
                    state = child
                }
            }
            longest[state] = max(longest[state], b.count)
        }
        // Failure links, shallow states first (a state's suffix is shallower, so its link is set before).
        var byDepth = [[Int]](repeating: [], count: (depth.max() ?? 0) + 1)
        for s in 1..<parent.count { byDepth[depth[s]].append(s) }
        fail = [Int](repeating: 0, count: parent.count)
        for s in byDepth.joined() where parent[s] != 0 {
            let c = Int(byte[s])
            var f = fail[parent[s]]
            while f != 0, children[f << 8 | c] == nil { f = fail[f] }
            fail[s] = children[f << 8 | c] ?? 0
            longest[s] = max(longest[s], longest[fail[s]])
        }
    }

    /// `hay` with, at each place from left to right, the longest name that starts there replaced.
    func replacingAll(in hay: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard fail.count > 1, !hay.isEmpty else { return hay }
        // The longest name starting at each place: the longest ending there in the reversed text.
        var startsHere = [UInt16](repeating: 0, count: hay.count)
        var state = 0
        var any = false
        for i in stride(from: hay.count - 1, through: 0, by: -1) {
            let c = Int(Bytes.lower(hay[i]))
            var next = 0
            while state != 0 {
                if let child = children[state << 8 | c] {
                    next = child
                    break
                }
                state = fail[state]
            }
            state = state == 0 ? root[c] : next
            if state == 0 { continue }
            if longest[state] > 0 {
                startsHere[i] = UInt16(longest[state])
                any = true
            }
        }
        guard any else { return hay }
        var out: [UInt8] = []
        out.reserveCapacity(hay.count)
        var i = 0
        while i < hay.count {
            let length = Int(startsHere[i])
            if length > 0 {
                out += replacement
                i += length
            } else {
                out.append(hay[i])
                i += 1
            }
        }
        return out
    }
}
