import ClawSecurity
import Testing

@Suite("IP address parsing")
struct IPAddressParsingTests {
    @Test("Strict dotted quads parse and print back", arguments: [
        "0.0.0.0", "1.2.3.4", "127.0.0.1", "255.255.255.255", "10.0.0.1", "169.254.169.254", "8.8.8.8",
    ])
    func dottedQuads(_ text: String) throws {
        let address = try #require(IPAddress(parsing: text))
        #expect(address.isIPv4)
        #expect(address.description == text)
    }

    @Test("Forms that C resolvers read as IPv4 but that are not dotted quads are refused", arguments: [
        "0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "2130706433", "127.1", "127.0.1", "017700000001", "127.0.0.01",
        "127.0.0.1.", ".127.0.0.1", "127..0.1", "256.0.0.1", "1.2.3.4.5", "1.2.3", "", " 127.0.0.1", "127.0.0.1 ",
        "127.0.0.1/8", "1.2.3.-4", "+1.2.3.4", "1.2.3.4a", "１.2.3.4", "00.0.0.0", "0000.0.0.0",
    ])
    func ambiguousIPv4(_ text: String) {
        #expect(IPAddress(parsing: text) == nil)
    }

    @Test("IPv6 text forms parse to the canonical RFC 5952 form", arguments: [
        ("::", "::"), ("::1", "::1"), ("0:0:0:0:0:0:0:1", "::1"), ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("1::", "1::"), ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"), ("::FFFF:7f00:1", "::ffff:127.0.0.1"), ("::1.2.3.4", "::102:304"),
        ("64:ff9b::10.0.0.1", "64:ff9b::a00:1"), ("fe80::1", "fe80::1"), ("ff02::1", "ff02::1"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
    ])
    func ipv6(_ pair: (String, String)) throws {
        let address = try #require(IPAddress(parsing: pair.0), "\(pair.0)")
        #expect(!address.isIPv4)
        #expect(address.description == pair.1)
        #expect(IPAddress(parsing: address.description) == address)
    }

    @Test("Malformed IPv6 and zone ids are refused", arguments: [
        ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
        "12345::1", "g::1", "fe80::1%eth0", "fe80::1%25eth0", "[::1]", ":1", "1:", "1.2.3.4::", "::1.2.3", "::1.2.3.04",
        "::ffff:0177.0.0.1", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4:5",
    ])
    func badIPv6(_ text: String) {
        #expect(IPAddress(parsing: text) == nil)
    }

    @Test("Bytes and bits give the same address")
    func bytes() throws {
        let v4 = try #require(IPAddress(bytes: [192, 168, 1, 10]))
        #expect(v4 == IPAddress(ipv4: 0xC0A8_010A))
        #expect(v4.bytes == [192, 168, 1, 10])
        let v6 = try #require(IPAddress(parsing: "2001:db8::ff00:42:8329"))
        #expect(IPAddress(bytes: v6.bytes) == v6)
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }
}

@Suite("Network address guard")
struct NetworkAddressGuardTests {
    static let defaultGuard = NetworkAddressGuard()

    @Test("Every refused IPv4 range is refused, at its first and last address", arguments: [
        ("127.0.0.1", "loopback"), ("127.255.255.255", "loopback"),
        ("0.0.0.0", "unspecified"), ("0.255.255.255", "unspecified"),
        ("10.0.0.0", "private"), ("10.255.255.255", "private"), ("172.16.0.0", "private"), ("172.31.255.255", "private"),
        ("192.168.0.0", "private"), ("192.168.255.255", "private"),
        ("100.64.0.0", "shared_address_space"), ("100.127.255.255", "shared_address_space"),
        ("169.254.0.0", "link_local"), ("169.254.169.254", "link_local"), ("169.254.255.255", "link_local"),
        ("224.0.0.0", "multicast"), ("239.255.255.255", "multicast"),
        ("240.0.0.0", "reserved"), ("255.255.255.254", "reserved"), ("255.255.255.255", "broadcast"),
        ("192.0.0.0", "protocol_assignments"), ("192.0.0.255", "protocol_assignments"),
        ("198.18.0.0", "benchmarking"), ("198.19.255.255", "benchmarking"),
        ("192.0.2.1", "documentation"), ("198.51.100.1", "documentation"), ("203.0.113.1", "documentation"),
    ])
    func refusedIPv4(_ pair: (String, String)) throws {
        let address = try #require(IPAddress(parsing: pair.0))
        #expect(address.classification.description == pair.1)
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(address) }
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(host: "example.com", resolved: [pair.0]) }
    }

    @Test("Public IPv4 addresses next to the refused ranges pass", arguments: [
        "8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0",
        "100.63.255.255", "100.128.0.0", "169.253.255.255", "169.255.0.0", "223.255.255.255", "198.17.255.255", "198.20.0.0",
        "192.0.1.255", "126.255.255.255", "128.0.0.0",
    ])
    func publicIPv4(_ text: String) throws {
        let address = try #require(IPAddress(parsing: text))
        #expect(address.classification == .global)
        try Self.defaultGuard.check(host: "example.com", resolved: [text])
    }

    @Test("Refused IPv6 ranges", arguments: [
        ("::1", "loopback"), ("::", "unspecified"), ("fc00::1", "private"), ("fdff:ffff::1", "private"),
        ("fe80::1", "link_local"), ("febf:ffff::1", "link_local"), ("fec0::1", "site_local"), ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"), ("2001:db8::1", "documentation"), ("2001::1", "protocol_assignments"),
        ("2001:1ff::1", "protocol_assignments"), ("100::1", "reserved"), ("64:ff9b:1::1", "reserved"), ("4000::1", "reserved"),
    ])
    func refusedIPv6(_ pair: (String, String)) throws {
        let address = try #require(IPAddress(parsing: pair.0))
        #expect(address.classification.description == pair.1)
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(host: "example.com", resolved: [pair.0]) }
    }

    @Test("Public IPv6 passes", arguments: ["2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450::1", "2001:200::1"])
    func publicIPv6(_ text: String) throws {
        try Self.defaultGuard.check(host: "example.com", resolved: [text])
    }

    @Test("IPv6 forms that embed an IPv4 address are judged by it: mapped, translated, compatible, NAT64, 6to4", arguments: [
        "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::ffff:0:127.0.0.1",
        "::127.0.0.1", "::10.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b::192.168.1.1",
        "2002:7f00:1::", "2002:a9fe:a9fe::1", "2002:c0a8:101:1::1", "2002:0a00:0001::",
    ])
    func embedded(_ text: String) throws {
        let address = try #require(IPAddress(parsing: text))
        #expect(address.embeddedIPv4 != nil)
        #expect(address.classification != .global)
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(host: "example.com", resolved: [text]) }
    }

    @Test("Embedded public IPv4 addresses pass", arguments: ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])
    func embeddedPublic(_ text: String) throws {
        let address = try #require(IPAddress(parsing: text))
        #expect(address.embeddedIPv4 == IPAddress(parsing: "8.8.8.8"))
        try Self.defaultGuard.check(host: "example.com", resolved: [text])
    }

    @Test("One refused address among public ones refuses the host (DNS rebinding with several records)")
    func anyRefusedRefuses() {
        #expect(throws: ClawSecurityError.refusedAddress) {
            try Self.defaultGuard.check(host: "rebind.example", resolved: ["8.8.8.8", "127.0.0.1", "1.1.1.1"])
        }
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(host: "empty.example", resolved: []) }
        #expect(throws: ClawSecurityError.invalidAddress) {
            try Self.defaultGuard.check(host: "odd.example", resolved: ["8.8.8.8", "0177.0.0.1"])
        }
    }

    @Test("IP literal hosts are checked even without resolved addresses, bracketed or not")
    func literalHosts() {
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(host: "169.254.169.254", resolved: []) }
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(host: "[::1]", resolved: []) }
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(host: "[::ffff:127.0.0.1]", resolved: []) }
    }

    @Test("Cloud metadata names are refused by name, any case, with or without a trailing dot", arguments: [
        "metadata.google.internal", "METADATA.google.internal.", "metadata", "instance-data", "Instance-Data.",
    ])
    func metadataNames(_ host: String) {
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(host: host, resolved: ["8.8.8.8"]) }
        #expect(throws: ClawSecurityError.refusedAddress) { try Self.defaultGuard.check(hostName: host) }
    }

    @Test("An allow-listed CIDR exempts its addresses (also when mapped into IPv6), and only those")
    func allowCIDR() throws {
        let guarded = NetworkAddressGuard(configuration: .init(allow: ["127.0.0.1/32", "192.168.1.0/24", "fd00::/8"]))
        try guarded.check(host: "127.0.0.1", resolved: ["127.0.0.1"])
        try guarded.check(host: "localhost", resolved: ["127.0.0.1"])
        try guarded.check(host: "nas", resolved: ["192.168.1.77"])
        try guarded.check(host: "nas6", resolved: ["fd12::1"])
        try guarded.check(host: "mapped", resolved: ["::ffff:127.0.0.1"])
        #expect(throws: ClawSecurityError.refusedAddress) { try guarded.check(host: "localhost", resolved: ["127.0.0.1", "::1"]) }
        #expect(throws: ClawSecurityError.refusedAddress) { try guarded.check(host: "other", resolved: ["127.0.0.2"]) }
        #expect(throws: ClawSecurityError.refusedAddress) { try guarded.check(host: "router", resolved: ["192.168.2.1"]) }
        #expect(throws: ClawSecurityError.refusedAddress) { try guarded.check(host: "meta", resolved: ["169.254.169.254"]) }
    }

    @Test("An allow-listed host name exempts that name (and *. its subdomains), whatever it resolves to")
    func allowHostName() throws {
        let guarded = NetworkAddressGuard(configuration: .init(allow: ["nas.home.arpa", "*.lan.example"]))
        try guarded.check(host: "NAS.home.arpa.", resolved: ["192.168.1.10"])
        try guarded.check(host: "printer.lan.example", resolved: ["10.0.0.5"])
        #expect(throws: ClawSecurityError.refusedAddress) { try guarded.check(host: "lan.example", resolved: ["10.0.0.5"]) }
        #expect(throws: ClawSecurityError.refusedAddress) { try guarded.check(host: "evilnas.home.arpa", resolved: ["10.0.0.5"]) }
        // An allow-listed metadata name is the operator's explicit choice.
        let metadata = NetworkAddressGuard(configuration: .init(allow: ["metadata"]))
        try metadata.check(host: "metadata", resolved: ["169.254.169.254"])
    }

    @Test("Allow-list entries parse strictly", arguments: [
        "127.0.0.1/33", "::1/129", "127.0.0.1/", "/8", "0177.0.0.1/32", "10.0.0.0/-1", "bad host", "a..b", "*.", "",
        "fe80::1%eth0/64", "10.0.0.0/8x",
    ])
    func badAllowances(_ text: String) {
        #expect(throws: ClawSecurityError.invalidAddress) { try NetworkAllowance(parsing: text) }
    }

    @Test("Allow-list entries print as written", arguments: [
        ("127.0.0.1/32", "127.0.0.1/32"), ("10.0.0.0/8", "10.0.0.0/8"), ("192.168.1.10", "192.168.1.10/32"),
        ("FD00::/8", "fd00::/8"), ("::1", "::1/128"), ("NAS.Home.Arpa.", "nas.home.arpa"), ("*.lan", "*.lan"),
    ])
    func allowanceDescriptions(_ pair: (String, String)) throws {
        #expect(try NetworkAllowance(parsing: pair.0).description == pair.1)
    }

    @Test("Refusal reasons name the host and the kind of address")
    func reasons() {
        do {
            try Self.defaultGuard.check(host: "internal.example", resolved: ["169.254.169.254"])
            Issue.record("expected a refusal")
        } catch {
            #expect(error.reason.contains("internal.example"))
            #expect(error.reason.contains("link_local"))
        }
    }
}
