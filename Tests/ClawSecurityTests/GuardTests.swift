import ClawSecurity
import Foundation
import Testing

@Suite("ConstantTime")
struct ConstantTimeTests {
    @Test("Equal inputs compare equal; any difference, including length, compares unequal")
    func equality() {
        let a: [UInt8] = Array("0123456789abcdef0123456789abcdef".utf8)
        #expect(ConstantTime.equals(a, a))
        #expect(ConstantTime.equals("token", "token"))
        #expect(!ConstantTime.equals("token", "tokem"))
        #expect(!ConstantTime.equals("token", "token "))
        #expect(!ConstantTime.equals("", "x"))
        #expect(ConstantTime.equals("", ""))
        #expect(ConstantTime.equalFixedSize(a, a))
        var b = a
        b[31] ^= 0x01
        #expect(!ConstantTime.equalFixedSize(a, b))
        #expect(!ConstantTime.equalFixedSize(a, Array(a.dropLast())))
    }
}

@Suite("WebhookSignature")
struct WebhookSignatureTests {
    // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
    static let githubHeader = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    let verifier = WebhookSignature(secret: "It's a Secret to Everybody")

    @Test("GitHub's documented example verifies, in either hex case")
    func githubExample() throws {
        try verifier.verify(body: Array("Hello, World!".utf8), header: Self.githubHeader)
        try verifier.verify(body: Array("Hello, World!".utf8), header: "sha256=" + Self.githubHeader.dropFirst(7).uppercased())
        #expect(try verifier.sign(Array("Hello, World!".utf8)) == Self.githubHeader)
    }

    @Test("A changed body or signature is rejected")
    func mismatch() {
        #expect(throws: ClawSecurityError.signatureMismatch) {
            try verifier.verify(body: Array("Hello, World?".utf8), header: Self.githubHeader)
        }
        #expect(throws: ClawSecurityError.signatureMismatch) {
            try verifier.verify(body: Array("Hello, World!".utf8), header: String(Self.githubHeader.dropLast()) + "8")
        }
    }

    @Test("No secret means every delivery is rejected, even a correctly signed one")
    func missingSecret() {
        for verifier in [WebhookSignature(secret: nil), WebhookSignature(secret: "")] {
            #expect(throws: ClawSecurityError.missingWebhookSecret) {
                try verifier.verify(body: Array("Hello, World!".utf8), header: Self.githubHeader)
            }
            #expect(throws: ClawSecurityError.missingWebhookSecret) { try verifier.sign([UInt8]()) }
        }
    }

    @Test("A missing header is rejected")
    func missingHeader() {
        #expect(throws: ClawSecurityError.missingSignature) { try verifier.verify(body: [UInt8](), header: nil) }
    }

    @Test("Malformed headers are rejected", arguments: [
        "", "sha256=", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d", "SHA256=" + String(repeating: "0", count: 64),
        "sha256=" + String(repeating: "0", count: 63), "sha256=" + String(repeating: "0", count: 65),
        "sha256=" + String(repeating: "g", count: 64), " sha256=" + String(repeating: "0", count: 64),
        "sha256=" + String(repeating: "0", count: 63) + "é",
    ])
    func malformed(header: String) {
        #expect(throws: ClawSecurityError.malformedSignature) { try verifier.verify(body: [UInt8](), header: header) }
    }

    @Test("description does not show the secret")
    func noLeak() {
        #expect(!"\(verifier)".contains("Secret to Everybody"))
    }
}

@Suite("LoginThrottle")
struct LoginThrottleTests {
    @Test("Five failures in five minutes block for fifteen; the block then ends")
    func defaults() {
        let clock = ManualClock()
        let throttle = LoginThrottle(clock: clock.wallClock)
        for remaining in (1...4).reversed() {
            #expect(throttle.recordFailure("1.2.3.4") == .allowed(remaining: remaining))
            clock.advance(10)
        }
        let blocked = throttle.recordFailure("1.2.3.4")
        #expect(blocked == .blocked(until: clock.now.addingTimeInterval(900)))
        #expect(!throttle.check("1.2.3.4").isAllowed)
        #expect(throttle.check("5.6.7.8").isAllowed)
        // A success does not lift a block.
        throttle.recordSuccess("1.2.3.4")
        clock.advance(899)
        #expect(!throttle.check("1.2.3.4").isAllowed)
        clock.advance(1)
        #expect(throttle.check("1.2.3.4") == .allowed(remaining: 5))
    }

    @Test("Failures expire after the window")
    func expiry() {
        let clock = ManualClock()
        let throttle = LoginThrottle(clock: clock.wallClock)
        for _ in 0..<4 { throttle.recordFailure("k") }
        clock.advance(301)
        #expect(throttle.recordFailure("k") == .allowed(remaining: 4))
    }

    @Test("A success clears failures")
    func success() {
        let throttle = LoginThrottle()
        for _ in 0..<4 { throttle.recordFailure("k") }
        throttle.recordSuccess("k")
        #expect(throttle.check("k") == .allowed(remaining: 5))
    }

    @Test("Memory stays bounded; blocked keys are not evicted and a full table of blocked keys fails closed")
    func bounded() {
        let clock = ManualClock()
        let throttle = LoginThrottle(
            configuration: .init(maximumFailures: 1, maximumTrackedKeys: 3), clock: clock.wallClock)
        for key in ["a", "b", "c"] { throttle.recordFailure(key) }
        #expect(throttle.trackedKeys == 3)
        #expect(!throttle.recordFailure("d").isAllowed)
        #expect(throttle.trackedKeys == 3)
        #expect(!throttle.check("a").isAllowed)
        clock.advance(901)
        throttle.recordFailure("d")
        #expect(throttle.trackedKeys <= 3)
        #expect(!throttle.check("d").isAllowed)
    }

    @Test("Concurrent failures from one key block it after exactly the limit")
    func concurrent() async {
        let throttle = LoginThrottle()
        let allowed = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { throttle.recordFailure("k").isAllowed } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 4)
    }
}

@Suite("Redaction and Integrity")
struct RedactionIntegrityTests {
    @Test("Short values are fully masked; long ones keep a four-character hint")
    func redaction() {
        #expect(Redaction.redact("") == "********")
        #expect(Redaction.redact("short") == "********")
        #expect(Redaction.redact("sk-1234567890abcdef") == "********cdef")
        #expect(Redaction.redact("sk-1234567890abcdef", hint: 0) == "********")
        #expect(Redaction.redact("123456789012345") == "********")
    }

    @Test("SHA-256 of data and files, and verification against an expected digest")
    func integrity() throws {
        #expect(Integrity.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("claw-integrity-\(UUID().uuidString)")
        let content = [UInt8](repeating: 0x61, count: 200_000)
        try Data(content).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let digest = try Integrity.sha256(fileAt: url)
        #expect(digest == Integrity.sha256(content))
        try Integrity.verify(fileAt: url, expectedHex: digest.uppercased())
        #expect(throws: ClawSecurityError.integrityMismatch) {
            try Integrity.verify(fileAt: url, expectedHex: String(repeating: "0", count: 64))
        }
        #expect(throws: ClawSecurityError.invalidHex) { try Integrity.verify(fileAt: url, expectedHex: "abc") }
        #expect(throws: ClawSecurityError.fileUnreadable) {
            try Integrity.sha256(fileAt: url.appendingPathExtension("missing"))
        }
    }
}

@Suite("Loopback host names")
struct LoopbackHostTests {
    @Test("Only localhost, ::1 and 127.0.0.0/8 literals are loopback", arguments: [
        ("localhost", true), ("LOCALHOST", true), ("::1", true), ("[::1]", true), ("127.0.0.1", true), ("127.1.2.3", true),
        ("127.0.0.1.evil.example", false), ("127.evil.example", false), ("127.0.0", false), ("127.0.0.256", false),
        ("128.0.0.1", false), ("localhost.evil.example", false), ("", false), ("0.0.0.0", false), ("::", false),
    ])
    func loopback(host: String, expected: Bool) {
        #expect(LoopbackHost.contains(host) == expected)
    }
}
