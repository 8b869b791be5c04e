/// One token as a value, for tests and tools (the streaming ``HTMLTokenSink`` API avoids these copies).
public enum HTMLToken: Sendable, Hashable {
    /// A DOCTYPE: name, public and system identifiers (nil when missing), and whether it forces quirks.
    case doctype(name: String?, publicIdentifier: String?, systemIdentifier: String?, forceQuirks: Bool)
    /// A start tag with its attributes in order and whether it was self-closing.
    case startTag(name: String, attributes: [Attribute], selfClosing: Bool)
    /// An end tag.
    case endTag(name: String)
    /// A comment.
    case comment(String)
    /// Character data (adjacent runs merged).
    case characters(String)

    /// An attribute of a start tag.
    public struct Attribute: Sendable, Hashable {
        /// The lower-case name.
        public var name: String
        /// The decoded value.
        public var value: String

        /// Creates an attribute.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }
}

/// Collects tokens as values, merging adjacent character data.
struct HTMLTokenCollector: HTMLTokenSink {
    var tokens: [HTMLToken] = []
    var text: [UInt8] = []

    mutating func flush() {
        guard !text.isEmpty else { return }
        tokens.append(.characters(String(decoding: text, as: UTF8.self)))
        text.removeAll(keepingCapacity: true)
    }

    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) {
        self.text.append(contentsOf: text)
    }

    mutating func startTag(_ tag: HTMLTag, source: Range<Int>) -> HTMLContentState? {
        flush()
        let attributes = (0 ..< tag.attributeCount).map {
            HTMLToken.Attribute(name: String(decoding: tag.attributeName(at: $0), as: UTF8.self),
                                value: String(decoding: tag.attributeValue(at: $0), as: UTF8.self))
        }
        tokens.append(.startTag(name: tag.nameString, attributes: attributes, selfClosing: tag.isSelfClosing))
        return nil
    }

    mutating func endTag(_ tag: HTMLTag, source: Range<Int>) {
        flush()
        tokens.append(.endTag(name: tag.nameString))
    }

    mutating func comment(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) {
        flush()
        tokens.append(.comment(String(decoding: text, as: UTF8.self)))
    }

    mutating func doctype(_ doctype: HTMLDoctype, source: Range<Int>) {
        flush()
        tokens.append(.doctype(name: doctype.name.map { String(decoding: $0, as: UTF8.self) },
                               publicIdentifier: doctype.publicIdentifier.map { String(decoding: $0, as: UTF8.self) },
                               systemIdentifier: doctype.systemIdentifier.map { String(decoding: $0, as: UTF8.self) },
                               forceQuirks: doctype.forceQuirks))
    }
}
