import ClawSecurity
import ClawWorkflow

/// `web_fetch`: fetches a web page (permission `web_read`) through a ``WebFetcher``, with its SSRF
/// protection, and returns readable text.
///
/// Input: `{"input": "<url>"}`, `{"config": {"url": "<url>"}}` or the URL as a plain string.
/// Output: `{"url": <final URL>, "status": <n>, "content_type": <type or null>, "text": <text>}`.
///
/// An HTML page is reduced to its visible text by a ``ContentSanitizer`` (hidden elements, hidden CSS,
/// invisible characters and injection phrases removed, 10 KiB by default); other textual types are
/// returned as text, and a non-textual body gives an empty `text`. The skill is external, so the runtime
/// sanitizes its whole output again before any model or later step sees it.
public struct WebFetchSkill: Skill {
    /// `web_fetch`, permission `web_read`, external.
    public let descriptor = SkillDescriptor(name: "web_fetch", permissions: ["web_read"], isExternal: true)
    /// The fetcher.
    public let fetcher: WebFetcher
    /// The sanitizer that extracts an HTML page's visible text.
    public let sanitizer: ContentSanitizer

    /// Creates the skill.
    /// - Parameters:
    ///   - fetcher: The fetcher (its configuration holds the limits and the allow-list).
    ///   - sanitizer: The HTML text extractor; the default configuration when omitted.
    public init(fetcher: WebFetcher = WebFetcher(), sanitizer: ContentSanitizer = ContentSanitizer()) {
        self.fetcher = fetcher
        self.sanitizer = sanitizer
    }

    /// Authorizes `web_read`, fetches the URL and returns the document as JSON.
    /// - Throws: `WorkflowError` `skill.invalid_input` without a URL, an authorization denial, or a
    ///   ``WebFetchError``.
    public func run(_ input: JSONValue, context: SkillContext) async throws -> JSONValue {
        let url = try Self.url(from: input, skill: descriptor.name)
        try await context.authorize("web_read")
        let document = try await fetcher.fetch(url)
        let text: String
        if document.isHTML {
            text = sanitizer.sanitize(document.text, kind: .html).text
        } else if document.isTextual {
            text = document.text
        } else {
            text = ""
        }
        return .object([
            "url": .string(document.url),
            "status": .int(Int64(document.status)),
            "content_type": document.contentType.map(JSONValue.string) ?? .null,
            "text": .string(text),
        ])
    }

    /// The URL of a skill input: `input` (a string), `config.url`, `input.url`, or a plain string.
    static func url(from input: JSONValue, skill: String) throws -> String {
        let candidates: [JSONValue?] = [input["input"], input["config"]?["url"], input["input"]?["url"], input["url"], input]
        for case .string(let url)? in candidates where !url.isEmpty {
            return url
        }
        throw WorkflowError(.invalidInput, "\(skill): give the URL as 'input' or 'config.url'")
    }
}
