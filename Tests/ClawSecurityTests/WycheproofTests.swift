import ClawSecurity
import Crypto
import Foundation
import Testing

@testable import ClawSecurity

/// Wycheproof's schema, the parts these tests read.
struct WycheproofFile<Test: Decodable>: Decodable {
    struct Group: Decodable {
        let keySize: Int?
        let ivSize: Int?
        let tagSize: Int?
        let tests: [Test]
    }
    let numberOfTests: Int
    let testGroups: [Group]
}

struct AEADCase: Decodable {
    let tcId: Int
    let key, iv, aad, msg, ct, tag: String
    let result: String
}

struct HKDFCase: Decodable {
    let tcId: Int
    let ikm, salt, info, okm: String
    let size: Int
    let result: String
}

struct MACCase: Decodable {
    let tcId: Int
    let key, msg, tag: String
    let result: String
}

@Suite("Wycheproof known answers")
struct WycheproofTests {
    @Test("Every AES-256-GCM case with a 96-bit IV gives the expected result", arguments: AESGCM256.Backend.allCases)
    func aesGCM(backend: AESGCM256.Backend) throws {
        let file = try Fixtures.json("vectors/wycheproof/aes_gcm_test.json", as: WycheproofFile<AEADCase>.self)
        var valid = 0
        var invalid = 0
        for group in file.testGroups where group.keySize == 256 && group.ivSize == 96 && group.tagSize == 128 {
            for test in group.tests {
                let cipher = AESGCM256(key: SymmetricKey(data: bytes(hex: test.key)), backend: backend)
                let nonce = bytes(hex: test.iv)
                let aad = bytes(hex: test.aad)
                let sealed = bytes(hex: test.ct) + bytes(hex: test.tag)
                let opened = cipher.open(sealed, nonce: nonce, aad: aad)
                if test.result == "valid" {
                    #expect(opened == bytes(hex: test.msg), "tcId \(test.tcId)")
                    #expect(cipher.seal(bytes(hex: test.msg), nonce: nonce, aad: aad) == sealed, "tcId \(test.tcId)")
                    valid += 1
                } else {
                    #expect(opened == nil, "tcId \(test.tcId) must be rejected")
                    invalid += 1
                }
            }
        }
        // The file has 66 such cases; a filter that matched nothing would prove nothing.
        #expect(valid + invalid >= 60)
        #expect(invalid > 0)
    }

    @Test("Every HKDF-SHA256 case gives the expected result", arguments: AESGCM256.Backend.allCases)
    func hkdf(backend: AESGCM256.Backend) throws {
        let file = try Fixtures.json("vectors/wycheproof/hkdf_sha256_test.json", as: WycheproofFile<HKDFCase>.self)
        var count = 0
        for group in file.testGroups {
            for test in group.tests {
                let okm = HKDFSHA256.derive(
                    ikm: SymmetricKey(data: bytes(hex: test.ikm)), salt: bytes(hex: test.salt),
                    info: bytes(hex: test.info), count: test.size, backend: backend)
                if test.result == "valid" {
                    #expect(okm == bytes(hex: test.okm), "tcId \(test.tcId)")
                } else {
                    #expect(okm == nil, "tcId \(test.tcId) must be rejected")
                }
                count += 1
            }
        }
        #expect(count == file.numberOfTests)
    }

    @Test("Every HMAC-SHA256 case gives the expected tag from the HMAC primitive", arguments: AESGCM256.Backend.allCases)
    func hmacPrimitive(backend: AESGCM256.Backend) throws {
        let file = try Fixtures.json("vectors/wycheproof/hmac_sha256_test.json", as: WycheproofFile<MACCase>.self)
        var count = 0
        for group in file.testGroups {
            let tagBytes = (group.tagSize ?? 256) / 8
            for test in group.tests {
                let mac = HMACSHA256.authenticate(key: bytes(hex: test.key), message: bytes(hex: test.msg), backend: backend)
                let matches = ConstantTime.equalFixedSize(Array(mac.prefix(tagBytes)), bytes(hex: test.tag))
                #expect(matches == (test.result == "valid"), "tcId \(test.tcId)")
                count += 1
            }
        }
        #expect(count == file.numberOfTests)
    }

    @Test("Every HMAC-SHA256 case with a full 256-bit tag verifies as expected through WebhookSignature")
    func hmacThroughWebhookSignature() throws {
        let file = try Fixtures.json("vectors/wycheproof/hmac_sha256_test.json", as: WycheproofFile<MACCase>.self)
        var count = 0
        for group in file.testGroups where group.tagSize == 256 {
            for test in group.tests {
                let key = bytes(hex: test.key)
                let verifier = WebhookSignature(secretBytes: key)
                let header = "sha256=" + test.tag
                let accepted = (try? verifier.verify(body: bytes(hex: test.msg), header: header)) != nil
                if key.isEmpty {
                    // An empty key means "no secret configured", which Claw always rejects.
                    #expect(!accepted, "tcId \(test.tcId)")
                } else {
                    #expect(accepted == (test.result == "valid"), "tcId \(test.tcId)")
                    if test.result == "valid" {
                        #expect(try verifier.sign(bytes(hex: test.msg)) == header, "tcId \(test.tcId)")
                    }
                }
                count += 1
            }
        }
        #expect(count > 50)
    }
}
