// libFuzzer target: Base32.decode on arbitrary text.
//
// Never crashes, and whenever decoding succeeds:
//   - decode(encode(decoded)) == decoded, padded and unpadded;
//   - the input is the canonical encoding up to what decoding tolerates (ASCII case, spaces, hyphens,
//     trailing `=` padding): dropping those and upper-casing gives exactly encode(decoded);
//   - decoding a Substring gives the same result as decoding the String.

import CFuzzerDriver
import ClawSecurity

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The input with separators and padding removed and ASCII letters upper-cased.
func normalized(_ text: String) -> String {
    let kept = text.utf8.compactMap { c -> UInt8? in
        switch c {
        case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "="): nil
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - 0x20
        default: c
        }
    }
    return String(decoding: kept, as: UTF8.self)
}

/// Called by libFuzzer once per input.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let decoded: [UInt8]
    do throws(ClawSecurityError) {
        decoded = try Base32.decode(text)
    } catch {
        guard error.code == .invalidBase32 else { fatalError("Base32.decode threw \(error.code)") }
        if (try? Base32.decode(text.dropFirst(0))) != nil {
            fatalError("Base32.decode accepted a Substring it rejects as a String")
        }
        return 0
    }
    for padded in [false, true] {
        let encoded = Base32.encode(decoded, padded: padded)
        guard (try? Base32.decode(encoded)) == decoded else {
            fatalError("Base32 round trip failed (padded: \(padded))")
        }
    }
    guard normalized(text) == Base32.encode(decoded) else {
        fatalError("Base32.decode accepted a non-canonical spelling")
    }
    guard (try? Base32.decode(text[...])) == decoded else {
        fatalError("Base32.decode gave a Substring a different result")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
