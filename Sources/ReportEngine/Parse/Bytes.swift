#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small byte-level helpers shared by the parsers.
enum Bytes {
    /// The lines of `data`, split at LF with a CR before it dropped; the last line may lack its LF.
    /// Lazy: a header folded over millions of lines costs no array of them.
    static func lines(_ data: ArraySlice<UInt8>) -> Lines { Lines(data: data) }

    /// The index of the first `byte` in `data` at or after `from`, found by memchr (a loop over a
    /// slice goes a byte at a time; line ends are searched for in every byte of every message).
    static func index(of byte: UInt8, in data: ArraySlice<UInt8>, from: Int) -> Int? {
        guard from < data.endIndex else { return nil }
        return data.withUnsafeBufferPointer { index(of: byte, in: $0, from: from - data.startIndex) }.map { data.startIndex + $0 }
    }

    /// Where `needle` first occurs in `data` at or after `from`: memchr finds each place its first
    /// byte does, and the rest is compared there. Up to `needle.count` comparisons a byte: for short
    /// needles fixed in the code (a keyword), never for one a message chooses.
    static func firstRange(of needle: [UInt8], in data: ArraySlice<UInt8>, from: Int) -> Range<Int>? {
        guard let first = needle.first else { return from..<from }
        var i = from
        while let k = index(of: first, in: data, from: i) {
            guard data.endIndex - k >= needle.count else { return nil }
            if data[k..<k + needle.count].elementsEqual(needle) { return k..<k + needle.count }
            i = k + 1
        }
        return nil
    }

    /// Whether `b` is well-formed UTF-8 (Unicode 3-7: no overlong form, surrogate or code point
    /// past U+10FFFF), as `String(validating:)` decides it; ASCII is passed over eight bytes at a time.
    static func isValidUTF8(_ b: [UInt8]) -> Bool {
        b.withUnsafeBufferPointer { b in
            let n = b.count
            var i = 0
            while i < n {
                if let base = b.baseAddress, i + 8 <= n, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & Word.highs == 0 {
                    i += 8
                    continue
                }
                let c = b[i]
                if c < 0x80 {
                    i += 1
                    continue
                }
                // The range of the second byte, and how many bytes follow in all.
                let low: UInt8, high: UInt8, count: Int
                switch c {
                case 0xC2...0xDF: (low, high, count) = (0x80, 0xBF, 1)
                case 0xE0: (low, high, count) = (0xA0, 0xBF, 2)
                case 0xE1...0xEC, 0xEE...0xEF: (low, high, count) = (0x80, 0xBF, 2)
                case 0xED: (low, high, count) = (0x80, 0x9F, 2)
                case 0xF0: (low, high, count) = (0x90, 0xBF, 3)
                case 0xF1...0xF3: (low, high, count) = (0x80, 0xBF, 3)
                case 0xF4: (low, high, count) = (0x80, 0x8F, 3)
                default: return false
                }
                guard i + count < n, b[i + 1] >= low, b[i + 1] <= high else { return false }
                for k in stride(from: 2, through: count, by: 1) where b[i + k] & 0xC0 != 0x80 { return false }
                i += count + 1
            }
            return true
        }
    }

    /// Whether every byte is ASCII (and, with `excludingEscape`, none is ESC, which starts an
    /// ISO-2022 shift): eight bytes at a time, for bodies and header blocks read whole.
    static func isASCII(_ b: some Collection<UInt8>, excludingEscape: Bool = false) -> Bool {
        if let answer = b.withContiguousStorageIfAvailable({ isASCII(buffer: $0, excludingEscape: excludingEscape) }) { return answer }
        return b.allSatisfy { $0 < 0x80 && !(excludingEscape && $0 == 0x1B) }
    }

    private static func isASCII(buffer b: UnsafeBufferPointer<UInt8>, excludingEscape: Bool) -> Bool {
        var i = 0
        if let base = b.baseAddress {
            while i + 8 <= b.count {
                let v = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if v & Word.highs != 0 || (excludingEscape && Word.holds(v, 0x1B)) { return false }
                i += 8
            }
        }
        while i < b.count {
            if b[i] >= 0x80 || (excludingEscape && b[i] == 0x1B) { return false }
            i += 1
        }
        return true
    }

    /// Tests on eight bytes read as one 64-bit word, for loops that skip a block at a time while it
    /// holds no byte of interest. Both tests are exact: they never miss such a byte, nor report one
    /// that is not there.
    enum Word {
        static let ones: UInt64 = 0x0101_0101_0101_0101
        static let highs: UInt64 = 0x8080_8080_8080_8080

        /// Whether one of the eight bytes of `v` is `byte`.
        @inline(__always) static func holds(_ v: UInt64, _ byte: UInt8) -> Bool {
            let t = v ^ (ones &* UInt64(byte))
            return (t &- ones) & ~t & highs != 0
        }

        /// Whether one of the eight bytes of `v` is below `bound` (at most 0x80).
        @inline(__always) static func holdsByte(below bound: UInt8, _ v: UInt64) -> Bool {
            (v &- ones &* UInt64(bound)) & ~v & highs != 0
        }
    }

    /// A set of byte values, one bit each: a test costs a shift and a mask, with no table to reach
    /// through a lazy initialiser in a loop over every byte of a text.
    struct ByteSet: Sendable {
        private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        init(_ bytes: some Sequence<UInt8>) {
            for b in bytes { insert(b) }
        }

        mutating func insert(_ b: UInt8) {
            let bit: UInt64 = 1 << UInt64(b & 63)
            switch b >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        @inline(__always) func contains(_ b: UInt8) -> Bool {
            let word = b < 64 ? words.0 : b < 128 ? words.1 : b < 192 ? words.2 : words.3
            return word & (1 << UInt64(b & 63)) != 0
        }
    }

    /// `index(of:in:from:)` on a buffer: the index of the first `byte` at or after `from`, by memchr.
    static func index(of byte: UInt8, in b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from < b.count, let base = b.baseAddress, let hit = memchr(base + from, Int32(byte), b.count - from) else { return nil }
        return base.distance(to: UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)))
    }

    struct Lines: Sequence, IteratorProtocol {
        let data: ArraySlice<UInt8>
        var start: Int

        init(data: ArraySlice<UInt8>) {
            self.data = data
            start = data.startIndex
        }

        mutating func next() -> ArraySlice<UInt8>? {
            guard start < data.endIndex else { return nil }
            let lf = Bytes.index(of: 0x0A, in: data, from: start)
            var end = lf ?? data.endIndex
            if end > start, data[end - 1] == 0x0D { end -= 1 }
            defer { start = lf.map { $0 + 1 } ?? data.endIndex }
            return data[start..<end]
        }
    }

    /// Finds the end of the header block: the index of the blank line's first byte and where the body starts.
    static func headerEnd(_ data: ArraySlice<UInt8>) -> (headerEnd: Int, bodyStart: Int)? {
        var i = data.startIndex
        while i < data.endIndex {
            if data[i] == 0x0A {
                let next = i + 1
                if next < data.endIndex, data[next] == 0x0A { return (next, next + 1) }
                if next + 1 < data.endIndex, data[next] == 0x0D, data[next + 1] == 0x0A { return (next, next + 2) }
            }
            i += 1
        }
        return nil
    }

    /// ASCII classes and case on single bytes; any byte of a longer UTF-8 character is in none.
    static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isAlnum(_ c: UInt8) -> Bool { isLetter(c) || isDigit(c) }
    static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

    /// Whether `b` holds `lowered` (lower-case ASCII) at `offset`, ASCII letters compared without case.
    static func has(_ lowered: StaticString, in b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        let n = lowered.utf8CodeUnitCount
        guard offset >= 0, b.count - offset >= n else { return false }
        let p = lowered.utf8Start
        for k in 0..<n where lower(b[offset + k]) != p[k] { return false }
        return true
    }

    /// `s` with each tab, CR and LF made a space; `s` itself when it holds none (the search runs
    /// on the contiguous bytes, not through the generic UTF-8 view).
    static func breaksAsSpaces(_ s: String) -> String {
        func isBreak(_ c: UInt8) -> Bool { c == 0x09 || c == 0x0D || c == 0x0A }
        var s = s
        guard s.withUTF8({ $0.contains(where: isBreak) }) else { return s }
        return String(decoding: s.utf8.map { isBreak($0) ? 0x20 : $0 }, as: UTF8.self)
    }

    /// `b` as a String with ASCII letters lowered (invalid UTF-8 repaired, as `String(decoding:)` does).
    static func lowercasedString(_ b: ArraySlice<UInt8>) -> String {
        String(unsafeUninitializedCapacity: b.count) { buffer in
            var k = 0
            for c in b {
                buffer[k] = lower(c)
                k += 1
            }
            return k
        }
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

extension StringProtocol {
    /// Whether `needle` occurs, compared byte for byte (UTF-8). Foundation's `contains` and
    /// `range(of:)` go through CFString, which costs far more for the short ASCII tests the parsers make.
    func has(_ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { n in
            func search(_ h: UnsafeBufferPointer<UInt8>) -> Bool {
                guard let first = n.first else { return true }
                guard h.count >= n.count, let base = h.baseAddress else { return false }
                var i = 0
                let last = h.count - n.count
                while i <= last {
                    // memchr finds the candidates; most searches end there.
                    guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return false }
                    i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    var j = 1
                    while j < n.count, h[i + j] == n[j] { j += 1 }
                    if j == n.count { return true }
                    i += 1
                }
                return false
            }
            if let found = utf8.withContiguousStorageIfAvailable(search) { return found }
            return Array(utf8).withUnsafeBufferPointer(search)
        }
    }
}
