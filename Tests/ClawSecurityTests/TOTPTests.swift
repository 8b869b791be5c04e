import ClawSecurity
import Foundation
import Testing

@Suite("TOTP, Base32 and the replay guard")
struct TOTPTests {
    static let rfcSecret = Array("12345678901234567890".utf8)

    @Test("Base32 accepts lower case, padding, spaces and hyphens", arguments: [
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
        "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", "gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq",
    ])
    func base32Tolerance(text: String) throws {
        #expect(try Base32.decode(text) == Self.rfcSecret)
    }

    @Test("Base32 known answers from RFC 4648 §10, both ways", arguments: [
        ("", ""), ("f", "MY======"), ("fo", "MZXQ===="), ("foo", "MZXW6==="), ("foob", "MZXW6YQ="),
        ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI======"),
    ])
    func base32RFC(plain: String, encoded: String) throws {
        #expect(Base32.encode(Array(plain.utf8), padded: true) == encoded)
        #expect(try Base32.decode(encoded) == Array(plain.utf8))
        #expect(try Base32.decode(encoded.replacingOccurrences(of: "=", with: "")) == Array(plain.utf8))
    }

    @Test("Base32 rejects what no encoder writes", arguments: [
        "MZXW6YT1", "MZXW6YT!", "MZX=W6YT", "M", "MZX", "MZXW6Y", "MY=====", "MZ======", "MY======A", "MZXW6YQ= ",
    ])
    func base32Rejects(text: String) {
        #expect(throws: ClawSecurityError.invalidBase32) { try Base32.decode(text) }
    }

    @Test("Parameters out of range are refused")
    func parameters() {
        #expect(throws: ClawSecurityError.invalidTOTPParameters) { try TOTP(secret: Array(repeating: 1, count: 15)) }
        #expect(throws: ClawSecurityError.invalidTOTPParameters) {
            try TOTP(secret: Self.rfcSecret, configuration: .init(digits: 5))
        }
        #expect(throws: ClawSecurityError.invalidTOTPParameters) {
            try TOTP(secret: Self.rfcSecret, configuration: .init(digits: 9))
        }
        #expect(throws: ClawSecurityError.invalidTOTPParameters) {
            try TOTP(secret: Self.rfcSecret, configuration: .init(period: 0))
        }
        #expect(throws: ClawSecurityError.invalidTOTPParameters) {
            try TOTP(secret: Self.rfcSecret, configuration: .init(window: -1))
        }
    }

    @Test("A code is accepted one step either side by default, and not two")
    func window() throws {
        let totp = try TOTP(secret: Self.rfcSecret)
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let code = totp.code(at: now)
        #expect(totp.match(code, at: now.addingTimeInterval(-30)) != nil)
        #expect(totp.match(code, at: now.addingTimeInterval(30)) != nil)
        #expect(totp.match(code, at: now.addingTimeInterval(-60)) == nil)
        #expect(totp.match(code, at: now.addingTimeInterval(60)) == nil)
        let strict = try TOTP(secret: Self.rfcSecret, configuration: .init(window: 0))
        #expect(strict.match(code, at: now.addingTimeInterval(30)) == nil)
    }

    @Test("Malformed codes never match", arguments: ["", "12345", "1234567", "12345a", " 123456", "１２３４５６", "-12345"])
    func malformedCodes(code: String) throws {
        let totp = try TOTP(secret: Self.rfcSecret)
        #expect(totp.match(code, at: Date()) == nil)
    }

    @Test("Times before the epoch fall in negative steps")
    func negativeSteps() throws {
        let totp = try TOTP(secret: Self.rfcSecret, configuration: .init(epoch: 100))
        #expect(totp.step(at: Date(timeIntervalSince1970: 99)) == -1)
        #expect(totp.step(at: Date(timeIntervalSince1970: 100)) == 0)
        #expect(totp.step(at: Date(timeIntervalSince1970: 70)) == -1)
        #expect(totp.step(at: Date(timeIntervalSince1970: 69)) == -2)
    }

    @Test("A random secret has the algorithm's size and round-trips through its URI")
    func randomAndURI() throws {
        for algorithm in [TOTP.Algorithm.sha1, .sha256, .sha512] {
            let totp = try TOTP.random(configuration: .init(algorithm: algorithm, digits: 8, period: 60))
            #expect(try Base32.decode(totp.base32Secret).count == algorithm.recommendedSecretBytes)
            let uri = OTPAuthURI(totp: totp, issuer: "Claw Agent", account: "me@example.com")
            let parsed = try OTPAuthURI(parsing: uri.string)
            #expect(parsed.issuer == "Claw Agent")
            #expect(parsed.account == "me@example.com")
            #expect(parsed.totp.base32Secret == totp.base32Secret)
            #expect(parsed.totp.configuration == totp.configuration)
            #expect(!uri.description.contains(totp.base32Secret))
            #expect(!totp.description.contains(totp.base32Secret))
        }
    }

    @Test("Bad otpauth URIs are refused with a typed error", arguments: [
        ("https://example.com", ClawSecurityError.invalidOTPAuthURI),
        ("otpauth://hotp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", .invalidOTPAuthURI),
        ("otpauth://totp/x", .invalidOTPAuthURI),
        ("otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=MD5", .invalidOTPAuthURI),
        ("otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=six", .invalidOTPAuthURI),
        ("otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=10", .invalidTOTPParameters),
        ("otpauth://totp/x?secret=GEZDGNBV1", .invalidBase32),
        ("otpauth://totp/A:x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=B", .invalidOTPAuthURI),
        ("otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
         .invalidOTPAuthURI),
    ])
    func badURIs(uri: String, expected: ClawSecurityError) {
        #expect(throws: expected) { try OTPAuthURI(parsing: uri) }
    }

    @Test("The replay guard accepts a code once, and no earlier code after it")
    func replay() throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_234_567_890))
        let guardian = ReplayGuard(clock: clock.wallClock)
        let totp = try TOTP(secret: Self.rfcSecret)
        let code = totp.code(at: clock.now)
        let previous = totp.code(at: clock.now.addingTimeInterval(-30))
        #expect(try guardian.verify(code, for: totp, challenge: "login-1") == totp.step(at: clock.now))
        #expect(throws: ClawSecurityError.replayedCode) { try guardian.verify(code, for: totp, challenge: "login-2") }
        #expect(throws: ClawSecurityError.replayedCode) { try guardian.verify(previous, for: totp, challenge: "login-2") }
        clock.advance(30)
        #expect(throws: ClawSecurityError.replayedCode) { try guardian.verify(code, for: totp, challenge: "login-3") }
        #expect(try guardian.verify(totp.code(at: clock.now), for: totp, challenge: "login-3") > 0)
        // Another secret has its own history.
        let other = try TOTP(secret: Array("abcdefghijklmnopqrst".utf8))
        #expect(throws: Never.self) { try guardian.verify(other.code(at: clock.now), for: other, challenge: "c") }
    }

    @Test("A challenge locks after too many wrong codes, even for the right code")
    func lockout() throws {
        let clock = ManualClock()
        let guardian = ReplayGuard(configuration: .init(maximumFailuresPerChallenge: 3), clock: clock.wallClock)
        let totp = try TOTP(secret: Self.rfcSecret)
        let right = totp.code(at: clock.now)
        let wrong = right == "000000" ? "000001" : "000000"
        for attempt in 1...3 {
            #expect(throws: ClawSecurityError.invalidCode) { try guardian.verify(wrong, for: totp, challenge: "c") }
            #expect(guardian.failures(for: "c") == attempt)
        }
        #expect(throws: ClawSecurityError.challengeLocked) { try guardian.verify(right, for: totp, challenge: "c") }
        // Other challenges are unaffected.
        #expect(try guardian.verify(right, for: totp, challenge: "d") > 0)
        guardian.endChallenge("c")
        #expect(guardian.failures(for: "c") == 0)
    }

    @Test("The guard tracks a bounded number of challenges")
    func boundedChallenges() throws {
        let guardian = ReplayGuard(configuration: .init(maximumFailuresPerChallenge: 1, maximumTrackedChallenges: 2))
        let totp = try TOTP(secret: Self.rfcSecret)
        for id in ["a", "b", "c"] { _ = try? guardian.verify("x", for: totp, challenge: id) }
        #expect(guardian.failures(for: "a") == 0)
        #expect(guardian.failures(for: "c") == 1)
    }

    @Test("Concurrent verifications of one code accept it exactly once")
    func concurrentReplay() async throws {
        let guardian = ReplayGuard()
        let totp = try TOTP(secret: Self.rfcSecret)
        let code = totp.code(at: Date())
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask { (try? guardian.verify(code, for: totp, challenge: "c\(i)")) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 1)
    }
}
