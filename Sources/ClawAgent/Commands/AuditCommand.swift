import ArgumentParser
import ClawSecurity
import ClawStorage
import Crypto
import Foundation

/// `claw audit`: verify the stored audit chain or an audit log file.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check audit logs.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an audit log's hash chain, checkpoint and anchor: exit 0 when intact, 1 naming the first bad entry.",
            discussion: "Without FILE, the chain in the state database (CLAW_DATABASE_URL or $CLAW_HOME) is verified.")

        @Argument(help: "An audit log file (JSON lines); the state database's chain when omitted.")
        var file: String?

        @Option(help: "The audit key in hex; without it the key comes from SECRET_KEY_BASE (and SECRET_KEY_BASE_PREVIOUS).")
        var keyHex: String?

        func run() async throws {
            let store: any AuditStore
            let database: ClawDatabase?
            if let file {
                guard FileManager.default.fileExists(atPath: file) else { throw CommandFailure.fail("no such file: \(file)") }
                store = FileAuditStore(url: URL(fileURLWithPath: file))
                database = nil
            } else {
                let opened = try await StateDatabase.open()
                store = opened.audit
                database = opened
            }
            let log: AuditLog
            if let keyHex {
                let key = try CommandFailure.guarding { try Hex.decode(keyHex) }
                log = AuditLog(store: store, key: SymmetricKey(data: key))
            } else {
                log = AuditLog(store: store, keyRing: try StateDatabase.keyRing())
            }
            let verification: Result<AuditLog.Verification, ClawSecurityError>
            do throws(ClawSecurityError) {
                verification = .success(try await log.verify())
            } catch {
                verification = .failure(error)
            }
            await database?.close()
            do throws(ClawSecurityError) {
                let result = try verification.get()
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
