/// An error raised by ``WebFetcher``, with a stable code and a reason that is safe to log.
///
/// The reason names the host, the status or the limit involved; it never holds a response body, a header
/// value or a query string. Two errors are equal when their codes are equal, whatever their reasons say,
/// so tests can write `#expect(throws: WebFetchError.addressRefused)`.
public struct WebFetchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable identity of an error, such as `web.address_refused`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as a dotted string that never changes once released.
        public let rawValue: String

        init(_ rawValue: String) { self.rawValue = rawValue }

        /// The code's dotted string.
        public var description: String { rawValue }

        /// The URL did not parse, carried user info, had no host, or an ambiguous numeric host.
        public static let invalidURL = Code("web.invalid_url")
        /// The URL's scheme is not an allowed one (http and https by default).
        public static let scheme = Code("web.scheme")
        /// The host, or an address it resolved to, is refused by the ``NetworkAddressGuard``.
        public static let addressRefused = Code("web.address_refused")
        /// The host name did not resolve.
        public static let dns = Code("web.dns")
        /// The response body was larger than the configured maximum.
        public static let tooLarge = Code("web.too_large")
        /// The fetch, redirects included, took longer than the configured total time.
        public static let timeout = Code("web.timeout")
        /// More redirects than the configured maximum, or a redirect without a usable location.
        public static let redirects = Code("web.redirects")
        /// The final response's status was not a success (2xx).
        public static let status = Code("web.status")
        /// The server could not be reached or the connection failed.
        public static let unavailable = Code("web.unavailable")
    }

    /// The stable code; compare on this.
    public let code: Code
    /// A one-line explanation that is safe to log.
    public let reason: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The stable code.
    ///   - reason: A one-line explanation without bodies or secrets.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The reason and the code, for logs.
    public var description: String { "\(reason) [\(code.rawValue)]" }

    /// Returns whether two errors have the same code; reasons are ignored.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// A prototype for comparing codes.
    public static let invalidURL = Self(.invalidURL, "")
    /// A prototype for comparing codes.
    public static let scheme = Self(.scheme, "")
    /// A prototype for comparing codes.
    public static let addressRefused = Self(.addressRefused, "")
    /// A prototype for comparing codes.
    public static let dns = Self(.dns, "")
    /// A prototype for comparing codes.
    public static let tooLarge = Self(.tooLarge, "")
    /// A prototype for comparing codes.
    public static let timeout = Self(.timeout, "")
    /// A prototype for comparing codes.
    public static let redirects = Self(.redirects, "")
    /// A prototype for comparing codes.
    public static let status = Self(.status, "")
    /// A prototype for comparing codes.
    public static let unavailable = Self(.unavailable, "")
}
