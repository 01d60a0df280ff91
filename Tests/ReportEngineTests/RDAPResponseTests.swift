import Foundation
import Testing
@testable import ReportEngine

@Suite struct RDAPResponseTests {
    @Test func domainRecordGivesTheRegistrarsAbuseDesk() throws {
        let r = try #require(RDAPResponse.parse(Fixture.bytes("rdap/domain-spam-example.json")))
        #expect(r.name == "spam-example.com")
        #expect(r.registrarName == "Example Registrar, Inc.")
        #expect(r.abuseEmails == ["abuse@registrar.example"])
        #expect(r.nameservers == ["ns1.tg5ns.info", "ns2.tg5ns.info"])
        #expect(r.registration == "2025-10-02")
        #expect(r.relatedLinks == ["https://rdap.registrar.example/domain/SPAM-EXAMPLE.COM"])
    }

    @Test func notRDAPIsNil() {
        #expect(RDAPResponse.parse(Array("<html>".utf8)) == nil)
        #expect(RDAPResponse.parse(Array("{\"errorCode\":404}".utf8)) == nil)
    }

    /// The RIRs' RDAP answers in ../shared/corpus/whois/ipwhois: abuse addresses found, and the JPNIC
    /// placeholder recognised and never given as a contact.
    @Test(.enabled(if: Fixture.corpus != nil, "../shared/corpus is absent"))
    func rirAnswersFromIpwhois() throws {
        let url = try #require(Fixture.corpus).appendingPathComponent("whois/ipwhois/ipwhois/tests/rdap.json")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: [String: Any]])
        var withAbuse = 0
        for (ip, entry) in all {
            let body = try JSONSerialization.data(withJSONObject: entry["response"] ?? [:])
            let r = try #require(RDAPResponse.parse([UInt8](body)), "\(ip)")
            #expect(!r.abuseEmails.contains("hostmaster@nic.ad.jp"))
            if !r.abuseEmails.isEmpty { withAbuse += 1 }
            if ip.hasPrefix("2001:240") { #expect(r.pointsToJPNIC) }
        }
        print("corpus ipwhois rdap: \(withAbuse)/\(all.count) answers give an abuse address")
        #expect(withAbuse >= all.count / 2)
    }

    /// The same addresses' port-43 answers: abuse addresses read from ARIN, RIPE, APNIC, LACNIC, AFRINIC formats.
    @Test(.enabled(if: Fixture.corpus != nil, "../shared/corpus is absent"))
    func rirWhoisFromIpwhois() throws {
        let url = try #require(Fixture.corpus).appendingPathComponent("whois/ipwhois/ipwhois/tests/whois.json")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: [String: Any]])
        var withAbuse = 0
        for (ip, entry) in all {
            let r = WhoisRecord.parse(entry["response"] as? String ?? "")
            #expect(!r.abuseEmails.contains("hostmaster@nic.ad.jp"), "\(ip)")
            if !r.abuseEmails.isEmpty { withAbuse += 1 }
        }
        print("corpus ipwhois whois: \(withAbuse)/\(all.count) answers give an abuse address")
        #expect(withAbuse >= all.count / 2)
    }
}

@Suite struct SHA256Tests {
    /// FIPS 180-4 test vectors, through libcrypto.
    @Test func knownDigests() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
