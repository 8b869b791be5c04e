import ClawSecurity
import Crypto
import Foundation
import Testing

@testable import ClawSecurity

struct CryptoVectors: Decodable {
    struct KeySet: Decodable {
        let secret_utf8: String
        let info: String
        let derived_key_hex: String
        let vectors: [Vector]
        let negative: [Negative]?
    }
    struct Vector: Decodable {
        let name: String
        let plaintext_hex: String
        let iv_hex: String
        let enc: String
    }
    struct Negative: Decodable {
        let name: String
        let enc: String
        let must_fail: Bool
    }
    let key_sets: [KeySet]
}

struct TOTPVectors: Decodable {
    struct Vector: Decodable {
        let algorithm: String
        let digits: Int
        let period: Int
        let secret_hex: String
        let secret_base32: String?
        let unix_time: Int
        let otp: String
        let prev_step_otp: String?
        let next_step_otp: String?
        let provisioning_uri: String?
    }
    let rfc6238: [Vector]
    let pyotp_generated: [Vector]
}

@Suite("Vectors made with Python cryptography and pyotp")
struct PeerVectorTests {
    let crypto: CryptoVectors
    let totp: TOTPVectors

    init() throws {
        crypto = try Fixtures.json("vectors/peers/crypto.json")
        totp = try Fixtures.json("vectors/peers/totp.json")
    }

    @Test("KeyRing derives the same keys as Python's HKDF for both labels")
    func derivedKeys() throws {
        #expect(crypto.key_sets.count == 2)
        for set in crypto.key_sets {
            let ring = try KeyRing(secretKeyBase: set.secret_utf8)
            let key = ring.key(for: KeyPurpose(set.info))
            #expect(key.withUnsafeBytes { Array($0) } == bytes(hex: set.derived_key_hex), "\(set.info)")
        }
    }

    @Test("AlexClaw enc: values made by Python open with SecretBox, and sealing reproduces them byte for byte")
    func alexClawValues() throws {
        let set = try #require(crypto.key_sets.first { $0.info == KeyPurpose.alexClawConfig.label })
        let box = SecretBox(keyRing: try KeyRing(secretKeyBase: set.secret_utf8))
        #expect(set.vectors.count == 10)
        for vector in set.vectors {
            #expect(try box.open(vector.enc, name: "any") == bytes(hex: vector.plaintext_hex), "\(vector.name)")
            #expect(box.sealAlexClaw(bytes(hex: vector.plaintext_hex), nonce: bytes(hex: vector.iv_hex)) == vector.enc)
        }
    }

    @Test("The claw-config key set's enc: values open under the configEncryption key")
    func clawKeyValues() throws {
        let set = try #require(crypto.key_sets.first { $0.info == KeyPurpose.configEncryption.label })
        let ring = try KeyRing(secretKeyBase: set.secret_utf8)
        let cipher = AESGCM256(key: ring.key(for: .configEncryption))
        for vector in set.vectors {
            let raw = try #require(Base64.decode(vector.enc.utf8.dropFirst(4)))
            let opened = cipher.open(Array(raw[12...]), nonce: Array(raw[..<12]))
            #expect(opened == bytes(hex: vector.plaintext_hex), "\(vector.name)")
        }
    }

    @Test("Values Python marks as must-fail are rejected with a typed error")
    func negativeValues() throws {
        let set = try #require(crypto.key_sets.first { $0.negative != nil })
        let ring = try KeyRing(secretKeyBase: set.secret_utf8)
        // Open them both as AlexClaw values under the same secret, and with the key they were made for.
        let box = SecretBox(keyRing: ring)
        let cipher = AESGCM256(key: ring.key(for: KeyPurpose(set.info)))
        for negative in try #require(set.negative) {
            #expect(negative.must_fail)
            #expect(throws: ClawSecurityError.self, "\(negative.name)") { try box.open(negative.enc, name: "x") }
            if let raw = Base64.decode(negative.enc.utf8.dropFirst(4)), raw.count >= 28 {
                #expect(cipher.open(Array(raw[12...]), nonce: Array(raw[..<12])) == nil, "\(negative.name)")
            }
        }
        #expect(throws: ClawSecurityError.malformedValue) { try box.open("enc:@@not base64@@", name: "x") }
        #expect(throws: ClawSecurityError.truncatedValue) {
            try box.open("enc:AAECAwQFBgcICQoLpOxs7nQm4aPDy98+Iq3J", name: "x")
        }
    }

    @Test("RFC 6238 Appendix B codes")
    func rfc6238() throws {
        #expect(totp.rfc6238.count == 18)
        for vector in totp.rfc6238 {
            let configuration = TOTP.Configuration(
                algorithm: try #require(TOTP.Algorithm(name: vector.algorithm)), digits: vector.digits,
                period: vector.period)
            let generator = try TOTP(secret: bytes(hex: vector.secret_hex), configuration: configuration)
            let at = Date(timeIntervalSince1970: TimeInterval(vector.unix_time))
            #expect(generator.code(at: at) == vector.otp, "\(vector.algorithm) @ \(vector.unix_time)")
            #expect(generator.match(vector.otp, at: at) == generator.step(at: at))
        }
    }

    @Test("pyotp codes, neighbouring steps and provisioning URIs")
    func pyotpGenerated() throws {
        #expect(totp.pyotp_generated.count == 20)
        for vector in totp.pyotp_generated {
            let configuration = TOTP.Configuration(
                algorithm: try #require(TOTP.Algorithm(name: vector.algorithm)), digits: vector.digits,
                period: vector.period)
            let base32 = try #require(vector.secret_base32)
            let generator = try TOTP(base32Secret: base32, configuration: configuration)
            let at = Date(timeIntervalSince1970: TimeInterval(vector.unix_time))
            #expect(generator.code(at: at) == vector.otp)
            let step = generator.step(at: at)
            // pyotp gives no previous code where the previous step would be negative.
            if let previous = vector.prev_step_otp {
                #expect(generator.match(previous, at: at) == step - 1)
            } else {
                #expect(step == 0)
            }
            #expect(generator.match(try #require(vector.next_step_otp), at: at) == step + 1)
            #expect(generator.match(vector.otp, at: at.addingTimeInterval(TimeInterval(2 * vector.period))) == nil)

            // pyotp keeps Base32 padding (%3D) in the URI; Claw writes the unpadded form apps expect.
            let pyotpURI = try #require(vector.provisioning_uri)
            let expected = pyotpURI.replacingOccurrences(of: "%3D", with: "")
            let account = try #require(pyotpURI.split(separator: ":")[2].split(separator: "?").first)
                .replacingOccurrences(of: "%40", with: "@")
            #expect(OTPAuthURI(totp: generator, issuer: "Claw", account: account).string == expected)
            let parsed = try OTPAuthURI(parsing: pyotpURI)
            #expect(parsed.account == account)
            #expect(parsed.issuer == "Claw")
            #expect(parsed.totp.configuration == configuration)
            #expect(parsed.totp.code(at: at) == vector.otp)
        }
    }
}
