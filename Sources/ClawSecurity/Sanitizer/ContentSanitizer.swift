/// Cleans untrusted content (web pages, feeds, API answers) before a model sees it, and reports what it
/// took out and why.
///
/// Seven layers run here: hidden HTML (1), hidden CSS (2), invisible characters (3), text extraction (4),
/// injection phrases and encoded payloads (6), imperative tone (7), and last the size guard (5). HTML is
/// read by a conformant ``HTMLTokenizer`` and a model of the open elements; hidden subtrees are removed,
/// not just logged. Plain text skips layers 1, 2 and 4. Layers 6 and 7 remove whole sentences.
///
/// ```swift
/// let report = ContentSanitizer().sanitize(html, kind: .html)
/// print(report.text)          // the visible text, at most 10 KiB
/// for removal in report.removals { print(removal.layer, removal.reason, removal.excerpt) }
/// ```
public struct ContentSanitizer: Sendable {
    /// Which layers run and the limits they keep.
    public struct Configuration: Sendable, Hashable {
        /// Layer 1: removes comments, `hidden` and `aria-hidden="true"` subtrees, noscript, template,
        /// canvas/audio/video fallback, datalist, closed dialogs; reports hidden inputs.
        public var removesHiddenHTML = true
        /// Layer 2: removes subtrees hidden by inline styles or by `<style>` rules with simple selectors.
        public var removesHiddenCSS = true
        /// Layer 3: removes zero-width, format, bidi, tag and other invisible characters (see
        /// ``InvisibleCharacters``).
        public var removesInvisibleCharacters = true
        /// Layer 5: the budget for the output text in UTF-8 bytes (nil: none). 10 KiB by default.
        public var maxOutputBytes: Int? = 10 * 1024
        /// Input larger than this is refused (the report's text is empty): hidden content at the end of a
        /// document can hide text at its start, so a prefix cannot be sanitized on its own. 32 MiB by default.
        public var maxInputBytes = 32 * 1024 * 1024
        /// Open elements modelled; from the first element deeper than this to the end of the document, text
        /// is left out and reported (fail closed). 1,024 by default.
        public var maxNestingDepth = 1024
        /// Removals listed in a report; more are counted. 100 by default.
        public var maxListedRemovals = 100
        /// Characters of removed text kept in each removal's excerpt (layers 1 to 5; layers 6 and 7 keep
        /// the whole removed sentence). 80 by default.
        public var excerptLength = 80
        /// Layer 6: removes sentences holding an injection phrase (also in ROT13) or an encoded payload.
        public var removesInjectionPatterns = true
        /// Layer 7: removes sentences whose imperative tone, aimed at the model, scores at least
        /// ``toneThreshold``.
        public var removesImperativeTone = true
        /// Layer 7's threshold (see docs/SANITIZER.md for the cues and their weights). 6 by default.
        public var toneThreshold = 6
        /// Layers 6 and 7: an injection is rarely one sentence, so removal also takes up to three sentences on
        /// either side of a detected one (further along sentences that also speak to the model), and
        /// everything between two detections at most 40 sentences apart. Text without a
        /// detection is never touched by this. On by default; off, exactly the detected sentences go.
        public var removesSurroundingSentences = true
        /// Layer 6's phrases: ``InjectionPatterns/standard`` by default, or a pattern file's
        /// (``InjectionPatternFile``).
        public var patterns = InjectionPatterns.standard
        /// The agent's own skill names: a sentence naming one (on word boundaries, so `shell` is not found in
        /// `nutshell`) scores for layer 7.
        public var skillNames: [String] = []

        /// The defaults: every layer on, a 10 KiB budget.
        public init() {}
    }

    /// The configuration.
    public let configuration: Configuration
    /// Layers 6 and 7, compiled from the configuration's patterns and skill names.
    let detector: InjectionDetector

    /// Creates a sanitizer (compiling its patterns: keep it rather than make one per document).
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        detector = InjectionDetector.make(patterns: configuration.patterns, skillNames: configuration.skillNames)
    }

    /// Sanitizes a document.
    /// - Parameters:
    ///   - input: The document.
    ///   - kind: `.html`, `.text`, or `.auto` to sniff (markup at the start or common tags early on).
    public func sanitize(_ input: String, kind: ContentKind = .auto) -> SanitizerReport {
        var input = input
        return input.withUTF8 { sanitize(bytes: $0, kind: kind) }
    }

    /// Sanitizes a document given as bytes (UTF-8; invalid sequences become U+FFFD).
    public func sanitize(bytes: UnsafeBufferPointer<UInt8>, kind: ContentKind = .auto) -> SanitizerReport {
        let resolved = kind == .auto ? Self.sniff(bytes) : kind
        var report = ReportBuilder()
        report.limit = configuration.maxListedRemovals
        guard bytes.count <= configuration.maxInputBytes else {
            _ = report.add(layer: .sizeGuard, reason: "input larger than \(configuration.maxInputBytes) bytes: refused")
            return SanitizerReport(text: "", kind: resolved, removals: report.build(excerptLength: configuration.excerptLength),
                                   counts: report.counts, truncated: true, inputBytes: bytes.count)
        }
        var writer: TextWriter
        if resolved == .html {
            let extractor = extract(bytes)
            writer = extractor.writer
            report = extractor.report
            report.limit = configuration.maxListedRemovals
        } else {
            writer = TextWriter(stripsInvisible: configuration.removesInvisibleCharacters, capacity: bytes.count)
            if let normalized = HTMLInputStream.normalized(bytes) {
                normalized.withUnsafeBufferPointer { writer.write($0, preformatted: true) }
            } else {
                writer.write(bytes, preformatted: true)
            }
        }
        if writer.invisibleRemoved > 0 {
            let removal = report.add(layer: .invisibleCharacters, reason: Self.describeInvisible(writer.invisibleSeen))
            report.count(.invisibleCharacters, writer.invisibleRemoved - 1)
            let at = writer.firstInvisibleAt ?? 0
            var excerptStart = max(0, at - configuration.excerptLength / 2)
            while excerptStart < at, writer.out[excerptStart] & 0xC0 == 0x80 { excerptStart += 1 } // a UTF-8 boundary
            writer.out.withUnsafeBufferPointer {
                report.appendExcerpt(UnsafeBufferPointer(rebasing: $0[excerptStart ..< min($0.count, at + configuration.excerptLength * 2)]),
                                     to: removal, limit: configuration.excerptLength)
            }
        }
        var text = writer.finish()
        let extractedBytes = text.count
        if configuration.removesInjectionPatterns || configuration.removesImperativeTone {
            text = detector.detect(text, configuration: configuration, report: &report)
        }
        var truncated = false
        if let budget = configuration.maxOutputBytes, text.count > budget {
            let kept = SizeGuard.cut(text, budget: budget)
            _ = report.add(layer: .sizeGuard, reason: "cut from \(text.count) to \(kept) bytes (budget \(budget))",
                           excerpt: String(decoding: text[kept ..< min(text.count, kept + configuration.excerptLength * 4)], as: UTF8.self))
            text.removeSubrange(kept...)
            truncated = true
        }
        return SanitizerReport(text: String(decoding: text, as: UTF8.self), kind: resolved,
                               removals: report.build(excerptLength: configuration.excerptLength),
                               unlistedRemovals: report.unlisted, counts: report.counts, truncated: truncated,
                               inputBytes: bytes.count, extractedBytes: extractedBytes)
    }

    /// Runs layers 1, 2 and 4 (with 3 in the writer). A `<style>` block that comes after content it could
    /// hide needs the whole sheet first, so such a document is read a second time with the final sheet.
    func extract(_ bytes: UnsafeBufferPointer<UInt8>) -> HTMLTextExtractor {
        var tokenizer = HTMLTokenizer()
        let capacity = min(bytes.count, (configuration.maxOutputBytes ?? bytes.count) + 4096)
        var extractor = HTMLTextExtractor(configuration: configuration, sheet: CSSStyleSheet(),
                                          collectsStyles: configuration.removesHiddenCSS, capacity: capacity)
        extractor.report.limit = configuration.maxListedRemovals
        tokenizer.tokenize(bytes, into: &extractor)
        extractor.finish()
        guard extractor.needsSecondPass else { return extractor }
        var second = HTMLTextExtractor(configuration: configuration, sheet: extractor.sheet, collectsStyles: false,
                                       capacity: capacity)
        second.report.limit = configuration.maxListedRemovals
        tokenizer.tokenize(bytes, into: &second)
        second.finish()
        return second
    }

    /// Whether bytes look like HTML: markup first (after a BOM and whitespace), or a common tag early on.
    public static func sniff(_ bytes: UnsafeBufferPointer<UInt8>) -> ContentKind {
        var i = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0x0C].contains(bytes[i]) { i += 1 }
        if i + 1 < bytes.count, bytes[i] == 0x3C {
            let next = bytes[i + 1] | 0x20
            if (next >= 0x61 && next <= 0x7A) || bytes[i + 1] == 0x21 || bytes[i + 1] == 0x3F { return .html }
        }
        let head = String(decoding: bytes.prefix(4096), as: UTF8.self).lowercased()
        for marker in ["<html", "<body", "<head", "<!doctype", "<div", "<p>", "<p ", "<br", "<span", "<a href", "<table",
                       "<script", "<style", "<img", "<ul", "<li>", "<h1", "<h2", "<article"] where head.contains(marker) {
            return .html
        }
        return .text
    }

    static func describeInvisible(_ seen: [UInt32: Int]) -> String {
        let sorted = seen.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        let parts: [String] = sorted.prefix(6).map { (value: UInt32, count: Int) -> String in
            let hex = String(value, radix: 16, uppercase: true).leftPadded(to: 4)
            return "U+" + hex + " ×" + String(count)
        }
        return "invisible characters: " + parts.joined(separator: ", ") + (seen.count > 6 ? ", ..." : "")
    }
}
