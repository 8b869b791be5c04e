// libFuzzer target: the macaroon decoders (V2 and V1 binary, V2 and V1 JSON, base64 detection).
//
// Never crashes, and checks that
//   - bytes decoded as binary re-encode in the same format to a token that decodes to the same macaroon;
//   - every macaroon decoded re-serializes in all four formats and each decodes back to it;
//   - a decoded token never verifies under the fuzz key unless its signature is the genuine one
//     (checked by minting the same identifier and caveats and comparing).

import CFuzzerDriver
import ClawSecurity
import Foundation

enum Fixture {
    static let rootKey = Array("fuzz-root-key-0123456789abcdef".utf8)
}

func roundTrips(_ macaroon: Macaroon) {
    for format in [Macaroon.Format.v2, .v1, .v2JSON, .v1JSON] {
        let text = macaroon.serialized(format)
        // The size limit applies to the text as given; another format may be longer.
        if text.utf8.count > Macaroon.Limits().maximumTokenBytes { continue }
        // V1 JSON and V1 binary carry text fields; non-UTF-8 identifiers cannot round-trip there.
        let textual = macaroon.identifierText != nil && macaroon.caveats.allSatisfy { $0.text != nil }
        if (format == .v1JSON || format == .v1) && !textual { continue }
        if format == .v1 && macaroon.caveats.contains(where: { $0.identifier.contains(UInt8(ascii: "\n")) }) { continue }
        if format == .v1 && macaroon.identifier.contains(UInt8(ascii: "\n")) { continue }
        if format == .v1 && macaroon.location.utf8.contains(UInt8(ascii: "\n")) { continue }
        guard let again = try? Macaroon(decoding: text) else {
            fatalError("a decoded macaroon does not decode after serializing as \(format)")
        }
        guard again == macaroon else { fatalError("\(format) round trip changed the macaroon") }
    }
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let macaroon = try? Macaroon(binary: bytes) {
        roundTrips(macaroon)
    }
    if let macaroon = try? Macaroon(decoding: String(decoding: bytes, as: UTF8.self)) {
        roundTrips(macaroon)
        var genuine = Macaroon(rootKey: Fixture.rootKey, identifier: macaroon.identifier, location: macaroon.location)
        for caveat in macaroon.caveats where !caveat.isThirdParty {
            genuine = genuine.addingFirstPartyCaveat(caveat.identifier)
        }
        let verified = (try? macaroon.verify(rootKey: Fixture.rootKey, satisfying: { _ in nil })) != nil
        if verified, genuine.signature != macaroon.signature {
            fatalError("a token verified whose signature is not the genuine one")
        }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
