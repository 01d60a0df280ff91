import Testing

@testable import watcher

/// The configuration's TOML reader: the forms a hand-written file uses, and errors (never a crash) for
/// what is malformed.
struct TOMLTests {
    @Test func readsEveryValueForm() throws {
        let t = try TOML.parse(
            """
            # a comment
            title = "basic \\"quoted\\" \\u3042\\tend"   # trailing comment
            path = 'C:\\no\\escapes'
            multi = \"\"\"
            first
            second \\
                joined\"\"\"
            literal = '''
            raw \\n stays'''
            n = 1_000
            hex = 0xff
            neg = -17
            x = 6.5e-1
            yes = true
            no = false
            when = 1979-05-27 07:32:00Z
            list = [ "a", 'b',
              # comment inside
              "c", ]
            nested = [[1, 2], ["x"]]
            inline = { jp = "127.0.0.1:4343", "quoted key" = 1, a.b = 2 }
            "spaced key" = 1
            dotted.inner = "d"

            [server.imap]
            url = "imaps://x"

            [[desk]]
            name = "one"
            [[desk]]
            name = "two"
            """)
        #expect(t["title"]?.string == "basic \"quoted\" あ\tend")
        #expect(t["path"]?.string == "C:\\no\\escapes")
        #expect(t["multi"]?.string == "first\nsecond joined")
        #expect(t["literal"]?.string == "raw \\n stays")
        guard case .integer(1000) = t["n"], case .integer(255) = t["hex"], case .integer(-17) = t["neg"], case .float(0.65) = t["x"]
        else { Issue.record("numbers: \(String(describing: t["n"]))"); return }
        #expect(t["yes"]?.bool == true && t["no"]?.bool == false)
        guard case .dateTime("1979-05-27 07:32:00Z") = t["when"] else { Issue.record("date"); return }
        #expect(t["list"]?.array?.compactMap(\.string) == ["a", "b", "c"])
        #expect(t["nested"]?.array?.count == 2)
        #expect(t["inline"]?.table?["jp"]?.string == "127.0.0.1:4343")
        #expect(t["inline"]?.table?["a"]?.table?["b"] != nil)
        #expect(t["spaced key"] != nil)
        #expect(t["dotted"]?.table?["inner"]?.string == "d")
        #expect(t["server"]?.table?["imap"]?.table?["url"]?.string == "imaps://x")
        #expect(t["desk"]?.array?.compactMap { $0.table?["name"]?.string } == ["one", "two"])
        #expect(t.keys.prefix(3) == ["title", "path", "multi"], "keys keep the file's order")
    }

    @Test func aByteOrderMarkAndCRLFLinesAreRead() throws {
        let t = try TOML.parse("\u{FEFF}[imap]\r\nurl = \"imaps://x\"\r\n# note\r\n")
        #expect(t["imap"]?.table?["url"]?.string == "imaps://x")
    }

    @Test func malformedFilesAreErrorsWithTheirLine() {
        let cases: [(String, Int, String)] = [
            ("[= \"directory\"\n", 1, "a table header needs a name"),
            ("a = 1\n[ #\n", 2, "a table header needs a name"),
            ("[a]\nx = 1\n[a]\n", 3, "defined twice"),
            ("x = 1\nx = 2\n", 2, "defined twice"),
            ("x = \"open\n", 1, "not closed"),
            ("x = bare\n", 1, "strings go in quotes"),
            ("x = 1 y = 2\n", 1, "end of the line"),
            ("x = [1, 2\n", 2, "expected ']'"),
            ("x = { a = 1,\n b = 2 }\n", 1, "one line"),
            ("x = {a = 1}\n[x]\n", 2, "defined twice"),
            ("x = \"\\q\"\n", 1, "unknown escape"),
            ("x = \"\\uD800\"\n", 1, "hex digits"),
            ("x = 007\n", 1, "strings go in quotes"),
            ("x = 1__0\n", 1, "strings go in quotes"),
            ("[[a]]\n[a]\n", 2, "array of tables"),
            ("x.y = 1\n[x.y]\n", 2, "already holds a value"),
            ("x = 1\n[x.y]\n", 2, "already holds a value"),
            ("= 1\n", 1, "expected a key"),
            ("x = \"a\u{0}b\"\n", 1, "control character"),
        ]
        for (text, line, words) in cases {
            do {
                _ = try TOML.parse(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line, "\(text): \(error)")
                #expect(error.message.contains(words), "\(text): \(error)")
            }
        }
    }

    /// The inputs on which the C++ parser under TOMLKit asserted (aborting the program), found by the
    /// config fuzz target, with their neighbours: each is an error naming its line.
    @Test func inputsThatAbortedTheOldParserAreErrors() {
        for text in ["[= \"directory\"\n", "[lookup]\nenabled =source]\nkind = \"x\"\n", "x =]\n", "x = ,\n", "x = #\n", "x =\n", "x = }\n", "[a]]\n", "[[]]\n"] {
            do {
                _ = try TOML.parse(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line >= 1, "\(text)")
            }
        }
    }

    /// Nesting is capped, so a file of ten thousand '[' is an error, not a stack overflow; and reading
    /// stays linear in the file's size.
    @Test func deepNestingIsAnErrorNotACrash() throws {
        #expect(throws: TOML.ParseError.self) { try TOML.parse("x = " + String(repeating: "[", count: 10_000)) }
        #expect(throws: TOML.ParseError.self) { try TOML.parse("x = " + String(repeating: "{a=", count: 10_000)) }
        let long = "x = [" + String(repeating: "\"a\", ", count: 100_000) + "]\n"
        #expect(try TOML.parse(long)["x"]?.array?.count == 100_000)
    }
}
