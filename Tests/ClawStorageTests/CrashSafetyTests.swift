import Foundation
import Testing
@testable import ClawStorage

@Suite("Crash safety")
struct CrashSafetyTests {
    /// The writer executable beside the test bundle.
    static let writer: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("ClawStorageCrashWriter")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("ClawStorageCrashWriter")
    }()

    @Test("SIGKILL in the middle of writing loses nothing committed and the chain verifies", arguments: Backend.allCases)
    func sigkill(_ backend: Backend) async throws {
        try await TestDatabase.withLocation(backend) { test in
            var environment = ["SECRET_KEY_BASE": TestDatabase.secret, "PATH": "/usr/bin:/bin"]
            switch test.location {
            case .sqlite(let path): environment["CLAW_HOME"] = URL(fileURLWithPath: path).deletingLastPathComponent().path
            case .postgres(let location):
                environment["CLAW_DATABASE_URL"] = "postgres://\(location.username):\(location.password ?? "")@\(location.host):\(location.port)/\(location.database)"
            }
            // Two rounds: the second writer continues the chain the first one left when it was killed.
            var committed = -1
            var lastStep = [Int]()
            for round in 0..<2 {
                environment["CLAW_CRASH_ROUND"] = "\(round)"
                let process = Process()
                process.executableURL = Self.writer
                process.environment = environment
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                try process.run()
                var buffer = Data()
                var lastInRound = -1
                // Read until this round committed 150 more steps (bounded by the pipe: the writer never stops).
                while lastInRound < 150 {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                    let lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    for line in lines.dropLast() where line.hasPrefix("committed ") {
                        if let n = Int(line.dropFirst("committed ".count)) { lastInRound = n }
                    }
                }
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                // Whatever reached the pipe before the kill was committed too.
                buffer.append(output.fileHandleForReading.readDataToEndOfFile())
                for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix("committed ") {
                    if let n = Int(line.dropFirst("committed ".count)) { lastInRound = max(lastInRound, n) }
                }
                #expect(process.terminationReason == .uncaughtSignal, "round \(round)")
                try #require(lastInRound >= 100, "the writer committed only \(lastInRound + 1) steps in round \(round)")
                committed += lastInRound + 1
                lastStep.append(lastInRound)
            }

            let database = try await test.open()
            let log = AuditLog(store: database.audit, keyRing: TestDatabase.keyRing)
            let verified = try await log.verify()
            let entries = try await database.audit.entries()
            // Every printed step is there (the step in flight at the kill may or may not be).
            #expect(verified.count >= committed + 1 && verified.count <= committed + 3)
            let notes = try await database.memory.notes(tag: "crash", limit: 100_000)
            #expect(notes.count >= committed + 1 && notes.count <= committed + 3)
            let counter = try await database.rateCounters.count("crash", window: 86_400, now: Date(timeIntervalSince1970: 1_800_000_000))
            #expect(counter >= committed + 1 && counter <= committed + 3)
            #expect(entries.count == verified.count)
            let reasons = Set(entries.map(\.reason))
            let noteTexts = Set(notes.map(\.text))
            for (round, last) in lastStep.enumerated() {
                let missing = (0...last).map { "\(round):\($0)" }.filter { !reasons.contains($0) || !noteTexts.contains($0) }
                #expect(missing.isEmpty, "committed but missing: \(missing.prefix(5))")
            }
            await database.close()
        }
    }
}
