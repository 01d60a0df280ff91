import Foundation
import Testing
@testable import ReportEngine

/// The ledger writes its times itself, in the text GRDB gives a `Date`, so rows written either way sort
/// and compare together.
struct LedgerTimestampTests {
    @Test func matchesTheStorageFormatOfADate() {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        let dates = [0, 1, 86_399.999, 951_782_400.5, 1_700_000_000.123, 1_795_000_000.0004, 4_102_444_799.25]
            .map(Date.init(timeIntervalSince1970:)) + [Date()]
            // Steps that land near every millisecond boundary.
            + (0..<20_000).map { Date(timeIntervalSince1970: 1_700_000_000 + Double($0) * 0.000_137) }
        for date in dates {
            #expect(Ledger.timestamp(date) == formatter.string(from: date), "\(date.timeIntervalSince1970)")
        }
    }
}
