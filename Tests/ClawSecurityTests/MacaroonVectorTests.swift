import ClawSecurity
import Foundation
import Testing

struct MacaroonVectors: Decodable {
    struct FirstParty: Decodable {
        let name: String
        let location: String
        let identifier: String
        let key: String
        let caveats: [String]
        let signature_hex: String
        let v1_binary_b64url: String
        let v1_binary_pymacaroons_malformed_b64url: String?
        let v1_json: String
        let v2_binary_b64url: String
        let v2_json: String
        let tampered_v2_binary_b64url: String
    }
    struct ThirdParty: Decodable {
        let name: String
        let root_key: String
        let third_party_key: String
        let secretbox_nonce_hex: String
        let root_binary_b64url: String
        let root_json: String
        let root_signature_hex: String
        let discharge_unbound_binary_b64url: String
        let discharge_bound_binary_b64url: String
        let discharge_bound_signature_hex: String
        let satisfy: [String]
    }
    let first_party: [FirstParty]
    let third_party: [ThirdParty]
}

/// pymacaroons' tokens verify in Claw, and Claw's tokens are byte-identical to pymacaroons'.
@Suite("Macaroon vectors made with pymacaroons")
struct MacaroonVectorTests {
    let vectors: MacaroonVectors = try! Fixtures.json("vectors/peers/macaroons.json")

    static func exact(_ allowed: [String]) -> (Macaroon.Caveat) -> String? {
        { caveat in allowed.contains(caveat.text ?? "") ? nil : "not in the allowed set" }
    }

    @Test("Minting with the same key, identifier and caveats gives pymacaroons' signature and encodings")
    func mint() throws {
        #expect(vectors.first_party.count == 10)
        for v in vectors.first_party {
            var m = Macaroon(rootKey: Array(v.key.utf8), identifier: Array(v.identifier.utf8), location: v.location)
            for caveat in v.caveats { m = m.addingFirstPartyCaveat(Array(caveat.utf8)) }
            #expect(Hex.encode(m.signature) == v.signature_hex, "\(v.name)")
            #expect(m.serialized(.v2) == v.v2_binary_b64url, "\(v.name)")
            #expect(m.serialized(.v1) == v.v1_binary_b64url, "\(v.name)")
            #expect(try JSONValue(parsing: m.serialized(.v2JSON)) == JSONValue(parsing: v.v2_json), "\(v.name)")
            #expect(try JSONValue(parsing: m.serialized(.v1JSON)) == JSONValue(parsing: v.v1_json), "\(v.name)")
        }
    }

    @Test("Every encoding of pymacaroons' tokens decodes to the same macaroon and verifies")
    func decodeAndVerify() throws {
        for v in vectors.first_party {
            let forms = [v.v2_binary_b64url, v.v1_binary_b64url, v.v2_json, v.v1_json]
            let decoded = try forms.map { try Macaroon(decoding: $0) }
            for m in decoded {
                #expect(m == decoded[0], "\(v.name)")
                #expect(m.location == v.location)
                #expect(m.caveats.compactMap(\.text) == v.caveats)
                try m.verify(rootKey: Array(v.key.utf8), satisfying: Self.exact(v.caveats))
            }
        }
    }

    @Test("Tampered tokens fail with a signature error; wrong keys too; an unmet caveat is named")
    func tampered() throws {
        for v in vectors.first_party {
            let tampered = try Macaroon(decoding: v.tampered_v2_binary_b64url)
            #expect(throws: ClawSecurityError.tokenSignatureInvalid, "\(v.name)") {
                try tampered.verify(rootKey: Array(v.key.utf8), satisfying: { _ in nil })
            }
            let genuine = try Macaroon(decoding: v.v2_binary_b64url)
            #expect(throws: ClawSecurityError.tokenSignatureInvalid) {
                try genuine.verify(rootKey: Array((v.key + "x").utf8), satisfying: { _ in nil })
            }
            if let last = v.caveats.last {
                do {
                    try genuine.verify(rootKey: Array(v.key.utf8), satisfying: Self.exact(v.caveats.filter { $0 != last }))
                    Issue.record("an unmet caveat passed in \(v.name)")
                } catch {
                    #expect(error.code == .caveatNotSatisfied)
                    #expect(error.reason.contains("caveat \(v.caveats.count)"))
                }
            }
        }
    }

    @Test("pymacaroons' malformed V1 output for non-ASCII text is rejected, not misread")
    func pymacaroonsMalformedV1() throws {
        let v = try #require(vectors.first_party.first { $0.v1_binary_pymacaroons_malformed_b64url != nil })
        let malformed = try #require(v.v1_binary_pymacaroons_malformed_b64url)
        #expect(throws: ClawSecurityError.self) {
            try Macaroon(decoding: malformed).verify(rootKey: Array(v.key.utf8), satisfying: Self.exact(v.caveats))
        }
    }

    @Test("Third-party caveats: pymacaroons' root and bound discharge verify; unbound or missing discharges fail")
    func thirdParty() throws {
        #expect(vectors.third_party.count == 2)
        for v in vectors.third_party {
            let root = try Macaroon(decoding: v.root_binary_b64url)
            #expect(try Macaroon(decoding: v.root_json) == root)
            #expect(Hex.encode(root.signature) == v.root_signature_hex)
            let bound = try Macaroon(decoding: v.discharge_bound_binary_b64url)
            let unbound = try Macaroon(decoding: v.discharge_unbound_binary_b64url)
            try root.verify(rootKey: Array(v.root_key.utf8), discharges: [bound], satisfying: Self.exact(v.satisfy))
            #expect(unbound.bound(to: root) == bound)
            #expect(throws: ClawSecurityError.tokenSignatureInvalid) {
                try root.verify(rootKey: Array(v.root_key.utf8), discharges: [unbound], satisfying: Self.exact(v.satisfy))
            }
            #expect(throws: ClawSecurityError.dischargeMissing) {
                try root.verify(rootKey: Array(v.root_key.utf8), discharges: [], satisfying: Self.exact(v.satisfy))
            }
            #expect(throws: ClawSecurityError.caveatNotSatisfied) {
                try root.verify(
                    rootKey: Array(v.root_key.utf8), discharges: [bound],
                    satisfying: Self.exact(v.satisfy.filter { $0 != "user = alice" }))
            }

            // Re-create the same tokens: the sealed vid must match PyNaCl's byte for byte.
            let first = root.caveats[0]
            let third = root.caveats[1]
            let minted = try Macaroon(rootKey: Array(v.root_key.utf8), identifier: root.identifier, location: root.location)
                .addingFirstPartyCaveat(first.identifier)
                .addingThirdPartyCaveat(
                    key: Array(v.third_party_key.utf8), identifier: third.identifier, location: try #require(third.location),
                    nonce: bytes(hex: v.secretbox_nonce_hex))
            #expect(minted == root)
            let discharge = Macaroon.discharge(key: Array(v.third_party_key.utf8), identifier: third.identifier, location: unbound.location)
                .addingFirstPartyCaveat(Array("user = alice".utf8))
            #expect(discharge == unbound)
            #expect(discharge.bound(to: minted).serialized(root.serialized(.v1) == v.root_binary_b64url ? .v1 : .v2)
                == v.discharge_bound_binary_b64url)
        }
    }
}

/// Writes tokens minted here for `scripts/interop/check_macaroons.py`, which verifies them with pymacaroons.
/// Runs its assertions always; writes the file when CLAW_INTEROP_DIR is set (scripts/test sets it).
@Suite("Macaroon interop file")
struct MacaroonInteropWriter {
    @Test("Tokens minted by Claw, with first- and third-party caveats, are written for pymacaroons")
    func write() throws {
        let rootKey = "claw interop root key"
        let thirdPartyKey = "claw interop third-party key"
        var cases: [JSONValue] = []
        let verifier = CapabilityVerifier(rootKey: Array(rootKey.utf8), clock: .fixed(Date(timeIntervalSince1970: 1_800_000_000)))
        for (index, caveats) in [
            [CaveatPredicate.permissions(["web_read"])],
            [.permissions(["web_read", "llm"]), .maximumChainDepth(2), .skill("summarize")],
            [.permissions(["llm"]), .expires(Date(timeIntervalSince1970: 4_000_000_000)), .workflowRun("run-7")],
        ].enumerated() {
            let token = CapabilityToken.mint(rootKey: Array(rootKey.utf8), identifier: "interop-\(index)", caveats: caveats)
            let request = CapabilityRequest(permission: caveats.first!.description.hasSuffix("llm") ? "llm" : "web_read",
                                            skill: "summarize", chainDepth: 1, workflowRun: "run-7")
            _ = try verifier.verify(token, for: request)
            cases.append(.object([
                "token_v2": .string(token.serialized(.v2)), "token_v1": .string(token.serialized(.v1)),
                "token_json": .string(token.serialized(.v2JSON)),
                "caveats": .array(caveats.map { .string($0.description) }),
            ]))
        }
        let root = try Macaroon(rootKey: Array(rootKey.utf8), identifier: Array("interop-tp".utf8), location: "claw")
            .addingFirstPartyCaveat(Array("permissions = web_read".utf8))
            .addingThirdPartyCaveat(key: Array(thirdPartyKey.utf8), identifier: Array("auth-42".utf8), location: "https://auth.example")
        let discharge = Macaroon.discharge(key: Array(thirdPartyKey.utf8), identifier: Array("auth-42".utf8), location: "https://auth.example")
            .addingFirstPartyCaveat(Array("user = alice".utf8))
        let bound = discharge.bound(to: root)
        try root.verify(rootKey: Array(rootKey.utf8), discharges: [bound]) { caveat in
            ["permissions = web_read", "user = alice"].contains(caveat.text ?? "") ? nil : "unexpected"
        }
        guard let directory = ProcessInfo.processInfo.environment["CLAW_INTEROP_DIR"] else { return }
        let document = JSONValue.object([
            "root_key": .string(rootKey), "first_party": .array(cases),
            "third_party": .object([
                "root": .string(root.serialized()), "discharge_bound": .string(bound.serialized()),
                "satisfy": .array([.string("permissions = web_read"), .string("user = alice")]),
            ]),
        ])
        let url = URL(fileURLWithPath: directory).appendingPathComponent("macaroons.json")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try document.canonicalText.write(to: url, atomically: true, encoding: .utf8)
    }
}
