import ClawSecurity
import Crypto
import Foundation
import Testing

@testable import ClawSecurity

@Suite("SecretBox")
struct SecretBoxTests {
    static let secret = "claw-test-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
    static let oldSecret = "an-older-secret-key-base-that-was-rotated-out-0123456789"
    let box = SecretBox(keyRing: try! KeyRing(secretKeyBase: secret))

    @Test("Seal and open round-trip in both layouts, on both AES-GCM backends", arguments: AESGCM256.Backend.allCases)
    func roundTrip(backend: AESGCM256.Backend) throws {
        let box = SecretBox(keyRing: try KeyRing(secretKeyBase: Self.secret), backend: backend)
        for text in ["", "a", "sk-test-1234567890abcdef", String(repeating: "é", count: 3000)] {
            let sealed = try box.seal(text, name: "openai_api_key")
            #expect(sealed.hasPrefix("claw:v1:"))
            #expect(try box.openString(sealed, name: "openai_api_key") == text)
            let legacy = try box.sealAlexClaw(text)
            #expect(legacy.hasPrefix("enc:"))
            #expect(try box.openString(legacy, name: "ignored") == text)
        }
    }

    @Test("Both backends produce values the other opens")
    func backendsInteroperate() throws {
        let ring = try KeyRing(secretKeyBase: Self.secret)
        let boxes = AESGCM256.Backend.allCases.map { SecretBox(keyRing: ring, backend: $0) }
        for a in boxes {
            for b in boxes {
                #expect(try b.openString(try a.seal("value", name: "n"), name: "n") == "value")
            }
        }
    }

    @Test("The layout is claw:v1:<8 hex key id>:<base64url without padding>")
    func layout() throws {
        let sealed = try box.seal("x", name: "n")
        let parts = sealed.split(separator: ":", omittingEmptySubsequences: false)
        #expect(parts.count == 4)
        #expect(parts[0] == "claw" && parts[1] == "v1")
        #expect(parts[2].count == 8 && parts[2].allSatisfy(\.isHexDigit))
        #expect(String(parts[2]) == box.clawKeys[0].id.rawValue)
        #expect(!parts[3].contains("=") && !parts[3].contains("+") && !parts[3].contains("/"))
        #expect(Base64.decode(parts[3].utf8, alphabet: .urlSafe)?.count == 12 + 1 + 16)
    }

    @Test("Every seal uses a fresh nonce")
    func freshNonces() throws {
        var seen = Set<String>()
        for _ in 0..<200 { seen.insert(try box.seal("same", name: "same")) }
        #expect(seen.count == 200)
    }

    @Test("A value copied to another setting does not open")
    func nameBinding() throws {
        let sealed = try box.seal("sk-live", name: "openai_api_key")
        #expect(throws: ClawSecurityError.authenticationFailed) { try box.open(sealed, name: "anthropic_api_key") }
        #expect(throws: ClawSecurityError.authenticationFailed) { try box.open(sealed, name: "") }
    }

    @Test("After a rotation, old values open and new values use the new key")
    func rotation() throws {
        let old = SecretBox(keyRing: try KeyRing(secretKeyBase: Self.oldSecret))
        let oldClaw = try old.seal("old", name: "n")
        let oldLegacy = try old.sealAlexClaw("legacy")
        let rotated = SecretBox(keyRing: try KeyRing(secretKeyBase: Self.secret, previous: [Self.oldSecret]))
        #expect(try rotated.openString(oldClaw, name: "n") == "old")
        #expect(try rotated.openString(oldLegacy, name: "n") == "legacy")
        let fresh = try rotated.seal("new", name: "n")
        #expect(fresh.contains(":\(try KeyRing(secretKeyBase: Self.secret).currentKeyID.rawValue):"))
        #expect(throws: ClawSecurityError.unknownKey) { try old.open(fresh, name: "n") }
        // Without the old secret, its values no longer open.
        #expect(throws: ClawSecurityError.unknownKey) { try box.open(oldClaw, name: "n") }
        #expect(throws: ClawSecurityError.authenticationFailed) { try box.open(oldLegacy, name: "n") }
    }

    @Test("Malformed values give typed errors", arguments: [
        ("plain text", ClawSecurityError.plaintextValue),
        ("", ClawSecurityError.plaintextValue),
        ("ENC:abcd", ClawSecurityError.plaintextValue),
        ("claw:v2:00000000:AAAA", ClawSecurityError.unknownVersion),
        ("claw:", ClawSecurityError.unknownVersion),
        ("claw:v1:", ClawSecurityError.malformedValue),
        ("claw:v1:0000:AAAA", ClawSecurityError.malformedValue),
        ("claw:v1:00000000:AAAA", ClawSecurityError.unknownKey),
        ("enc:", ClawSecurityError.truncatedValue),
        ("enc:AAAA", ClawSecurityError.truncatedValue),
        ("enc:AAA", ClawSecurityError.malformedValue),
        ("enc: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ClawSecurityError.malformedValue),
        ("enc:" + String(repeating: "A", count: 38) + "B=", ClawSecurityError.malformedValue),
    ])
    func malformed(value: String, expected: ClawSecurityError) {
        #expect(throws: expected) { try box.open(value, name: "n") }
    }

    @Test("Malformed claw:v1 bodies under a known key id give typed errors")
    func malformedBody() throws {
        let header = "claw:v1:\(box.clawKeys[0].id.rawValue):"
        #expect(throws: ClawSecurityError.truncatedValue) { try box.open(header, name: "n") }
        #expect(throws: ClawSecurityError.malformedValue) { try box.open(header + "AAAA+AAA", name: "n") }
        #expect(throws: ClawSecurityError.malformedValue) { try box.open(header + "AAAA====", name: "n") }
        #expect(throws: ClawSecurityError.authenticationFailed) {
            try box.open(header + String(repeating: "A", count: 40), name: "n")
        }
    }

    @Test("Truncating a sealed value anywhere makes it fail")
    func truncation() throws {
        let sealed = try box.seal("sk-test-1234567890abcdef", name: "n")
        for length in 0..<sealed.count {
            #expect(throws: ClawSecurityError.self) { try box.open(String(sealed.prefix(length)), name: "n") }
        }
    }

    @Test("The wrong SECRET_KEY_BASE fails to authenticate AlexClaw values")
    func wrongKey() throws {
        let other = SecretBox(keyRing: try KeyRing(secretKeyBase: Self.oldSecret))
        #expect(throws: ClawSecurityError.authenticationFailed) { try other.open(try box.sealAlexClaw("v"), name: "n") }
    }

    @Test("Size limits apply to seal and open")
    func sizeLimits() throws {
        let small = SecretBox(
            keyRing: try KeyRing(secretKeyBase: Self.secret), configuration: .init(maximumPlaintextBytes: 16))
        #expect(throws: ClawSecurityError.valueTooLarge) { try small.seal([UInt8](repeating: 1, count: 17), name: "n") }
        #expect(throws: ClawSecurityError.valueTooLarge) { try small.sealAlexClaw([UInt8](repeating: 1, count: 17)) }
        let big = try box.seal([UInt8](repeating: 1, count: 64), name: "n")
        #expect(throws: ClawSecurityError.valueTooLarge) { try small.open(big, name: "n") }
        #expect(try small.open(try small.seal([UInt8](repeating: 1, count: 16), name: "n"), name: "n").count == 16)
    }

    @Test("Non-UTF-8 secrets open as bytes but not as text")
    func binary() throws {
        let sealed = try box.seal([0xFF, 0xFE, 0x00], name: "n")
        #expect(try box.open(sealed, name: "n") == [0xFF, 0xFE, 0x00])
        #expect(throws: ClawSecurityError.notUTF8) { try box.openString(sealed, name: "n") }
    }

    @Test("classify tells the layouts apart without a key")
    func classify() {
        #expect(SecretBox.classify("claw:v1:abc") == .claw)
        #expect(SecretBox.classify("enc:abc") == .alexClaw)
        #expect(SecretBox.classify("sk-plain") == .plaintext)
    }

    @Test("Errors never contain the value, the plaintext or the secret")
    func errorsLeakNothing() throws {
        let sealed = try box.seal("sk-very-secret-value", name: "n")
        do {
            _ = try box.open(sealed, name: "other")
            Issue.record("opened under the wrong name")
        } catch {
            let text = "\(error) \(error.reason)"
            #expect(!text.contains("sk-very-secret-value"))
            #expect(!text.contains(sealed.suffix(20)))
            #expect(!text.contains(Self.secret))
        }
        do {
            _ = try box.open("sk-plaintext-key", name: "n")
        } catch {
            #expect(!"\(error)".contains("sk-plaintext-key"))
        }
    }

    /// Writes values sealed here for `scripts/interop/check_secretbox.py`, which opens them with Python's
    /// cryptography. Runs when CLAW_INTEROP_DIR is set (scripts/test sets it).
    @Test("Values sealed here are written for the Python interop check")
    func writeInteropVectors() throws {
        var vectors: [[String: String]] = []
        let ring = try KeyRing(secretKeyBase: Self.secret, previous: [Self.oldSecret])
        let rotated = SecretBox(keyRing: ring)
        for (index, text) in ["", "a", "sk-test-1234567890abcdef", "ünïcödé ✓", String(repeating: "x", count: 4096)]
            .enumerated()
        {
            let name = "setting_\(index)"
            let claw = try rotated.seal(text, name: name)
            let legacy = try rotated.sealAlexClaw(text)
            #expect(try rotated.openString(claw, name: name) == text)
            vectors.append(["format": "claw", "name": name, "plaintext": text, "stored": claw])
            vectors.append(["format": "alexclaw", "name": name, "plaintext": text, "stored": legacy])
        }
        guard let directory = ProcessInfo.processInfo.environment["CLAW_INTEROP_DIR"] else { return }
        let document: [String: Any] = [
            "secret_key_base": Self.secret,
            "key_id": ring.currentKeyID.rawValue,
            "vectors": vectors,
        ]
        let url = URL(fileURLWithPath: directory).appendingPathComponent("secretbox.json")
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }
}

@Suite("KeyRing")
struct KeyRingTests {
    @Test("A SECRET_KEY_BASE shorter than 32 bytes is refused, as is a missing one")
    func weakSecrets() {
        #expect(throws: ClawSecurityError.weakSecretKeyBase) { try KeyRing(secretKeyBase: String(repeating: "a", count: 31)) }
        #expect(throws: ClawSecurityError.weakSecretKeyBase) {
            try KeyRing(secretKeyBase: String(repeating: "a", count: 32), previous: ["short"])
        }
        #expect(throws: ClawSecurityError.weakSecretKeyBase) { try KeyRing.fromEnvironment([:]) }
        #expect(throws: ClawSecurityError.weakSecretKeyBase) { try KeyRing.fromEnvironment(["SECRET_KEY_BASE": ""]) }
        #expect((try? KeyRing(secretKeyBase: String(repeating: "a", count: 32))) != nil)
    }

    @Test("The environment supplies the current and the previous secret")
    func environment() throws {
        let ring = try KeyRing.fromEnvironment([
            "SECRET_KEY_BASE": String(repeating: "n", count: 40),
            "SECRET_KEY_BASE_PREVIOUS": String(repeating: "o", count: 40),
        ])
        #expect(ring.keyIDs.count == 2)
        #expect(ring.keyIDs[0] == (try KeyRing(secretKeyBase: String(repeating: "n", count: 40))).currentKeyID)
    }

    @Test("Purposes give independent keys; the same secret gives the same keys")
    func purposes() throws {
        let a = try KeyRing(secretKeyBase: SecretBoxTests.secret)
        let b = try KeyRing(secretKeyBase: SecretBoxTests.secret)
        let purposes: [KeyPurpose] = [.configEncryption, .alexClawConfig, .capabilityRoot, .auditChain, .keyIdentifier]
        let keys = Set(purposes.map { a.key(for: $0).withUnsafeBytes { Array($0) } })
        #expect(keys.count == purposes.count)
        #expect(a.key(for: .auditChain) == b.key(for: .auditChain))
        #expect(a.key(for: .auditChain, keyID: KeyRing.KeyID("nope")) == nil)
    }

    @Test("description and debugDescription show key ids only")
    func noLeaks() throws {
        let ring = try KeyRing(secretKeyBase: SecretBoxTests.secret, previous: [SecretBoxTests.oldSecret])
        for text in [ring.description, ring.debugDescription, "\(ring)", String(reflecting: ring)] {
            #expect(!text.contains("claw-test-secret"))
            #expect(!text.contains("older-secret"))
            #expect(text.contains(ring.currentKeyID.rawValue))
        }
    }
}

@Suite("SecureRandom")
struct SecureRandomTests {
    @Test("Pooled nonces never repeat, across refills and concurrent takers")
    func distinct() async {
        let batches = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<4 { group.addTask { (0..<2000).map { _ in SecureRandom.bytes(12) } } }
            return await group.reduce(into: [[UInt8]]()) { $0 += $1 }
        }
        #expect(Set(batches).count == batches.count)
        #expect(batches.allSatisfy { $0.count == 12 })
        #expect(SecureRandom.Pool.shared != nil, "Linux supports MADV_WIPEONFORK since 4.14")
    }

    @Test("Large requests bypass the pool and still differ")
    func large() {
        #expect(SecureRandom.bytes(4096) != SecureRandom.bytes(4096))
        #expect(SecureRandom.bytes(0).isEmpty)
    }
}
