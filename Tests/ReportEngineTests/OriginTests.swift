import Testing
@testable import ReportEngine

@Suite struct OriginTests {
    /// Builds a header block, top = newest.
    func headers(_ lines: [String]) -> Headers {
        var diagnostics: [String] = []
        return Headers.parse(ArraySlice(lines.joined(separator: "\r\n").utf8), diagnostics: &diagnostics)
    }

    func origin(_ lines: [String], from: String?, relays: [String] = [], authserv: [String] = []) -> Origin {
        let config = AnalyzerConfiguration(trustedRelays: relays, trustedAuthservIDs: authserv)
        return OriginAnalyzer.analyze(headers: headers(lines), fromDomain: from, policy: config.trust, carriers: config.carriers)
    }

    let docomoChain = [
        "Received: from mfsmax.docomo.ne.jp (mfsmax.docomo.ne.jp [203.138.181.224]) by mx.user.example (Postfix) with ESMTPS id A",
        "Authentication-Results: mx.user.example; spf=fail smtp.mailfrom=docomo.ne.jp",
        "Received: from phone (unknown [49.98.12.201]) by mfsmax.docomo.ne.jp (docomo) with ESMTPA id B",
        "Authentication-Results: mfsmax.docomo.ne.jp; spf=pass smtp.mailfrom=x@docomo.ne.jp; dkim=none; dmarc=pass header.from=docomo.ne.jp",
    ]

    @Test func anExceptionInTheTrustedRelaysMakesThatHostTheSource() {
        let chain = [
            "Received: from relay1.isp.example (relay1.isp.example [61.197.82.10]) by mx.user.example (Postfix) with ESMTP id A",
            "Received: from gw.isp.example (gw.isp.example [61.197.82.66]) by relay1.isp.example (Postfix) with ESMTP id B",
            "Received: from sender.example (sender.example [45.76.212.5]) by gw.isp.example (Postfix) with ESMTP id C",
        ]
        #expect(origin(chain, from: nil, relays: ["61.197.82.0/24"]).sourceIP == "45.76.212.5")
        // The exception comes first and wins over the block, even though the name would match too.
        #expect(origin(chain, from: nil, relays: ["!61.197.82.66", "61.197.82.0/24", "*.isp.example"]).sourceIP == "61.197.82.66")
    }

    @Test func aCarrierNameGivenOnlyAsGreetingIsNotTrusted() {
        // Sendmail writes "from <greeting> ([ip])" when the address has no matching reverse name: the
        // name is the client's word only, so a spammer greeting as a docomo relay stays the source.
        let chain = [
            "Received: from mgw-out.docomo.ne.jp ([45.76.212.77]) by mx.user.example (8.17.1/8.17.1) with ESMTP id A",
        ]
        #expect(origin(chain, from: "docomo.ne.jp").sourceIP == "45.76.212.77")
    }

    @Test func theClientOfASubmissionRelayIsAUserNotASource() {
        let chain = [
            "Received: from smtp.isp.example (smtp.isp.example [61.197.82.25]) by mx.user.example (Postfix) with ESMTP id A",
            "Received: from laptop (p1.dsl.example [45.76.212.9]) by smtp.isp.example (Postfix) with ESMTPSA id B",
        ]
        let config = AnalyzerConfiguration(trustedRelays: ["61.197.82.0/24"], submissionRelays: ["61.197.82.25"])
        let o = OriginAnalyzer.analyze(headers: headers(chain), fromDomain: nil, policy: config.trust, carriers: config.carriers)
        #expect(o.sourceIP == nil)
        #expect(o.reasons.contains { $0.contains("submission relay") })
        #expect(origin(chain, from: nil, relays: ["61.197.82.0/24"]).sourceIP == "45.76.212.9")
    }

    @Test func webmailBehindTrustedRelaysIsTracedByXOriginatingIP() {
        let chain = [
            "Received: from web.mail.example (web.mail.example [61.197.82.20]) by mx.user.example (Postfix) with ESMTP id A",
            "X-Originating-IP: [45.76.212.77]",
        ]
        let o = origin(chain, from: nil, relays: ["61.197.82.0/24"])
        #expect(o.sourceIP == "45.76.212.77")
        #expect(o.reasons.contains { $0.contains("X-Originating-IP") })
        #expect(origin(chain, from: nil, relays: ["61.197.82.0/24", "45.76.212.0/24"]).sourceIP == nil)
    }

    @Test func carrierSubscriberBehindAForwardingHop() {
        let o = origin(docomoChain, from: "docomo.ne.jp")
        #expect(o.carrier == "docomo")
        #expect(!o.spoofed)
        #expect(o.sourceIP == "49.98.12.201")
        #expect(o.spf == "pass")
        #expect(o.dkim == "none")
        #expect(o.dmarc == "pass")
    }

    @Test func laterForwardingResultsDoNotOverrideTheNearestTrustedOne() {
        // The user's own server says spf=fail (it sees the forwarder), but it is not trusted here,
        // and the carrier's own verdict sits nearer the origin.
        let o = origin(docomoChain, from: "docomo.ne.jp", authserv: ["mx.user.example"])
        #expect(o.carrier == "docomo")
        #expect(o.spf == "pass")
    }

    @Test func forgedCarrierSender() {
        let o = origin([
            "Received: from bulk.example (unknown [45.76.212.77]) by mx.user.example (Postfix) with ESMTP id C",
            "Authentication-Results: mx.user.example; spf=softfail smtp.mailfrom=support@docomo.ne.jp; dkim=none; dmarc=fail header.from=docomo.ne.jp",
        ], from: "docomo.ne.jp", authserv: ["mx.user.example"])
        #expect(o.carrier == nil)
        #expect(o.spoofed)
        #expect(o.sourceIP == "45.76.212.77")
    }

    @Test func untrustedAuthenticationResultsAreIgnored() {
        let o = origin([
            "Authentication-Results: forged.example; spf=pass smtp.mailfrom=x@ezweb.ne.jp; dmarc=pass",
            "Received: from bulk.example (unknown [45.76.212.77]) by mx.user.example (Postfix) with ESMTP id C",
        ], from: "ezweb.ne.jp")
        #expect(o.carrier == nil)
        #expect(!o.spoofed)
        #expect(o.spf == nil)
    }

    @Test func dkimPassForTheCarrierDomainCounts() {
        let o = origin([
            "Received: from lmtp.ezweb.ne.jp (lmtp.ezweb.ne.jp [27.86.113.8]) by mx.user.example with ESMTP id D",
            "Authentication-Results: mx.ezweb.ne.jp; spf=none; dkim=pass header.d=ezweb.ne.jp",
        ], from: "ezweb.ne.jp")
        #expect(o.carrier == "au")
        #expect(o.dkim == "pass")
    }

    @Test func dkimPassKeepsAFailingSPFFromBeingCalledForged() {
        let o = origin(["Authentication-Results: mx.softbank.ne.jp; spf=fail; dkim=pass header.d=other.example"], from: "softbank.ne.jp")
        #expect(!o.spoofed)
        #expect(o.carrier == nil)
    }

    @Test func trustBoundaryUsesConfiguredRelaysAndSkipsPrivateHops() {
        let chain = [
            "Received: from inner.user.example (inner.user.example [10.0.0.5]) by mx2.user.example with ESMTP id 1",
            "Received: from mx1.user.example (mx1.user.example [93.184.216.40]) by inner.user.example with ESMTP id 2",
            "Received: from spam.example (spam.example [185.220.101.45]) by mx1.user.example with ESMTP id 3",
            "Received: from forged.example (forged.example [1.2.3.4]) by made-up.example with ESMTP id 4",
        ]
        #expect(origin(chain, from: nil, relays: ["*.user.example"]).sourceIP == "185.220.101.45")
        // Without the configured relays the boundary stops at the first untrusted client.
        #expect(origin(chain, from: nil).sourceIP == "93.184.216.40")
    }

    @Test(arguments: [
        ("mx.example.net", "mx.example.net", true),
        ("*.example.net", "a.b.example.net", true),
        ("*.example.net", "example.net", false),
        ("*.example.net", "badexample.net", false),
        ("192.0.2.0/24", "192.0.2.77", true),
        ("192.0.2.0/24", "192.0.3.1", false),
        ("2001:db8::/32", "2001:db8:5::1", true),
    ])
    func hostPatterns(_ pattern: String, _ host: String, _ matches: Bool) {
        #expect(HostPattern(pattern).matches(host) == matches)
    }

    @Test func authenticationResultsParsing() throws {
        let ar = try #require(AuthenticationResults("example.com (a comment); spf = pass (sender ok) smtp.mailfrom=user@example.org; dkim=fail reason=\"bad sig\" header.d=example.org; dmarc=pass header.from=example.org"))
        #expect(ar.authservID == "example.com")
        #expect(ar.results.map(\.method) == ["spf", "dkim", "dmarc"])
        #expect(ar.results[0].result == "pass")
        #expect(ar.results[0].properties["smtp.mailfrom"] == "user@example.org")
        #expect(ar.results[1].properties["reason"] == "bad sig")
        #expect(AuthenticationResults("example.org 1; none")?.results.isEmpty == true)
    }
}
