import Foundation
import PropertyBased
import Testing
@testable import ClawStorage

/// Invariants of what the storage layer writes and reads back.
@Suite("Storage properties")
struct StorageProperties {
    static let permissions = ["web_read", "llm", "shell", "memory"]
    static let zones = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"]

    /// A random valid rule of any type.
    static let rules = Gen.int(in: 0...Int.max).map { seed -> PolicyRule in
        var g = SplitMix(seed: UInt64(seed))
        func pick<T>(_ items: [T]) -> T { items[Int(g.next() % UInt64(items.count))] }
        let permission: String? = g.next() % 3 == 0 ? nil : pick(permissions)
        let kind: PolicyRule.Kind
        switch g.next() % 5 {
        case 0: kind = .rateLimit(permission: permission, maxCalls: Int(g.next() % 1000) + 1, window: TimeInterval(Int(g.next() % 86_400) + 1))
        case 1:
            let start = Int(g.next() % 24)
            kind = .timeWindow(permission: permission, denyStartHour: start, denyEndHour: (start + Int(g.next() % 23) + 1) % 24,
                               timeZone: TimeZone(identifier: pick(zones))!)
        case 2: kind = .chainRestriction(callerPattern: Glob(pick(["*", "skill_*", "web?", "a*b"])), maxDepth: Int(g.next() % 10))
        case 3:
            let expiry: Date? = g.next() % 2 == 0 ? nil : Date(timeIntervalSince1970: TimeInterval(1_700_000_000 + Int(g.next() % 100_000_000)))
            kind = .permissionOverride(permission: pick(permissions), action: pick([.allow, .deny]), expiresAt: expiry)
        default: kind = .mcpRestriction(toolPattern: Glob(pick(["*", "skill:*", "workflow:daily"])), action: pick([.allow, .deny]))
        }
        return PolicyRule(id: "r\(g.next() % 10_000)", priority: Int(g.next() % 2_000_001) - 1_000_000, enabled: g.next() % 2 == 0, kind: kind)
    }

    @Test("Every rule loads back from the JSON the policy store keeps, to an equal rule")
    func ruleRoundTrip() async {
        await propertyCheck(count: 300, input: Self.rules) { rule in
            let stored = rule.json.canonicalText
            let loaded = try PolicyRule(json: try JSONValue(parsing: stored))
            #expect(loaded == rule, "\(stored)")
        }
    }

    @Test("Gzip: whatever is written in whatever chunks reads back byte for byte; any cut-off file is an error")
    func gzipRoundTrip() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...200_000), Gen.int(in: 0...Int.max)) { size, seed in
            var g = SplitMix(seed: UInt64(seed))
            // Compressible and incompressible stretches.
            let bytes = (0..<size).map { i in i % 1000 < 500 ? UInt8(truncatingIfNeeded: i / 7) : UInt8(truncatingIfNeeded: g.next()) }
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("claw-gzip-\(UUID().uuidString)")
            defer { unlink(url.path) }
            let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            let writer = try GzipWriter(fd: fd)
            var offset = 0
            while offset < bytes.count {
                let n = min(bytes.count - offset, Int(g.next() % 70_000) + 1)
                try FileIO.gzipWrite(writer, Array(bytes[offset..<(offset + n)]))
                offset += n
            }
            try writer.finish()
            close(fd)
            #expect(try Self.readAll(url) == bytes)
            // Cut the file anywhere before its end: reading must fail, never return short data.
            let whole = try Data(contentsOf: url)
            let cut = Int(g.next() % UInt64(whole.count))
            try whole.prefix(cut).write(to: url)
            #expect(throws: StorageError.self) { try Self.readAll(url) }
        }
    }

    static func readAll(_ url: URL) throws -> [UInt8] {
        let fd = open(url.path, O_RDONLY)
        defer { close(fd) }
        let reader = try GzipReader(fd: fd)
        var out = [UInt8]()
        while let chunk = try reader.read() { out += chunk }
        return out
    }

    @Test("A rate window contains its instant and starts on a multiple of its length")
    func rateWindows() async {
        await propertyCheck(count: 500, input: Gen.int(in: -2_000_000_000...4_000_000_000), Gen.int(in: 1...1_000_000)) { seconds, length in
            let start = RateCounterStore.windowStart(Date(timeIntervalSince1970: TimeInterval(seconds) + 0.5), length: length)
            #expect(start <= Int64(seconds) && Int64(seconds) < start + Int64(length))
            #expect(start % Int64(length) == 0)
        }
    }

    @Test("PostgreSQL placeholders are numbered in order, one per '?'")
    func placeholders() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...12), Gen.int(in: 0...Int.max)) { count, seed in
            var g = SplitMix(seed: UInt64(seed))
            var sql = "SELECT"
            for i in 0..<count { sql += (i == 0 ? " " : ", ") + (g.next() % 2 == 0 ? "?" : "x + ?") }
            let numbered = PostgresDriver.numberedPlaceholders(sql)
            let expected = (0..<count).map { "$\($0 + 1)" }
            let found = numbered.split(separator: "$").dropFirst().map { "$" + $0.prefix { $0.isNumber } }
            #expect(found == expected)
            #expect(!numbered.contains("?"))
        }
    }
}
