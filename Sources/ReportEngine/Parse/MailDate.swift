/// RFC 5322 §3.3 date-time (with the obsolete zones of §4.3 and common deviations), as ISO 8601.
public enum MailDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420,
        "mdt": -360, "pst": -480, "pdt": -420, "jst": 540, "kst": 540, "cet": 60, "cest": 120, "bst": 60,
    ]

    /// `2026-11-20T09:15:00+09:00`, keeping the message's own offset; nil when the value cannot be read.
    public static func iso8601(_ value: String) -> String? {
        // An ASCII value without CR (nearly all) is read on its bytes, where a byte is a character;
        // any other by Character (CR and LF make one Character, and lower-casing may make ASCII).
        var value = value
        if let fields = value.withUTF8({ b -> Fields?? in
            guard Bytes.isASCII(b), Bytes.index(of: 0x0D, in: b, from: 0) == nil else { return nil }
            return .some(Fields(ascii: b))
        }) {
            return fields?.iso8601
        }
        var tokens = value.lowercased()
            .split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\r" || $0 == "\n" })
            .map(String.init)
        // Drop comments such as "(JST)" and the weekday.
        tokens = tokens.filter { !$0.hasPrefix("(") && !$0.hasSuffix(")") }
        if let first = tokens.first, first.first?.isLetter == true, !months.contains(String(first.prefix(3))) {
            tokens.removeFirst()
        }
        var day: Int?, month: Int?, year: Int?, h = 0, m = 0, s = 0, offset: Int?
        var sawTime = false
        for t in tokens {
            if t.utf8.contains(0x3A), !sawTime {
                let p = t.split(separator: ":").map { Int($0) }
                guard p.count >= 2, let hh = p[0], let mm = p[1] else { return nil }
                h = hh; m = mm; s = p.count > 2 ? (p[2] ?? 0) : 0
                sawTime = true
            } else if month == nil, t.count >= 3, let mi = months.firstIndex(of: String(t.prefix(3))) {
                month = mi + 1
            } else if (t.hasPrefix("+") || t.hasPrefix("-")), t.count == 5, let v = Int(t.dropFirst()) {
                offset = (v / 100 * 60 + v % 100) * (t.hasPrefix("-") ? -1 : 1)
            } else if let z = zones[t] {
                offset = z
            } else if let v = Int(t) {
                if day == nil, v >= 1, v <= 31, t.count <= 2 { day = v } else if year == nil { year = v < 50 ? 2000 + v : v < 1000 ? 1900 + v : v }
            }
        }
        return Fields(day: day, month: month, year: year, h: h, m: m, s: s, offset: offset)?.iso8601
    }

    /// The parts of a date-time that were read, checked.
    private struct Fields {
        var day: Int, month: Int, year: Int, h: Int, m: Int, s: Int, offset: Int

        init?(day: Int?, month: Int?, year: Int?, h: Int, m: Int, s: Int, offset: Int?) {
            guard let day, let month, let year, (0...23).contains(h), (0...59).contains(m), (0...60).contains(s) else { return nil }
            (self.day, self.month, self.year, self.h, self.m, self.s, self.offset) = (day, month, year, h, m, s, offset ?? 0)
        }

        /// The words of an ASCII value, read as `iso8601` reads the lower-cased words of any value.
        init?(ascii b: UnsafeBufferPointer<UInt8>) {
            var tokens: [Range<Int>] = []
            var start = 0
            for i in 0...b.count where i == b.count || b[i] == 0x20 || b[i] == 0x2C || b[i] == 0x09 || b[i] == 0x0A {
                // Comments such as "(JST)" are dropped.
                if i > start, b[start] != 0x28, b[i - 1] != 0x29 { tokens.append(start..<i) }
                start = i + 1
            }
            func lower(_ k: Int) -> UInt8 { Bytes.lower(b[k]) }
            /// The month a word's first three letters name (0 for January), if any.
            func monthOf(_ t: Range<Int>) -> Int? {
                guard t.count >= 3 else { return nil }
                let key = Int(lower(t.lowerBound)) << 16 | Int(lower(t.lowerBound + 1)) << 8 | Int(lower(t.lowerBound + 2))
                return MailDate.monthKeys.firstIndex(of: key)
            }
            /// The offset of a zone named by the word.
            func zone(_ t: Range<Int>) -> Int? {
                for (name, offset) in MailDate.zoneKeys where name.count == t.count {
                    if name.indices.allSatisfy({ name[$0] == lower(t.lowerBound + $0) }) { return offset }
                }
                return nil
            }
            /// The value `Int(String)` gives the word: an optional sign, then decimal digits.
            func number(_ t: Range<Int>) -> Int? {
                var k = t.lowerBound
                let negative = k < t.upperBound && b[k] == 0x2D
                if k < t.upperBound, b[k] == 0x2B || b[k] == 0x2D { k += 1 }
                guard k < t.upperBound else { return nil }
                var v = 0
                while k < t.upperBound {
                    guard Bytes.isDigit(b[k]) else { return nil }
                    let d = Int(b[k] - 0x30)
                    let (times, o1) = v.multipliedReportingOverflow(by: 10)
                    let (next, o2) = negative ? times.subtractingReportingOverflow(d) : times.addingReportingOverflow(d)
                    guard !o1, !o2 else { return nil }
                    v = next
                    k += 1
                }
                return v
            }
            // The weekday.
            if let first = tokens.first, Bytes.isLetter(b[first.lowerBound]), monthOf(first) == nil { tokens.removeFirst() }
            var day: Int?, month: Int?, year: Int?, h = 0, m = 0, s = 0, offset: Int?
            var sawTime = false
            for t in tokens {
                if !sawTime, let colon = b[t].firstIndex(of: 0x3A) {
                    // Split on ":" with empty pieces left out, as `split(separator:)` does.
                    var p: [Int?] = []
                    var from = t.lowerBound
                    for k in colon..<t.upperBound + 1 where k == t.upperBound || b[k] == 0x3A {
                        if k > from { p.append(number(from..<k)) }
                        from = k + 1
                    }
                    guard p.count >= 2, let hh = p[0], let mm = p[1] else { return nil }
                    h = hh; m = mm; s = p.count > 2 ? (p[2] ?? 0) : 0
                    sawTime = true
                } else if month == nil, let mi = monthOf(t) {
                    month = mi + 1
                } else if b[t.lowerBound] == 0x2B || b[t.lowerBound] == 0x2D, t.count == 5, let v = number(t.dropFirst()) {
                    offset = (v / 100 * 60 + v % 100) * (b[t.lowerBound] == 0x2D ? -1 : 1)
                } else if let z = zone(t) {
                    offset = z
                } else if let v = number(t) {
                    if day == nil, v >= 1, v <= 31, t.count <= 2 { day = v } else if year == nil { year = v < 50 ? 2000 + v : v < 1000 ? 1900 + v : v }
                }
            }
            self.init(day: day, month: month, year: year, h: h, m: m, s: s, offset: offset)
        }

        var iso8601: String {
            var out: [UInt8] = []
            out.reserveCapacity(25)
            // At least two digits (every value here is at least 0).
            func two(_ v: Int) {
                if v < 10 { out.append(0x30) }
                let start = out.count
                var v = v
                repeat {
                    out.insert(UInt8(0x30 + v % 10), at: start)
                    v /= 10
                } while v > 0
            }
            let yyyy = String(year)
            out.append(contentsOf: repeatElement(0x30, count: max(0, 4 - yyyy.utf8.count)))
            out.append(contentsOf: yyyy.utf8)
            out.append(0x2D); two(month)
            out.append(0x2D); two(day)
            out.append(0x54); two(h)
            out.append(0x3A); two(m)
            out.append(0x3A); two(min(s, 59))
            out.append(offset < 0 ? 0x2D : 0x2B); two(abs(offset) / 60)
            out.append(0x3A); two(abs(offset) % 60)
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The months' first three letters as one number each, for the byte path.
    private static let monthKeys: [Int] = months.map { m in m.utf8.reduce(0) { $0 << 8 | Int($1) } }
    private static let zoneKeys: [(name: [UInt8], offset: Int)] = zones.map { (Array($0.key.utf8), $0.value) }
}
