import Testing
@testable import ReportEngine

@Suite struct ReceivedHeaderTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let value: String
        let ip: String?
        let rdns: String?
        let by: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Postfix", value: "from mail.sender.example (mail.sender.example [203.0.113.9]) by mx.example.net (Postfix) with ESMTPS id 4F2A; Fri, 20 Nov 2026 21:14:07 +0900",
             ip: "203.0.113.9", rdns: "mail.sender.example", by: "mx.example.net"),
        Case(name: "Postfix, no reverse DNS", value: "from helo.example (unknown [45.76.212.77]) by mx.example.net (Postfix) with ESMTP id 7C1D",
             ip: "45.76.212.77", rdns: nil, by: "mx.example.net"),
        Case(name: "Sendmail", value: "from relay.example.org (relay.example.org [198.51.100.7]) by smtp.example.com (8.15.2/8.15.2) with ESMTP id x1; Mon, 1 Jan 2026 00:00:00 GMT",
             ip: "198.51.100.7", rdns: "relay.example.org", by: "smtp.example.com"),
        Case(name: "Exim, rdns and helo", value: "from host.example.com ([192.0.2.33] helo=liar.example) by mx.example.net with esmtp (Exim 4.96) id 1abc",
             ip: "192.0.2.33", rdns: "host.example.com", by: "mx.example.net"),
        Case(name: "Exim, no rdns", value: "from [185.220.101.45] (helo=vps.example) by mx.example.net with esmtp (Exim 4.96) id 1abd",
             ip: "185.220.101.45", rdns: nil, by: "mx.example.net"),
        Case(name: "qmail", value: "from unknown (HELO mail.example.org) (93.184.216.34) by mx.example.net with SMTP; 1 Jan 2026 00:00:00 -0000",
             ip: "93.184.216.34", rdns: nil, by: "mx.example.net"),
        Case(name: "Sendmail, greeting only", value: "from laptop.example ([198.51.100.20]) by mx.example.net (8.17.1/8.17.1) with ESMTP id x2",
             ip: "198.51.100.20", rdns: nil, by: "mx.example.net"),
        Case(name: "Exim 4, name checked", value: "from out.example.org ([192.0.2.61]:40112) by mx.example.net with esmtps (Exim 4.96) id 1abe",
             ip: "192.0.2.61", rdns: "out.example.org", by: "mx.example.net"),
        Case(name: "qmail, empty greeting", value: "from mx10.example.biz (HELO ) (198.51.100.10) by mx.example.net with SMTP; 3 Mar 2004 20:34:38 -0000",
             ip: "198.51.100.10", rdns: "mx10.example.biz", by: "mx.example.net"),
        Case(name: "MDaemon's [(ip)]", value: "from mail.sender.example [(198.51.100.30)] by mx.example.net (198.51.100.1) (MDaemon PRO v19.0.2) with ESMTP id md500",
             ip: "198.51.100.30", rdns: nil, by: "mx.example.net"),
        Case(name: "OpenSMTPD, local socket", value: "from localhost (host.example.org [local]) by host.example.org (OpenSMTPD) with ESMTPA id 5db34e0d",
             ip: nil, rdns: "host.example.org", by: "host.example.org"),
        Case(name: "qmail with a verified name", value: "from loki.example.net (212.7.146.145) by mx.example.net with SMTP; 16 Nov 2003 04:53:54 -0000",
             ip: "212.7.146.145", rdns: "loki.example.net", by: "mx.example.net"),
        Case(name: "Exchange (the name is the greeting)", value: "from EX01.corp.example (10.1.2.3) by EX02.corp.example (10.1.2.4) with Microsoft SMTP Server (version=TLS1_2) id 15.1.2507.39; Fri, 20 Nov 2026 12:00:00 +0000",
             ip: "10.1.2.3", rdns: nil, by: "ex02.corp.example"),
        Case(name: "Gmail", value: "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id a1sor; Fri, 20 Nov 2026 04:00:00 -0800 (PST)",
             ip: "209.85.220.41", rdns: "mail-sor-f41.google.com", by: "mx.google.com"),
        Case(name: "IPv6 literal", value: "from mail.example.org (mail.example.org [IPv6:2001:db8:1::25]) by mx.example.net (Postfix) with ESMTPS id 1",
             ip: "2001:db8:1::25", rdns: "mail.example.org", by: "mx.example.net"),
        Case(name: "docomo relay", value: "from mgw-out.docomo.ne.jp (mgw-out.docomo.ne.jp [203.138.180.71]) by mfsmax.docomo.ne.jp (docomo) with ESMTP id 0000000123 for <u@docomo.ne.jp>; Fri, 20 Nov 2026 21:14:05 +0900 (JST)",
             ip: "203.138.180.71", rdns: "mgw-out.docomo.ne.jp", by: "mfsmax.docomo.ne.jp"),
        Case(name: "bracketed HELO literal, real address in comment", value: "from [10.160.3.17] (unknown [49.98.12.201]) by mgw-out.docomo.ne.jp (docomo) with ESMTPA id 77",
             ip: "49.98.12.201", rdns: nil, by: "mgw-out.docomo.ne.jp"),
    ]

    @Test(arguments: cases)
    func parses(_ c: Case) {
        let r = ReceivedHeader(c.value)
        #expect(r.ip?.description == c.ip)
        #expect(r.rdns == c.rdns)
        #expect(r.by == c.by)
        #expect(r.isRelay)
    }

    @Test(arguments: [
        "(qmail 12345 invoked from network); 1 Jan 2026 00:00:00 -0000",
        "by 2002:a05:6402:1d4e:b0:5c4 with SMTP id x; Fri, 20 Nov 2026 04:00:00 -0800",
        "(from user@localhost) by host.example (8.15.2/Submit) id x; Mon, 1 Jan 2026 00:00:00 GMT",
    ])
    func localHopsAreNotRelays(_ value: String) {
        #expect(!ReceivedHeader(value).isRelay)
    }

    /// Every way relays write the client's address, read from the token's bytes.
    @Test(arguments: [
        ("[192.0.2.1]", "192.0.2.1"), ("[IPv6:2001:db8::1]", "2001:db8::1"), ("192.0.2.1:2525", "192.0.2.1"),
        ("[192.0.2.1]:2525", "192.0.2.1"), ("192.0.2.1.2525", "192.0.2.1"), ("192..0.2.1.2525", "192.0.2.1"),
        ("user@192.0.2.1", "192.0.2.1"), ("?192.0.2.1?", "192.0.2.1"), ("(192.0.2.1),", "192.0.2.1"),
        ("[::ffff:192.0.2.1]", "192.0.2.1"), ("[IPV6:2001:DB8::2]", "2001:db8::2"),
        ("mail.example", nil), ("192.0.2.256", nil), ("1.2.3", nil), ("1.2.3.4.5.6", nil), ("[192.0.2.1", "192.0.2.1"),
    ] as [(String, String?)])
    func addressForms(_ token: String, _ address: String?) {
        #expect(ReceivedHeader.address(in: token)?.description == address)
    }

    /// Comments are cut out whole; a nested one is flattened, its parentheses read as spaces, and
    /// folded white space reads as one space.
    @Test func commentsAndFolds() {
        #expect(ReceivedHeader.tokenize("from a (b (c) d) e (f") == [.word("from"), .word("a"), .comment("b  c  d"), .word("e"), .comment("f")])
        let r = ReceivedHeader("from mail.sender.example\r\n\t(mail.sender.example [203.0.113.9])\r\n by mx.example.net; Fri, 20 Nov 2026 21:14:07 +0900")
        #expect(r.ip?.description == "203.0.113.9")
        #expect(r.rdns == "mail.sender.example")
        #expect(r.by == "mx.example.net")
    }
}
