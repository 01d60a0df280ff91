import Foundation
import ReportEngine
import Testing

/// `watcher init`: a configuration per provider, each fact with its source, that works as written.
struct InitTests {
    /// A docomo subscriber's spam as Gmail receives it: Gmail's own host wrote the Received field
    /// that names docomo's relay, and Gmail's Authentication-Results vouch for the sender.
    static let docomoViaGmail = """
        Delivered-To: hanako@gmail.com\r
        Received: by 2002:a05:6a10:1234:0:0:0:0 with SMTP id x20csp123456pxb;\r
                Thu, 3 Dec 2026 21:10:05 -0800 (PST)\r
        Received: from docomo.ne.jp (mail108.docomo.ne.jp. [203.138.203.8])\r
                by mx.google.com with ESMTP id d2si1234567plr.301.2026.12.03.21.10.04\r
                for <hanako@gmail.com>;\r
                Thu, 03 Dec 2026 21:10:05 -0800 (PST)\r
        Authentication-Results: mx.google.com;\r
               spf=pass (google.com: domain of spammer-x9@docomo.ne.jp designates 203.138.203.8 as permitted sender) smtp.mail=spammer-x9@docomo.ne.jp\r
        From: spammer-x9@docomo.ne.jp\r
        To: hanako@gmail.com\r
        Subject: hello\r
        Date: Fri, 04 Dec 2026 14:10:01 +0900\r
        Message-ID: <abc123@docomo.ne.jp>\r
        Content-Type: text/plain; charset=UTF-8\r
        \r
        会いませんか https://meet-x9.example-spam.top/a\r

        """

    func drafts(_ arguments: [String]) throws -> [String] {
        let r = try CLI.run(arguments)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return (json?["drafts"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
    }

    @Test func theGmailConfigurationKnowsACarrierSubscribersSpamAsTheCarriers() throws {
        let message = try CLI.temporaryFile("docomo-via-gmail.eml", Self.docomoViaGmail)
        let dir = (message as NSString).deletingLastPathComponent
        let config = dir + "/config.toml"
        let r = try CLI.run(["init", "--provider", "gmail", "--user", "hanako@gmail.com", "--auth", "password",
                             "--password-file", dir + "/pass", "--output", config, "--no-check"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(text.contains("url = \"imaps://imap.gmail.com\""))
        #expect(text.contains("trusted_authserv_ids = [\"mx.google.com\"]"))
        #expect(text.contains("https://developers.google.com/workspace/gmail/imap/imap-smtp"))
        let attributes = try FileManager.default.attributesOfItem(atPath: config)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // Without the preset nobody vouches for the sender; with it, the forward goes to docomo.
        #expect(try drafts(["analyze", "--offline", "--json", message]).isEmpty)
        #expect(try drafts(["analyze", "--offline", "--json", "--config", config, message]) == ["carrier-forward"])
        // A file that exists is kept unless --force.
        let again = try CLI.run(["init", "--provider", "gmail", "--user", "hanako@gmail.com", "--output", config, "--no-check"])
        #expect(again.status == 73)
        #expect(again.stderr.contains("exists; --force replaces it"))
    }

    @Test func everyProviderWritesAConfigurationThatLoadsWithItsSources() throws {
        #expect(MailProviders.bundled.count >= 2)
        for preset in MailProviders.bundled {
            #expect(preset.serverSource.contains("https://"), "\(preset.id) has no source for its servers")
            if !preset.receivingHosts.isEmpty { #expect(preset.receivingSource.contains("https://"), "\(preset.id)") }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-init-\(UUID().uuidString.prefix(6))").path
            let config = dir + "/config.toml"
            var arguments = ["init", "--provider", preset.id, "--user", "me@example.net", "--output", config, "--no-check"]
            if preset.auth.first != "password" { arguments += ["--token-command", "print-token me@example.net"] }
            let r = try CLI.run(arguments)
            #expect(r.status == 0, "\(preset.id): \(r.stderr)")
            // The file loads (analyze reads it and connects to nothing).
            let message = try CLI.temporaryFile("m.eml", Self.docomoViaGmail)
            let loaded = try CLI.run(["analyze", "--offline", "--json", "--config", config, message])
            #expect(loaded.status == 0, "\(preset.id): \(loaded.stderr)")
            let text = try String(contentsOfFile: config, encoding: .utf8)
            #expect(text.contains("url = \"\(preset.imap)\""), "\(preset.id)")
            #expect(text.contains(preset.serverSource), "\(preset.id)")
        }
        let outlook = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-init-\(UUID().uuidString.prefix(6))").path + "/c.toml"
        let r = try CLI.run(["init", "--provider", "outlook", "--user", "me@outlook.com", "--output", outlook, "--no-check"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("needs --token-command"))
        let unknown = try CLI.run(["init", "--provider", "nifty", "--user", "me@example.net", "--output", outlook, "--no-check"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("one of gmail, outlook"))
    }
}
