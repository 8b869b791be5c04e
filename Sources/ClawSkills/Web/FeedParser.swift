import ClawSecurity
import Foundation

/// Reads RSS 2.0 (also 0.9x and RSS 1.0/RDF) and Atom 1.0 (RFC 4287) documents into a ``Feed``.
///
/// The XML is read by a small built-in reader that never expands a document type: DOCTYPE declarations
/// are skipped, so entity tricks (billion laughs, external entities) do nothing; only the predefined
/// entities and character references are decoded. Malformed XML is a ``FeedError`` naming the problem.
/// Items are capped (50 by default) and every text field is capped and has its whitespace collapsed.
///
/// ```swift
/// let feed = try FeedParser().parse(Array(data))
/// for item in feed.items { print(item.title, item.link ?? "") }
/// ```
///
/// - Important: Titles and summaries are untrusted; sanitize them before a model sees them.
public struct FeedParser: Sendable {
    /// Limits.
    public struct Configuration: Sendable, Hashable {
        /// The most items kept (the first ones in the document); 50 by default.
        public var maxItems: Int
        /// The longest title kept, in characters; 300 by default.
        public var maxTitleCharacters: Int
        /// The longest summary kept, in characters; 2,000 by default.
        public var maxSummaryCharacters: Int
        /// The longest link kept, in bytes; longer links are dropped. 2,048 by default.
        public var maxLinkBytes: Int
        /// The largest document read, in bytes; 4 MiB by default.
        public var maxInputBytes: Int
        /// The deepest element nesting accepted; 64 by default.
        public var maxDepth: Int
        /// The most elements read; 200,000 by default.
        public var maxElements: Int

        /// Creates a configuration; every limit has a default.
        public init(
            maxItems: Int = 50, maxTitleCharacters: Int = 300, maxSummaryCharacters: Int = 2000, maxLinkBytes: Int = 2048,
            maxInputBytes: Int = 4 * 1024 * 1024, maxDepth: Int = 64, maxElements: Int = 200_000
        ) {
            self.maxItems = max(0, maxItems)
            self.maxTitleCharacters = max(0, maxTitleCharacters)
            self.maxSummaryCharacters = max(0, maxSummaryCharacters)
            self.maxLinkBytes = max(0, maxLinkBytes)
            self.maxInputBytes = max(0, maxInputBytes)
            self.maxDepth = max(1, maxDepth)
            self.maxElements = max(1, maxElements)
        }
    }

    /// The limits.
    public let configuration: Configuration

    /// Creates a parser.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Parses a feed from text.
    /// - Throws: ``FeedError``.
    public func parse(_ text: String) throws(FeedError) -> Feed {
        try parse(Array(text.utf8))
    }

    /// Parses a feed from bytes: UTF-8, or ISO-8859-1 / windows-1252 when the XML declaration says so.
    /// - Parameter bytes: The document.
    /// - Returns: The feed.
    /// - Throws: ``FeedError`` `feed.too_large`, `feed.malformed` or `feed.unsupported`.
    public func parse(_ bytes: some Collection<UInt8>) throws(FeedError) -> Feed {
        guard bytes.count <= configuration.maxInputBytes else {
            throw FeedError(.tooLarge, "the feed is larger than \(configuration.maxInputBytes) bytes")
        }
        let utf8 = Self.transcoded(Array(bytes))
        let root: FeedXMLReader.Element
        do {
            root = try FeedXMLReader(maxDepth: configuration.maxDepth, maxElements: configuration.maxElements).read(utf8)
        } catch {
            throw FeedError(error.tooDeep ? .tooLarge : .malformed, "the feed is not well-formed XML: \(error.reason)")
        }
        switch root.name {
        case "rss":
            guard let channel = root.child("channel") else { throw FeedError(.unsupported, "an RSS document without a channel") }
            return rss(channel: channel, items: channel.children("item"))
        case "RDF":
            guard let channel = root.child("channel") else { throw FeedError(.unsupported, "an RDF document without a channel") }
            return rss(channel: channel, items: root.children("item"))
        case "feed":
            return atom(root)
        default:
            throw FeedError(.unsupported, "the document is neither RSS nor Atom")
        }
    }

    // MARK: Formats

    private func rss(channel: FeedXMLReader.Element, items: [FeedXMLReader.Element]) -> Feed {
        let parsed = items.prefix(configuration.maxItems).map { item -> FeedItem in
            var link = item.child("link").flatMap { self.link($0.allText(limit: configuration.maxLinkBytes + 1)) }
            if link == nil, let guid = item.child("guid"), guid.attributes["isPermaLink"] != "false" {
                link = self.link(guid.allText(limit: configuration.maxLinkBytes + 1))
            }
            let date = item.child("pubDate").flatMap { RFC822Date.parse(Self.collapsed($0.allText(limit: 200), limit: 200)) }
                ?? item.child("date").flatMap { RFC3339.parse(Self.collapsed($0.allText(limit: 200), limit: 200)) }
            let summary = item.child("description") ?? item.child("encoded") ?? item.child("summary")
            return FeedItem(
                title: text(item.child("title"), limit: configuration.maxTitleCharacters), link: link, published: date,
                summary: text(summary, limit: configuration.maxSummaryCharacters))
        }
        let link = channel.child("link").flatMap { self.link($0.allText(limit: configuration.maxLinkBytes + 1)) }
        return Feed(title: text(channel.child("title"), limit: configuration.maxTitleCharacters), link: link, items: parsed)
    }

    private func atom(_ feed: FeedXMLReader.Element) -> Feed {
        let entries = feed.children("entry").prefix(configuration.maxItems).map { entry -> FeedItem in
            let date = (entry.child("published") ?? entry.child("updated"))
                .flatMap { RFC3339.parse(Self.collapsed($0.allText(limit: 200), limit: 200)) }
            return FeedItem(
                title: text(entry.child("title"), limit: configuration.maxTitleCharacters), link: atomLink(entry),
                published: date, summary: text(entry.child("summary") ?? entry.child("content"), limit: configuration.maxSummaryCharacters))
        }
        return Feed(title: text(feed.child("title"), limit: configuration.maxTitleCharacters), link: atomLink(feed), items: entries)
    }

    /// The `alternate` link (a link without `rel` is one), else the first link.
    private func atomLink(_ element: FeedXMLReader.Element) -> String? {
        let links = element.children("link")
        let chosen = links.first { ($0.attributes["rel"] ?? "alternate") == "alternate" } ?? links.first
        return chosen?.attributes["href"].flatMap(link)
    }

    // MARK: Text

    private func text(_ element: FeedXMLReader.Element?, limit: Int) -> String {
        guard let element else { return "" }
        // Gather a little more than the limit: collapsing whitespace shrinks it.
        return Self.collapsed(element.allText(limit: limit * 4 + 64), limit: limit)
    }

    /// A link kept only if it is http(s) or relative, and not too long.
    private func link(_ raw: String) -> String? {
        let trimmed = Self.collapsed(raw, limit: configuration.maxLinkBytes + 1)
        guard !trimmed.isEmpty, trimmed.utf8.count <= configuration.maxLinkBytes, !trimmed.contains(" ") else { return nil }
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") { return trimmed }
        // A relative reference has no scheme: no ':' before the first '/', '?' or '#'.
        let head = lowered.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return head.contains(":") ? nil : trimmed
    }

    /// Whitespace runs collapsed to one space, trimmed, cut to `limit` characters.
    static func collapsed(_ text: String, limit: Int) -> String {
        var out = ""
        var pendingSpace = false
        var count = 0
        for character in text {
            if character.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                guard count < limit else { break }
                out.append(" ")
                count += 1
                pendingSpace = false
            }
            guard count < limit else { break }
            out.append(character)
            count += 1
        }
        return out
    }

    /// UTF-8 as is; Latin-1 family documents (by their XML declaration) byte by byte.
    static func transcoded(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.starts(with: Array("<?xml".utf8)), let end = bytes.prefix(200).firstIndex(of: UInt8(ascii: ">")) else {
            return bytes
        }
        let declaration = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        guard ["iso-8859-1", "latin1", "windows-1252", "iso_8859-1"].contains(where: { declaration.contains("\"\($0)\"") || declaration.contains("'\($0)'") })
        else { return bytes }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return Array(String(scalars).utf8)
    }
}

/// RFC 822 / RFC 2822 dates as RSS uses them: `Sat, 07 Sep 2002 09:42:31 GMT`, `7 Sep 02 09:42 +0200`.
enum RFC822Date {
    /// Parses a date; nil when it is not one.
    static func parse(_ text: String) -> Date? {
        var words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        if let first = words.first, first.count >= 3, first.allSatisfy(\.isLetter) { words.removeFirst() } // the weekday
        guard words.count >= 4, let day = Int(words[0]), (1...31).contains(day) else { return nil }
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        guard let monthIndex = months.firstIndex(of: String(words[1].lowercased().prefix(3))) else { return nil }
        guard var year = Int(words[2]), year >= 0, year <= 9999 else { return nil }
        if words[2].count == 2 { year += year < 50 ? 2000 : 1900 }
        let time = words[3].split(separator: ":").map { Int($0) }
        guard time.count == 2 || time.count == 3, time.allSatisfy({ $0 != nil }) else { return nil }
        let hour = time[0]!, minute = time[1]!, second = time.count == 3 ? time[2]! : 0
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        var offset = 0
        if words.count >= 5 {
            let zone = words[4].uppercased()
            let named = ["GMT": 0, "UT": 0, "UTC": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
                         "PST": -8, "PDT": -7]
            if let hours = named[zone] {
                offset = hours * 3600
            } else if zone.count == 5, let sign = zone.first, sign == "+" || sign == "-", let value = Int(zone.dropFirst()) {
                guard value / 100 <= 23, value % 100 <= 59 else { return nil }
                offset = (value / 100 * 3600 + value % 100 * 60) * (sign == "-" ? -1 : 1)
            }
        }
        let days = daysFromCivil(year: year, month: monthIndex + 1, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
