/// One of the ContentSanitizer's layers, named in reports.
public struct SanitizerLayer: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The layer's number, 1 to 7.
    public let number: Int
    /// The stable name used in reports and JSON, such as `hidden_css`.
    public let name: String

    /// Layer 1: content HTML hides (comments, `hidden`, `aria-hidden`, noscript, template, hidden inputs).
    public static let hiddenHTML = SanitizerLayer(number: 1, name: "hidden_html")
    /// Layer 2: content CSS hides (inline styles and `<style>` rules).
    public static let hiddenCSS = SanitizerLayer(number: 2, name: "hidden_css")
    /// Layer 3: zero-width, format, bidi, tag and other invisible characters.
    public static let invisibleCharacters = SanitizerLayer(number: 3, name: "invisible_characters")
    /// Layer 4: what text extraction leaves out (script, style, head, svg and the like).
    public static let textExtraction = SanitizerLayer(number: 4, name: "text_extraction")
    /// Layer 5: the byte budget.
    public static let sizeGuard = SanitizerLayer(number: 5, name: "size_guard")
    /// Layer 6: sentences holding an injection phrase (also in ROT13) or an encoded payload.
    public static let patterns = SanitizerLayer(number: 6, name: "patterns")
    /// Layer 7: sentences whose imperative tone, aimed at the model, scores at or above the threshold.
    public static let imperativeTone = SanitizerLayer(number: 7, name: "imperative_tone")

    /// Every layer, in order.
    public static let all: [SanitizerLayer] = [.hiddenHTML, .hiddenCSS, .invisibleCharacters, .textExtraction, .sizeGuard,
                                               .patterns, .imperativeTone]

    /// Orders by layer number.
    public static func < (lhs: SanitizerLayer, rhs: SanitizerLayer) -> Bool { lhs.number < rhs.number }

    /// The stable name.
    public var description: String { name }
}

/// One thing the sanitizer removed: the layer, why, and a short excerpt of what was removed (invisible
/// characters taken out, cut to a few dozen characters) so a person can judge it.
public struct SanitizerRemoval: Sendable, Hashable {
    /// The layer that removed it.
    public var layer: SanitizerLayer
    /// Why, such as `display:none`, `comment` or `aria-hidden=true`.
    public var reason: String
    /// The start of the removed text.
    public var excerpt: String

    /// Creates a removal.
    public init(layer: SanitizerLayer, reason: String, excerpt: String) {
        self.layer = layer
        self.reason = reason
        self.excerpt = excerpt
    }
}

/// What the ContentSanitizer produced and what it took out.
public struct SanitizerReport: Sendable, Hashable {
    /// The sanitized text.
    public var text: String
    /// How the input was read: ``ContentKind/html`` or ``ContentKind/text`` (never `auto`).
    public var kind: ContentKind
    /// Each removal, in document order, up to the configured limit.
    public var removals: [SanitizerRemoval]
    /// Removals beyond the limit, counted but not listed.
    public var unlistedRemovals: Int
    /// Per layer: how many removals it made (for invisible characters: how many characters).
    public var counts: [SanitizerLayer: Int]
    /// Whether the size guard cut the text.
    public var truncated: Bool
    /// Bytes of input.
    public var inputBytes: Int
    /// Bytes of text after layers 1 to 4, before layers 6, 7 and the size guard.
    public var extractedBytes: Int

    /// Creates a report.
    public init(text: String, kind: ContentKind, removals: [SanitizerRemoval] = [], unlistedRemovals: Int = 0,
                counts: [SanitizerLayer: Int] = [:], truncated: Bool = false, inputBytes: Int = 0, extractedBytes: Int = 0) {
        self.text = text
        self.kind = kind
        self.removals = removals
        self.unlistedRemovals = unlistedRemovals
        self.counts = counts
        self.truncated = truncated
        self.inputBytes = inputBytes
        self.extractedBytes = extractedBytes
    }
}

/// What a document is: HTML, plain text, or unknown (the sanitizer sniffs).
public struct ContentKind: Sendable, Hashable, CustomStringConvertible {
    /// The name: `html`, `text` or `auto`.
    public let name: String

    /// HTML: every layer runs.
    public static let html = ContentKind(name: "html")
    /// Plain text: the HTML layers (1, 2 and 4) are skipped.
    public static let text = ContentKind(name: "text")
    /// Unknown: HTML when the document starts with markup or has common HTML tags early on.
    public static let auto = ContentKind(name: "auto")

    /// The kind named `html`, `text` or `auto`, or nil.
    public init?(named name: String) {
        switch name.lowercased() {
        case "html": self = .html
        case "text": self = .text
        case "auto": self = .auto
        default: return nil
        }
    }

    private init(name: String) { self.name = name }

    /// The name.
    public var description: String { name }
}
