/// A start or end tag as the tokenizer emits it to an ``HTMLTokenSink``: a borrowed view of the
/// tokenizer's buffers, valid only during the call that receives it. Names are lower-case UTF-8;
/// attribute values have their character references decoded; duplicate attributes are already dropped
/// (the first one wins, as the standard says).
public struct HTMLTag {
    /// The tag name, lower-case UTF-8.
    public let name: UnsafeBufferPointer<UInt8>
    /// Whether the tag ended with `/>`. HTML elements ignore it; foreign (SVG, MathML) elements close.
    public let isSelfClosing: Bool
    let storage: UnsafeBufferPointer<UInt8>
    let ranges: UnsafeBufferPointer<HTMLAttributeRange>

    /// The number of attributes.
    public var attributeCount: Int { ranges.count }

    /// The lower-case name of the attribute at `index`.
    public func attributeName(at index: Int) -> UnsafeBufferPointer<UInt8> {
        let range = ranges[index]
        return UnsafeBufferPointer(rebasing: storage[Int(range.nameStart) ..< Int(range.valueStart)])
    }

    /// The decoded value of the attribute at `index` (empty when it had none).
    public func attributeValue(at index: Int) -> UnsafeBufferPointer<UInt8> {
        let range = ranges[index]
        return UnsafeBufferPointer(rebasing: storage[Int(range.valueStart) ..< Int(range.valueEnd)])
    }

    /// The value of the attribute with this lower-case name, or nil when the tag has none.
    public func value(of attribute: StaticString) -> UnsafeBufferPointer<UInt8>? {
        let wanted = UnsafeBufferPointer(start: attribute.utf8Start, count: attribute.utf8CodeUnitCount)
        for index in 0 ..< ranges.count where attributeName(at: index).elementsEqual(wanted) {
            return attributeValue(at: index)
        }
        return nil
    }

    /// The tag name as a string.
    public var nameString: String { String(decoding: name, as: UTF8.self) }
}

/// Where an attribute's name and value are in the tokenizer's attribute buffer: the name is
/// `nameStart ..< valueStart`, the value `valueStart ..< valueEnd`.
struct HTMLAttributeRange {
    var nameStart: Int32
    var valueStart: Int32
    var valueEnd: Int32
}

/// A DOCTYPE as the tokenizer emits it: a borrowed view, valid only during the call. A missing name or
/// identifier is nil; an empty one is an empty buffer.
public struct HTMLDoctype {
    /// The lower-case name, if any.
    public let name: UnsafeBufferPointer<UInt8>?
    /// The public identifier, if any.
    public let publicIdentifier: UnsafeBufferPointer<UInt8>?
    /// The system identifier, if any.
    public let systemIdentifier: UnsafeBufferPointer<UInt8>?
    /// Whether the document must be rendered in quirks mode.
    public let forceQuirks: Bool
}
