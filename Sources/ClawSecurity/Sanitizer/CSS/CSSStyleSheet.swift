/// The rules of a page's `<style>` blocks that can hide text, indexed by the simple selectors they use.
///
/// A selector counts when it is a compound of a tag (or `*`), classes and an id: `p`, `.x`, `#y`,
/// `span.x`. For a selector with combinators (`.menu .x`, `div > #y`) only its last compound is kept,
/// and only when that names a class or an id: matching it anywhere may remove a little more than a
/// browser would, never less. Selectors with pseudo-classes or attribute conditions, rules inside
/// `@media print` (or speech) and other at-rules (`@keyframes`, `@font-face`) do not count.
struct CSSStyleSheet: Sendable {
    struct Rule: Sendable {
        var tag: [UInt8]?
        var classes: [[UInt8]]
        var id: [UInt8]?
        var specificity: Int
        var order: Int
        var declarations: CSSDeclarations
        var selector: String
    }

    private(set) var rules: [Rule] = []
    private var byTag: [[UInt8]: [Int]] = [:]
    private var byClass: [[UInt8]: [Int]] = [:]
    private var byID: [[UInt8]: [Int]] = [:]
    private var universal: [Int] = []
    /// Rules by their compound, so that a repeated selector adds to one rule instead of a new one.
    private var bySubject: [SubjectKey: Int] = [:]
    struct SubjectKey: Hashable {
        var tag: [UInt8]?
        var classes: [[UInt8]]
        var id: [UInt8]?
    }
    /// Rules that may be checked for one element; past it the element is treated as hidden.
    static let maxCandidates = 512
    /// Limits the work a hostile page can cause.
    let maxRules: Int

    init(maxRules: Int = 10_000) { self.maxRules = maxRules }

    /// Hashes of the tags, classes and ids rules are indexed by: an element whose names are all absent
    /// cannot match, which is decided without allocating.
    private(set) var nameHashes: Set<UInt64> = []
    /// One bit per hash (its low six bits): most names are rejected by this before the set is asked.
    private var nameBloom: UInt64 = 0
    private(set) var hasUniversalRules = false

    var isEmpty: Bool { rules.isEmpty }

    /// FNV-1a of ASCII-lower-cased bytes, the key of ``nameHashes``.
    static func nameHash(_ bytes: some Sequence<UInt8>, kind: UInt8) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(kind)
        for byte in bytes {
            let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            hash = (hash ^ UInt64(lowered)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    @inline(__always)
    private func contains(_ hash: UInt64) -> Bool {
        nameBloom & (1 << (hash & 63)) != 0 && nameHashes.contains(hash)
    }

    private mutating func insert(_ hash: UInt64) {
        nameHashes.insert(hash)
        nameBloom |= 1 << (hash & 63)
    }

    /// Whether an element with this tag, class attribute and id attribute may match a rule.
    func mayMatch(tag: UnsafeBufferPointer<UInt8>, classAttribute: UnsafeBufferPointer<UInt8>?,
                  idAttribute: UnsafeBufferPointer<UInt8>?) -> Bool {
        if rules.isEmpty { return false }
        if hasUniversalRules || contains(Self.nameHash(tag, kind: 1)) { return true }
        if let id = idAttribute, contains(Self.nameHash(id, kind: 3)) { return true }
        if let classes = classAttribute {
            var start = 0
            for i in 0 ... classes.count {
                if i == classes.count || classes[i] == 0x20 || classes[i] == 0x09 || classes[i] == 0x0A
                    || classes[i] == 0x0C || classes[i] == 0x0D {
                    if i > start, contains(Self.nameHash(UnsafeBufferPointer(rebasing: classes[start ..< i]), kind: 2)) {
                        return true
                    }
                    start = i + 1
                }
            }
        }
        return false
    }
    var hasClassRules: Bool { !byClass.isEmpty }
    var hasIDRules: Bool { !byID.isEmpty }

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
        for selector in CSSText.split(selectors, at: 0x2C) {
            let text = CSSText.trimmed(selector)
            guard let compound = Self.subject(of: text) else { continue }
            let key = SubjectKey(tag: compound.tag, classes: compound.classes, id: compound.id)
            if let existing = bySubject[key] {
                rules[existing].declarations.apply(declarations)
                continue
            }
            let index = rules.count
            bySubject[key] = index
            let specificity = (compound.id == nil ? 0 : 10_000) + compound.classes.count * 100 + (compound.tag == nil ? 0 : 1)
            rules.append(Rule(tag: compound.tag, classes: compound.classes, id: compound.id, specificity: specificity,
                              order: index, declarations: declarations, selector: String(decoding: text, as: UTF8.self)))
            if let id = compound.id {
                byID[id, default: []].append(index)
                insert(Self.nameHash(id, kind: 3))
            } else if let first = compound.classes.first {
                byClass[first, default: []].append(index)
                insert(Self.nameHash(first, kind: 2))
            } else if let tag = compound.tag {
                byTag[tag, default: []].append(index)
                insert(Self.nameHash(tag, kind: 1))
            } else {
                universal.append(index)
                hasUniversalRules = true
            }
        }
    }

    /// The compound that a selector applies to, or nil when it has conditions that cannot be checked.
    static func subject(of selector: ArraySlice<UInt8>) -> (tag: [UInt8]?, classes: [[UInt8]], id: [UInt8]?)? {
        guard !selector.isEmpty else { return nil }
        // The last compound: after the last combinator (space, '>', '+', '~').
        var start = selector.startIndex
        var isComplex = false
        for i in selector.indices where [0x20, 0x3E, 0x2B, 0x7E].contains(selector[i]) {
            start = i + 1
            isComplex = true
        }
        let compound = selector[start...]
        var tag: [UInt8]?
        var classes: [[UInt8]] = []
        var id: [UInt8]?
        var i = compound.startIndex
        func readName() -> [UInt8] {
            var name: [UInt8] = []
            while i < compound.endIndex {
                let b = compound[i]
                guard b >= 0x80 || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F else { break }
                name.append(b)
                i += 1
            }
            return name
        }
        if i < compound.endIndex, compound[i] == 0x2A {
            i += 1
        } else {
            let name = readName()
            if !name.isEmpty { tag = name }
        }
        while i < compound.endIndex {
            let marker = compound[i]
            i += 1
            let name = readName()
            guard !name.isEmpty else { return nil }
            if marker == 0x2E {
                classes.append(name)
            } else if marker == 0x23, id == nil {
                id = name
            } else {
                return nil // pseudo-classes, attribute selectors, two ids
            }
        }
        if isComplex, classes.isEmpty, id == nil { return nil }
        return (tag, classes, id)
    }

    /// The declarations of the rules matching an element, cascaded (by specificity, then order), or nil.
    func declarations(tag: [UInt8], classes: [[UInt8]], id: [UInt8]?) -> (CSSDeclarations, selector: String)? {
        var candidates = universal
        if let list = byTag[tag] { candidates += list }
        for name in classes { if let list = byClass[name] { candidates += list } }
        if let id, let list = byID[id] { candidates += list }
        guard !candidates.isEmpty else { return nil }
        guard candidates.count <= Self.maxCandidates else {
            // A page with this many rules for one element is hostile: fail closed.
            var hidden = CSSDeclarations()
            hidden.set(.display, .init(text: "none", important: true))
            return (hidden, "more than \(Self.maxCandidates) rules match")
        }
        let matching = Set(candidates).map { rules[$0] }.filter { rule in
            (rule.tag == nil || rule.tag! == tag) && (rule.id == nil || rule.id == id)
                && rule.classes.allSatisfy { classes.contains($0) }
        }.sorted { ($0.specificity, $0.order) < ($1.specificity, $1.order) }
        guard let last = matching.last else { return nil }
        var cascaded = CSSDeclarations()
        for rule in matching { cascaded.apply(rule.declarations) }
        return (cascaded, last.selector)
    }
}
