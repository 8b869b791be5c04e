import ClawSecurity
import Foundation
import PropertyBased
import Testing

/// Invariants of sealed values, checked on random plaintexts, names and edits.
@Suite("SecretBox properties")
struct SecretBoxProperties {
    static let box = SecretBox(keyRing: try! KeyRing(
        secretKeyBase: "property-test-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz"))

    static let plaintexts = Gen.uint8().array(of: 0...600)
    static let names = Gen.letterOrNumber.string(of: 0...24)

    @Test("Any plaintext and name round-trip, in both layouts")
    func roundTrip() async {
        await propertyCheck(count: 300, input: Self.plaintexts, Self.names) { plaintext, name in
            let sealed = try Self.box.seal(plaintext, name: name)
            #expect(try Self.box.open(sealed, name: name) == plaintext)
            let legacy = try Self.box.sealAlexClaw(plaintext)
            #expect(try Self.box.open(legacy, name: name) == plaintext)
        }
    }

    @Test("Flipping any bit of a sealed value's bytes makes open fail")
    func bitFlips() async {
        await propertyCheck(
            count: 300, input: Self.plaintexts, Gen.int(in: 0...Int.max), Gen.int(in: 0...7), Gen.bool
        ) { plaintext, position, bit, legacy in
            let sealed = legacy ? try Self.box.sealAlexClaw(plaintext) : try Self.box.seal(plaintext, name: "n")
            let prefixCount = legacy ? 4 : 17  // "enc:" or "claw:v1:<8 hex>:"
            let alphabet: Base64.Alphabet = legacy ? .standard : .urlSafe
            var raw = try #require(Base64.decode(sealed.utf8.dropFirst(prefixCount), alphabet: alphabet))
            raw[position % raw.count] ^= UInt8(1 << bit)
            let edited = String(sealed.prefix(prefixCount)) + Base64.encode(raw, alphabet: alphabet)
            #expect(throws: ClawSecurityError.authenticationFailed) { try Self.box.open(edited, name: "n") }
        }
    }

    @Test("Changing any character of a sealed value makes open fail")
    func characterEdits() async {
        await propertyCheck(count: 300, input: Self.plaintexts, Gen.int(in: 0...Int.max), Gen.uint8(in: 33...126)) {
            plaintext, position, replacement in
            let sealed = try Self.box.seal(plaintext, name: "n")
            var utf8 = Array(sealed.utf8)
            let index = position % utf8.count
            guard utf8[index] != replacement else { return }
            utf8[index] = replacement
            #expect(throws: ClawSecurityError.self) {
                try Self.box.open(String(decoding: utf8, as: UTF8.self), name: "n")
            }
        }
    }

    @Test("A value sealed under one name never opens under another")
    func nameBinding() async {
        await propertyCheck(count: 300, input: Self.plaintexts, Self.names, Self.names) { plaintext, name, other in
            guard name != other else { return }
            let sealed = try Self.box.seal(plaintext, name: name)
            #expect(throws: ClawSecurityError.authenticationFailed) { try Self.box.open(sealed, name: other) }
        }
    }
}

/// Invariants of the encoders that sit in front of the cryptography.
@Suite("Encoding properties")
struct EncodingProperties {
    @Test("Base32 round-trips any bytes, padded or not, in any case")
    func base32() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...80), Gen.bool) { bytes, padded throws in
            let text = Base32.encode(bytes, padded: padded)
            #expect(try Base32.decode(text) == bytes)
            #expect(try Base32.decode(text.lowercased()) == bytes)
        }
    }

    @Test("Base64 round-trips any bytes in both alphabets, and re-encodes what it decodes")
    func base64() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...80)) { bytes in
            for alphabet in [Base64.Alphabet.standard, .urlSafe] {
                let text = Base64.encode(bytes, alphabet: alphabet)
                #expect(Base64.decode(text.utf8, alphabet: alphabet) == bytes)
                #expect(text.utf8.count == Base64.encodedCount(bytes.count, alphabet: alphabet))
            }
        }
    }

    @Test("Base64 decoding accepts only canonical text")
    func base64Canonical() async {
        await propertyCheck(count: 500, input: Gen.uint8(in: 0...127).array(of: 0...24)) { ascii in
            let text = String(decoding: ascii, as: UTF8.self)
            for alphabet in [Base64.Alphabet.standard, .urlSafe] {
                if let decoded = Base64.decode(text.utf8, alphabet: alphabet) {
                    #expect(Base64.encode(decoded, alphabet: alphabet) == text)
                }
            }
        }
    }
}
