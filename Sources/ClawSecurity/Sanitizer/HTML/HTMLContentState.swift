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
    public static func after(startTag name: some Collection<UInt8>) -> HTMLContentState? {
        switch HTMLTagName(name) {
        case .title, .textarea: .rcdata
        case .style, .xmp, .iframe, .noembed, .noframes, .noscript: .rawtext
        case .script: .scriptData
        case .plaintext: .plaintext
        default: nil
        }
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
