/// The rules of a page's `<style>` blocks that take part in hiding text, indexed by the names of the element
/// they apply to.
///
/// Selectors are read as chains of compounds (tag or `*`, classes, an id) joined by combinators. Where a
/// selector says more than this model can check, the rule is bent toward hiding more, never less:
///
/// - A rule whose declarations hide (``CSSDeclarations/hidingReasons()``) ignores the conditions it cannot
///   check (attribute selectors, structural pseudo-classes such as `:first-child`, `:nth-child()`, `:not()`,
///   a sibling combinator's left side) and treats `>` like a descendant: it applies wherever the browser's
///   rule could.
/// - A rule that does not hide (`display: block`, `visibility: visible`: it can only undo hiding) applies
///   only when every condition was checked, `>` included.
/// - A rule conditional on user interaction (`:hover`, `:focus`, `:active`, `:target`, `:visited`) or
///   aimed at generated content (`::before`, `::after`) is left out: it does not hide the element itself.
///
/// Rules inside `@media print` (or speech) and other at-rules (`@keyframes`, `@font-face`) do not count;
/// `@media` for screens, `@supports`, `@layer` and `@container` do.
struct CSSStyleSheet: Sendable {
    /// A compound selector as name hashes (see ``nameHash(_:kind:)``); nil and empty match anything.
    struct Compound: Sendable, Hashable {
        var tag: UInt64?
        var classes: [UInt64]
        var id: UInt64?
        /// Attributes the element must have (`[data-x]`, `[type=hidden]`; values are not compared).
        var attributes: [UInt64] = []

        func matches(_ keys: ElementKeys) -> Bool {
            (tag == nil || tag == keys.tag) && (id == nil || id == keys.id) && classes.allSatisfy { keys.classes.contains($0) }
                && attributes.allSatisfy { keys.attributes.contains($0) }
        }
    }

    /// What an element offers selectors: its name hashes.
    struct ElementKeys: Sendable {
        var tag: UInt64
        var id: UInt64?
        var classes: [UInt64]
        /// Its attribute names (kept only when some rule asks for an attribute).
        var attributes: [UInt64] = []
    }

    struct Rule: Sendable {
        var subject: Compound
        /// The compounds the element's ancestors must match, nearest first, and whether each must be the
        /// parent of the one before (`>`).
        var ancestors: [(compound: Compound, parent: Bool)]
        /// Whether the declarations hide (the rule then bends toward matching more).
        var hides: Bool
        /// Whether every condition of the selector is in `subject` and `ancestors`.
        var exact: Bool
        var specificity: Int
        var order: Int
        var declarations: CSSDeclarations
        var selector: String
    }

    private(set) var rules: [Rule] = []
    /// Rule indices by the hash of their subject's id, else its first class, else its tag (or universal).
    private var index: [UInt64: [Int]] = [:]
    private var universal: [Int] = []
    /// Rules by their selector text, so that a repeated selector adds to one rule instead of a new one.
    private var bySelector: [String: Int] = [:]
    /// Rules that may be checked for one element; past it the element is treated as hidden.
    static let maxCandidates = 512
    /// Limits the work a hostile page can cause.
    let maxRules: Int
    /// One bit per indexed hash (its low six bits): most names are rejected by this before the index is asked.
    private var nameBloom: UInt64 = 0
    private(set) var hasUniversalRules = false
    private(set) var hasClassRules = false
    private(set) var hasIDRules = false
    private(set) var hasAttributeRules = false
    /// Whether some rule hides. Without one, the sheet can only undo hiding, which matters only for elements
    /// with a style attribute or under hiding a descendant can undo.
    private(set) var hasHidingRules = false
    /// Whether some rule has ancestor conditions (elements must then carry their keys on the stack).
    private(set) var needsAncestors = false

    init(maxRules: Int = 10_000) { self.maxRules = maxRules }

    var isEmpty: Bool { rules.isEmpty }

    /// FNV-1a of ASCII-lower-cased bytes, with the kind (1 tag, 2 class, 3 id) mixed in.
    static func nameHash(_ bytes: some Sequence<UInt8>, kind: UInt8) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(kind)
        for byte in bytes {
            let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            hash = (hash ^ UInt64(lowered)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// An element's keys from its tag name and `class` and `id` attributes, and its attribute names when the
    /// sheet has attribute rules.
    func keys(of tag: HTMLTag, classAttribute: UnsafeBufferPointer<UInt8>?, idAttribute: UnsafeBufferPointer<UInt8>?,
              allAttributes: Bool = false) -> ElementKeys {
        var keys = Self.keys(tag: tag.name, classAttribute: classAttribute, idAttribute: idAttribute)
        if hasAttributeRules || allAttributes {
            keys.attributes = (0 ..< tag.attributeCount).map { Self.nameHash(tag.attributeName(at: $0), kind: 4) }
        }
        return keys
    }

    /// An element's keys from its tag name and `class` and `id` attributes.
    static func keys(tag: UnsafeBufferPointer<UInt8>, classAttribute: UnsafeBufferPointer<UInt8>?,
                     idAttribute: UnsafeBufferPointer<UInt8>?) -> ElementKeys {
        var classes: [UInt64] = []
        if let value = classAttribute {
            var start = 0
            for i in 0 ... value.count where i == value.count || value[i].isASCIIWhitespace {
                if i > start { classes.append(nameHash(UnsafeBufferPointer(rebasing: value[start ..< i]), kind: 2)) }
                start = i + 1
            }
        }
        return ElementKeys(tag: nameHash(tag, kind: 1), id: idAttribute.map { nameHash($0, kind: 3) }, classes: classes)
    }

    @inline(__always)
    private func indexed(_ hash: UInt64) -> Bool {
        nameBloom & (1 << (hash & 63)) != 0 && index[hash] != nil
    }

    /// Whether an element with this tag, class attribute and id attribute may match a rule (without
    /// allocating: most elements of most pages are rejected here).
    func mayMatch(_ element: HTMLTag, classAttribute: UnsafeBufferPointer<UInt8>?,
                  idAttribute: UnsafeBufferPointer<UInt8>?) -> Bool {
        if rules.isEmpty { return false }
        if hasUniversalRules || indexed(Self.nameHash(element.name, kind: 1)) { return true }
        if hasAttributeRules {
            for index in 0 ..< element.attributeCount where indexed(Self.nameHash(element.attributeName(at: index), kind: 4)) {
                return true
            }
        }
        if let id = idAttribute, indexed(Self.nameHash(id, kind: 3)) { return true }
        if let classes = classAttribute {
            var start = 0
            for i in 0 ... classes.count where i == classes.count || classes[i].isASCIIWhitespace {
                if i > start, indexed(Self.nameHash(UnsafeBufferPointer(rebasing: classes[start ..< i]), kind: 2)) {
                    return true
                }
                start = i + 1
            }
        }
        return false
    }

    /// Reads a style block's text.
    mutating func add(_ css: UnsafeBufferPointer<UInt8>) {
        let cleaned = CSSText.normalize(css)
        parseRules(cleaned[...])
    }

    private mutating func parseRules(_ css: ArraySlice<UInt8>) {
        var i = css.startIndex
        while i < css.endIndex, rules.count < maxRules {
            // The prelude: up to '{' (a block follows) or ';' (a statement at-rule).
            var j = i
            while j < css.endIndex, css[j] != 0x7B, css[j] != 0x3B, css[j] != 0x7D { j += 1 }
            let prelude = CSSText.trimmed(css[i ..< j])
            guard j < css.endIndex else { return }
            if css[j] != 0x7B {
                i = j + 1
                continue
            }
            let blockEnd = Self.matchingBrace(css, open: j)
            let body = css[(j + 1) ..< min(blockEnd, css.endIndex)]
            if prelude.first == 0x40 {
                let text = String(decoding: prelude, as: UTF8.self)
                let name = text.dropFirst().prefix { $0.isLetter || $0 == "-" }
                switch name {
                case "media":
                    let query = text.dropFirst(6)
                    let otherMediaOnly = (query.contains("print") || query.contains("speech"))
                        && !query.contains("screen") && !query.contains("all")
                    if !otherMediaOnly { parseRules(body) }
                case "supports", "layer", "container", "document", "-moz-document", "scope":
                    parseRules(body)
                default:
                    break // @font-face, @keyframes, @page, ...: no selectors
                }
            } else {
                addRule(selectors: prelude, body: body)
            }
            i = min(blockEnd + 1, css.endIndex)
        }
    }

    /// The index of the '}' closing the block opened at `open`, or the end.
    private static func matchingBrace(_ css: ArraySlice<UInt8>, open: Int) -> Int {
        var depth = 0
        var i = open
        while i < css.endIndex {
            if css[i] == 0x7B {
                depth += 1
            } else if css[i] == 0x7D {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return css.endIndex
    }

    private mutating func addRule(selectors: ArraySlice<UInt8>, body: ArraySlice<UInt8>) {
        let declarations = CSSDeclarations(cleaned: body)
        guard !declarations.isEmpty else { return }
        let hides = !declarations.hidingReasons().isEmpty
        for selector in CSSText.split(selectors, at: 0x2C) {
            let text = CSSText.trimmed(selector)
            let source = String(decoding: text, as: UTF8.self)
            if let existing = bySelector[source] {
                rules[existing].declarations.apply(declarations)
                rules[existing].hides = rules[existing].hides || hides
                if hides { hasHidingRules = true }
                continue
            }
            guard let parsed = Self.parse(text) else { continue }
            // A rule that cannot hide is only used when its selector was checked whole.
            guard hides || parsed.exact else { continue }
            let position = rules.count
            bySelector[source] = position
            let subject = parsed.chain.last!.compound
            let specificity = (subject.id == nil ? 0 : 10_000) + subject.classes.count * 100 + (subject.tag == nil ? 0 : 1)
            let ancestors = parsed.chain.dropLast().reversed().enumerated().map { offset, element in
                // Whether this ancestor must be the parent of the compound after it (nearer the subject).
                (compound: element.compound, parent: parsed.chain[parsed.chain.count - 1 - offset].parent)
            }
            if hides { hasHidingRules = true }
            rules.append(Rule(subject: subject, ancestors: ancestors, hides: hides, exact: parsed.exact,
                              specificity: specificity, order: position, declarations: declarations, selector: source))
            if !ancestors.isEmpty { needsAncestors = true }
            let key: UInt64?
            if !(subject.attributes.isEmpty && ancestors.allSatisfy({ $0.compound.attributes.isEmpty })) {
                hasAttributeRules = true
            }
            if let id = subject.id {
                key = id
                hasIDRules = true
            } else if let first = subject.classes.first {
                key = first
                hasClassRules = true
            } else if let tag = subject.tag {
                key = tag
            } else {
                key = subject.attributes.first
            }
            if let key {
                index[key, default: []].append(position)
                nameBloom |= 1 << (key & 63)
            } else {
                universal.append(position)
                hasUniversalRules = true
            }
        }
    }

    /// A selector as a chain of compounds, outermost first; `parent` says the compound is joined to the one
    /// before it by `>`. `exact` is false when a condition was dropped. Nil when the rule does not apply to
    /// the element itself (interaction states, pseudo-elements) or the selector is malformed.
    static func parse(_ selector: ArraySlice<UInt8>) -> (chain: [(compound: Compound, parent: Bool)], exact: Bool)? {
        guard !selector.isEmpty else { return nil }
        // Split at combinators outside brackets, parentheses and quotes.
        var parts: [(text: ArraySlice<UInt8>, combinator: UInt8)] = [] // the combinator before the part
        var depth = 0
        var quote: UInt8 = 0
        var start = selector.startIndex
        var pending: UInt8 = 0x20
        var i = selector.startIndex
        while i < selector.endIndex {
            let b = selector[i]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == 0x22 || b == 0x27 {
                quote = b
            } else if b == 0x28 || b == 0x5B {
                depth += 1
            } else if b == 0x29 || b == 0x5D {
                depth = max(0, depth - 1)
            } else if depth == 0, b == 0x20 || b == 0x3E || b == 0x2B || b == 0x7E {
                if i > start { parts.append((selector[start ..< i], pending)) }
                // A run of spaces around one combinator.
                var combinator: UInt8 = 0x20
                var k = i
                while k < selector.endIndex, [0x20, 0x3E, 0x2B, 0x7E].contains(selector[k]) {
                    if selector[k] != 0x20 { combinator = selector[k] }
                    k += 1
                }
                pending = combinator
                start = k
                i = k
                continue
            }
            i += 1
        }
        if start < selector.endIndex { parts.append((selector[start ..< selector.endIndex], pending)) }
        guard !parts.isEmpty else { return nil }
        var chain: [(compound: Compound, parent: Bool)] = []
        var exact = true
        for (index, part) in parts.enumerated() {
            guard let (compound, checked) = parseCompound(part.text) else { return nil }
            if !checked { exact = false }
            let isSibling = part.combinator == 0x2B || part.combinator == 0x7E
            if isSibling, !chain.isEmpty {
                // A sibling shares the parent of the compound before it: that compound is dropped, its
                // relation to its own predecessor kept.
                let previous = chain.removeLast()
                chain.append((compound, previous.parent))
                exact = false
            } else {
                chain.append((compound, index > 0 && part.combinator == 0x3E))
            }
        }
        return (chain, exact)
    }

    /// A compound selector; `checked` is false when a condition was dropped. Nil for interaction states and
    /// pseudo-elements, or malformed text.
    static func parseCompound(_ text: ArraySlice<UInt8>) -> (Compound, checked: Bool)? {
        var compound = Compound(tag: nil, classes: [], id: nil)
        var checked = true
        var i = text.startIndex
        func readName() -> ArraySlice<UInt8> {
            let start = i
            while i < text.endIndex {
                let b = text[i]
                guard b >= 0x80 || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F else { break }
                i += 1
            }
            return text[start ..< i]
        }
        if i < text.endIndex, text[i] == 0x2A {
            i += 1
        } else {
            let name = readName()
            if !name.isEmpty { compound.tag = nameHash(name, kind: 1) }
        }
        while i < text.endIndex {
            let marker = text[i]
            i += 1
            switch marker {
            case 0x2E: // .class
                let name = readName()
                guard !name.isEmpty else { return nil }
                compound.classes.append(nameHash(name, kind: 2))
            case 0x23: // #id
                let name = readName()
                guard !name.isEmpty else { return nil }
                if compound.id != nil, compound.id != nameHash(name, kind: 3) { return nil } // matches nothing
                compound.id = nameHash(name, kind: 3)
            case 0x5B: // [attribute]: its presence is checked; a value condition is dropped
                let name = readName()
                // "[ns|name]" and "[*|name]" name a namespace first: no requirement is kept for those.
                let namespaced = i + 1 < text.endIndex && text[i] == 0x7C && text[i + 1] != 0x3D
                var depth = 1
                var rest = 0
                while i < text.endIndex, depth > 0 {
                    if text[i] == 0x5B { depth += 1 } else if text[i] == 0x5D { depth -= 1 }
                    if depth > 0 { rest += 1 }
                    i += 1
                }
                if name.isEmpty || namespaced {
                    checked = false
                } else {
                    compound.attributes.append(nameHash(name, kind: 4))
                    if rest > 0 { checked = false }
                }
            case 0x3A: // :pseudo-class or ::pseudo-element
                if i < text.endIndex, text[i] == 0x3A { return nil }
                let name = String(decoding: readName(), as: UTF8.self)
                if ["before", "after", "first-line", "first-letter", "marker", "placeholder", "selection"].contains(name) {
                    return nil
                }
                // Interaction states, and :empty (an element without children has no text to hide).
                if ["hover", "focus", "active", "focus-within", "focus-visible", "visited", "target", "checked",
                    "open", "popover-open", "modal", "fullscreen", "empty"].contains(name) {
                    return nil
                }
                if i < text.endIndex, text[i] == 0x28 { // arguments
                    var depth = 0
                    while i < text.endIndex {
                        if text[i] == 0x28 { depth += 1 } else if text[i] == 0x29 { depth -= 1 }
                        i += 1
                        if depth == 0 { break }
                    }
                }
                checked = false
            default:
                return nil
            }
        }
        return (compound, checked)
    }

    /// The declarations of the rules matching an element, cascaded (by specificity, then order), and the
    /// selector of the last one; nil when none matches.
    /// - Parameters:
    ///   - keys: The element's names.
    ///   - ancestors: Its ancestors' names, nearest last (needed only when ``needsAncestors``).
    func declarations(for keys: ElementKeys, ancestors: [ElementKeys]) -> (CSSDeclarations, selector: String)? {
        var candidates = universal
        if let list = index[keys.tag] { candidates += list }
        for name in keys.classes { if let list = index[name] { candidates += list } }
        if let id = keys.id, let list = index[id] { candidates += list }
        for name in keys.attributes { if let list = index[name] { candidates += list } }
        guard !candidates.isEmpty else { return nil }
        guard candidates.count <= Self.maxCandidates else {
            // A page with this many rules for one element is hostile: fail closed.
            var hidden = CSSDeclarations()
            hidden.set(.display, .init(text: "none", important: true))
            return (hidden, "more than \(Self.maxCandidates) rules match")
        }
        let matching = Set(candidates).map { rules[$0] }.filter { rule in
            rule.subject.matches(keys) && Self.ancestorsMatch(rule, ancestors)
        }.sorted { ($0.specificity, $0.order) < ($1.specificity, $1.order) }
        guard let last = matching.last else { return nil }
        var cascaded = CSSDeclarations()
        for rule in matching { cascaded.apply(rule.declarations) }
        return (cascaded, last.selector)
    }

    /// Whether the ancestors satisfy the rule's chain: greedily, nearest first. A hiding rule reads `>` as a
    /// descendant (exact for descendant chains, and never less than the browser); a rule that does not hide
    /// checks `>` strictly (a greedy miss only keeps it from undoing hiding).
    static func ancestorsMatch(_ rule: Rule, _ ancestors: [ElementKeys]) -> Bool {
        guard !rule.ancestors.isEmpty else { return true }
        var position = ancestors.count - 1
        for (compound, parent) in rule.ancestors {
            if parent && !rule.hides {
                guard position >= 0, compound.matches(ancestors[position]) else { return false }
                position -= 1
                continue
            }
            while position >= 0, !compound.matches(ancestors[position]) { position -= 1 }
            guard position >= 0 else { return false }
            position -= 1
        }
        return true
    }
}
