// A writer for the crash-safety test: appends audit entries, notes and counter increments to the database
// the environment names (CLAW_DATABASE_URL or CLAW_HOME) as fast as it can, and prints `committed N` once
// all three writes of step N have returned. The test kills it with SIGKILL mid-stream and checks that
// every step it printed is in the database and that the audit chain verifies.
import ClawStorage
import Foundation

@main
struct CrashWriter {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let database = try await ClawDatabase.open(try DatabaseLocation.fromEnvironment(environment))
        let keyRing = try KeyRing.fromEnvironment()
        let log = AuditLog(store: database.audit, keyRing: keyRing)
        let round = environment["CLAW_CRASH_ROUND"] ?? "0"
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var step = 0
        while true {
            let name = "\(round):\(step)"
            try await log.record(event: "crash.test", outcome: "deny", reason: name, context: .object(["step": .int(Int64(step))]))
            try await database.memory.addNote(name, tags: ["crash"])
            try await database.rateCounters.increment("crash", window: 86_400, now: now)
            FileHandle.standardOutput.write(Data("committed \(step)\n".utf8))
            step += 1
        }
    }
}
