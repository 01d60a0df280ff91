/// One header field of a message (RFC 5322 §2.2), unfolded, with its value kept as raw bytes.
///
/// The value stays bytes because spam puts raw 8-bit Shift_JIS or UTF-8 in headers; `text(fallback:)`
/// decodes it by the declared or detected charset and then decodes RFC 2047 encoded words.
public struct HeaderField: Sendable, Hashable {
    /// The field name as written (compare with `is(_:)`, which ignores case).
    public let name: String
    /// The value after the colon, unfolded (CRLF before white space removed), leading white space dropped.
    public let rawValue: [UInt8]

    public init(name: String, rawValue: [UInt8]) {
        self.name = name
        self.rawValue = rawValue
    }

    /// Whether this field is named `other`, ignoring case.
    public func `is`(_ other: String) -> Bool {
        // A field name is printable ASCII (the parser keeps no other), so ASCII case folding on
        // the bytes is all there is to it; a non-ASCII `other` matches no name either way.
        var a = name, b = other
        guard a.utf8.count == b.utf8.count else { return false }
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for k in 0..<x.count where Bytes.lower(x[k]) != Bytes.lower(y[k]) { return false }
                return true
            }
        }
    }

    /// The value as a person reads it: 8-bit bytes decoded by `fallback` charset (or detected), encoded
    /// words decoded, each fold shown as one space, tabs and line breaks as spaces, ends trimmed.
    /// Spaces the sender wrote inside a line stay.
    public func text(fallback: String? = nil) -> String {
        HeaderField.flattened(EncodedWord.decode(bytes: rawValue, fallback: fallback))
    }

    static func flattened(_ s: String) -> String {
        // Tabs and line breaks are ASCII: they are replaced on the bytes.
        let out = Bytes.breaksAsSpaces(s)
        guard out.utf8.first == 0x20 || out.utf8.last == 0x20 else { return out }
        return out.trimmingCharacters(in: " ")
    }

    /// The raw value as text without encoded-word decoding (for structured fields such as Received).
    public var plain: String { HeaderField.plainText(rawValue, fallback: nil) }

    /// Header bytes as text: ASCII and UTF-8 as they are, other 8-bit bytes by `fallback` or detected.
    static func plainText(_ raw: [UInt8], fallback: String?) -> String {
        if Bytes.isASCII(raw, excludingEscape: true) { return String(decoding: raw, as: UTF8.self) }
        if let s = String(validating: raw, as: UTF8.self) { return s }
        return Charset.decode(raw, label: fallback).text
    }
}

/// The header block of a message or body part, in order, repeats kept.
public struct Headers: Sendable, Hashable {
    public var fields: [HeaderField]

    public init(_ fields: [HeaderField] = []) { self.fields = fields }

    /// The first field named `name`.
    public func first(_ name: String) -> HeaderField? { fields.first { $0.is(name) } }

    /// Every field named `name`, top to bottom.
    public func all(_ name: String) -> [HeaderField] { fields.filter { $0.is(name) } }

    /// Whether the bytes so far end inside a quoted string (an odd number of unescaped `"`).
    struct QuoteState {
        var inside = false
        var escaped = false
        mutating func feed(_ bytes: ArraySlice<UInt8>) {
            var i = bytes.startIndex
            while i < bytes.endIndex {
                // Outside a quoted string only a quote mark changes anything (an escape is seen only inside).
                if !inside {
                    guard let q = Bytes.index(of: 0x22, in: bytes, from: i) else { return }
                    inside = true
                    i = q + 1
                    continue
                }
                let b = bytes[i]
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inside = false }
                i += 1
            }
        }
    }

    /// Whether the bytes so far end in an encoded word that has not been closed yet (`=?cs?B?abc`),
    /// fed the bytes since the last fold at each fold, so that a field costs one pass however often it folds.
    struct EncodedWordState {
        /// Inside a word that opened with `=?` and has not closed with `?=`.
        var open = false
        /// `?` seen since the opening `=?`.
        var marks = 0
        var previous: UInt8 = 0
        /// The state before the white space at the end, to go back to when that space is removed.
        var beforeSpace: (open: Bool, marks: Int, previous: UInt8)?

        var endsInsideWord: Bool { open && marks >= 2 }

        @inline(__always) static func matters(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x3D || b == 0x3F }

        mutating func feed(_ bytes: ArraySlice<UInt8>) {
            var i = bytes.startIndex
            while i < bytes.endIndex {
                if !open {
                    // Outside a word only "=?" opens one: the bytes up to the next "?" (found by
                    // memchr) change nothing but `previous` and the white space at the end.
                    let q = Bytes.index(of: 0x3F, in: bytes, from: i) ?? bytes.endIndex
                    if q > i {
                        skip(bytes[i..<q])
                        i = q
                        continue
                    }
                }
                let b = bytes[i]
                if !Self.matters(b) {
                    // A run of other bytes only ends the white space at the end and moves `previous` on.
                    var j = i + 1
                    while j < bytes.endIndex, !Self.matters(bytes[j]) { j += 1 }
                    beforeSpace = nil
                    previous = bytes[j - 1]
                    i = j
                    continue
                }
                if b == 0x20 || b == 0x09 {
                    if beforeSpace == nil { beforeSpace = (open, marks, previous) }
                    open = false
                } else {
                    beforeSpace = nil
                    if b == 0x3F, previous == 0x3D {
                        open = true
                        marks = 0
                    } else if open, b == 0x3F {
                        marks += 1
                    } else if open, b == 0x3D, previous == 0x3F, marks >= 3 {
                        open = false
                    }
                }
                previous = b
                i += 1
            }
        }

        /// Moves over bytes that hold no "?" while no word is open, as feeding them one by one would.
        private mutating func skip(_ run: ArraySlice<UInt8>) {
            guard let last = run.last else { return }
            // The white space the run ends with, if any.
            var wsStart = run.endIndex
            while wsStart > run.startIndex, run[wsStart - 1] == 0x20 || run[wsStart - 1] == 0x09 { wsStart -= 1 }
            if wsStart == run.endIndex {
                beforeSpace = nil  // ends in another byte
            } else if wsStart > run.startIndex {
                beforeSpace = (open, marks, run[wsStart - 1])  // white space after a byte of the run
            } else if beforeSpace == nil {
                beforeSpace = (open, marks, previous)  // all white space: it starts before the run or here
            }
            previous = last
        }

        /// Forgets the white space at the end (the caller removed it).
        mutating func dropTrailingSpace() {
            guard let saved = beforeSpace else { return }
            (open, marks, previous) = saved
            beforeSpace = nil
        }
    }

    /// Parses a header block (without the blank line that ends it).
    ///
    /// Folded lines are joined (RFC 5322 §2.2.3); a line with no colon is kept out and reported.
    static func parse(_ block: ArraySlice<UInt8>, diagnostics: inout [String]) -> Headers {
        var fields: [HeaderField] = []
        var name: String?
        var value: [UInt8] = []
        // The quoting and encoded-word states matter only at a fold or before white space at the
        // end: they are brought up to date then, from the bytes not yet fed, so a field that is
        // not folded costs no pass of its own and a folded one one pass in all.
        var quotes = QuoteState()
        var words = EncodedWordState()
        var fed = 0
        func catchUp() {
            guard fed < value.count else { return }
            quotes.feed(value[fed...])
            words.feed(value[fed...])
            fed = value.count
        }
        func flush() {
            if let n = name {
                var v = value[...]
                while let f = v.first, f == 0x20 || f == 0x09 { v = v.dropFirst() }
                if let l = v.last, l == 0x20 || l == 0x09 {
                    catchUp()
                    if !quotes.inside {
                        while let l = v.last, l == 0x20 || l == 0x09 { v = v.dropLast() }
                    }
                }
                fields.append(HeaderField(name: n, rawValue: v.withUnsafeBufferPointer { Array($0) }))
            }
            name = nil
            value.removeAll(keepingCapacity: true)
            quotes = QuoteState()
            words = EncodedWordState()
            fed = 0
        }
        var badLines = 0
        for line in Bytes.lines(block) {
            if let f = line.first, f == 0x20 || f == 0x09 {
                if name != nil {
                    // A fold reads as one space, however the continuation is indented.
                    let rest = line.drop { $0 == 0x20 || $0 == 0x09 }
                    catchUp()
                    if quotes.inside {
                        // Inside a quoted string the fold's white space is part of the value (RFC 5322 §3.2.4).
                        value.append(contentsOf: line)
                    } else if !rest.isEmpty {
                        while let l = value.last, l == 0x20 || l == 0x09 { value.removeLast() }
                        words.dropTrailingSpace()
                        fed = value.count
                        // A fold inside an encoded word (some mailers break long words) joins it up.
                        if !value.isEmpty, !words.endsInsideWord {
                            value.append(0x20)
                        }
                        value.append(contentsOf: rest)
                    }
                } else if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                    badLines += 1
                }
                continue
            }
            flush()
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
                if !line.isEmpty { badLines += 1 }
                continue
            }
            var nameBytes = line[line.startIndex..<colon]
            while let l = nameBytes.last, l == 0x20 || l == 0x09 { nameBytes = nameBytes.dropLast() }
            guard !nameBytes.isEmpty, nameBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                badLines += 1
                continue
            }
            name = String(decoding: nameBytes, as: UTF8.self)
            value.append(contentsOf: line[(colon + 1)...])
        }
        flush()
        if badLines > 0 { diagnostics.append("header block: \(badLines) line(s) without a field name were skipped") }
        return Headers(fields)
    }
}
