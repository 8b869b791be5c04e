import ArgumentParser
import ClawSecurity
import Crypto
import Foundation

/// `claw audit`: verify an audit log file.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check audit logs.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an audit log's hash chain, checkpoint and anchor: exit 0 when intact, 1 naming the first bad entry.")

        @Argument(help: "The audit log file (JSON lines).")
        var file: String

        @Option(help: "The audit key in hex; without it the key comes from SECRET_KEY_BASE (and SECRET_KEY_BASE_PREVIOUS).")
        var keyHex: String?

        func run() async throws {
            guard FileManager.default.fileExists(atPath: file) else { throw CommandFailure.fail("no such file: \(file)") }
            let store = FileAuditStore(url: URL(fileURLWithPath: file))
            let log: AuditLog
            if let keyHex {
                let key = try CommandFailure.guarding { try Hex.decode(keyHex) }
                log = AuditLog(store: store, key: SymmetricKey(data: key))
            } else {
                log = AuditLog(store: store, keyRing: try CommandFailure.guarding { try KeyRing.fromEnvironment() })
            }
            do throws(ClawSecurityError) {
                let result = try await log.verify()
                let range = result.firstSequence.map { "seq \($0)…\(result.lastSequence!)" } ?? "empty"
                print("intact: \(result.count) entries (\(range))")
            } catch {
                if error.code == .auditStorage { throw CommandFailure.fail(error.description) }
                CommandFailure.writeError("claw: audit log tampered: \(error)\n")
                throw ExitCode(1)
            }
        }
    }
}
