import ClawSecurity
import PropertyBased
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Invariants of the shell command guard on random lines, argument vectors and rules.
@Suite("Shell command guard properties")
struct ShellCommandGuardProperties {
    static let ruleTexts = ["git status", "git log --oneline -n *", "curl -s https://*", "ls ...", "echo 'hello world'", "cat *.txt"]
    static let allowList = try! ShellCommandGuard(parsing: ruleTexts)

    /// Plain words, options, near-misses of the rules, and quoted pieces.
    static let words = [
        "git", "status", "log", "--oneline", "-n", "5", "-5", "-c", "alias.x=cmd", "curl", "-s", "-d", "@file",
        "https://example.com", "https://a", "http://a", "-o", "/etc/passwd", "ls", "-la", "/var/log", "echo", "hello",
        "world", "+x", "@notes.txt", "'hello world'", "\"hello world\"", "cat", "notes.txt", "a.txt", "--help", ".txt", "''", "...", "x",
        "/usr/bin/git", "./ls", "é", "日本", "a'b'c", "\"q\"'r'",
    ]
    static let metacharacters: [String] = [";", "|", "&", "$", "`", "<", ">", "(", ")", "{", "}", "*", "?", "~", "!", "\\", "\n", "\r", "\0", "\u{1B}", "\u{7F}", "\u{202E}"]
    /// Characters an argument may hold once unquoted; spaces and quotes included.
    static let argumentAlphabet: [String] = ["a", "Z", "0", "-", "_", ".", "/", ":", "=", "@", "%", "+", ",", "#", "[", "]", "^", " ", "'", "\"", "é", "💡"]

    static func line(_ g: inout SplitMix, words count: Int) -> String {
        (0..<count).map { _ in words[Int(g.next() % UInt64(words.count))] }.joined(separator: g.next() % 5 == 0 ? "  " : " ")
    }

    static func argument(_ g: inout SplitMix) -> String {
        if g.next() % 10 == 0 { return ["", "...", "'", "\"", " "][Int(g.next() % 5)] }
        let length = Int(g.next() % 8) + 1
        return (0..<length).map { _ in argumentAlphabet[Int(g.next() % UInt64(argumentAlphabet.count))] }.joined()
    }

    /// An independent oracle: POSIX fnmatch per argument, with the guard's rule that a leading
    /// wildcard never matches an option, an `@file` or a `+command`.
    static func oracleAllows(_ argv: [String]) -> Bool {
        guard let program = argv.first else { return false }
        let arguments = Array(argv.dropFirst())
        return allowList.rules.contains { rule in
            guard rule.program == program else { return false }
            guard rule.allowsMoreArguments ? arguments.count >= rule.patterns.count : arguments.count == rule.patterns.count else { return false }
            return zip(rule.patterns, arguments).allSatisfy { pattern, argument in
                if pattern.pattern.hasPrefix("*") || pattern.pattern.hasPrefix("?"),
                   argument.hasPrefix("-") || argument.hasPrefix("@") || argument.hasPrefix("+") { return false }
                return fnmatch(pattern.pattern, argument, 0) == 0
            }
        }
    }

    @Test("Inserting any metacharacter anywhere, quoted or not, makes any line refused")
    func metacharacterAnywhere() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...Int.max), Gen.int(in: 1...12)) { seed, count in
            var g = SplitMix(seed: UInt64(seed))
            let base = Self.line(&g, words: count)
            var scalars = Array(base.unicodeScalars)
            let meta = Self.metacharacters[Int(g.next() % UInt64(Self.metacharacters.count))]
            let at = Int(g.next() % UInt64(scalars.count + 1))
            scalars.insert(contentsOf: meta.unicodeScalars, at: at)
            var line = ""
            line.unicodeScalars.append(contentsOf: scalars)
            let everything = ShellCommandGuard(rules: Self.allowList.rules + [try ShellAllowRule(parsing: "echo ...")])
            #expect(throws: ClawSecurityError.shellMetacharacter) { try everything.check(line) }
            #expect(throws: ClawSecurityError.shellMetacharacter) { try ShellCommandGuard.tokenize(line) }
        }
    }

    @Test("Every accepted command is allow-listed, matches its rule element-wise, and agrees with an fnmatch oracle")
    func acceptedMatchesRule() async {
        await propertyCheck(count: 2000, input: Gen.int(in: 0...Int.max), Gen.int(in: 1...6)) { seed, count in
            var g = SplitMix(seed: UInt64(seed))
            let line = Self.line(&g, words: count)
            let argv = try? ShellCommandGuard.tokenize(line)
            let approved = try? Self.allowList.check(line)
            if let approved {
                #expect(Self.allowList.rules.contains(approved.rule))
                #expect(Self.allowList.rules.contains { $0.program == approved.program })
                #expect(approved.rule.matches(program: approved.program, arguments: approved.arguments))
                #expect(approved.argv == argv)
                #expect(!approved.program.contains("/"))
            }
            if let argv {
                #expect((approved != nil) == Self.oracleAllows(argv))
            }
        }
    }

    @Test("Tokenizing an accepted command's canonical rendering gives back its argv")
    func renderRoundTrip() async {
        let echo = ShellCommandGuard(rules: [try! ShellAllowRule(parsing: "echo ...")])
        await propertyCheck(count: 1000, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...10)) { seed, count in
            var g = SplitMix(seed: UInt64(seed))
            let argv = ["echo"] + (0..<count).map { _ in Self.argument(&g) }
            let approved = try echo.check(argv: argv)
            #expect(approved.argv == argv)
            #expect(try ShellCommandGuard.tokenize(approved.description) == argv)
            #expect(try echo.check(approved.description) == approved)
        }
    }

    @Test("A rule's text form parses back to an equal rule")
    func ruleRoundTrip() async {
        await propertyCheck(count: 1000, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...8), Gen.bool) { seed, count, rest in
            var g = SplitMix(seed: UInt64(seed))
            let patterns = (0..<count).map { _ in Self.argument(&g) + (g.next() % 3 == 0 ? "*" : "") + (g.next() % 5 == 0 ? "?" : "") }
            let rule = try ShellAllowRule(program: g.next() % 4 == 0 ? "/opt/bin/tool" : "tool", patterns: patterns, allowsMoreArguments: rest)
            #expect(try ShellAllowRule(parsing: rule.description) == rule)
        }
    }

    @Test("Random text yields an approved command or a shell error whose reason never repeats the line")
    func totalAndQuiet() async {
        let pieces = Self.words + Self.metacharacters + ["'", "\"", " ", "\t", "\u{0}", "\u{A0}", "\u{200B}"]
        await propertyCheck(count: 1000, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...40)) { seed, count in
            var g = SplitMix(seed: UInt64(seed))
            let line = (0..<count).map { _ in pieces[Int(g.next() % UInt64(pieces.count))] }.joined()
            do {
                _ = try Self.allowList.check(line)
            } catch let error as ClawSecurityError {
                #expect([ClawSecurityError.Code.shellRefused, .shellMetacharacter, .shellNotAllowed].contains(error.code))
                if line.count > 80 { #expect(!error.reason.contains(line)) }
            } catch {
                Issue.record("unexpected error type \(type(of: error))")
            }
        }
    }
}
