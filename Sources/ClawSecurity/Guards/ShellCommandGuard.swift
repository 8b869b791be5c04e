/// Checks an untrusted command line against an allow-list before anything runs it.
///
/// The guard is pure: it reads no file, spawns nothing and consults no environment. It splits the line
/// into an argument vector the way a POSIX shell would split a line without expansions, refuses every
/// character a shell would treat specially, and then matches the vector element-wise against
/// ``ShellAllowRule``s. Only a line that passes every check yields an ``ApprovedShellCommand``, the one
/// type a runner accepts.
///
/// What the guard refuses:
/// - an empty line, a line longer than ``Configuration/maximumLength`` bytes of UTF-8, or more than
///   ``Configuration/maximumArguments`` arguments after the program (``ClawSecurityError/Code/shellRefused``);
/// - an unterminated quote (``ClawSecurityError/Code/shellRefused``);
/// - anywhere in the line, quoted or not: `; | & $ \` < > ( ) { } * ? ~ ! \`, a line break, NUL or any other
///   control character, an invisible formatting character (such as a bidirectional override) and any
///   space other than U+0020 and an unquoted tab (``ClawSecurityError/Code/shellMetacharacter``);
/// - a program containing `/` unless a rule pins exactly that absolute path, and any line whose program and
///   arguments match no rule (``ClawSecurityError/Code/shellNotAllowed``). An empty allow-list refuses
///   every line.
///
/// Quoting: single and double quotes group characters, spaces included, into one argument, and adjacent
/// quoted and unquoted parts join (`a'b c'` is `ab c`). Nothing is expanded inside either kind of quote,
/// and there is no backslash escape.
///
/// Error reasons name the problem, the character's class or the program, never the whole line.
public struct ShellCommandGuard: Sendable {
    /// The guard's limits; the defaults are 4096 bytes and 64 arguments.
    public struct Configuration: Sendable, Hashable {
        /// The longest accepted line, in bytes of UTF-8.
        public var maximumLength: Int
        /// The most arguments accepted after the program.
        public var maximumArguments: Int

        /// Creates a configuration.
        /// - Parameters:
        ///   - maximumLength: The longest accepted line, in bytes of UTF-8; at least 1.
        ///   - maximumArguments: The most arguments after the program; at least 0.
        public init(maximumLength: Int = 4096, maximumArguments: Int = 64) {
            self.maximumLength = max(1, maximumLength)
            self.maximumArguments = max(0, maximumArguments)
        }
    }

    /// The only directories a bare program name is looked up in, in order.
    ///
    /// A runner resolves an ``ApprovedShellCommand`` whose program is a bare name against these
    /// directories only, never against a `PATH` taken from the environment.
    public static let searchDirectories = ["/usr/local/bin", "/usr/bin", "/bin"]

    /// The allow rules, in the order they were given.
    public let rules: [ShellAllowRule]
    /// The limits in force.
    public let configuration: Configuration

    /// Creates a guard.
    /// - Parameters:
    ///   - rules: The allow rules; with none, every line is refused.
    ///   - configuration: The limits.
    public init(rules: [ShellAllowRule], configuration: Configuration = .init()) {
        self.rules = rules
        self.configuration = configuration
    }

    /// Creates a guard from rules in their one-line text form (see ``ShellAllowRule/init(parsing:)``).
    ///
    /// Blank lines and lines starting with `#` are skipped, so a settings file can hold comments.
    /// - Parameters:
    ///   - ruleLines: One rule per element.
    ///   - configuration: The limits.
    /// - Throws: ``ClawSecurityError/Code/shellInvalidRule`` naming the first malformed rule's position.
    public init(parsing ruleLines: [String], configuration: Configuration = .init()) throws(ClawSecurityError) {
        var rules: [ShellAllowRule] = []
        for (index, line) in ruleLines.enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do {
                rules.append(try ShellAllowRule(parsing: line))
            } catch {
                throw ClawSecurityError(.shellInvalidRule, "shell rule \(index + 1): \(error.reason)")
            }
        }
        self.init(rules: rules, configuration: configuration)
    }

    /// Checks a command line and returns the approved command.
    ///
    /// The line is tokenized (see ``tokenize(_:configuration:)``), then its program and arguments must
    /// match one rule element by element.
    /// - Parameter commandLine: The untrusted line, such as `git log --oneline -n 5`.
    /// - Returns: The verified program and arguments, with the rule that allowed them.
    /// - Throws: ``ClawSecurityError`` with code ``ClawSecurityError/Code/shellRefused``,
    ///   ``ClawSecurityError/Code/shellMetacharacter`` or ``ClawSecurityError/Code/shellNotAllowed``.
    public func check(_ commandLine: String) throws(ClawSecurityError) -> ApprovedShellCommand {
        let argv = try Self.tokenize(commandLine, configuration: configuration)
        return try check(argv: argv)
    }

    /// Checks an argument vector that was already split (for example one given as a JSON array).
    ///
    /// Each element gets the same character checks as a tokenized line, and the limits apply to the
    /// vector's canonical rendering.
    /// - Parameter argv: The program followed by its arguments.
    /// - Returns: The verified command.
    /// - Throws: ``ClawSecurityError`` as ``check(_:)`` does.
    public func check(argv: [String]) throws(ClawSecurityError) -> ApprovedShellCommand {
        guard let program = argv.first else { throw ClawSecurityError(.shellRefused, "the command is empty") }
        guard argv.count - 1 <= configuration.maximumArguments else {
            throw ClawSecurityError(.shellRefused, "the command has more than \(configuration.maximumArguments) arguments")
        }
        for element in argv { try ShellSyntax.checkCharacters(element, allowingGlobs: false) }
        guard ShellSyntax.render(argv).utf8.count <= configuration.maximumLength else {
            throw ClawSecurityError(.shellRefused, "the command is longer than \(configuration.maximumLength) bytes")
        }
        guard !program.isEmpty else { throw ClawSecurityError(.shellRefused, "the program name is empty") }
        let arguments = Array(argv.dropFirst())
        let named = ShellSyntax.excerpt(program)
        let isRuleProgram = { (rule: ShellAllowRule) in
            rule.program.utf8.count == program.utf8.count && rule.program.utf8.elementsEqual(program.utf8)
        }
        if program.contains("/") {
            guard rules.contains(where: isRuleProgram) else {
                throw ClawSecurityError(.shellNotAllowed, "the program '\(named)' is a path that no rule pins")
            }
        } else {
            guard rules.contains(where: isRuleProgram) else {
                throw ClawSecurityError(.shellNotAllowed, "the program '\(named)' is not allowed")
            }
        }
        guard let rule = rules.first(where: { $0.matches(program: program, arguments: arguments) }) else {
            throw ClawSecurityError(.shellNotAllowed, "no rule for '\(named)' allows these \(arguments.count) arguments")
        }
        // The rule's own spelling of the program: what was checked is what runs.
        return ApprovedShellCommand(program: rule.program, arguments: arguments, rule: rule)
    }

    /// Splits a command line into its argument vector, refusing what a shell would treat specially.
    ///
    /// This checks syntax and limits only, not the allow-list.
    /// - Parameters:
    ///   - commandLine: The untrusted line.
    ///   - configuration: The limits.
    /// - Returns: The program followed by its arguments; never empty.
    /// - Throws: ``ClawSecurityError/Code/shellRefused`` or ``ClawSecurityError/Code/shellMetacharacter``.
    public static func tokenize(_ commandLine: String, configuration: Configuration = .init()) throws(ClawSecurityError) -> [String] {
        guard commandLine.utf8.count <= configuration.maximumLength else {
            throw ClawSecurityError(.shellRefused, "the command is longer than \(configuration.maximumLength) bytes")
        }
        let tokens = try ShellSyntax.tokenize(
            commandLine, allowingGlobs: false, maximumTokens: configuration.maximumArguments + 1,
            tooMany: ClawSecurityError(.shellRefused, "the command has more than \(configuration.maximumArguments) arguments"))
        guard !tokens.isEmpty else { throw ClawSecurityError(.shellRefused, "the command is empty") }
        return tokens.map(\.text)
    }

    /// Renders an argument vector as a line that ``tokenize(_:configuration:)`` splits back into it.
    ///
    /// An element is wrapped in single quotes only when it is empty, holds a space or a quote, or reads
    /// `...`; a single quote inside is written as `'"'"'`.
    /// - Parameter argv: The program and its arguments.
    /// - Returns: The canonical line.
    public static func render(_ argv: [String]) -> String { ShellSyntax.render(argv) }
}

/// The lexical layer shared by commands and rules.
enum ShellSyntax {
    struct Token {
        var text: String
        /// Whether any part of the token was quoted (a quoted `...` is a literal, not a rest marker).
        var wasQuoted: Bool
    }

    /// Checks every character of an element as if it were quoted: spaces pass, tabs do not.
    static func checkCharacters(_ text: String, allowingGlobs: Bool) throws(ClawSecurityError) {
        for scalar in text.unicodeScalars { try checkScalar(scalar, allowingGlobs: allowingGlobs) }
    }

    /// Throws when a character may not appear in any element, quoted or not (U+0020 passes).
    static func checkScalar(_ scalar: Unicode.Scalar, allowingGlobs: Bool) throws(ClawSecurityError) {
        if let kind = metacharacterClass(scalar) {
            if allowingGlobs && (scalar == "*" || scalar == "?") { return }
            throw ClawSecurityError(.shellMetacharacter, "the command holds \(kind) (\(shown(scalar))), which is never allowed")
        }
        switch scalar.properties.generalCategory {
        case .control:
            throw ClawSecurityError(.shellMetacharacter, "the command holds a control character (\(codePoint(scalar)))")
        case .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
            throw ClawSecurityError(.shellMetacharacter, "the command holds an invisible or unassigned character (\(codePoint(scalar)))")
        case .spaceSeparator where scalar != " ":
            throw ClawSecurityError(.shellMetacharacter, "the command holds a space other than U+0020 (\(codePoint(scalar)))")
        default:
            return
        }
    }

    /// The class of a shell metacharacter, or nil.
    static func metacharacterClass(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case ";", "|", "&": "a command separator or pipe"
        case "\n", "\r": "a line break"
        case "\0": "a NUL character"
        case "$", "`": "a substitution character"
        case "<", ">": "a redirection character"
        case "(", ")", "{", "}": "a grouping character"
        case "*", "?": "a wildcard"
        case "~": "a home-directory character"
        case "!": "a history or negation character"
        case "\\": "a backslash"
        default: nil
        }
    }

    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    static func shown(_ scalar: Unicode.Scalar) -> String {
        scalar.value >= 0x21 && scalar.value < 0x7F ? "'\(Character(scalar))'" : codePoint(scalar)
    }

    /// At most 64 characters of an untrusted name, for an error reason.
    static func excerpt(_ text: String) -> String {
        text.count <= 64 ? text : String(text.prefix(64)) + "..."
    }

    /// Splits text into tokens on unquoted spaces and tabs, with single and double quotes.
    static func tokenize(
        _ text: String, allowingGlobs: Bool, maximumTokens: Int, tooMany: ClawSecurityError
    ) throws(ClawSecurityError) -> [Token] {
        var tokens: [Token] = []
        var current = String.UnicodeScalarView()
        var inToken = false
        var wasQuoted = false
        var quote: Unicode.Scalar?
        func flush() throws(ClawSecurityError) {
            guard inToken else { return }
            guard tokens.count < maximumTokens else { throw tooMany }
            tokens.append(Token(text: String(current), wasQuoted: wasQuoted))
            current = String.UnicodeScalarView()
            inToken = false
            wasQuoted = false
        }
        for scalar in text.unicodeScalars {
            if let open = quote {
                if scalar == open {
                    quote = nil
                } else {
                    try checkScalar(scalar, allowingGlobs: allowingGlobs)
                    current.append(scalar)
                }
                continue
            }
            switch scalar {
            case " ", "\t":
                try flush()
            case "'", "\"":
                quote = scalar
                inToken = true
                wasQuoted = true
            default:
                try checkScalar(scalar, allowingGlobs: allowingGlobs)
                current.append(scalar)
                inToken = true
            }
        }
        if quote != nil { throw ClawSecurityError(.shellRefused, "the command has an unterminated quote") }
        try flush()
        return tokens
    }

    /// Whether an element must be quoted to tokenize back to itself.
    static func needsQuoting(_ text: String) -> Bool {
        text.isEmpty || text == ShellAllowRule.restMarker
            || text.unicodeScalars.contains { $0 == " " || $0 == "'" || $0 == "\"" || $0 == "\t" }
    }

    /// One element, quoted if needed.
    static func quoted(_ text: String) -> String {
        guard needsQuoting(text) else { return text }
        var out = "'"
        for scalar in text.unicodeScalars {
            if scalar == "'" { out += "'\"'\"'" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "'"
    }

    static func render(_ argv: [String]) -> String { argv.map(quoted).joined(separator: " ") }
}
