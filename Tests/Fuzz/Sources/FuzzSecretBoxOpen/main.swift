// libFuzzer target: SecretBox.open on arbitrary stored values.
//
// Never crashes on any input (thrown errors are fine), and checks that
//   - open succeeds only for values classify calls sealed, and reports plaintextValue exactly for the rest;
//   - an opened claw: value re-seals and re-opens to the same plaintext, and does not open under another name;
//   - an opened enc: value re-seals (AlexClaw layout) and re-opens to the same plaintext.
// Two boxes are tried: one holding only the test SECRET_KEY_BASE, and one that rotated to a new secret and
// keeps the test secret as its previous one, so seeds sealed by `claw config encrypt` open in both.

import CFuzzerDriver
import ClawSecurity

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum Fixture {
    /// The SECRET_KEY_BASE the seed corpus was sealed with (`scripts/fuzz` documents how to regenerate it).
    static let secretKeyBase = "claw-fuzz-SECRET_KEY_BASE-0123456789abcdefghijklmnopqrstuvwxyzAB"
    /// The secret the rotated key ring uses as current.
    static let rotatedSecretKeyBase = "claw-fuzz-ROTATED_KEY_BASE-0123456789abcdefghijklmnopqrstuvwxyzA"
    static let name = "fuzz"
    static let otherName = "fuzz-other"

    /// Built once, not per input.
    static let boxes: [SecretBox] = {
        do {
            return [
                SecretBox(keyRing: try KeyRing(secretKeyBase: secretKeyBase)),
                SecretBox(keyRing: try KeyRing(secretKeyBase: rotatedSecretKeyBase, previous: [secretKeyBase])),
            ]
        } catch {
            fatalError("cannot build the fuzz key rings: \(error)")
        }
    }()
}

func check(_ box: SecretBox, _ value: String, kind: SecretBox.Kind) {
    let opened: [UInt8]
    do throws(ClawSecurityError) {
        opened = try box.open(value, name: Fixture.name)
    } catch {
        // Any error is fine, but plaintextValue must mean exactly "no prefix".
        if (error.code == .plaintextValue) != (kind == .plaintext) {
            fatalError("open threw \(error.code) for a value classified as \(kind)")
        }
        return
    }
    switch kind {
    case .plaintext:
        fatalError("open succeeded on a value classified as plaintext")
    case .claw:
        do throws(ClawSecurityError) {
            let resealed = try box.seal(opened, name: Fixture.name)
            guard SecretBox.classify(resealed) == .claw else { fatalError("seal wrote a non-claw value") }
            guard try box.open(resealed, name: Fixture.name) == opened else {
                fatalError("re-sealed claw value opened to a different plaintext")
            }
        } catch {
            fatalError("re-sealing an opened claw value failed: \(error)")
        }
        if (try? box.open(value, name: Fixture.otherName)) != nil {
            fatalError("a claw value opened under a name it was not sealed with")
        }
    case .alexClaw:
        do throws(ClawSecurityError) {
            let resealed = try box.sealAlexClaw(opened)
            guard SecretBox.classify(resealed) == .alexClaw else { fatalError("sealAlexClaw wrote a non-enc value") }
            guard try box.open(resealed, name: Fixture.name) == opened else {
                fatalError("re-sealed enc value opened to a different plaintext")
            }
        } catch {
            fatalError("re-sealing an opened enc value failed: \(error)")
        }
    }
}

/// Called by libFuzzer once per input.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let value = String(decoding: bytes, as: UTF8.self)
    let kind = SecretBox.classify(value)
    for box in Fixture.boxes {
        check(box, value, kind: kind)
    }
    return 0
}

_ = Fixture.boxes  // derive the keys before libFuzzer starts timing inputs
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
