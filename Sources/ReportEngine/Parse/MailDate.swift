/// RFC 5322 §3.3 date-time (with the obsolete zones of §4.3 and common deviations), as ISO 8601.
public enum MailDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420,
        "mdt": -360, "pst": -480, "pdt": -420, "jst": 540, "kst": 540, "cet": 60, "cest": 120, "bst": 60,
    ]

    /// The lower-cased words of an ASCII value (without CR, which would pair with LF into one
    /// Character), split on UTF-8 as the Character split below would; nil for any other value.
    private static func asciiTokens(_ value: String) -> [String]? {
        var value = value
        return value.withUTF8 { b -> [String]? in
            guard Bytes.isASCII(b), Bytes.index(of: 0x0D, in: b, from: 0) == nil else { return nil }
            var tokens: [String] = []
            var start = 0
            for i in 0...b.count where i == b.count || b[i] == 0x20 || b[i] == 0x2C || b[i] == 0x09 || b[i] == 0x0A {
                if i > start {
                    tokens.append(String(unsafeUninitializedCapacity: i - start) { out in
                        for k in start..<i { out[k - start] = Bytes.lower(b[k]) }
                        return i - start
                    })
                }
                start = i + 1
            }
            return tokens
        }
    }

    /// `2026-11-20T09:15:00+09:00`, keeping the message's own offset; nil when the value cannot be read.
    public static func iso8601(_ value: String) -> String? {
        var tokens = asciiTokens(value) ?? value.lowercased()
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
        guard let d = day, let mo = month, let y = year, (0...23).contains(h), (0...59).contains(m), (0...60).contains(s) else { return nil }
        let off = offset ?? 0
        let sign = off < 0 ? "-" : "+"
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let yyyy = String(repeating: "0", count: max(0, 4 - String(y).count)) + String(y)
        return "\(yyyy)-\(two(mo))-\(two(d))T\(two(h)):\(two(m)):\(two(min(s, 59)))\(sign)\(two(abs(off) / 60)):\(two(abs(off) % 60))"
    }
}
