/// One entry of a shell allow-list: a program and the argument vectors it may run with.
///
/// A rule names a program, either a bare name (`git`, looked up only in
/// ``ShellCommandGuard/searchDirectories``) or an absolute path pinned by the rule (`/opt/tools/bin/report`),
/// followed by one ``Glob`` per argument. Matching is element-wise over the argument vector, never on
/// the text of the line: the command's arguments must match the patterns one for one, and there must be
/// exactly as many arguments as patterns unless the rule ends with the rest marker `...`, which allows
/// any further arguments.
///
/// In a pattern, `*` matches any run of characters and `?` one character, within one argument only
/// (an argument never holds `*` or `?` itself, so a pattern cannot be confused with its text). A pattern
/// that starts with a wildcard never matches an argument that starts with `-`, `@` or `+`, so no option, no
/// `@file` (curl's data from a file, a compiler's response file) and no `+command` (less, vim) can slip in
/// through a wildcard; write `-*`, `@*` or `+*` to allow them explicitly. Programs and literal patterns are
/// compared byte for byte, never by Unicode equivalence (a Kelvin sign is not a `K`).
///
/// The one-line text form, read by ``init(parsing:)`` and written by ``description``, is the program
/// followed by the patterns, separated by spaces, with single or double quotes around a pattern that
/// holds spaces: `git status`, `git log --oneline -n *`, `curl -s https://*`, `ls ...`, `echo 'hello world'`.
/// A quoted `'...'` is a literal argument, not the rest marker.
///
/// Two rules are equal when their programs, patterns and rest markers are.
public struct ShellAllowRule: Sendable, Hashable, CustomStringConvertible {
    /// The rest marker: as the last element of a rule, it allows any further arguments.
    public static let restMarker = "..."

    /// The longest program name or path a rule accepts, in bytes.
    static let maximumProgramLength = 1024
    /// The most argument patterns a rule holds.
    static let maximumPatterns = 64

    /// The program: a bare name, or an absolute path that the rule pins.
    public let program: String
    /// One pattern per argument, in order.
    public let patterns: [Glob]
    /// Whether further arguments after the patterns are allowed (the rule ended with `...`).
    public let allowsMoreArguments: Bool

    /// Creates a rule from its parts.
    /// - Parameters:
    ///   - program: A bare name made of letters, digits, `.`, `_`, `+` and `-` (not starting with `-`), or an
    ///     absolute path whose components are such names.
    ///   - patterns: One glob per argument.
    ///   - allowsMoreArguments: Whether any further arguments are allowed.
    /// - Throws: ``ClawSecurityError/Code/shellInvalidRule`` naming the problem.
    public init(program: String, patterns: [String] = [], allowsMoreArguments: Bool = false) throws(ClawSecurityError) {
        try Self.validate(program: program)
        guard patterns.count <= Self.maximumPatterns else {
            throw ClawSecurityError(.shellInvalidRule, "a rule holds more than \(Self.maximumPatterns) argument patterns")
        }
        for pattern in patterns {
            do {
                try ShellSyntax.checkCharacters(pattern, allowingGlobs: true)
            } catch {
                throw ClawSecurityError(.shellInvalidRule, "an argument pattern of '\(ShellSyntax.excerpt(program))': \(error.reason)")
            }
        }
        self.program = program
        self.patterns = patterns.map(Glob.init)
        self.allowsMoreArguments = allowsMoreArguments
    }

    /// Parses a rule from its one-line text form, such as `git log --oneline -n *` or `ls ...`.
    /// - Parameter text: The rule.
    /// - Throws: ``ClawSecurityError/Code/shellInvalidRule`` naming the problem.
    public init(parsing text: String) throws(ClawSecurityError) {
        let tokens: [ShellSyntax.Token]
        do {
            tokens = try ShellSyntax.tokenize(
                text, allowingGlobs: true, maximumTokens: Self.maximumPatterns + 2,
                tooMany: ClawSecurityError(.shellInvalidRule, "a rule holds more than \(Self.maximumPatterns) argument patterns"))
        } catch where error.code == .shellInvalidRule {
            throw error
        } catch {
            throw ClawSecurityError(.shellInvalidRule, error.reason)
        }
        guard let first = tokens.first else { throw ClawSecurityError(.shellInvalidRule, "the rule is empty") }
        guard !(first.text == Self.restMarker && !first.wasQuoted) else {
            throw ClawSecurityError(.shellInvalidRule, "a rule must start with a program")
        }
        var patterns: [String] = []
        var rest = false
        for (index, token) in tokens.enumerated().dropFirst() {
            if token.text == Self.restMarker && !token.wasQuoted {
                guard index == tokens.count - 1 else {
                    throw ClawSecurityError(.shellInvalidRule, "the rest marker '...' must be the rule's last element")
                }
                rest = true
            } else {
                patterns.append(token.text)
            }
        }
        try self.init(program: first.text, patterns: patterns, allowsMoreArguments: rest)
    }

    /// The rule's one-line text form; ``init(parsing:)`` reads it back to an equal rule.
    public var description: String {
        ShellSyntax.render([program] + patterns.map(\.pattern)) + (allowsMoreArguments ? " " + Self.restMarker : "")
    }

    /// Whether the program is an absolute path pinned by the rule rather than a bare name.
    public var pinsPath: Bool { program.hasPrefix("/") }

    /// Returns whether a program and its arguments match this rule, element by element.
    /// - Parameters:
    ///   - program: The program exactly as written in the command.
    ///   - arguments: The arguments after the program.
    /// - Returns: `true` when the program is the rule's and every argument matches its pattern.
    public func matches(program: String, arguments: [String]) -> Bool {
        guard program.utf8.count == self.program.utf8.count, program.utf8.elementsEqual(self.program.utf8) else { return false }
        if allowsMoreArguments {
            guard arguments.count >= patterns.count else { return false }
        } else {
            guard arguments.count == patterns.count else { return false }
        }
        for (pattern, argument) in zip(patterns, arguments) where !Self.matches(pattern, argument) { return false }
        return true
    }

    /// Whether an argument starts with a byte a leading wildcard never matches: `-` (options), `@` (files read
    /// as data or options), `+` (commands of less and vim).
    static func isGuardedLead(_ byte: UInt8?) -> Bool {
        byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@") || byte == UInt8(ascii: "+")
    }

    /// One pattern against one argument; a leading wildcard never matches an option, `@file` or `+command`.
    static func matches(_ pattern: Glob, _ argument: String) -> Bool {
        if let lead = pattern.pattern.utf8.first, lead == UInt8(ascii: "*") || lead == UInt8(ascii: "?"),
           isGuardedLead(argument.utf8.first) {
            return false
        }
        return pattern.matches(argument)
    }

    static func validate(program: String) throws(ClawSecurityError) {
        guard !program.isEmpty else { throw ClawSecurityError(.shellInvalidRule, "the rule's program is empty") }
        guard program.utf8.count <= maximumProgramLength else {
            throw ClawSecurityError(.shellInvalidRule, "the rule's program is longer than \(maximumProgramLength) bytes")
        }
        let shown = ShellSyntax.excerpt(program)
        if program.hasPrefix("/") {
            let components = program.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
            guard !components.isEmpty, components.allSatisfy({ isName($0) }) else {
                throw ClawSecurityError(
                    .shellInvalidRule, "the rule's program '\(shown)' is not a normalized absolute path of plain names")
            }
        } else {
            guard isName(program.utf8[...]) else {
                throw ClawSecurityError(
                    .shellInvalidRule,
                    "the rule's program '\(shown)' must be a bare name (letters, digits, '.', '_', '+', '-') or an absolute path")
            }
        }
    }

    /// A plain file name: letters, digits, `.`, `_`, `+`, `-`; not `.`, `..`, nor starting with `-`.
    static func isName(_ bytes: Substring.UTF8View) -> Bool {
        guard let first = bytes.first, first != UInt8(ascii: "-") else { return false }
        if bytes.elementsEqual(".".utf8) || bytes.elementsEqual("..".utf8) { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "+"),
                 UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
