// libFuzzer target: Claw's strict IP address parser and the SSRF guard.
//
// Never crashes; a parsed address's canonical text parses back to it and is itself canonical; an accepted
// IPv4 text is already canonical (there are no alternative spellings); and whatever Claw accepts, the C
// library's inet_pton (which NIO and AsyncHTTPClient use) reads as the same bytes, so the address that is
// checked is the address that is connected to. Allow-list entries round-trip through their text too.

import CFuzzerDriver
import ClawSecurity
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let defaultGuard = NetworkAddressGuard()

func systemBytes(_ text: String, family: Int32) -> [UInt8]? {
    var storage = [UInt8](repeating: 0, count: 16)
    let status = storage.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
    guard status == 1 else { return nil }
    return Array(storage.prefix(family == AF_INET ? 4 : 16))
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let address = IPAddress(parsing: text) {
        let canonical = address.description
        guard let again = IPAddress(parsing: canonical), again == address, again.description == canonical else {
            fatalError("an address's canonical text does not parse back to it")
        }
        guard IPAddress(bytes: address.bytes) == address else { fatalError("bytes do not round-trip") }
        if address.isIPv4 && canonical != text { fatalError("an IPv4 address was accepted in a non-canonical spelling") }
        guard !text.contains("\0"), systemBytes(text, family: address.isIPv4 ? AF_INET : AF_INET6) == address.bytes else {
            fatalError("inet_pton reads an accepted address differently")
        }
        _ = address.classification
        _ = address.embeddedIPv4
        if let embedded = address.embeddedIPv4, embedded.classification != address.classification {
            fatalError("an embedding is classified apart from its IPv4 address")
        }
    }
    _ = try? defaultGuard.check(host: text, resolved: [text])
    if let allowance = try? NetworkAllowance(parsing: text) {
        guard let again = try? NetworkAllowance(parsing: allowance.description), again == allowance else {
            fatalError("an allow-list entry's text does not parse back to it")
        }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
