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
    ])
    func availability(_ text: String, _ expected: WhoisRecord.Availability) {
        #expect(WhoisRecord.parse(text).availability == expected)
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
