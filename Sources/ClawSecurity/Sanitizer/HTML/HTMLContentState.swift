/// The tokenizer state that decides how text is read: markup, escapable raw text, raw text, script data,
/// plain text or a CDATA section. A tree builder switches the tokenizer into one after certain start tags.
public struct HTMLContentState: Sendable, Hashable, CustomStringConvertible {
    enum Value: UInt8 { case data, rcdata, rawtext, scriptData, plaintext, cdataSection }
    let value: Value

    /// Markup: tags, comments, character references (the standard's data state).
    public static let data = HTMLContentState(value: .data)
    /// Text with character references and no tags, until the matching end tag (`title`, `textarea`).
    public static let rcdata = HTMLContentState(value: .rcdata)
    /// Text without tags or references, until the matching end tag (`style`, `xmp`, `iframe`, `noembed`,
    /// `noframes`, and `noscript` when scripting is on, as in browsers).
    public static let rawtext = HTMLContentState(value: .rawtext)
    /// Script text with its escape rules (`script`).
    public static let scriptData = HTMLContentState(value: .scriptData)
    /// Everything to the end is text (`plaintext`).
    public static let plaintext = HTMLContentState(value: .plaintext)
    /// A CDATA section, which only foreign content (SVG, MathML) has.
    public static let cdataSection = HTMLContentState(value: .cdataSection)

    /// The state a browser's tree builder switches to after an HTML start tag with this lower-case name,
    /// or nil when the tokenizer stays in the data state.
    public static func after(startTag name: UnsafeBufferPointer<UInt8>) -> HTMLContentState? {
        @inline(__always) func named(_ literal: StaticString) -> Bool {
            literal.utf8CodeUnitCount == name.count
                && UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount).elementsEqual(name)
        }
        switch name.count {
        case 3: return named("xmp") ? .rawtext : nil
        case 5: return named("title") ? .rcdata : named("style") ? .rawtext : nil
        case 6: return named("script") ? .scriptData : named("iframe") ? .rawtext : nil
        case 7: return named("noembed") ? .rawtext : nil
        case 8: return named("textarea") ? .rcdata : named("noscript") || named("noframes") ? .rawtext : nil
        case 9: return named("plaintext") ? .plaintext : nil
        default: return nil
        }
    }

    /// The state after an HTML start tag with this lower-case name, for any collection of its bytes.
    public static func after(startTag name: some Collection<UInt8>) -> HTMLContentState? {
        Array(name).withUnsafeBufferPointer { after(startTag: $0) }
    }

    /// The state's name in the standard, such as `RCDATA state`.
    public var description: String {
        switch value {
        case .data: "Data state"
        case .rcdata: "RCDATA state"
        case .rawtext: "RAWTEXT state"
        case .scriptData: "Script data state"
        case .plaintext: "PLAINTEXT state"
        case .cdataSection: "CDATA section state"
        }
    }
}
