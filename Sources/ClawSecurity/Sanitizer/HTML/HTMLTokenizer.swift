/// A tokenizer of the WHATWG HTML standard over UTF-8 bytes: every tokenizer state, the full named
/// character reference table, numeric references with the standard's replacements, and the RCDATA,
/// RAWTEXT, script data and PLAINTEXT states that a tree builder switches to.
///
/// It streams tokens to an ``HTMLTokenSink`` without building a DOM, reusing its buffers and handing
/// out borrowed views, so text costs no allocation. Input is preprocessed as the standard says (invalid
/// UTF-8 becomes U+FFFD, CR LF and CR become LF). Every state consumes a byte or moves to a state that
/// will, so any input, however malformed, is tokenized in one linear pass.
///
/// ```swift
/// let tokens = HTMLTokenizer.tokens(of: Array("<p class=x>Hi &amp; bye".utf8))
/// ```
///
/// Conformance: the html5lib tokenizer suite runs as a test (see docs/SANITIZER.md for the cases that
/// cannot apply to a UTF-8 input and for parse errors, which are not reported).
public struct HTMLTokenizer: Sendable {
    /// Where tokenizing starts.
    public struct Configuration: Sendable, Hashable {
        /// The initial state: ``HTMLContentState/data`` for a document.
        public var initialState: HTMLContentState
        /// The last start tag's name, for the end tag that closes an initial RCDATA, RAWTEXT or script
        /// data state (such as `textarea` when tokenizing a fragment inside one).
        public var lastStartTag: String?

        /// Creates a configuration.
        public init(initialState: HTMLContentState = .data, lastStartTag: String? = nil) {
            self.initialState = initialState
            self.lastStartTag = lastStartTag
        }
    }

    /// The configuration.
    public var configuration: Configuration
    var machine = HTMLTokenizerMachine()

    /// Creates a tokenizer.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Tokenizes a whole document into `sink`.
    /// - Returns: The number of bytes of the preprocessed input, which the sink's source ranges tile.
    @discardableResult
    public mutating func tokenize<Sink: HTMLTokenSink>(_ bytes: UnsafeBufferPointer<UInt8>, into sink: inout Sink) -> Int {
        if let normalized = HTMLInputStream.normalized(bytes) {
            return normalized.withUnsafeBufferPointer { input in
                machine.run(input, configuration: configuration, sink: &sink)
                return input.count
            }
        }
        machine.run(bytes, configuration: configuration, sink: &sink)
        return bytes.count
    }

    /// Tokenizes a whole document into `sink`.
    @discardableResult
    public mutating func tokenize<Sink: HTMLTokenSink>(_ bytes: [UInt8], into sink: inout Sink) -> Int {
        bytes.withUnsafeBufferPointer { tokenize($0, into: &sink) }
    }

    /// The tokens of a document as values, with adjacent character tokens merged, for tests and tools.
    /// The tokenizer does not switch content states (there is no tree builder).
    public static func tokens(of bytes: [UInt8], configuration: Configuration = Configuration()) -> [HTMLToken] {
        var tokenizer = HTMLTokenizer(configuration: configuration)
        var collector = HTMLTokenCollector()
        tokenizer.tokenize(bytes, into: &collector)
        collector.flush()
        return collector.tokens
    }

    /// Counts of what a document holds, from a tokenizer run with a sink that only counts (for
    /// benchmarks and diagnostics). Content states switch as a browser's tree builder would.
    public static func statistics(of bytes: UnsafeBufferPointer<UInt8>) -> HTMLTokenStatistics {
        var tokenizer = HTMLTokenizer()
        var counter = HTMLTokenStatistics()
        counter.inputBytes = tokenizer.tokenize(bytes, into: &counter)
        return counter
    }
}

/// What ``HTMLTokenizer/statistics(of:)`` counts.
public struct HTMLTokenStatistics: Sendable, Hashable, HTMLTokenSink {
    /// Bytes of the preprocessed input.
    public var inputBytes = 0
    /// Start tags.
    public var startTags = 0
    /// End tags.
    public var endTags = 0
    /// Attributes over all tags.
    public var attributes = 0
    /// Comments.
    public var comments = 0
    /// DOCTYPEs.
    public var doctypes = 0
    /// UTF-8 bytes of character data after decoding.
    public var textBytes = 0
    /// Input bytes that produced no token.
    public var discardedBytes = 0
    /// Input bytes covered by the source ranges of all tokens and discarded input.
    public var accountedBytes = 0

    /// Empty counts.
    public init() {}

    /// Counts text.
    public mutating func characters(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) {
        textBytes += text.count
        accountedBytes += source.count
    }

    /// Counts a start tag and switches content states as a browser would.
    public mutating func startTag(_ tag: HTMLTag, source: Range<Int>) -> HTMLContentState? {
        startTags += 1
        attributes += tag.attributeCount
        accountedBytes += source.count
        return HTMLContentState.after(startTag: tag.name)
    }

    /// Counts an end tag.
    public mutating func endTag(_ tag: HTMLTag, source: Range<Int>) {
        endTags += 1
        accountedBytes += source.count
    }

    /// Counts a comment.
    public mutating func comment(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) {
        comments += 1
        accountedBytes += source.count
    }

    /// Counts a DOCTYPE.
    public mutating func doctype(_ doctype: HTMLDoctype, source: Range<Int>) {
        doctypes += 1
        accountedBytes += source.count
    }

    /// Counts discarded input.
    public mutating func discarded(source: Range<Int>) {
        discardedBytes += source.count
        accountedBytes += source.count
    }
}
