import ClawSecurity
import Foundation
import Testing

@Suite("Capability tokens and caveats")
struct CapabilityTokenTests {
    static let ring = try! KeyRing(secretKeyBase: "capability-test-secret-key-base-0123456789abcdefgh")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let verifier = CapabilityVerifier(keyRing: ring, clock: .fixed(now))

    @Test("Caveat texts parse to their canonical form", arguments: [
        ("permissions = web_read,llm", "permissions = web_read,llm"),
        ("permissions=web_read, llm", "permissions = web_read,llm"),
        ("chain_depth <= 3", "chain_depth <= 3"),
        ("chain_depth<=0", "chain_depth <= 0"),
        ("expires < 2027-01-01T00:00:00Z", "expires < 2027-01-01T00:00:00Z"),
        ("workflow_run = run-42", "workflow_run = run-42"),
        ("skill = web_search", "skill = web_search"),
        ("tools = skill:web_*, claw_sanitize", "tools = skill:web_*,claw_sanitize"),
    ])
    func parse(text: String, canonical: String) throws {
        #expect(try CaveatPredicate(parsing: text).description == canonical)
    }

    @Test("Anything else is refused", arguments: [
        "", "permissions", "permissions =", "permissions = ", "permissions = a,,b", "permissions = a b",
        "permissions != a", "chain_depth < 3", "chain_depth <= -1", "chain_depth <= 1001", "chain_depth <= 03",
        "expires < tomorrow", "expires < 2027-02-30T00:00:00Z", "expires < 2027-01-01T00:00:00", "expires = 2027-01-01T00:00:00Z",
        "workflow_run = a=b", "skill = ", "account = 3735928559", "time < 2020-01-01T00:00",
        "tools = ", "tools = a b", "tools = skill:[x]", "tools < skill:*",
    ])
    func refuse(text: String) {
        #expect(throws: ClawSecurityError.invalidCaveat) { try CaveatPredicate(parsing: text) }
    }

    @Test("A tools caveat limits the MCP tools a request may name, and nothing else")
    func toolsCaveat() throws {
        let caveat = try CaveatPredicate(parsing: "tools = skill:web_*,claw_sanitize")
        #expect(caveat.check(CapabilityRequest(permission: "mcp.call", tool: "skill:web_fetch"), now: Self.now) == nil)
        #expect(caveat.check(CapabilityRequest(permission: "mcp.call", tool: "claw_sanitize"), now: Self.now) == nil)
        #expect(caveat.check(CapabilityRequest(permission: "mcp.call", tool: "skill:shell"), now: Self.now) != nil)
        #expect(caveat.check(CapabilityRequest(permission: "mcp.call", tool: "workflow:web_x"), now: Self.now) != nil)
        #expect(caveat.check(CapabilityRequest(permission: "mcp.read"), now: Self.now) == nil)
    }

    @Test("A minted token verifies for what it grants and names the first caveat that fails otherwise")
    func verify() throws {
        let token = CapabilityToken.mint(keyRing: Self.ring, caveats: [
            .permissions(["web_read", "llm"]), .maximumChainDepth(2),
            .expires(Self.now.addingTimeInterval(60)), .workflowRun("run-1"), .skill("summarize"),
        ])
        let ok = CapabilityRequest(permission: "llm", skill: "summarize", chainDepth: 2, workflowRun: "run-1")
        let verified = try verifier.verify(token, for: ok)
        #expect(verified.request == ok)

        func reason(_ request: CapabilityRequest, verifier: CapabilityVerifier? = nil) -> String {
            do {
                _ = try (verifier ?? self.verifier).verify(token, for: request)
                return "authorized"
            } catch {
                #expect(error.code == .caveatNotSatisfied)
                return error.reason
            }
        }
        var r = ok
        r.permission = "shell"
        #expect(reason(r).contains("caveat 1"))
        r = ok
        r.chainDepth = 3
        #expect(reason(r).contains("caveat 2"))
        #expect(reason(ok, verifier: CapabilityVerifier(keyRing: Self.ring, clock: .fixed(Self.now.addingTimeInterval(60)))).contains("caveat 3"))
        r = ok
        r.workflowRun = nil
        #expect(reason(r).contains("caveat 4"))
        r = ok
        r.skill = "other"
        #expect(reason(r).contains("caveat 5"))
    }

    @Test("Tokens round-trip through every format and verify from each")
    func formats() throws {
        let token = CapabilityToken.mint(keyRing: Self.ring, caveats: [.permissions(["web_read"])])
        for format in [Macaroon.Format.v2, .v1, .v2JSON, .v1JSON] {
            let decoded = try CapabilityToken(decoding: token.serialized(format))
            #expect(decoded == token)
            _ = try verifier.verify(decoded, for: CapabilityRequest(permission: "web_read"))
        }
    }

    @Test("Attenuation narrows and never widens")
    func attenuation() throws {
        let parent = CapabilityToken.mint(keyRing: Self.ring, caveats: [.permissions(["web_read", "llm"])])
        let child = parent.attenuated(.permissions(["llm"]), .maximumChainDepth(0))
        _ = try verifier.verify(child, for: CapabilityRequest(permission: "llm"))
        #expect(throws: ClawSecurityError.caveatNotSatisfied) { try verifier.verify(child, for: CapabilityRequest(permission: "web_read")) }
        // Adding a permission the parent lacks grants nothing.
        let widened = parent.attenuated(.permissions(["shell"]))
        #expect(throws: ClawSecurityError.caveatNotSatisfied) { try verifier.verify(widened, for: CapabilityRequest(permission: "shell")) }
    }

    @Test("Unknown caveats fail closed, foreign keys and edits fail the signature")
    func failClosed() throws {
        let token = CapabilityToken.mint(keyRing: Self.ring, caveats: [.permissions(["web_read"])])
        let odd = CapabilityToken(macaroon: token.macaroon.addingFirstPartyCaveat(Array("account = 1".utf8)))
        #expect(throws: ClawSecurityError.caveatNotSatisfied) { try verifier.verify(odd, for: CapabilityRequest(permission: "web_read")) }
        let other = CapabilityVerifier(keyRing: try KeyRing(secretKeyBase: String(repeating: "z", count: 40)))
        #expect(throws: ClawSecurityError.tokenSignatureInvalid) { try other.verify(token, for: CapabilityRequest(permission: "web_read")) }
        let raw = CapabilityToken.mint(rootKey: Array("raw".utf8), caveats: [.permissions(["web_read"])])
        #expect(throws: ClawSecurityError.tokenSignatureInvalid) { try verifier.verify(raw, for: CapabilityRequest(permission: "web_read")) }
        _ = try CapabilityVerifier(rootKey: Array("raw".utf8)).verify(raw, for: CapabilityRequest(permission: "web_read"))
        // Dropping the caveat keeps the signature of the longer chain: it fails.
        let stripped = Macaroon(unverifiedLocation: token.macaroon.location, identifier: token.macaroon.identifier,
                                caveats: [], signature: token.macaroon.signature)
        #expect(throws: ClawSecurityError.tokenSignatureInvalid) {
            try verifier.verify(CapabilityToken(macaroon: stripped), for: CapabilityRequest(permission: "anything"))
        }
    }

    @Test("Tokens minted before a rotation verify after it")
    func rotation() throws {
        let old = try KeyRing(secretKeyBase: String(repeating: "o", count: 40))
        let token = CapabilityToken.mint(keyRing: old, caveats: [.permissions(["llm"])])
        let rotated = try KeyRing(secretKeyBase: String(repeating: "n", count: 40), previous: [String(repeating: "o", count: 40)])
        _ = try CapabilityVerifier(keyRing: rotated).verify(token, for: CapabilityRequest(permission: "llm"))
    }

    @Test("Malformed tokens give typed errors", arguments: [
        "", "!!!!", "AA", "AgE", "{}", "{\"i\": \"x\"}", "{\"i\": \"x\", \"s64\": \"AAAA\"}", "[1]", "MDAwMA",
        String(repeating: "A", count: 70_000),
    ])
    func malformed(text: String) {
        #expect(throws: ClawSecurityError.malformedToken) { try CapabilityToken(decoding: text) }
    }

    @Test("RFC 3339 parsing is strict and agrees with Foundation")
    func rfc3339() throws {
        let formatter = ISO8601DateFormatter()
        for text in ["2026-11-26T08:00:00Z", "1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2099-12-31T00:00:00Z"] {
            #expect(RFC3339.parse(text) == formatter.date(from: text), "\(text)")
            #expect(RFC3339.format(try #require(RFC3339.parse(text))) == text)
        }
        #expect(RFC3339.parse("2026-11-26T09:00:00+01:00") == RFC3339.parse("2026-11-26T08:00:00Z"))
        #expect(RFC3339.parse("2026-11-26T08:00:00.250Z")?.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) == 0.25)
        for bad in ["2026-11-26", "2026-11-26T08:00:00", "2026-13-01T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T08:00:00+1:00", "2026-11-26 08:00:00Z", "2026-11-26T08:00:00Zx"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite("Capability tokens with third-party caveats")
struct ThirdPartyCapabilityTests {
    @Test("A token that requires a discharge verifies only with it, bound, and with its caveats holding")
    func discharge() throws {
        let root = Array("root key for third-party capability test".utf8)
        let shared = Array("key shared with the approver".utf8)
        let verifier = CapabilityVerifier(rootKey: root)
        let token = try CapabilityToken.mint(rootKey: root, caveats: [.permissions(["shell"])])
            .requiringDischarge(key: shared, identifier: "approve:run-9", location: "https://approver.example")
        let request = CapabilityRequest(permission: "shell", workflowRun: "run-9")
        let discharge = Macaroon.discharge(key: shared, identifier: Array("approve:run-9".utf8), location: "https://approver.example")
            .addingFirstPartyCaveat(Array("workflow_run = run-9".utf8))
        _ = try verifier.verify(token, for: request, discharges: [discharge.bound(to: token.macaroon)])
        #expect(throws: ClawSecurityError.dischargeMissing) { try verifier.verify(token, for: request) }
        #expect(throws: ClawSecurityError.tokenSignatureInvalid) { try verifier.verify(token, for: request, discharges: [discharge]) }
        var other = request
        other.workflowRun = "run-10"
        #expect(throws: ClawSecurityError.caveatNotSatisfied) {
            try verifier.verify(token, for: other, discharges: [discharge.bound(to: token.macaroon)])
        }
        let forged = Macaroon.discharge(key: Array("wrong key".utf8), identifier: Array("approve:run-9".utf8), location: "x")
        #expect(throws: ClawSecurityError.tokenSignatureInvalid) {
            try verifier.verify(token, for: request, discharges: [forged.bound(to: token.macaroon)])
        }
        #expect(token.caveatTexts.last == "third-party: approve:run-9 @ https://approver.example")
    }
}

@Suite("Macaroon decoding limits")
struct MacaroonLimitTests {
    @Test("Every format enforces the field limit on decoded bytes, so a token accepted in one re-encodes to all")
    func uniformFieldLimit() throws {
        let long = String(repeating: "\u{FFFD}", count: 1500)  // 4,500 UTF-8 bytes, 1,500 characters
        let asV2JSON = #"{"i": "x", "l": "\#(long)", "s64": "\#(String(repeating: "A", count: 43))"}"#
        #expect(throws: ClawSecurityError.malformedToken) { try Macaroon(decoding: asV2JSON) }
        let caveat = #"{"i": "x", "c": [{"i": "\#(long)"}], "s64": "\#(String(repeating: "A", count: 43))"}"#
        #expect(throws: ClawSecurityError.malformedToken) { try Macaroon(decoding: caveat) }
        let ok = Macaroon(rootKey: [1], identifier: Array("x".utf8), location: String(repeating: "é", count: 2000))
        for format in [Macaroon.Format.v2, .v1, .v2JSON, .v1JSON] {
            #expect(try Macaroon(decoding: ok.serialized(format)) == ok)
        }
    }
}

@Suite("Token text handling")
struct TokenTextTests {
    @Test("Pasted tokens with surrounding white space decode; inner white space does not")
    func whitespace() throws {
        let token = CapabilityToken.mint(rootKey: Array("k".utf8), caveats: [.permissions(["llm"])])
        let text = token.serialized()
        for padded in ["  \(text)\n", "\t\(text)\r\n", "\n\n\(text)", text] {
            #expect(try CapabilityToken(decoding: padded) == token)
        }
        #expect(throws: ClawSecurityError.malformedToken) { try CapabilityToken(decoding: "   \n ") }
        let middle = text.index(text.startIndex, offsetBy: 10)
        #expect(throws: ClawSecurityError.malformedToken) { try CapabilityToken(decoding: String(text[..<middle]) + " " + String(text[middle...])) }
    }
}
