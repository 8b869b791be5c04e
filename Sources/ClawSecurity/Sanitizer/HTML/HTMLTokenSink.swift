/// Receives the tokens of an ``HTMLTokenizer`` as they are produced, without a DOM and without copying:
/// every buffer is borrowed and valid only during the call.
///
/// `source` is the range of the (preprocessed) input the token came from. Together with
/// ``discarded(source:)`` the ranges tile the input, in order: every byte is accounted for.
public protocol HTMLTokenSink {
    /// Character data, UTF-8, with character references decoded. Consecutive runs may arrive in several
    /// calls.
    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>)
    /// A start tag. Returns the content state the tokenizer switches to (a tree builder's decision, see
    /// ``HTMLContentState/after(startTag:)``), or nil to stay in the data state.
    mutating func startTag(_ tag: HTMLTag, source: Range<Int>) -> HTMLContentState?
    /// An end tag (its attributes, which the standard ignores, are still given).
    mutating func endTag(_ tag: HTMLTag, source: Range<Int>)
    /// A comment's text (also bogus comments such as `<?xml ...>` and `<!x>`).
    mutating func comment(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>)
    /// A DOCTYPE.
    mutating func doctype(_ doctype: HTMLDoctype, source: Range<Int>)
    /// Input that produced no token: a tag or markup cut off by the end of input, `</>`, the markers
    /// around a CDATA section.
    mutating func discarded(source: Range<Int>)
    /// Whether `<![CDATA[` opens a CDATA section here, which is the case only inside SVG or MathML (the
    /// standard's "adjusted current node is not in the HTML namespace"). Otherwise it is a bogus comment.
    var acceptsCDATA: Bool { get }
}

extension HTMLTokenSink {
    /// Ignores discarded input.
    public mutating func discarded(source: Range<Int>) {}
    /// CDATA sections are not accepted.
    public var acceptsCDATA: Bool { false }
}
