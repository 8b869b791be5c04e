import ArgumentParser

/// The `claw` command: the reference agent's entry point and its administrative tools.
@main
struct Claw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claw",
        abstract: "Claw: a personal AI agent whose every action is authenticated, authorized and audited.",
        subcommands: [ServeCommand.self, DoctorCommand.self, ConfigCommand.self, TOTPCommand.self, TokenCommand.self, PolicyCommand.self, AuditCommand.self, WorkflowCommand.self,
                      SanitizeCommand.self, BackupCommand.self, RestoreCommand.self, RotateKeyCommand.self, ImportAlexClawCommand.self,
                      MCPCommand.self, SettingsCommand.self]
    )
}
