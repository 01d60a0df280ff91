import Foundation

/// Who a desk is, for a person: its name in Japanese and English, from the abuse directory, the
/// carriers and the brands' own desks. A desk learned from WHOIS alone has none and is shown by
/// its address.
public struct DeskNames: Sendable {
    private var names: [String: (name: String, nameJa: String)] = [:]

    public init(directory: AbuseDirectory = .bundled, carriers: CarrierTable = .bundled, brands: BrandTable = .bundled) {
        for desk in directory.desks {
            for key in [desk.email, desk.form].compactMap({ $0?.lowercased() }) { names[key] = (desk.name, desk.nameJa ?? desk.name) }
        }
        for carrier in carriers.carriers { names[carrier.desk.lowercased()] = (carrier.name, carrier.nameJa ?? carrier.name) }
        for brand in brands.brands {
            for key in [brand.desk?.email, brand.desk?.form].compactMap({ $0?.lowercased() }) { names[key] = (brand.name, brand.nameJa) }
        }
    }

    /// The names of `desk` (an address, addresses joined by commas, or a form's URL).
    public func names(of desk: String) -> (name: String, nameJa: String)? {
        names[desk.lowercased()] ?? desk.split(separator: ",").lazy.compactMap { names[$0.lowercased()] }.first
    }

    /// The name of `desk` in `language`, else nil.
    public func name(of desk: String, in language: ReportLanguage) -> String? {
        names(of: desk).map { language == .ja ? $0.nameJa : $0.name }
    }
}

/// Dates, durations and statuses as a person writes them in the summary's language and time zone:
/// `12月4日 7:24`, `3時間`, `停止` in Japanese; `Dec 4, 7:24`, `3 hours`, `suspended` in English.
public struct SummaryFormat: Sendable {
    public var language: ReportLanguage
    public var timeZone: TimeZone

    public init(language: ReportLanguage, timeZone: TimeZone? = nil) {
        self.language = language
        self.timeZone = timeZone ?? TimeZone(identifier: language == .ja ? "Asia/Tokyo" : "UTC")!
    }

    private func parts(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `12月4日 7:24` / `Dec 4, 7:24`.
    public func time(_ date: Date) -> String {
        let c = parts(date)
        let clock = "\(c.hour!):" + (c.minute! < 10 ? "0" : "") + "\(c.minute!)"
        return language == .ja ? "\(c.month!)月\(c.day!)日 \(clock)" : "\(SummaryFormat.months[c.month! - 1]) \(c.day!), \(clock)"
    }

    /// `12月4日` / `Dec 4`.
    public func day(_ date: Date) -> String {
        let c = parts(date)
        return language == .ja ? "\(c.month!)月\(c.day!)日" : "\(SummaryFormat.months[c.month! - 1]) \(c.day!)"
    }

    /// `3時間`, `2日5時間`, `45分`, `1分未満` / `3 hours`, `2 days 5 hours`, `45 minutes`, `under a minute`.
    public func duration(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        let d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60
        if language == .ja {
            if s < 60 { return "1分未満" }
            if d > 0 { return "\(d)日" + (h > 0 ? "\(h)時間" : "") }
            if h > 0 { return "\(h)時間" + (m > 0 ? "\(m)分" : "") }
            return "\(m)分"
        }
        func unit(_ n: Int, _ word: String) -> String { "\(n) \(word)" + (n == 1 ? "" : "s") }
        if s < 60 { return "under a minute" }
        if d > 0 { return unit(d, "day") + (h > 0 ? " " + unit(h, "hour") : "") }
        if h > 0 { return unit(h, "hour") + (m > 0 ? " " + unit(m, "minute") : "") }
        return unit(m, "minute")
    }

    /// A domain's status in words.
    public func status(_ status: String) -> String {
        switch (status, language) {
        case ("suspended", .ja): "停止"
        case ("gone", .ja): "削除"
        case ("active", .ja): "稼働中"
        case ("unknown", .ja): "不明"
        case ("unchecked", .ja): "未確認"
        case ("gone", _): "deleted"
        default: status
        }
    }
}
