import Foundation

/// A document fetched by ``WebFetcher``: where it ended up, its status, its type and its bytes.
///
/// The body is untrusted content; ``text`` decodes it but does not sanitize it.
public struct FetchedDocument: Sendable, Hashable {
    /// The final URL, after redirects.
    public var url: String
    /// The final HTTP status (2xx).
    public var status: Int
    /// The `Content-Type` header, if any.
    public var contentType: String?
    /// The body, at most the fetcher's maximum.
    public var body: [UInt8]

    /// Creates a document.
    public init(url: String, status: Int, contentType: String?, body: [UInt8]) {
        self.url = url
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// The media type, lowercase, without parameters (`text/html`), if a content type was given.
    public var mediaType: String? {
        guard let contentType else { return nil }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        let trimmed = type.trimmingCharacters(in: [" ", "\t"]).lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The `charset` parameter of the content type, lowercase, if any.
    public var charset: String? {
        guard let contentType else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: [" ", "\t"]).lowercased() == "charset" else { continue }
            return pair[1].trimmingCharacters(in: [" ", "\t", "\""]).lowercased()
        }
        return nil
    }

    /// Whether the document is HTML (`text/html` or `application/xhtml+xml`).
    public var isHTML: Bool { mediaType == "text/html" || mediaType == "application/xhtml+xml" }

    /// Whether the media type is textual: `text/*`, XML, JSON, or no type at all.
    public var isTextual: Bool {
        guard let type = mediaType else { return true }
        return type.hasPrefix("text/") || type.hasSuffix("+xml") || type.hasSuffix("+json") || type == "application/xml"
            || type == "application/json" || type == "application/javascript"
    }

    /// The body as text: Latin-1 family charsets byte by byte, anything else as UTF-8 (invalid sequences
    /// become U+FFFD), without a leading byte order mark.
    public var text: String {
        switch charset {
        case "iso-8859-1", "latin1", "iso_8859-1", "us-ascii", "ascii", "windows-1252", "cp1252":
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: body.map { Unicode.Scalar($0) })
            return String(scalars)
        default:
            let bytes = body.starts(with: [0xEF, 0xBB, 0xBF]) ? body.dropFirst(3) : body[...]
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
