/// Decides whether an outgoing request may reach a host, given every address the host resolved to.
///
/// The guard blocks server-side request forgery: a fetched page, a redirect or a DNS answer must not
/// steer the agent to the machine it runs on, the home network, or a cloud metadata service. By default
/// only public (``IPAddress/Classification/global``) addresses pass; loopback, unspecified, private,
/// carrier-grade NAT, link-local (169.254.169.254 included), multicast, broadcast, reserved, benchmarking,
/// documentation and IETF protocol addresses are refused, and an IPv6 address that embeds an IPv4 address
/// (mapped, compatible, NAT64, 6to4) is judged by the IPv4 address. The metadata host names
/// `metadata.google.internal`, `metadata` and `instance-data` are refused by name.
///
/// An allow-list exempts chosen destinations: CIDRs (`127.0.0.1/32` for tests, `192.168.1.10/32` for a
/// home server) and host names (`nas.home.arpa`, or `*.home.arpa` for its subdomains).
///
/// ```swift
/// let guard = NetworkAddressGuard(configuration: .init(allow: ["192.168.1.10/32"]))
/// try guard.check(host: "example.com", resolved: ["93.184.215.14"])
/// ```
///
/// The guard is pure: it does not resolve names or open sockets. The caller must check every resolved
/// address and then connect to one of the checked addresses, not resolve the name again.
public struct NetworkAddressGuard: Sendable {
    /// What the guard refuses and what it exempts.
    public struct Configuration: Sendable, Hashable {
        /// Destinations exempt from the address rules; empty by default.
        public var allow: [NetworkAllowance]
        /// Host names refused whatever they resolve to (lowercase, without a trailing dot).
        public var refusedHostNames: Set<String>

        /// The cloud metadata names refused by default.
        public static let metadataHostNames: Set<String> = ["metadata.google.internal", "metadata", "instance-data"]

        /// Creates a configuration.
        /// - Parameters:
        ///   - allow: Destinations exempt from the rules; none by default.
        ///   - refusedHostNames: Names refused by name; the cloud metadata names by default.
        public init(allow: [NetworkAllowance] = [], refusedHostNames: Set<String> = Configuration.metadataHostNames) {
            self.allow = allow
            self.refusedHostNames = refusedHostNames
        }
    }

    /// The configuration.
    public let configuration: Configuration

    /// Creates a guard.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Checks a host and every address it resolved to; returns only if all of them may be reached.
    ///
    /// An allow-listed host name passes whatever it resolved to. Otherwise a refused host name fails, and
    /// each address must parse (``IPAddress/init(parsing:)``) and be either allow-listed by a CIDR or public.
    /// A host that is itself an IP literal (bracketed or not) is checked as an address too.
    /// - Parameters:
    ///   - host: The host name or literal from the URL.
    ///   - resolved: Every address the host resolved to, as text.
    /// - Throws: ``ClawSecurityError/Code/refusedAddress`` naming the host and the kind of address, or
    ///   ``ClawSecurityError/Code/invalidAddress`` when an address does not parse.
    public func check(host: String, resolved: [String]) throws(ClawSecurityError) {
        let name = Self.normalizedHost(host)
        if isAllowed(hostName: name) { return }
        try check(hostName: name)
        var addresses: [IPAddress] = []
        if let literal = IPAddress(parsing: name) { addresses.append(literal) }
        for text in resolved {
            guard let address = IPAddress(parsing: text) else {
                throw ClawSecurityError(.invalidAddress, "host '\(name)' resolved to something that is not an IP address")
            }
            addresses.append(address)
        }
        guard !addresses.isEmpty else {
            throw ClawSecurityError(.refusedAddress, "host '\(name)' has no address to check: refused")
        }
        for address in addresses {
            try check(address, host: name)
        }
    }

    /// Checks a host name alone, before it is resolved: it fails if the name is refused by name (a cloud
    /// metadata name by default) and not allow-listed. It does not check addresses.
    /// - Parameter hostName: The host, any case, with or without a trailing dot.
    /// - Throws: ``ClawSecurityError/Code/refusedAddress``.
    public func check(hostName: String) throws(ClawSecurityError) {
        let name = Self.normalizedHost(hostName)
        if isAllowed(hostName: name) { return }
        if configuration.refusedHostNames.contains(name) {
            throw ClawSecurityError(.refusedAddress, "host '\(name)' is a metadata service name: refused")
        }
    }

    /// Checks one address: it passes if a CIDR allows it or it is public.
    /// - Parameters:
    ///   - address: The address.
    ///   - host: The host name for the error's reason (the address itself is used when nil).
    /// - Throws: ``ClawSecurityError/Code/refusedAddress``.
    public func check(_ address: IPAddress, host: String? = nil) throws(ClawSecurityError) {
        if isAllowed(address) { return }
        let classification = address.classification
        guard classification == .global else {
            let subject = host.map { "host '\($0)' resolves to a \(classification) address (\(address))" }
                ?? "\(address) is a \(classification) address"
            throw ClawSecurityError(.refusedAddress, subject + ": refused")
        }
    }

    /// Whether an address is exempted by an allow-list CIDR (directly, or by the IPv4 address it embeds).
    public func isAllowed(_ address: IPAddress) -> Bool {
        configuration.allow.contains { $0.matches(address) || address.embeddedIPv4.map($0.matches) == true }
    }

    /// Whether a host name (any case, trailing dot or not) is exempted by an allow-list name.
    public func isAllowed(hostName: String) -> Bool {
        let name = Self.normalizedHost(hostName)
        return configuration.allow.contains { $0.matches(hostName: name) }
    }

    /// A host lowercased, without brackets and without one trailing dot.
    static func normalizedHost(_ host: String) -> String {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]"), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix("."), name.count > 1 { name.removeLast() }
        return name
    }
}

/// A destination exempt from ``NetworkAddressGuard``'s rules: a CIDR or a host name.
///
/// Write it as text: `127.0.0.1/32`, `fd00::/8`, `192.168.1.10` (a single address), `nas.home.arpa`, or
/// `*.home.arpa` (any subdomain, not the name itself). A string literal that is not valid traps; parse
/// text from configuration files with ``init(parsing:)``.
public struct NetworkAllowance: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    private enum Kind: Hashable {
        case network(IPAddress, prefixLength: Int)
        case host(String)
        case subdomains(of: String)
    }

    private let kind: Kind

    /// Parses a CIDR, an address, a host name or a `*.` wildcard name.
    /// - Parameter text: The entry.
    /// - Throws: ``ClawSecurityError/Code/invalidAddress`` when it is none of these.
    public init(parsing text: String) throws(ClawSecurityError) {
        let trimmed = text.trimmingASCIISpaces()
        if let slash = trimmed.firstIndex(of: "/") {
            let prefixText = trimmed[trimmed.index(after: slash)...]
            guard let address = IPAddress(parsing: trimmed[..<slash]),
                  !prefixText.isEmpty, prefixText.count <= 3, prefixText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let prefix = Int(prefixText), prefix <= (address.isIPv4 ? 32 : 128)
            else { throw ClawSecurityError(.invalidAddress, "allow-list entry is not a valid CIDR") }
            kind = .network(address, prefixLength: prefix)
        } else if let address = IPAddress(parsing: trimmed) {
            kind = .network(address, prefixLength: address.isIPv4 ? 32 : 128)
        } else {
            let name = NetworkAddressGuard.normalizedHost(trimmed)
            if let address = IPAddress(parsing: name) { // `127.0.0.1.` or `[::1]`
                kind = .network(address, prefixLength: address.isIPv4 ? 32 : 128)
                return
            }
            let bare = name.hasPrefix("*.") ? String(name.dropFirst(2)) : name
            guard !bare.isEmpty, bare.count <= 253,
                  bare.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
                      || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                  !bare.hasPrefix("."), !bare.hasSuffix("."), !bare.contains("..")
            else { throw ClawSecurityError(.invalidAddress, "allow-list entry is not a CIDR, an address or a host name") }
            kind = name.hasPrefix("*.") ? .subdomains(of: bare) : .host(bare)
        }
    }

    /// Creates an entry from a literal.
    /// - Precondition: The literal is a valid entry (see ``init(parsing:)``).
    public init(stringLiteral value: String) {
        do {
            try self.init(parsing: value)
        } catch {
            preconditionFailure("invalid network allow-list literal")
        }
    }

    /// An entry for `network/prefixLength`.
    /// - Precondition: `prefixLength` fits the family (0...32 or 0...128).
    public static func network(_ address: IPAddress, prefixLength: Int) -> NetworkAllowance {
        precondition(prefixLength >= 0 && prefixLength <= (address.isIPv4 ? 32 : 128), "prefix length out of range")
        return NetworkAllowance(kind: .network(address, prefixLength: prefixLength))
    }

    private init(kind: Kind) { self.kind = kind }

    /// Whether the entry's CIDR holds the address.
    public func matches(_ address: IPAddress) -> Bool {
        guard case .network(let network, let prefix) = kind else { return false }
        return address.isIn(network, prefixLength: prefix)
    }

    /// Whether the entry names the host (normalized: lowercase, no trailing dot).
    public func matches(hostName: String) -> Bool {
        switch kind {
        case .network: false
        case .host(let name): hostName == name
        case .subdomains(let parent): hostName.hasSuffix("." + parent)
        }
    }

    /// The entry as text (`127.0.0.1/32`, `nas.home.arpa`, `*.home.arpa`).
    public var description: String {
        switch kind {
        case .network(let address, let prefix): "\(address)/\(prefix)"
        case .host(let name): name
        case .subdomains(let parent): "*." + parent
        }
    }
}

extension String {
    fileprivate func trimmingASCIISpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
