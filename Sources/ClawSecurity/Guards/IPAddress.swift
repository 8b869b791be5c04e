/// An IPv4 or IPv6 address, parsed strictly from text by Claw itself (no `inet_aton`, no resolver).
///
/// IPv4 is accepted only as a dotted quad of four decimal numbers from 0 to 255 without leading zeros:
/// the forms that C libraries also accept (`0177.0.0.1` octal, `0x7f.1` hex, `2130706433` one number,
/// `127.1` short) are refused, because two parsers that disagree on an address are an SSRF bypass.
/// IPv6 is accepted in RFC 4291 text form, with `::` compression and an embedded dotted-quad tail; zone
/// ids (`fe80::1%eth0`) and brackets are refused.
///
/// ``description`` is the canonical form: a dotted quad, or RFC 5952 IPv6 text (lowercase, no leading
/// zeros, the longest run of two or more zero groups compressed), with IPv4-mapped addresses written
/// `::ffff:a.b.c.d`. Parsing ``description`` gives the same address back.
///
/// Two addresses are equal when they have the same family and the same bits: `::ffff:127.0.0.1` is not
/// equal to `127.0.0.1`, but its ``embeddedIPv4`` is.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    private enum Storage: Hashable {
        case v4(UInt32)
        case v6(high: UInt64, low: UInt64)
    }

    private let storage: Storage

    /// Creates an IPv4 address from its 32 bits, most significant octet first (`0x7F00_0001` is 127.0.0.1).
    public init(ipv4 value: UInt32) { storage = .v4(value) }

    /// Creates an IPv6 address from its 128 bits, as two halves, most significant first.
    public init(ipv6High high: UInt64, low: UInt64) { storage = .v6(high: high, low: low) }

    /// Creates an address from 4 (IPv4) or 16 (IPv6) bytes in network order; nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        switch array.count {
        case 4:
            storage = .v4(array.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let high = array[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = array[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            storage = .v6(high: high, low: low)
        default:
            return nil
        }
    }

    /// Parses an IPv4 dotted quad or an IPv6 address, strictly; nil for anything else.
    ///
    /// Does not resolve names and does not accept brackets, zone ids, ports or surrounding spaces.
    /// - Parameter text: The literal.
    public init?(parsing text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count <= 45 else { return nil }
        if utf8.contains(UInt8(ascii: ":")) {
            guard let (high, low) = Self.parseIPv6(utf8[...]) else { return nil }
            storage = .v6(high: high, low: low)
        } else {
            guard let value = Self.parseIPv4(utf8[...]) else { return nil }
            storage = .v4(value)
        }
    }

    /// Whether this is an IPv4 address.
    public var isIPv4: Bool {
        if case .v4 = storage { return true }
        return false
    }

    /// The address's bytes in network order: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch storage {
        case .v4(let value):
            return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let high, let low):
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
        }
    }

    /// The IPv4 address an IPv6 address carries and that the network would reach instead, or nil.
    ///
    /// These IPv6 forms embed an IPv4 address: IPv4-mapped `::ffff:0:0/96`, IPv4-translated
    /// `::ffff:0:0:0/96`, IPv4-compatible `::/96` (except `::` and `::1`), NAT64 `64:ff9b::/96` and 6to4
    /// `2002::/16` (bits 16 to 47). An IPv4 address returns nil.
    public var embeddedIPv4: IPAddress? {
        guard case .v6(let high, let low) = storage else { return nil }
        let tail = UInt32(truncatingIfNeeded: low)
        if high == 0 && low >> 32 == 0xFFFF { return IPAddress(ipv4: tail) }           // ::ffff:a.b.c.d
        if high == 0 && low >> 32 == 0xFFFF_0000 { return IPAddress(ipv4: tail) }      // ::ffff:0:a.b.c.d
        if high == 0 && low >> 32 == 0 && tail > 1 { return IPAddress(ipv4: tail) }   // ::a.b.c.d
        if high == 0x0064_FF9B_0000_0000 && low >> 32 == 0 { return IPAddress(ipv4: tail) } // 64:ff9b::a.b.c.d
        if high >> 48 == 0x2002 { return IPAddress(ipv4: UInt32(truncatingIfNeeded: high >> 16)) } // 2002:aabb:ccdd::
        return nil
    }

    /// What kind of destination the address is; anything but ``Classification/global`` is refused by
    /// ``NetworkAddressGuard`` unless allow-listed.
    ///
    /// An IPv6 address that embeds an IPv4 address (see ``embeddedIPv4``) is classified by the IPv4
    /// address it embeds.
    public var classification: Classification {
        switch storage {
        case .v4(let value): return Self.classify(v4: value)
        case .v6(let high, let low):
            if let embedded = embeddedIPv4 { return embedded.classification }
            return Self.classify(high: high, low: low)
        }
    }

    /// Whether the address lies in `network/prefixLength` (families must match; false otherwise).
    /// - Parameters:
    ///   - network: The network's address.
    ///   - prefixLength: The prefix length, 0...32 for IPv4 or 0...128 for IPv6.
    public func isIn(_ network: IPAddress, prefixLength: Int) -> Bool {
        switch (storage, network.storage) {
        case (.v4(let a), .v4(let n)):
            guard (0...32).contains(prefixLength) else { return false }
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << (32 - prefixLength)
            return a & mask == n & mask
        case (.v6(let ah, let al), .v6(let nh, let nl)):
            guard (0...128).contains(prefixLength) else { return false }
            let highMask: UInt64 = prefixLength == 0 ? 0 : (prefixLength >= 64 ? ~0 : ~UInt64(0) << (64 - prefixLength))
            let lowMask: UInt64 = prefixLength <= 64 ? 0 : (prefixLength == 128 ? ~0 : ~UInt64(0) << (128 - prefixLength))
            return ah & highMask == nh & highMask && al & lowMask == nl & lowMask
        default:
            return false
        }
    }

    /// The canonical text: a dotted quad, or RFC 5952 IPv6 (`::ffff:a.b.c.d` for IPv4-mapped addresses).
    public var description: String {
        switch storage {
        case .v4(let value): return Self.format(v4: value)
        case .v6(let high, let low):
            if high == 0 && low >> 32 == 0xFFFF { return "::ffff:" + Self.format(v4: UInt32(truncatingIfNeeded: low)) }
            return Self.format(high: high, low: low)
        }
    }

    // MARK: Classification

    /// The kind of destination an address is.
    ///
    /// A struct over a private enum, so adding a kind breaks no caller. Two classifications are equal when
    /// they are the same kind.
    public struct Classification: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Hashable {
            case global, loopback, unspecified, privateNetwork = "private", sharedAddressSpace = "shared_address_space"
            case linkLocal = "link_local", multicast, broadcast, reserved, benchmarking, documentation
            case protocolAssignments = "protocol_assignments", siteLocal = "site_local"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A public, globally routed address: the only kind allowed by default.
        public static let global = Self(.global)
        /// 127.0.0.0/8 and ::1.
        public static let loopback = Self(.loopback)
        /// 0.0.0.0/8 ("this network") and ::.
        public static let unspecified = Self(.unspecified)
        /// 10/8, 172.16/12, 192.168/16 and unique local fc00::/7.
        public static let privateNetwork = Self(.privateNetwork)
        /// Carrier-grade NAT, 100.64.0.0/10.
        public static let sharedAddressSpace = Self(.sharedAddressSpace)
        /// 169.254/16 (which holds the cloud metadata address 169.254.169.254) and fe80::/10.
        public static let linkLocal = Self(.linkLocal)
        /// Deprecated IPv6 site-local fec0::/10.
        public static let siteLocal = Self(.siteLocal)
        /// 224.0.0.0/4 and ff00::/8.
        public static let multicast = Self(.multicast)
        /// 255.255.255.255.
        public static let broadcast = Self(.broadcast)
        /// 240.0.0.0/4, 192.88.99.0/24 (6to4 relays), 100::/64 (discard), 64:ff9b:1::/48 (local NAT64) and
        /// IPv6 outside 2000::/3 not listed elsewhere.
        public static let reserved = Self(.reserved)
        /// 198.18.0.0/15.
        public static let benchmarking = Self(.benchmarking)
        /// 192.0.2/24, 198.51.100/24, 203.0.113/24 and 2001:db8::/32.
        public static let documentation = Self(.documentation)
        /// IETF protocol assignments: 192.0.0.0/24 and 2001::/23 (including Teredo 2001::/32).
        public static let protocolAssignments = Self(.protocolAssignments)

        /// A stable name such as `loopback` or `link_local`.
        public var description: String { kind.rawValue }
    }

    private static func classify(v4 a: UInt32) -> Classification {
        func inNet(_ network: UInt32, _ prefix: Int) -> Bool {
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
            return a & mask == network & mask
        }
        if a == 0xFFFF_FFFF { return .broadcast }
        if inNet(0x0000_0000, 8) { return .unspecified }
        if inNet(0x7F00_0000, 8) { return .loopback }
        if inNet(0x0A00_0000, 8) || inNet(0xAC10_0000, 12) || inNet(0xC0A8_0000, 16) { return .privateNetwork }
        if inNet(0x6440_0000, 10) { return .sharedAddressSpace }
        if inNet(0xA9FE_0000, 16) { return .linkLocal }
        if inNet(0xC000_0000, 24) { return .protocolAssignments }
        if inNet(0xC000_0200, 24) || inNet(0xC633_6400, 24) || inNet(0xCB00_7100, 24) { return .documentation }
        if inNet(0xC058_6300, 24) { return .reserved }
        if inNet(0xC612_0000, 15) { return .benchmarking }
        if inNet(0xE000_0000, 4) { return .multicast }
        if inNet(0xF000_0000, 4) { return .reserved }
        return .global
    }

    private static func classify(high: UInt64, low: UInt64) -> Classification {
        if high == 0 && low == 0 { return .unspecified }
        if high == 0 && low == 1 { return .loopback }
        let top16 = high >> 48
        if top16 & 0xFE00 == 0xFC00 { return .privateNetwork }      // fc00::/7
        if top16 & 0xFFC0 == 0xFE80 { return .linkLocal }           // fe80::/10
        if top16 & 0xFFC0 == 0xFEC0 { return .siteLocal }           // fec0::/10
        if top16 & 0xFF00 == 0xFF00 { return .multicast }           // ff00::/8
        if high >> 32 == 0x2001_0DB8 { return .documentation }      // 2001:db8::/32
        if (0x2001_0000...0x2001_01FF).contains(high >> 32) { return .protocolAssignments } // 2001::/23
        if high >> 16 == 0x0064_FF9B_0001 { return .reserved }     // 64:ff9b:1::/48
        if top16 & 0xE000 != 0x2000 { return .reserved }            // outside 2000::/3, incl. 100::/64 and ::/8
        return .global
    }

    // MARK: Parsing

    private static func parseIPv4(_ text: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | current
                parts += 1
                current = 0
                digits = 0
                leadingZero = false
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true } else if leadingZero { return nil }
                digits += 1
                guard digits <= 3 else { return nil }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                guard current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard parts == 3, digits > 0 else { return nil }
        return value << 8 | current
    }

    private static func parseIPv6(_ text: ArraySlice<UInt8>) -> (UInt64, UInt64)? {
        // Split at "::" (at most once).
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var compressed = false
        var index = text.startIndex
        let colon = UInt8(ascii: ":")
        if text.starts(with: [colon, colon]) {
            compressed = true
            index += 2
            if index == text.endIndex { return (0, 0) }
        } else if text.first == colon {
            return nil
        }
        while index < text.endIndex {
            // One group: up to the next colon or the end.
            var end = index
            while end < text.endIndex && text[end] != colon { end += 1 }
            let group = text[index..<end]
            if group.contains(UInt8(ascii: ".")) {
                // An IPv4 tail must be last.
                guard end == text.endIndex, let v4 = parseIPv4(group) else { return nil }
                let pair = [UInt16(truncatingIfNeeded: v4 >> 16), UInt16(truncatingIfNeeded: v4)]
                if compressed { tail += pair } else { head += pair }
                index = end
                break
            }
            guard !group.isEmpty, group.count <= 4 else { return nil }
            var word: UInt16 = 0
            for byte in group {
                guard let nibble = hexValue(byte) else { return nil }
                word = word << 4 | UInt16(nibble)
            }
            if compressed { tail.append(word) } else { head.append(word) }
            if end == text.endIndex { index = end; break }
            // At a colon: "::" starts the compressed part, a trailing single colon is an error.
            if end + 1 < text.endIndex && text[end + 1] == colon {
                guard !compressed else { return nil }
                compressed = true
                index = end + 2
                if index == text.endIndex { break }
            } else {
                index = end + 1
                guard index < text.endIndex else { return nil }
            }
        }
        let count = head.count + tail.count
        if compressed {
            guard count <= 7 else { return nil }
        } else {
            guard count == 8 else { return nil }
        }
        let groups = head + [UInt16](repeating: 0, count: 8 - count) + tail
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: Formatting

    private static func format(v4 value: UInt32) -> String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }

    private static func format(high: UInt64, low: UInt64) -> String {
        let groups: [UInt16] = (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
        // The longest run of two or more zero groups (the first on a tie) becomes "::".
        var bestStart = -1
        var bestLength = 0
        var runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var out = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }
}
