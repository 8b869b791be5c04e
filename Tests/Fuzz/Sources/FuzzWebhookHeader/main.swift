// libFuzzer target: WebhookSignature.parseHeader and verify on arbitrary headers and bodies.
//
// Never crashes, and checks that
//   - a header parseHeader accepts yields exactly 32 bytes, and re-spelling them in lower-case hex gives
//     the lower-cased header back;
//   - verify(body: input bytes, header: input as text) succeeds only if the header is, up to hex case,
//     the signature sign() computes for those bytes;
//   - sign(body) always verifies for that body and parses to 32 bytes.

import CFuzzerDriver
import ClawSecurity
import Foundation

enum Fixture {
    static let verifier = WebhookSignature(secret: "s")
}

func lowerHex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

func asciiLowercased(_ text: String) -> String {
    String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
}

/// Called by libFuzzer once per input.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let header = String(decoding: body, as: UTF8.self)

    if let signature = try? WebhookSignature.parseHeader(header) {
        guard signature.count == 32 else { fatalError("parseHeader returned \(signature.count) bytes") }
        guard "sha256=" + lowerHex(signature) == asciiLowercased(header) else {
            fatalError("parseHeader accepted a header that does not spell its bytes")
        }
    }

    let signed: String
    do throws(ClawSecurityError) {
        signed = try Fixture.verifier.sign(body)
        try Fixture.verifier.verify(body: body, header: signed)
    } catch {
        fatalError("a body's own signature did not verify: \(error)")
    }
    guard (try? WebhookSignature.parseHeader(signed))?.count == 32 else {
        fatalError("sign() wrote a header parseHeader rejects")
    }

    if (try? Fixture.verifier.verify(body: body, header: header)) != nil, asciiLowercased(header) != signed {
        fatalError("verify accepted a header that is not the body's signature")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
