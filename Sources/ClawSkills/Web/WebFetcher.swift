import AsyncHTTPClient
import ClawSecurity
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// Fetches a web page for the agent, refusing to be steered to the machine it runs on, the home network
/// or a cloud metadata service (server-side request forgery).
///
/// For every hop (the first URL and each redirect) the fetcher:
/// 1. parses the URL: an allowed scheme (http or https), no user info, a host, no ambiguous numeric host
///    such as `0177.0.0.1` or `2130706433`;
/// 2. resolves the host with `getaddrinfo` off the cooperative pool, unless it is an IP literal;
/// 3. checks the host name and **every** resolved address with a ``NetworkAddressGuard``;
/// 4. connects to the checked address itself (AsyncHTTPClient's `dnsOverride`), so a second DNS answer
///    cannot change the destination between the check and the connection; TLS still verifies the
///    certificate against the host name, and SNI carries the name; when no connection can be made, the
///    next checked address (up to four) is tried;
/// 5. follows 301, 302, 303, 307 and 308 itself, up to ``Configuration/maxRedirects``, starting again at 1.
///
/// The body is read as it streams and refused at ``Configuration/maxBodyBytes``; the whole fetch,
/// resolution and redirects included, must end within ``Configuration/totalTime``.
///
/// ```swift
/// let fetcher = WebFetcher(configuration: .init(allow: ["192.168.1.10/32"]))
/// let page = try await fetcher.fetch("https://example.com/")
/// print(page.status, page.contentType ?? "", page.text.prefix(200))
/// ```
///
/// - Important: The fetched text is untrusted. Give it to a model only after a ``ContentSanitizer``
///   (``WebFetchSkill`` and the skill runtime do this).
///
/// Each hop uses its own short-lived `HTTPClient` pinned to the checked address and shut down before the
/// next hop: pinning is a client setting in AsyncHTTPClient, so connections are not reused across fetches.
public struct WebFetcher: Sendable {
    /// Limits and exemptions.
    public struct Configuration: Sendable {
        /// The largest body accepted, in bytes; 2 MiB by default.
        public var maxBodyBytes: Int
        /// The time the whole fetch may take, redirects included; 15 seconds by default.
        public var totalTime: Duration
        /// The most redirects followed; 5 by default.
        public var maxRedirects: Int
        /// Destinations exempt from the address rules (see ``NetworkAddressGuard``); none by default.
        public var allow: [NetworkAllowance]
        /// Host names refused whatever they resolve to; the cloud metadata names by default.
        public var refusedHostNames: Set<String>
        /// The `User-Agent` header.
        public var userAgent: String
        /// The schemes allowed, lowercase; only `http` and `https` can ever be used. Both by default.
        public var allowedSchemes: Set<String>
        /// TLS settings (for example a private CA for a home server); the system's trust roots when nil.
        public var tlsConfiguration: TLSConfiguration?

        /// Creates a configuration.
        /// - Parameters:
        ///   - maxBodyBytes: The largest body accepted; 2 MiB by default.
        ///   - totalTime: The time the whole fetch may take; 15 seconds by default.
        ///   - maxRedirects: The most redirects followed; 5 by default.
        ///   - allow: Destinations exempt from the address rules; none by default.
        ///   - refusedHostNames: Names refused by name; the cloud metadata names by default.
        ///   - userAgent: The `User-Agent` header.
        ///   - allowedSchemes: `http` and `https` by default; other schemes are never used.
        ///   - tlsConfiguration: TLS settings; the system defaults when nil.
        public init(
            maxBodyBytes: Int = 2 * 1024 * 1024, totalTime: Duration = .seconds(15), maxRedirects: Int = 5,
            allow: [NetworkAllowance] = [],
            refusedHostNames: Set<String> = NetworkAddressGuard.Configuration.metadataHostNames,
            userAgent: String = "Claw/1 (+web_fetch)", allowedSchemes: Set<String> = ["http", "https"],
            tlsConfiguration: TLSConfiguration? = nil
        ) {
            self.maxBodyBytes = max(0, maxBodyBytes)
            self.totalTime = totalTime
            self.maxRedirects = max(0, maxRedirects)
            self.allow = allow
            self.refusedHostNames = refusedHostNames
            self.userAgent = userAgent
            self.allowedSchemes = Set(allowedSchemes.map { $0.lowercased() }).intersection(["http", "https"])
            self.tlsConfiguration = tlsConfiguration
        }
    }

    /// The configuration.
    public let configuration: Configuration
    /// The guard every hop's host and addresses must pass.
    public let addressGuard: NetworkAddressGuard
    let logger: Logger

    /// Creates a fetcher.
    /// - Parameters:
    ///   - configuration: Limits and exemptions.
    ///   - logger: Receives one debug line per hop (host and pinned address, never a body); silent by default.
    public init(configuration: Configuration = .init(), logger: Logger? = nil) {
        self.configuration = configuration
        self.addressGuard = NetworkAddressGuard(
            configuration: .init(allow: configuration.allow, refusedHostNames: configuration.refusedHostNames))
        self.logger = logger ?? Logger(label: "claw.web", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Fetches a URL, following redirects, and returns the final document.
    /// - Parameter url: An absolute http or https URL.
    /// - Returns: The final URL, its status (2xx), content type and body.
    /// - Throws: ``WebFetchError`` with a stable code: `web.invalid_url`, `web.scheme`, `web.address_refused`,
    ///   `web.dns`, `web.too_large`, `web.timeout`, `web.redirects`, `web.status` or `web.unavailable`.
    public func fetch(_ url: String) async throws(WebFetchError) -> FetchedDocument {
        let limit = configuration.totalTime
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Self.nanoseconds(limit))
        let first: Result<FetchedDocument, WebFetchError>? = await withTaskGroup(
            of: Result<FetchedDocument, WebFetchError>?.self
        ) { group in
            group.addTask { await self.follow(url, deadline: deadline) }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let first else { throw WebFetchError(.timeout, "the fetch took longer than \(limit)") }
        return try first.get()
    }

    // MARK: Hops

    private enum Hop: Sendable {
        case document(FetchedDocument)
        case redirect(String)
    }

    private func follow(_ start: String, deadline: NIODeadline) async -> Result<FetchedDocument, WebFetchError> {
        do throws(WebFetchError) {
            var target = try FetchTarget(parsing: start, schemes: configuration.allowedSchemes)
            var redirects = 0
            while true {
                switch try await hop(target, deadline: deadline) {
                case .document(let document):
                    return .success(document)
                case .redirect(let location):
                    redirects += 1
                    guard redirects <= configuration.maxRedirects else {
                        throw WebFetchError(.redirects, "more than \(configuration.maxRedirects) redirects")
                    }
                    guard let next = URL(string: location, relativeTo: target.url)?.absoluteURL else {
                        throw WebFetchError(.redirects, "a redirect from host '\(target.host)' has an unusable location")
                    }
                    target = try FetchTarget(parsing: next.absoluteString, schemes: configuration.allowedSchemes)
                }
            }
        } catch {
            return .failure(error)
        }
    }

    private func hop(_ target: FetchTarget, deadline: NIODeadline) async throws(WebFetchError) -> Hop {
        // Check, then pin: the connection goes to an address that passed the guard.
        let checked: [IPAddress]
        do {
            if let literal = target.literal {
                try addressGuard.check(host: target.host, resolved: [])
                checked = [literal]
            } else {
                // A refused name is not even resolved.
                try addressGuard.check(hostName: target.host)
                let addresses: [IPAddress]
                do {
                    addresses = try await HostResolver.resolve(target.host)
                } catch let error as WebFetchError {
                    throw error
                } catch {
                    throw WebFetchError(.timeout, "resolving host '\(target.host)' was cut short")
                }
                // Every address must pass, not only the one used: the resolver's order is not ours to trust.
                try addressGuard.check(host: target.host, resolved: addresses.map(\.description))
                checked = Array(addresses.prefix(4))
            }
        } catch let error as ClawSecurityError {
            throw WebFetchError(.addressRefused, error.reason)
        } catch let error as WebFetchError {
            throw error
        } catch {
            throw WebFetchError(.unavailable, "host '\(target.host)' could not be checked")
        }
        // Try the checked addresses in order; move on only when a connection could not be made.
        var outcome: Result<Hop, WebFetchError> = .failure(WebFetchError(.unavailable, "host '\(target.host)' has no address"))
        for (index, pinned) in checked.enumerated() {
            logger.debug("web fetch hop", metadata: ["claw.web.host": "\(target.host)", "claw.web.address": "\(pinned)"])
            var clientConfiguration = HTTPClient.Configuration(
                tlsConfiguration: configuration.tlsConfiguration, redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(10)), proxy: nil, decompression: .disabled)
            if target.literal == nil { clientConfiguration.dnsOverride = [target.host: pinned.description] }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
            let (result, connected) = await exchange(target, client: client, deadline: deadline)
            try? await client.shutdown()
            outcome = result
            guard case .failure(let error) = result, !connected, error.code == .unavailable, index + 1 < checked.count,
                  !Task.isCancelled
            else { break }
        }
        return try outcome.get()
    }

    /// One request; `connected` tells whether a response head arrived (so another address would not help).
    private func exchange(
        _ target: FetchTarget, client: HTTPClient, deadline: NIODeadline
    ) async -> (Result<Hop, WebFetchError>, connected: Bool) {
        var connected = false
        var request = HTTPClientRequest(url: target.absolute)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(
            name: "Accept",
            value: "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, application/xml;q=0.9, text/*;q=0.8, */*;q=0.5")
        request.headers.add(name: "Accept-Encoding", value: "identity")
        do {
            let response = try await client.execute(request, deadline: deadline)
            connected = true
            let status = Int(response.status.code)
            if [301, 302, 303, 307, 308].contains(status) {
                guard let location = response.headers.first(name: "location"), !location.isEmpty else {
                    throw WebFetchError(.redirects, "HTTP \(status) from host '\(target.host)' has no location")
                }
                return (.success(.redirect(location)), true)
            }
            guard (200..<300).contains(status) else {
                throw WebFetchError(.status, "HTTP \(status) from host '\(target.host)'")
            }
            let cap = configuration.maxBodyBytes
            if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > cap {
                throw WebFetchError(.tooLarge, "the body from host '\(target.host)' is larger than \(cap) bytes")
            }
            var body: [UInt8] = []
            for try await chunk in response.body {
                guard body.count + chunk.readableBytes <= cap else {
                    throw WebFetchError(.tooLarge, "the body from host '\(target.host)' is larger than \(cap) bytes")
                }
                body.append(contentsOf: chunk.readableBytesView)
            }
            return (.success(.document(FetchedDocument(
                url: target.absolute, status: status, contentType: response.headers.first(name: "content-type"), body: body))), true)
        } catch {
            return (.failure(Self.map(error, host: target.host)), connected)
        }
    }

    static func map(_ error: any Error, host: String) -> WebFetchError {
        if let error = error as? WebFetchError { return error }
        if error is CancellationError { return WebFetchError(.timeout, "the request to host '\(host)' was cut short") }
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .cancelled].contains(error) {
                return WebFetchError(.timeout, "the request to host '\(host)' timed out")
            }
            return WebFetchError(.unavailable, "the request to host '\(host)' failed (\(error.shortDescription))")
        }
        return WebFetchError(.unavailable, "host '\(host)' could not be reached")
    }

    static func trimmingDot(_ name: String) -> String { name.hasSuffix(".") ? String(name.dropLast()) : name }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max / 2 : product + attoseconds / 1_000_000_000
    }
}

extension HTTPClientError {
    fileprivate var shortDescription: String {
        let text = String(describing: self)
        return text.count <= 80 ? text : String(text.prefix(80))
    }
}

/// A URL that passed the fetcher's syntax rules, with the exact host string AsyncHTTPClient will use.
struct FetchTarget: Sendable {
    /// The parsed URL.
    let url: URL
    /// The URL text handed to the HTTP client (parsed again there with the same parser).
    let absolute: String
    /// The host as AsyncHTTPClient sees it (`URL.host`, brackets removed): the `dnsOverride` key.
    let host: String
    /// The host as an address, when it is an IP literal.
    let literal: IPAddress?

    /// Parses and checks a URL.
    /// - Throws: `web.invalid_url` or `web.scheme`.
    init(parsing text: String, schemes: Set<String>) throws(WebFetchError) {
        guard text.utf8.count <= 8192 else { throw WebFetchError(.invalidURL, "the URL is longer than 8192 bytes") }
        guard let url = URL(string: text), let rawScheme = url.scheme else {
            throw WebFetchError(.invalidURL, "not an absolute URL")
        }
        let scheme = rawScheme.lowercased()
        guard schemes.contains(scheme), scheme == "http" || scheme == "https" else {
            throw WebFetchError(.scheme, "scheme '\(scheme.prefix(20))' is not allowed")
        }
        // The authority, read from the text itself: no user info, no backslashes (parsers disagree on both).
        if let range = text.range(of: "://") {
            let authority = text[range.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            guard !authority.contains("@"), !authority.contains("\\") else {
                throw WebFetchError(.invalidURL, "the URL carries user info or a backslash in its authority")
            }
        } else {
            throw WebFetchError(.invalidURL, "the URL has no authority")
        }
        guard url.user == nil, url.password == nil else { throw WebFetchError(.invalidURL, "the URL carries user info") }
        guard var host = url.host, !host.isEmpty else { throw WebFetchError(.invalidURL, "the URL has no host") }
        if host.hasPrefix("[") || host.hasSuffix("]") {
            guard host.hasPrefix("["), host.hasSuffix("]"), host.count > 2 else {
                throw WebFetchError(.invalidURL, "the URL's host is malformed")
            }
            host = String(host.dropFirst().dropLast())
        }
        if let port = url.port, !(1...65535).contains(port) { throw WebFetchError(.invalidURL, "the URL's port is out of range") }
        let literal: IPAddress?
        if host.contains(":") {
            guard let address = IPAddress(parsing: host), !address.isIPv4 else {
                throw WebFetchError(.invalidURL, "the URL's IPv6 host is malformed or has a zone id")
            }
            literal = address
        } else if let address = IPAddress(parsing: host) {
            literal = address
        } else {
            guard host.utf8.count <= 253, host.utf8.allSatisfy(Self.isHostByte), !host.hasPrefix("."), !host.contains("..") else {
                throw WebFetchError(.invalidURL, "the URL's host has characters outside letters, digits, '-', '_' and '.'")
            }
            // Forms like 0177.0.0.1, 0x7f.1, 127.1 or 2130706433 are IPv4 to some parsers and names to others.
            let labels = WebFetcher.trimmingDot(host).split(separator: ".")
            if let last = labels.last, last.allSatisfy(\.isASCIIDigit) || last.lowercased().hasPrefix("0x") {
                throw WebFetchError(.invalidURL, "the URL's host is an ambiguous numeric address")
            }
            literal = nil
        }
        self.url = url
        self.absolute = text
        self.host = host
        self.literal = literal
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
