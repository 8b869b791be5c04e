/// What the sanitizer's tree model needs to know about an element name, from the HTML standard's tree
/// construction rules (simplified where the simplification can only hide more, never less).
struct HTMLElementTraits: OptionSet, Sendable {
    let rawValue: UInt16

    /// The standard's "special" category: an end tag of another element stops at it.
    static let special = HTMLElementTraits(rawValue: 1 << 0)
    /// Starts and ends a line of text.
    static let block = HTMLElementTraits(rawValue: 1 << 1)
    /// Has no content and no end tag.
    static let void = HTMLElementTraits(rawValue: 1 << 2)
    /// Its start tag closes an open `p` in button scope.
    static let closesParagraph = HTMLElementTraits(rawValue: 1 << 3)
    /// Ends the standard's "has an element in scope" search.
    static let scopeBoundary = HTMLElementTraits(rawValue: 1 << 4)
    /// Keeps whitespace as it is.
    static let preformatted = HTMLElementTraits(rawValue: 1 << 5)
    /// Separates its text from the next with a space (table cells).
    static let cell = HTMLElementTraits(rawValue: 1 << 6)
    /// Its end tag closes up to the element when it is in scope (even through special elements).
    static let closesInScope = HTMLElementTraits(rawValue: 1 << 7)
    /// Its start tag, inside SVG or MathML, leaves foreign content.
    static let breaksOutOfForeign = HTMLElementTraits(rawValue: 1 << 8)
    /// May appear in `<head>` without ending it.
    static let headContent = HTMLElementTraits(rawValue: 1 << 9)

    static let table: [HTMLElementTraits] = {
        var traits = [HTMLElementTraits](repeating: [], count: HTMLTagName.allCases.count)
        func add(_ names: [HTMLTagName], _ value: HTMLElementTraits) {
            for name in names { traits[Int(name.rawValue)].formUnion(value) }
        }
        add([.address, .applet, .area, .article, .aside, .base, .basefont, .bgsound, .blockquote, .body, .br, .button,
             .caption, .center, .col, .colgroup, .dd, .details, .dir, .div, .dl, .dt, .embed, .fieldset, .figcaption,
             .figure, .footer, .form, .frame, .frameset, .h1, .h2, .h3, .h4, .h5, .h6, .head, .header, .hgroup, .hr,
             .html, .iframe, .img, .input, .keygen, .li, .link, .listing, .main, .marquee, .menu, .meta, .nav, .noembed,
             .noframes, .noscript, .object, .ol, .p, .param, .plaintext, .pre, .script, .search, .section, .select,
             .source, .style, .summary, .table, .tbody, .td, .template, .textarea, .tfoot, .th, .thead, .title, .tr,
             .track, .ul, .wbr, .xmp], .special)
        add([.address, .article, .aside, .blockquote, .body, .caption, .center, .dd, .details, .dialog, .dir, .div,
             .dl, .dt, .fieldset, .figcaption, .figure, .footer, .form, .h1, .h2, .h3, .h4, .h5, .h6, .header, .hgroup,
             .hr, .html, .li, .listing, .main, .menu, .nav, .ol, .option, .p, .plaintext, .pre, .search, .section,
             .summary, .table, .tbody, .textarea, .tfoot, .thead, .tr, .ul, .xmp], .block)
        add([.area, .base, .basefont, .bgsound, .br, .col, .embed, .frame, .hr, .img, .input, .keygen, .link, .meta,
             .param, .source, .track, .wbr], .void)
        add([.address, .article, .aside, .blockquote, .center, .details, .dialog, .dir, .div, .dl, .fieldset,
             .figcaption, .figure, .footer, .header, .hgroup, .main, .menu, .nav, .ol, .p, .search, .section, .summary,
             .ul, .h1, .h2, .h3, .h4, .h5, .h6, .pre, .listing, .form, .plaintext, .xmp, .hr, .li, .dd, .dt], .closesParagraph)
        add([.applet, .caption, .html, .table, .td, .th, .marquee, .object, .template], .scopeBoundary)
        add([.pre, .listing, .textarea, .plaintext, .xmp], .preformatted)
        add([.td, .th], .cell)
        add([.address, .article, .aside, .blockquote, .button, .center, .details, .dialog, .dir, .div, .dl, .fieldset,
             .figcaption, .figure, .footer, .header, .hgroup, .listing, .main, .menu, .nav, .ol, .pre, .search,
             .section, .summary, .ul, .li, .dd, .dt, .form, .table, .tbody, .thead, .tfoot, .tr, .td, .th, .caption,
             .select, .template, .applet, .marquee, .object, .h1, .h2, .h3, .h4, .h5, .h6], .closesInScope)
        add([.b, .blockquote, .body, .br, .center, .dd, .div, .dl, .dt, .embed, .h1, .h2, .h3, .h4, .h5, .h6, .head,
             .hr, .img, .li, .listing, .menu, .meta, .ol, .p, .pre, .table, .ul], .breaksOutOfForeign)
        add([.base, .basefont, .bgsound, .link, .meta, .title, .noscript, .noframes, .style, .script, .template], .headContent)
        return traits
    }()

    static func of(_ name: HTMLTagName) -> HTMLElementTraits { table[Int(name.rawValue)] }
}
