import Foundation
import Testing
@testable import ReportEngine

@Suite struct WhoisRecordTests {
    /// JPRS without "/e": Japanese labels, sent in ISO-2022-JP.
    @Test func jprsJapaneseLabelsInISO2022JP() throws {
        let text = """
            Domain Information: [ドメイン情報]
            [Domain Name]                   EXAMPLE-SPAM.JP

            [登録者名]                      テスト登録者
            [Registrant]                    test registrant

            [Name Server]                   ns1.example-dns.info
            [Name Server]                   ns2.example-dns.info
            [Signing Key]

            [登録年月日]                    2024/07/31
            [有効期限]                      2025/07/31
            [状態]                          Active
            [最終更新]                      2024/08/26 09:47:44 (JST)

            Contact Information: [公開連絡窓口]
            [名前]                          Whois情報公開代行サービス by バリュードメイン
            [Name]                          Whois Privacy Protection Service by VALUE-DOMAIN
            [Email]                         whoisproxy@value-domain.com
            [Web Page]                      https://www.value-domain.com/

            """
        // What the wire carries: ISO-2022-JP bytes, decoded as the lookup transport does.
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        proc.arguments = ["-f", "UTF-8", "-t", "ISO-2022-JP"]
        let input = Pipe(), output = Pipe()
        proc.standardInput = input
        proc.standardOutput = output
        try proc.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        input.fileHandleForWriting.closeFile()
        let bytes = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        proc.waitUntilExit()
        #expect(bytes.contains(0x1B))
        let decoded = Charset.decode(bytes, label: nil).text
        #expect(decoded == text)
        let r = WhoisRecord.parse(decoded)
        #expect(r.availability == .registered)
        #expect(r.domain == "example-spam.jp")
        #expect(r.nameservers == ["ns1.example-dns.info", "ns2.example-dns.info"])
        #expect(r.created == "2024-07-31")
        #expect(r.expires == "2025-07-31")
        #expect(r.status == ["active"])
        #expect(r.emails == ["whoisproxy@value-domain.com"])
        let desk = AbuseDirectory.bundled.desk(emails: r.emails, nameservers: r.nameservers, registrar: r.registrar)
        #expect(desk?.0.id == "value-domain")
    }

    @Test func jprsAttributeLayoutAndSuspension() {
        let r = WhoisRecord.parse("""
            a. [Domain Name]                EXAMPLE.CO.JP
            g. [Organization]               Example K.K.
            p. [Name Server]                ns1.abuse-value-domain.com
            [State]                         Suspended (2025/03/31)
            [Registered Date]               2020/03/22
            """)
        #expect(r.domain == "example.co.jp")
        #expect(r.organization == "Example K.K.")
        #expect(r.status == ["suspended"])
        #expect(r.expires == "2025-03-31")
        #expect(r.created == "2020-03-22")
        #expect(AbuseDirectory.bundled.desk(emails: [], nameservers: r.nameservers, registrar: nil)?.0.id == "value-domain")
    }

    @Test(arguments: [
        ("No match!!\n", WhoisRecord.Availability.available),
        ("Query rate limit exceeded. Please try again later.\n", .rateLimited),
        ("%ERROR:201: access denied\n% Too many queries from your IP, try again later\n", .rateLimited),
        ("Domain Name: EXAMPLE.COM\nRegistrar: Example Registrar, Inc.\nName Server: NS1.EXAMPLE.NET\n", .registered),
        ("*** Nothing found for this query.\n", .available),
        ("Domain:             spam-example.it\nStatus:             AVAILABLE\n", .available),
        ("Status: PREMIUM NAME (No match for domain \"x.example\")\n", .unknown),
    ])
    func availability(_ text: String, _ expected: WhoisRecord.Availability) {
        #expect(WhoisRecord.parse(text).availability == expected)
    }

    @Test(arguments: [
        // Tab between key and value, a "Registrar" heading, a bare list of servers after a heading.
        ("Domain name\tspam-example.ch\n\nRegistrar\tExample Registrar AG\n\nName servers\nns1.dns-example.net\t192.0.2.53\nns2.dns-example.net\n",
         "Example Registrar AG", ["ns1.dns-example.net", "ns2.dns-example.net"], nil),
        // Dot leaders, a heading followed by a blank line, then the hosts.
        ("Domain Name............: spam-example.kz\n\nRegistrar\n\nregistrar..........: Example Registrar SAS\n\nName Servers Information:\n\nNS1.DNS-EXAMPLE.NET\nNS2.DNS-EXAMPLE.NET\n\nExpiry Date:  11-07-2027\n",
         "Example Registrar SAS", ["ns1.dns-example.net", "ns2.dns-example.net"], "2027-07-11"),
        // A value continued on indented lines, and month-first dates.
        ("nameservers:           ns1.dns-example.net.\n                       ns2.dns-example.net.\nRecord will expire on: 03/22/2027\nAuthorized Agency : Example Agency(http://agency.example)\n",
         "Example Agency(http://agency.example)", ["ns1.dns-example.net", "ns2.dns-example.net"], "2027-03-22"),
        // A zone-record nameserver line, and a "DNS:" line that names the domain itself.
        ("Domain: spam-example.pt\nDNS: spam-example.pt\nNameserver: spam-example.pt\tNS\tns1.dns-example.net.\n",
         nil, ["ns1.dns-example.net"], nil),
    ] as [(String, String?, [String], String?)])
    func ccTLDLayouts(_ text: String, _ registrar: String?, _ nameservers: [String], _ expires: String?) {
        let r = WhoisRecord.parse(text)
        #expect(r.registrar == registrar)
        #expect(r.nameservers == nameservers)
        #expect(r.expires == expires)
    }

    @Test func registrarAbuseAndReferral() {
        let r = WhoisRecord.parse("""
               Domain Name: SPAM-EXAMPLE.COM
               Registrar WHOIS Server: whois.registrar.example
               Registrar: Example Registrar, Inc.
               Registrar Abuse Contact Email: abuse@registrar.example
               Creation Date: 2025-10-02T04:11:09Z
               Registry Expiry Date: 2026-10-02T04:11:09Z
               Name Server: NS1.TG5NS.INFO
            """)
        #expect(r.registrar == "Example Registrar, Inc.")
        #expect(r.registrarAbuseEmails == ["abuse@registrar.example"])
        #expect(r.referral == "whois.registrar.example")
        #expect(r.created == "2025-10-02")
        #expect(r.evidence["registrar-abuse"]?.contains("abuse@registrar.example") == true)
    }
}
