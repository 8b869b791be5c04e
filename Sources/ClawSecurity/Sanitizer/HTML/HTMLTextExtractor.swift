/// Layers 1, 2 and 4 over the token stream: a model of the open elements close enough to a browser's tree
/// builder to know what is hidden, and a ``TextWriter`` for what is not.
///
/// Where the model is simpler than the standard (the adoption agency, foster parenting, quirks), it keeps
/// elements open longer than a browser would, so a hidden subtree can only grow: visible text may be lost,
/// hidden text is not let through.
struct HTMLTextExtractor: HTMLTokenSink {
    /// One open element and what hides it. Hiding is kept per kind: `hard` cannot be undone below;
    /// visibility, font size and colour can be (`visibility: visible` inside `visibility: hidden`).
    struct Element {
        var name: HTMLTagName
        var otherName: UInt64 // a hash of the name when `name` is `.other`
        var foreign: Bool
        /// An SVG or MathML element whose content is HTML again (foreignObject, desc, title, mi, mo, mn, ms,
        /// mtext, annotation-xml): it bounds the standard's scopes.
        var integrationPoint = false
        /// Where its names are in `keyStore`, kept only when the page's style sheet has rules with ancestor
        /// conditions (-1: not kept). An index keeps `Element` a plain value, cheap to copy.
        var keys: Int32 = -1
        var preformatted: Bool
        var hard: Int32 = -1
        var visibility: Int32 = -1
        var fontSize: Int32 = -1
        var color: Int32 = -1

        var suppressor: Int32 {
            if hard >= 0 { return hard }
            if visibility >= 0 { return visibility }
            if fontSize >= 0 { return fontSize }
            return color
        }
    }

    /// Why a subtree is left out, and the report entry made when its first text arrives.
    struct Suppressor {
        var layer: SanitizerLayer
        var reason: String
        var reported: Bool
        var removal: Int32 = -1
    }

    let configuration: ContentSanitizer.Configuration
    var sheet: CSSStyleSheet
    /// Whether `<style>` blocks still add to the sheet (the first pass) or it is final (the second).
    let collectsStyles: Bool
    /// Set when a style rule arrived after content it might hide: the document needs a second pass.
    var needsSecondPass = false

    var stack: [Element] = []
    var suppressors: [Suppressor] = []
    var writer: TextWriter
    var report = ReportBuilder()
    /// Set once an element goes past the nesting limit: from there to the end of the document nothing is
    /// modelled and all text is left out (end tags cannot be trusted to leave the unmodelled part: a stray
    /// one would end it early while a browser keeps a hidden element open).
    var overflowDepth = 0
    var overflowSuppressor: Int32 = -1
    var sawContent = false
    /// The keys of `<html>` and `<body>` (their first start tags), the implicit bottom of every ancestor list.
    var rootKeys: [CSSStyleSheet.ElementKeys] = ["html", "body"].map { name in
        Array(name.utf8).withUnsafeBufferPointer { CSSStyleSheet.keys(tag: $0, classAttribute: nil, idAttribute: nil) }
    }
    var rootKeysSeen = [false, false]
    /// The names of open (and closed) elements, for style rules with ancestor conditions.
    var keyStore: [CSSStyleSheet.ElementKeys] = []
    var styleText: [UInt8] = []
    var collectingStyle = false
    var styleIsScreen = true

    static let walkLimit = 256

    init(configuration: ContentSanitizer.Configuration, sheet: CSSStyleSheet, collectsStyles: Bool, capacity: Int) {
        self.configuration = configuration
        self.sheet = sheet
        self.collectsStyles = collectsStyles
        writer = TextWriter(stripsInvisible: configuration.removesInvisibleCharacters, capacity: capacity)
        stack.reserveCapacity(64)
    }

    var acceptsCDATA: Bool { stack.last?.foreign ?? false }

    // MARK: - Text

    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) {
        if collectingStyle, let top = stack.last, top.name == .style {
            styleText.append(contentsOf: text)
        }
        if overflowDepth > 0 {
            suppressed(text, by: overflowSuppressor)
            return
        }
        guard let top = stack.last else {
            writeVisible(text)
            return
        }
        if top.name == .head && !top.foreign {
            // Text other than whitespace ends the head, as in a browser.
            guard text.contains(where: { !$0.isASCIIWhitespace }) else { return }
            pop(count: 1)
            characters(text, source: source)
            return
        }
        let suppressor = top.suppressor
        if suppressor >= 0 {
            suppressed(text, by: suppressor)
        } else {
            writeVisible(text)
        }
    }

    @inline(__always)
    mutating func writeVisible(_ text: UnsafeBufferPointer<UInt8>) {
        sawContent = true
        writer.write(text, preformatted: stack.last?.preformatted ?? false)
    }

    mutating func suppressed(_ text: UnsafeBufferPointer<UInt8>, by index: Int32) {
        guard index >= 0 else { return }
        let suppressor = suppressors[Int(index)]
        guard suppressor.reported else { return }
        if suppressor.removal < 0 {
            guard text.contains(where: { !$0.isASCIIWhitespace }) else { return }
            suppressors[Int(index)].removal = report.add(layer: suppressor.layer, reason: suppressor.reason)
        }
        report.appendExcerpt(text, to: suppressors[Int(index)].removal, limit: configuration.excerptLength)
    }

    // MARK: - Comments and DOCTYPEs

    mutating func comment(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) {
        if configuration.removesHiddenHTML {
            if text.contains(where: { !$0.isASCIIWhitespace }) {
                let removal = report.add(layer: .hiddenHTML, reason: "comment")
                report.appendExcerpt(text, to: removal, limit: configuration.excerptLength)
            }
        } else {
            characters(text, source: source)
        }
    }

    mutating func doctype(_ doctype: HTMLDoctype, source: Range<Int>) {}

    // MARK: - Start tags

    mutating func startTag(_ tag: HTMLTag, source: Range<Int>) -> HTMLContentState? {
        let name = HTMLTagName(tag.name)
        let traits = HTMLElementTraits.of(name)
        if overflowDepth > 0 {
            return (stack.last?.foreign ?? false) ? nil : HTMLContentState.after(startTag: tag.name)
        }
        if let top = stack.last {
            if top.name == .head && !top.foreign && !traits.contains(.headContent) {
                pop(count: 1)
            }
        }
        if stack.last?.foreign == true && traits.contains(.breaksOutOfForeign) {
            while let last = stack.last, last.foreign { pop(count: 1) }
        }
        let foreignParent = stack.last?.foreign ?? false
        if !foreignParent {
            closeImplied(by: name, traits: traits)
        }
        switch name {
        case .html, .body:
            // Not modelled as open elements (they never close), but selectors may name them.
            let index = name == .html ? 0 : 1
            if !rootKeysSeen[index] {
                rootKeysSeen[index] = true
                let attributes = KeyAttributes(tag)
                rootKeys[index] = sheet.keys(of: tag, classAttribute: attributes.classes, idAttribute: attributes.id,
                                             allAttributes: true)
            }
            return nil
        case .br:
            if (stack.last?.suppressor ?? -1) < 0 { writer.lineBreak() }
            return nil
        case .input where configuration.removesHiddenHTML:
            if let type = tag.value(of: "type"), Self.equalsIgnoringCase(type, "hidden"),
               let value = tag.value(of: "value"), value.contains(where: { !$0.isASCIIWhitespace }),
               (stack.last?.suppressor ?? -1) < 0 {
                let removal = report.add(layer: .hiddenHTML, reason: "input type=hidden")
                report.appendExcerpt(value, to: removal, limit: configuration.excerptLength)
            }
        default:
            break
        }
        if traits.contains(.void) && !foreignParent {
            if traits.contains(.block), (stack.last?.suppressor ?? -1) < 0 { writer.blockBoundary() }
            return nil
        }
        var element = Element(name: name, otherName: name == .other ? CSSStyleSheet.nameHash(tag.name, kind: 1) : 0,
                              foreign: foreignParent || name == .svg || name == .math,
                              preformatted: (stack.last?.preformatted ?? false) || traits.contains(.preformatted))
        if foreignParent, Self.isIntegrationPoint(name) {
            element.foreign = false
            element.integrationPoint = true
        }
        if let parent = stack.last {
            element.hard = parent.hard
            element.visibility = parent.visibility
            element.fontSize = parent.fontSize
            element.color = parent.color
        }
        let attributes = KeyAttributes(tag)
        var keys: CSSStyleSheet.ElementKeys?
        if sheet.needsAncestors {
            keys = sheet.keys(of: tag, classAttribute: attributes.classes, idAttribute: attributes.id)
            keyStore.append(keys!)
            element.keys = Int32(keyStore.count - 1)
        }
        if element.hard < 0 && !(foreignParent && name == .title) {
            classify(tag, name: name, attributes: attributes, keys: keys, into: &element)
        }
        if element.suppressor < 0 && !traits.contains(.headContent) && name != .head { sawContent = true }

        if tag.isSelfClosing && element.foreign {
            return nil // a foreign element closed by "/>"
        }
        if stack.count >= configuration.maxNestingDepth {
            overflowDepth = 1
            if overflowSuppressor < 0 {
                overflowSuppressor = addSuppressor(.hiddenHTML, "nesting deeper than \(configuration.maxNestingDepth)", reported: true)
            }
            return element.foreign ? nil : HTMLContentState.after(startTag: tag.name)
        }
        if element.suppressor < 0 {
            if traits.contains(.block) { writer.blockBoundary() } else if traits.contains(.cell) { writer.space() }
        }
        stack.append(element)
        if name == .style && collectsStyles {
            collectingStyle = true
            styleText.removeAll(keepingCapacity: true)
            styleIsScreen = Self.appliesToScreen(tag.value(of: "media"))
        }
        if foreignParent || name == .svg || name == .math { return nil }
        return HTMLContentState.after(startTag: tag.name)
    }

    /// Decides what hides a new element whose ancestors do not hide it for good.
    mutating func classify(_ tag: HTMLTag, name: HTMLTagName, attributes: KeyAttributes, keys: CSSStyleSheet.ElementKeys?,
                           into element: inout Element) {
        if configuration.removesHiddenHTML {
            var reason: String?
            switch name {
            case .template: reason = "template"
            case .noscript: reason = "noscript"
            case .canvas: reason = "canvas fallback"
            case .audio, .video: reason = "media fallback"
            case .datalist: reason = "datalist"
            case .dialog: if tag.value(of: "open") == nil { reason = "dialog without open" }
            default: break
            }
            if reason == nil, tag.attributeCount > 0 {
                if attributes.hidden {
                    reason = "hidden attribute"
                } else if let ariaHidden = attributes.ariaHidden, Self.equalsIgnoringCase(Self.trimmed(ariaHidden), "true") {
                    reason = "aria-hidden=true"
                }
            }
            if let reason {
                element.hard = addSuppressor(.hiddenHTML, reason, reported: true)
                return
            }
        }
        // A sheet without hiding rules can only undo hiding: only an element with its own style or under
        // undoable hiding needs it (skipping it otherwise can only keep more hidden).
        let needsSheet = sheet.hasHidingRules || attributes.style != nil || element.visibility >= 0 || element.fontSize >= 0
            || element.color >= 0
        if configuration.removesHiddenCSS,
           let (declarations, selector) = needsSheet ? cssDeclarations(tag, attributes, keys: keys)
               : inlineDeclarations(attributes).map({ ($0, nil) }) {
            for (reason, override) in declarations.hidingReasons() {
                let text = selector.map { "\(reason) (style rule \($0))" } ?? reason
                switch override {
                case .none:
                    element.hard = addSuppressor(.hiddenCSS, text, reported: true)
                    return
                case .visibility: if element.visibility < 0 { element.visibility = addSuppressor(.hiddenCSS, text, reported: true) }
                case .fontSize: if element.fontSize < 0 { element.fontSize = addSuppressor(.hiddenCSS, text, reported: true) }
                case .color: if element.color < 0 { element.color = addSuppressor(.hiddenCSS, text, reported: true) }
                }
            }
            if element.visibility >= 0, declarations.undoes(.visibility) { element.visibility = -1 }
            if element.fontSize >= 0, declarations.undoes(.fontSize) { element.fontSize = -1 }
            if element.color >= 0, declarations.undoes(.color) { element.color = -1 }
        }
        switch name {
        case .script, .style, .head, .title, .svg, .iframe, .noembed, .noframes:
            if element.hard < 0 { element.hard = addSuppressor(.textExtraction, name.name, reported: false) }
        default:
            break
        }
    }

    /// The element's inline style on top of the page's rules that match it, when either says anything that
    /// can hide; the selector of the last matching rule.
    func cssDeclarations(_ tag: HTMLTag, _ attributes: KeyAttributes, keys: CSSStyleSheet.ElementKeys?) -> (CSSDeclarations, String?)? {
        var cascaded: CSSDeclarations?
        var selector: String?
        if !sheet.isEmpty {
            let classAttribute = sheet.hasClassRules ? attributes.classes : nil
            let idAttribute = sheet.hasIDRules ? attributes.id : nil
            guard sheet.mayMatch(tag, classAttribute: classAttribute, idAttribute: idAttribute) else {
                return inlineDeclarations(attributes).map { ($0, nil) }
            }
            let keys = keys ?? sheet.keys(of: tag, classAttribute: attributes.classes, idAttribute: attributes.id)
            let ancestors = sheet.needsAncestors ? rootKeys + stack.compactMap { $0.keys >= 0 ? keyStore[Int($0.keys)] : nil } : []
            if let (declarations, matched) = sheet.declarations(for: keys, ancestors: ancestors) {
                cascaded = declarations
                selector = matched
            }
        }
        if let inline = inlineDeclarations(attributes) {
            if cascaded == nil {
                cascaded = inline
                selector = nil
            } else {
                cascaded!.apply(inline)
            }
        }
        return cascaded.map { ($0, selector) }
    }

    /// The element's `style` attribute, when it declares anything that takes part in hiding.
    func inlineDeclarations(_ attributes: KeyAttributes) -> CSSDeclarations? {
        guard let style = attributes.style, !style.isEmpty else { return nil }
        let inline = CSSDeclarations(cleaned: CSSText.normalize(style)[...])
        return inline.isEmpty ? nil : inline
    }

    /// The attributes that decide hiding, found in one pass over the tag's attributes.
    struct KeyAttributes {
        var hidden = false
        var ariaHidden: UnsafeBufferPointer<UInt8>?
        var style: UnsafeBufferPointer<UInt8>?
        var classes: UnsafeBufferPointer<UInt8>?
        var id: UnsafeBufferPointer<UInt8>?

        init(_ tag: HTMLTag) {
            for index in 0 ..< tag.attributeCount {
                let name = tag.attributeName(at: index)
                @inline(__always) func isNamed(_ literal: StaticString) -> Bool {
                    UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount).elementsEqual(name)
                }
                switch name.count {
                case 2: if id == nil, isNamed("id") { id = tag.attributeValue(at: index) }
                case 5:
                    if style == nil, isNamed("style") {
                        style = tag.attributeValue(at: index)
                    } else if classes == nil, isNamed("class") {
                        classes = tag.attributeValue(at: index)
                    }
                case 6: if isNamed("hidden") { hidden = true }
                case 11: if ariaHidden == nil, isNamed("aria-hidden") { ariaHidden = tag.attributeValue(at: index) }
                default: break
                }
            }
        }
    }

    mutating func addSuppressor(_ layer: SanitizerLayer, _ reason: String, reported: Bool) -> Int32 {
        if !reported { report.count(layer) }
        suppressors.append(Suppressor(layer: layer, reason: reason, reported: reported))
        return Int32(suppressors.count - 1)
    }

    // MARK: - End tags

    mutating func endTag(_ tag: HTMLTag, source: Range<Int>) {
        if overflowDepth > 0 { return }
        let name = HTMLTagName(tag.name)
        let traits = HTMLElementTraits.of(name)
        let otherName = name == .other ? CSSStyleSheet.nameHash(tag.name, kind: 1) : 0
        switch name {
        case .html, .body:
            return // text after </body> is still in the body
        case .br:
            if (stack.last?.suppressor ?? -1) < 0 { writer.lineBreak() }
            return
        case .p:
            if let index = find(.p, scope: .button) { popThrough(index) } else if (stack.last?.suppressor ?? -1) < 0 {
                writer.blockBoundary()
            }
            return
        case .h1, .h2, .h3, .h4, .h5, .h6:
            if let index = findLast(where: { [.h1, .h2, .h3, .h4, .h5, .h6].contains($0.name) && !$0.foreign }) {
                popThrough(index)
            }
            return
        default:
            break
        }
        if stack.last?.foreign == true {
            // Foreign content: the nearest element of that name, without scope rules.
            if let index = findLast(where: { $0.foreign && $0.name == name && $0.otherName == otherName }) {
                popThrough(index)
                return
            }
        }
        if traits.contains(.closesInScope) {
            let scope: Scope = name == .li ? .listItem : [.tbody, .thead, .tfoot, .tr, .td, .th, .table].contains(name) ? .table : .normal
            if let index = find(name, scope: scope) { popThrough(index) }
            return
        }
        // Any other end tag: the nearest element of that name, unless a special element comes first.
        var index = stack.count - 1
        let lowest = max(0, stack.count - Self.walkLimit)
        while index >= lowest {
            let element = stack[index]
            if element.name == name && element.otherName == otherName && !element.foreign {
                popThrough(index)
                return
            }
            if !element.foreign && HTMLElementTraits.of(element.name).contains(.special) { return }
            index -= 1
        }
    }

    enum Scope { case normal, button, listItem, table }

    /// The index of the nearest open HTML element with this name in the standard's scope, if any.
    func find(_ name: HTMLTagName, scope: Scope) -> Int? {
        var index = stack.count - 1
        let lowest = max(0, stack.count - Self.walkLimit)
        while index >= lowest {
            let element = stack[index]
            if element.integrationPoint {
                if scope != .table { return nil }
            } else if element.name == name && !element.foreign {
                return index
            }
            if element.foreign || element.integrationPoint {
                // Foreign elements do not bound the table scope; integration points bound the others (above).
            } else {
                switch scope {
                case .table:
                    if element.name == .table || element.name == .template { return nil }
                case .normal, .button, .listItem:
                    if HTMLElementTraits.of(element.name).contains(.scopeBoundary) { return nil }
                    if scope == .button && element.name == .button { return nil }
                    if scope == .listItem && (element.name == .ol || element.name == .ul) { return nil }
                }
            }
            index -= 1
        }
        return nil
    }

    func findLast(where predicate: (Element) -> Bool) -> Int? {
        var index = stack.count - 1
        let lowest = max(0, stack.count - Self.walkLimit)
        while index >= lowest {
            if predicate(stack[index]) { return index }
            index -= 1
        }
        return nil
    }

    /// Start tags that close elements implicitly: `<p>` before a block, `<li>` before `<li>`, cells.
    mutating func closeImplied(by name: HTMLTagName, traits: HTMLElementTraits) {
        if traits.contains(.closesParagraph), let index = find(.p, scope: .button) { popThrough(index) }
        switch name {
        case .li, .dd, .dt:
            let siblings: [HTMLTagName] = name == .li ? [.li] : [.dd, .dt]
            var index = stack.count - 1
            let lowest = max(0, stack.count - Self.walkLimit)
            while index >= lowest {
                let element = stack[index]
                if siblings.contains(element.name) && !element.foreign {
                    popThrough(index)
                    break
                }
                if element.foreign || (HTMLElementTraits.of(element.name).contains(.special)
                    && ![.address, .div, .p].contains(element.name)) { break }
                index -= 1
            }
        case .h1, .h2, .h3, .h4, .h5, .h6:
            if let top = stack.last, [.h1, .h2, .h3, .h4, .h5, .h6].contains(top.name), !top.foreign { pop(count: 1) }
        case .option:
            if stack.last?.name == .option { pop(count: 1) }
        case .td, .th:
            if let index = find(.td, scope: .table) ?? find(.th, scope: .table) { popThrough(index) }
        case .tr:
            if let index = find(.tr, scope: .table) { popThrough(index) }
        case .tbody, .thead, .tfoot:
            if let index = find(.tbody, scope: .table) ?? find(.thead, scope: .table) ?? find(.tfoot, scope: .table) {
                popThrough(index)
            }
        default:
            break
        }
    }

    mutating func popThrough(_ index: Int) { pop(count: stack.count - index) }

    mutating func pop(count: Int) {
        for _ in 0 ..< count {
            guard let element = stack.popLast() else { return }
            if element.name == .style && collectingStyle {
                collectingStyle = false
                if styleIsScreen {
                    let before = sheet.rules.count
                    styleText.withUnsafeBufferPointer { sheet.add($0) }
                    if sheet.rules.count > before && sawContent { needsSecondPass = true }
                }
            }
            if element.suppressor < 0 {
                let traits = HTMLElementTraits.of(element.name)
                if traits.contains(.block) { writer.blockBoundary() } else if traits.contains(.cell) { writer.space() }
            }
        }
    }

    /// Closes what is still open at the end of input (a `<style>` cut off still counts).
    mutating func finish() { pop(count: stack.count) }

    // MARK: - Helpers

    static func isIntegrationPoint(_ name: HTMLTagName) -> Bool {
        [.foreignObject, .desc, .title, .mi, .mo, .mn, .ms, .mtext, .annotationXML].contains(name)
    }

    /// Whether a `<style media=...>` applies on a screen.
    static func appliesToScreen(_ media: UnsafeBufferPointer<UInt8>?) -> Bool {
        guard let media else { return true }
        let text = String(decoding: media, as: UTF8.self).lowercased()
        return !((text.contains("print") || text.contains("speech")) && !text.contains("screen") && !text.contains("all"))
    }

    @inline(__always) static func lowered(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ literal: String) -> Bool {
        bytes.count == literal.utf8.count && zip(bytes, literal.utf8).allSatisfy { lowered($0) == $1 }
    }

    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
        var slice = bytes[...]
        while let first = slice.first, first.isASCIIWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isASCIIWhitespace { slice = slice.dropLast() }
        return slice
    }
}
