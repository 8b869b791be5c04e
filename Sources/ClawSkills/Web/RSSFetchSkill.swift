import ClawSecurity
import ClawWorkflow
import Foundation

/// `rss_fetch`: fetches an RSS or Atom feed (permission `web_read`) through a ``WebFetcher`` and returns
/// its newest items.
///
/// Input: `{"input": "<url>"}`, `{"config": {"url": "<url>"}}` or the URL as a plain string.
/// Output: `{"url": <final URL>, "title": <feed title>, "items": [{"title", "link", "published", "summary"}]}`,
/// with `published` as RFC 3339 text or null, relative links resolved against the feed's URL, and HTML
/// summaries reduced to their visible text. The skill is external: the runtime sanitizes the output again.
public struct RSSFetchSkill: Skill {
    /// `rss_fetch`, permission `web_read`, external.
    public let descriptor = SkillDescriptor(name: "rss_fetch", permissions: ["web_read"], isExternal: true)
    /// The fetcher.
    public let fetcher: WebFetcher
    /// The feed parser (its configuration caps the items and the text fields).
    public let parser: FeedParser
    /// The sanitizer that reduces HTML summaries to text.
    public let sanitizer: ContentSanitizer

    /// Creates the skill.
    public init(fetcher: WebFetcher = WebFetcher(), parser: FeedParser = FeedParser(), sanitizer: ContentSanitizer = ContentSanitizer()) {
        self.fetcher = fetcher
        self.parser = parser
        self.sanitizer = sanitizer
    }

    /// Authorizes `web_read`, fetches and parses the feed.
    /// - Throws: `WorkflowError` `skill.invalid_input` without a URL, an authorization denial, a
    ///   ``WebFetchError`` or a ``FeedError``.
    public func run(_ input: JSONValue, context: SkillContext) async throws -> JSONValue {
        let url = try WebFetchSkill.url(from: input, skill: descriptor.name)
        try await context.authorize("web_read")
        let document = try await fetcher.fetch(url)
        let feed = try parser.parse(document.body)
        let base = URL(string: document.url)
        let items: [JSONValue] = feed.items.map { item in
            let link = item.link.map { link -> String in
                guard let base, let resolved = URL(string: link, relativeTo: base)?.absoluteURL else { return link }
                return resolved.absoluteString
            }
            let summary = item.summary.contains("<") ? sanitizer.sanitize(item.summary, kind: .html).text : item.summary
            return .object([
                "title": .string(item.title),
                "link": link.map(JSONValue.string) ?? .null,
                "published": item.published.map { .string(RFC3339.format($0)) } ?? .null,
                "summary": .string(summary),
            ])
        }
        return .object(["url": .string(document.url), "title": .string(feed.title), "items": .array(items)])
    }
}
