import ClawSecurity
import PropertyBased
import Testing

/// Invariants of the strict IP parser and of the SSRF address guard, on random addresses.
@Suite("Network address properties")
struct NetworkAddressProperties {
    /// The IPv4 ranges refused by default: network, prefix length.
    static let refusedV4: [(UInt32, Int)] = [
        (0x7F00_0000, 8), (0x0000_0000, 8), (0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16), (0x6440_0000, 10),
        (0xA9FE_0000, 16), (0xE000_0000, 4), (0xF000_0000, 4), (0xC000_0000, 24), (0xC612_0000, 15),
    ]
    static let guardian = NetworkAddressGuard()

    static func member(of range: (UInt32, Int), bits: UInt32) -> IPAddress {
        let mask: UInt32 = range.1 == 0 ? 0 : ~UInt32(0) << (32 - range.1)
        return IPAddress(ipv4: range.0 & mask | bits & ~mask)
    }

    /// The IPv6 forms that carry an IPv4 address: mapped, translated, NAT64, 6to4, compatible.
    static func embeddings(of v4: UInt32) -> [IPAddress] {
        let value = UInt64(v4)
        var forms = [
            IPAddress(ipv6High: 0, low: 0xFFFF_0000_0000 | value),
            IPAddress(ipv6High: 0, low: 0xFFFF_0000_0000_0000 | value),
            IPAddress(ipv6High: 0x0064_FF9B_0000_0000, low: value),
            IPAddress(ipv6High: 0x2002_0000_0000_0000 | value << 16, low: 0x1234),
        ]
        if v4 > 1 { forms.append(IPAddress(ipv6High: 0, low: value)) }
        return forms
    }

    @Test("Every address of a refused IPv4 range is refused, and so are its mapped, NAT64, 6to4 and compatible forms")
    func refusedRanges() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0...(Self.refusedV4.count - 1)), Gen.uint32()) { index, bits in
            let address = Self.member(of: Self.refusedV4[index], bits: bits)
            #expect(address.classification != .global)
            #expect(throws: ClawSecurityError.refusedAddress) { try Self.guardian.check(host: "h.example", resolved: [address.description]) }
            for form in Self.embeddings(of: address.bytes.reduce(0) { $0 << 8 | UInt32($1) }) {
                #expect(form.embeddedIPv4 == address)
                #expect(throws: ClawSecurityError.refusedAddress, "\(form)") {
                    try Self.guardian.check(host: "h.example", resolved: [form.description])
                }
            }
        }
    }

    @Test("An embedded IPv4 address and its IPv6 forms always get the same verdict")
    func embeddedVerdicts() async {
        await propertyCheck(count: 400, input: Gen.uint32()) { value in
            let v4 = IPAddress(ipv4: value)
            for form in Self.embeddings(of: value) {
                #expect(form.classification == v4.classification, "\(form)")
            }
        }
    }

    @Test("IPv4 round trip: the canonical text parses back to the address")
    func roundTripV4() async {
        await propertyCheck(count: 500, input: Gen.uint32()) { value in
            let address = IPAddress(ipv4: value)
            #expect(IPAddress(parsing: address.description) == address)
            #expect(IPAddress(bytes: address.bytes) == address)
        }
    }

    @Test("IPv6 round trip: canonical, full and uppercase texts all parse to the address")
    func roundTripV6() async {
        // Zero groups are frequent so that "::" compression is exercised.
        await propertyCheck(count: 500, input: Gen.uint16().array(of: 8), Gen.int(in: 0...3).array(of: 8)) { values, choices in
            let groups = (0..<8).map { choices[$0] == 0 ? values[$0] : 0 }
            let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
            let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
            let address = IPAddress(ipv6High: high, low: low)
            #expect(IPAddress(parsing: address.description) == address, "\(address)")
            let full = groups.map { String($0, radix: 16) }.joined(separator: ":")
            #expect(IPAddress(parsing: full) == address)
            #expect(IPAddress(parsing: full.uppercased()) == address)
            #expect(address.description == address.description.lowercased())
            #expect(!address.description.contains(":::"))
        }
    }

    @Test("Any text accepted as IPv4 is already canonical: no alternative spellings exist")
    func ipv4Unique() async {
        let text = Gen.int(in: 0...11).map { Array("0123456789.x")[$0] }.array(of: 1...16).map { String($0) }
        await propertyCheck(count: 1000, input: text) { text in
            if let address = IPAddress(parsing: text) {
                #expect(address.isIPv4)
                #expect(address.description == text)
            }
        }
    }

    @Test("A CIDR allow-list entry admits exactly the addresses under its prefix")
    func cidrMembership() async {
        await propertyCheck(count: 400, input: Gen.uint32(), Gen.int(in: 0...32), Gen.uint32()) { network, prefix, other in
            let allowance = NetworkAllowance.network(IPAddress(ipv4: network), prefixLength: prefix)
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
            let inside = IPAddress(ipv4: network & mask | other & ~mask)
            #expect(allowance.matches(inside))
            #expect(allowance.matches(IPAddress(ipv4: other)) == (other & mask == network & mask))
            let guarded = NetworkAddressGuard(configuration: .init(allow: [allowance]))
            #expect(throws: Never.self) { try guarded.check(host: "h.example", resolved: [inside.description]) }
            let parsed = try NetworkAllowance(parsing: allowance.description)
            #expect(parsed.matches(inside))
        }
    }
}
