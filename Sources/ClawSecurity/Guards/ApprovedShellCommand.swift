/// A command that a ``ShellCommandGuard`` checked and allowed: the only input a shell runner accepts.
///
/// Only the guard creates one, so holding a value proves that its program and arguments passed the
/// character checks and matched ``rule``. It carries an argument vector, never a line for a shell: run it
/// by executing ``program`` directly with ``arguments``.
public struct ApprovedShellCommand: Sendable, Hashable, CustomStringConvertible {
    /// The program as the command named it: a bare name to look up in
    /// ``ShellCommandGuard/searchDirectories``, or an absolute path that ``rule`` pins.
    public let program: String
    /// The arguments after the program.
    public let arguments: [String]
    /// The rule that allowed the command.
    public let rule: ShellAllowRule

    init(program: String, arguments: [String], rule: ShellAllowRule) {
        self.program = program
        self.arguments = arguments
        self.rule = rule
    }

    /// The program followed by its arguments.
    public var argv: [String] { [program] + arguments }

    /// Whether ``program`` is an absolute path pinned by the rule rather than a bare name.
    public var isPinnedPath: Bool { program.hasPrefix("/") }

    /// The canonical line: the argument vector with single quotes where needed. Tokenizing it gives
    /// ``argv`` back.
    public var description: String { ShellSyntax.render(argv) }
}
