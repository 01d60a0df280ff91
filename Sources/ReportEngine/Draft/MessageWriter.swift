import Foundation

/// Writes RFC 5322 messages whose headers are safe: every value is stripped of control characters
/// (so no CR/LF from a spam can start a header of its own), encoded as RFC 2047 UTF-8 words when it is
/// not ASCII, and folded under 78 characters.
public struct MessageWriter {
    private(set) var bytes: [UInt8] = []

    public init() {}

    /// A value made safe for one header line: control characters, line and paragraph separators
    /// become spaces, runs of white space collapse, and the result is cut to `limit` characters.
    public static func sanitize(_ value: String, limit: Int = 300) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        var lastSpace = false
        func space() {
            if !lastSpace, !out.isEmpty { out.append(0x20) }
            lastSpace = true
        }
        for s in value.unicodeScalars {
            let v = s.value
            if v < 0x80 {
                // ASCII: controls, DEL and the space are white space.
                if v <= 0x20 || v == 0x7F { space() } else { out.append(UInt8(v)); lastSpace = false }
                continue
            }
            let control = (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029
            if control || s.properties.isWhitespace {
                space()
            } else {
                out.append(contentsOf: String(s).utf8)
                lastSpace = false
            }
        }
        if out.last == 0x20 { out.removeLast() }
        var text = String(decoding: out, as: UTF8.self)
        // Characters, not bytes, are counted; there are no more of them than bytes.
        if out.count > limit, text.count > limit { text = String(text.prefix(limit)) + "…" }
        return text
    }

    /// Adds an unstructured header field (e.g. Subject), encoding it when needed.
    public mutating func header(_ name: String, text value: String) {
        let clean = MessageWriter.sanitize(value)
        if clean.unicodeScalars.allSatisfy({ $0.isASCII }) && !clean.has("=?") {
            fold(name, words: clean.split(separator: " "))
        } else {
            fold(name, words: MessageWriter.encodedWords(clean))
        }
    }

    /// Adds a structured header field whose value the program built itself (addresses, ids, dates).
    public mutating func header(_ name: String, raw value: String) {
        let clean = MessageWriter.sanitize(value, limit: 2000)
        fold(name, words: clean.split(separator: " "))
    }

    /// Adds the blank line and a body; line ends become CRLF and overlong lines are wrapped at 998 octets.
    public mutating func body(_ text: String) {
        line("")
        // Split at every LF byte: a CR LF inside the text ends a line too.
        for l in Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false) {
            var line = Array(l)
            if line.last == 0x0D { line.removeLast() }
            // A NUL or a bare CR copied from a spam would make the draft invalid: they become spaces.
            for k in line.indices where line[k] == 0x00 || line[k] == 0x0D { line[k] = 0x20 }
            var rest = line[...]
            while rest.count > 998 {
                var cut = rest.startIndex + 998
                while cut > rest.startIndex, rest[cut] & 0xC0 == 0x80 { cut -= 1 }  // never split a UTF-8 sequence
                if cut == rest.startIndex { cut = rest.startIndex + 998 }
                bytes += rest[..<cut]
                bytes += [0x0D, 0x0A]
                rest = rest[cut...]
            }
            bytes += rest
            bytes += [0x0D, 0x0A]
        }
    }

    /// Appends raw bytes as they are (an attachment's content), then CRLF.
    public mutating func append(raw: [UInt8]) {
        // The CRLF after the content belongs to the boundary that follows (RFC 2046 §5.1.1).
        bytes += raw + [0x0D, 0x0A]
    }

    public mutating func line(_ s: String) {
        bytes += Array(s.utf8) + [0x0D, 0x0A]
    }

    public var message: [UInt8] { bytes }

    /// Slices of the value as they are: a header of a million words makes no String of each.
    private mutating func fold<Word: StringProtocol>(_ name: String, words: [Word]) {
        let start = "\(name):"
        var current = start
        for w in words {
            if current.utf8.count + 1 + w.utf8.count > 76, current != start {
                line(current)
                current = " " + w
            } else {
                current += " " + w
            }
        }
        line(current)
    }

    /// RFC 2047 B-encoded UTF-8 words of at most 75 characters, split between Unicode scalars.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
            chunk.removeAll()
        }
        // Cut between scalars, never inside one (RFC 2047 §5: each word holds whole characters).
        for c in text.unicodeScalars {
            let length = UTF8.width(c)
            if (chunk.count + length + 2) / 3 * 4 > 60 { flush() }
            UTF8.encode(c) { chunk.append($0) }
        }
        flush()
        return words
    }

    /// An RFC 5322 date for `date`, in the given time zone.
    public static func rfc5322Date(_ date: Date, timeZone: TimeZone = TimeZone(identifier: "Asia/Tokyo")!) -> String {
        // Written out by hand: a DateFormatter per draft costs more than the rest of the draft.
        let offset = timeZone.secondsFromGMT(for: date)
        var t = time_t(date.timeIntervalSince1970.rounded(.down)) + time_t(offset)
        var tm = tm()
        gmtime_r(&t, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        let zone = sign + two(Int32(minutes / 60)) + two(Int32(minutes % 60))
        return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) \(zone)"
    }
}
