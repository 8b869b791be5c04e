import Foundation

/// A news feed read by ``FeedParser``: its title and its newest items, every text field capped.
public struct Feed: Sendable, Hashable {
    /// The feed's title (may be empty).
    public var title: String
    /// The feed's site link, if any.
    public var link: String?
    /// The items, in document order, at most the parser's maximum.
    public var items: [FeedItem]

    /// Creates a feed.
    public init(title: String, link: String? = nil, items: [FeedItem]) {
        self.title = title
        self.link = link
        self.items = items
    }
}

/// One item of a ``Feed`` (an RSS `item` or an Atom `entry`).
public struct FeedItem: Sendable, Hashable {
    /// The title, whitespace collapsed (may be empty).
    public var title: String
    /// The link: an http(s) URL or a relative reference; links with other schemes are dropped.
    public var link: String?
    /// When the item was published (RSS `pubDate` or `dc:date`; Atom `published`, else `updated`).
    public var published: Date?
    /// The summary or description as given (it may hold HTML), whitespace collapsed.
    public var summary: String

    /// Creates an item.
    public init(title: String, link: String? = nil, published: Date? = nil, summary: String = "") {
        self.title = title
        self.link = link
        self.published = published
        self.summary = summary
    }
}

/// Why a feed could not be read, with a stable code; equal when the codes are equal.
public struct FeedError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable identity of an error.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The dotted code.
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        /// The dotted code.
        public var description: String { rawValue }

        /// The document is not well-formed XML (for this parser); the reason says where it went wrong.
        public static let malformed = Code("feed.malformed")
        /// The document is well-formed but is neither RSS nor Atom.
        public static let unsupported = Code("feed.unsupported")
        /// The document is larger than the parser's limit, or nested too deeply.
        public static let tooLarge = Code("feed.too_large")
    }

    /// The stable code; compare on this.
    public let code: Code
    /// A one-line reason, without the document's content.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The reason and the code.
    public var description: String { "\(reason) [\(code.rawValue)]" }
    /// Compares codes only.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// A prototype for comparing codes.
    public static let malformed = Self(.malformed, "")
    /// A prototype for comparing codes.
    public static let unsupported = Self(.unsupported, "")
    /// A prototype for comparing codes.
    public static let tooLarge = Self(.tooLarge, "")
}
