import Testing

@testable import ReportEngine

struct DefangingRulesTests {
    /// Defanging is undone in place, which is sound only while no replacement is longer than what it replaces.
    @Test func noReplacementIsLongerThanItsPattern() {
        for (pattern, replacement) in URLExtractor.defangingRules {
            #expect(replacement.count <= pattern.count, "\(String(decoding: pattern, as: UTF8.self))")
        }
    }
}
