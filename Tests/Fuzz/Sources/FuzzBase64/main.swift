// libFuzzer target: strict Base64 in both alphabets.
//
// For .standard and .urlSafe, never crashes and checks that
//   - encode writes encodedCount characters and decode(encode(x)) == x for the input bytes x;
//   - whenever decode(s) succeeds for the input text s, encode(decode(s)) == s (one spelling per value);
//   - decoding a non-contiguous collection agrees with decoding the contiguous bytes.

import CFuzzerDriver
import ClawSecurity

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Called by libFuzzer once per input.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for (label, alphabet) in [("standard", Base64.Alphabet.standard), ("urlSafe", .urlSafe)] {
        let encoded = Base64.encode(bytes, alphabet: alphabet)
        guard encoded.utf8.count == Base64.encodedCount(bytes.count, alphabet: alphabet) else {
            fatalError("Base64.encode (\(label)) wrote a length encodedCount does not predict")
        }
        guard Base64.decode(Array(encoded.utf8), alphabet: alphabet) == bytes else {
            fatalError("Base64 round trip decode(encode(x)) failed (\(label))")
        }

        let decoded = Base64.decode(bytes, alphabet: alphabet)
        guard Base64.decode(bytes.lazy.map { $0 }, alphabet: alphabet) == decoded else {
            fatalError("Base64.decode (\(label)) disagrees between contiguous and non-contiguous input")
        }
        if let decoded {
            guard Array(Base64.encode(decoded, alphabet: alphabet).utf8) == bytes else {
                fatalError("Base64.decode (\(label)) accepted a non-canonical spelling")
            }
        }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
