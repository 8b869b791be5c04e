/// The declarations of one style attribute or rule that can hide text, after ``CSSText`` clean-up, and
/// the decision whether they hide the element.
struct CSSDeclarations: Sendable {
    /// The properties that take part in hiding.
    enum Property: Int, CaseIterable {
        case display, visibility, fontSize, opacity, color, width, height, maxWidth, maxHeight
        case overflow, overflowX, overflowY, clip, clipPath, position, left, top, right, bottom, textIndent, transform
        case contentVisibility

        init?(_ name: ArraySlice<UInt8>) {
            switch String(decoding: name, as: UTF8.self) {
            case "display": self = .display
            case "visibility": self = .visibility
            case "font-size": self = .fontSize
            case "opacity": self = .opacity
            case "color": self = .color
            case "width": self = .width
            case "height": self = .height
            case "max-width": self = .maxWidth
            case "max-height": self = .maxHeight
            case "overflow": self = .overflow
            case "overflow-x": self = .overflowX
            case "overflow-y": self = .overflowY
            case "clip": self = .clip
            case "clip-path", "-webkit-clip-path": self = .clipPath
            case "position": self = .position
            case "left", "inset-inline-start": self = .left
            case "top", "inset-block-start": self = .top
            case "right", "inset-inline-end": self = .right
            case "bottom", "inset-block-end": self = .bottom
            case "text-indent": self = .textIndent
            case "transform", "-webkit-transform": self = .transform
            case "content-visibility": self = .contentVisibility
            case "font": self = .fontSize // the shorthand: its size is read from the value
            default: return nil
            }
        }
    }

    /// A value and whether it was `!important`.
    struct Value: Sendable {
        var text: String
        var important: Bool
    }

    private(set) var values: [Value?] = Array(repeating: nil, count: Property.allCases.count)

    /// Whether nothing that hides was declared.
    var isEmpty: Bool { values.allSatisfy { $0 == nil } }

    /// Reads a declaration list (`a: b; c: d !important`), already cleaned by ``CSSText``.
    init(cleaned css: ArraySlice<UInt8>) {
        for declaration in CSSText.split(css, at: 0x3B) {
            guard let colon = declaration.firstIndex(of: 0x3A) else { continue }
            let name = CSSText.trimmed(declaration[declaration.startIndex ..< colon])
            guard let property = Property(name) else { continue }
            var value = String(decoding: CSSText.trimmed(declaration[(colon + 1)...]), as: UTF8.self)
            var important = false
            if let bang = value.lastIndex(of: "!"),
               value[value.index(after: bang)...].trimmingSpaces == "important" {
                important = true
                value = String(value[..<bang]).trimmingSpaces
            }
            if name.elementsEqual("font".utf8) {
                // `font: 0/0 a` and `font: italic 0px serif`: the size is the token with a length.
                value = value.split(separator: " ").map { String($0.split(separator: "/").first ?? "") }
                    .first { CSSDeclarations.length($0) != nil } ?? ""
                if value.isEmpty { continue }
            }
            set(property, Value(text: value, important: important))
        }
    }

    init() {}

    /// Sets a property, unless an important value is already there and the new one is not.
    mutating func set(_ property: Property, _ value: Value) {
        if let existing = values[property.rawValue], existing.important, !value.important { return }
        values[property.rawValue] = value
    }

    /// Applies `other` on top (the cascade: later and more specific wins, `!important` wins over normal).
    mutating func apply(_ other: CSSDeclarations) {
        for (index, value) in other.values.enumerated() {
            if let value { set(Property(rawValue: index)!, value) }
        }
    }

    subscript(_ property: Property) -> String? { values[property.rawValue]?.text }

    // MARK: - Hiding

    /// How an ancestor's hiding can be undone by a descendant (`visibility: visible`, a new absolute
    /// font size, an opaque colour); every other way of hiding holds for the whole subtree.
    enum Override: Sendable { case none, visibility, fontSize, color }

    /// Why these declarations hide their element, and whether a descendant can undo it: the first reason
    /// that holds for the whole subtree, or else every reason a descendant could undo.
    func hidingReasons() -> [(reason: String, override: Override)] {
        if let hard = hardHidingReason() { return [(hard, .none)] }
        var reasons: [(String, Override)] = []
        if let visibility = self[.visibility], visibility == "hidden" || visibility == "collapse" {
            reasons.append(("visibility:hidden", .visibility))
        }
        if let size = self[.fontSize], let pixels = Self.length(size, percentBase: 16), pixels <= 1.5 {
            reasons.append(("font-size:0", .fontSize))
        }
        if let color = self[.color], Self.isTransparent(color) { reasons.append(("color:transparent", .color)) }
        return reasons
    }

    private func hardHidingReason() -> String? {
        if self[.display] == "none" { return "display:none" }
        if let opacity = self[.opacity], let value = Self.number(opacity), value <= 0.05 { return "opacity:0" }
        if self[.contentVisibility] == "hidden" { return "content-visibility:hidden" }
        if let transform = self[.transform], Self.scalesToZero(transform) { return "transform:scale(0)" }
        if let transform = self[.transform], Self.translatesOffScreen(transform) { return "off-screen transform" }
        if let clip = self[.clip], Self.clipsEverything(clip) { return "clip" }
        if let clipPath = self[.clipPath], Self.clipPathHidesAll(clipPath) { return "clip-path" }
        let overflowHidden = [self[.overflow], self[.overflowX], self[.overflowY]].contains {
            guard let value = $0 else { return false }
            return value.contains("hidden") || value.contains("clip")
        }
        if overflowHidden {
            for property in [Property.width, .height, .maxWidth, .maxHeight] {
                if let value = self[property], let pixels = Self.length(value), pixels <= 1 {
                    return "zero size with overflow:hidden"
                }
            }
        }
        if let position = self[.position], position == "absolute" || position == "fixed" {
            for property in [Property.left, .top, .right, .bottom] {
                if let value = self[property], let pixels = Self.length(value, percentBase: 1000),
                   pixels <= -500 || ((property == .left || property == .top) && pixels >= 10_000) {
                    return "off-screen position"
                }
            }
        }
        if let indent = self[.textIndent], let pixels = Self.length(indent, percentBase: 1000), pixels <= -500 {
            return "text-indent"
        }
        return nil
    }

    /// Whether these declarations undo an ancestor's overridable hiding.
    func undoes(_ override: Override) -> Bool {
        switch override {
        case .none: return false
        case .visibility: return self[.visibility] == "visible"
        case .fontSize:
            // Only an absolute size: em and % of zero are still zero.
            guard let size = self[.fontSize], let pixels = Self.length(size, percentBase: nil, relativeAllowed: false) else {
                return false
            }
            return pixels > 1.5
        case .color:
            guard let color = self[.color] else { return false }
            return !Self.isTransparent(color) && color != "inherit" && color != "currentcolor" && color != "unset"
        }
    }

    // MARK: - Values

    /// A plain number or percentage as a fraction (`0`, `.0`, `0%`).
    static func number(_ text: String) -> Double? {
        if text.hasSuffix("%") { return Double(text.dropLast()).map { $0 / 100 } }
        return Double(text)
    }

    /// A length in CSS pixels. Relative units use a 16 px font and a 1920 x 1080 viewport; percentages use
    /// `percentBase` (nil: not a length).
    static func length(_ text: String, percentBase: Double? = nil, relativeAllowed: Bool = true) -> Double? {
        let text = text.trimmingSpaces
        if text == "0" { return 0 }
        var numberEnd = text.startIndex
        for index in text.indices {
            let c = text[index]
            if c.isNumber || c == "." || c == "-" || c == "+" || (c == "e" && index != text.startIndex) {
                numberEnd = text.index(after: index)
            } else {
                break
            }
        }
        // "1em": 'e' was taken as an exponent; give it back.
        while numberEnd > text.startIndex, Double(text[..<numberEnd]) == nil { numberEnd = text.index(before: numberEnd) }
        guard numberEnd > text.startIndex, let value = Double(text[..<numberEnd]) else {
            switch text {
            case "xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large", "xxx-large", "smaller", "larger":
                return relativeAllowed || !text.hasSuffix("er") ? 16 : nil
            default: return nil
            }
        }
        let unit = text[numberEnd...]
        switch unit {
        case "px", "": return unit.isEmpty && value != 0 ? nil : value
        case "pt": return value * 4 / 3
        case "pc": return value * 16
        case "in": return value * 96
        case "cm": return value * 96 / 2.54
        case "mm": return value * 96 / 25.4
        case "q": return value * 96 / 101.6
        case "vw", "vi": return value * 19.2
        case "vh", "vb": return value * 10.8
        case "vmin": return value * 10.8
        case "vmax": return value * 19.2
        case "rem": return value * 16
        case "em", "lh", "rlh", "cap", "ic": return relativeAllowed ? value * 16 : nil
        case "ex", "ch": return relativeAllowed ? value * 8 : nil
        case "%": return percentBase.map { value * $0 / 100 }
        default: return nil
        }
    }

    /// `transform: scale(0)` and its relatives (scaleX, scaleY, scale3d, matrix with zero scale).
    static func scalesToZero(_ text: String) -> Bool {
        for function in functions(in: text) {
            let arguments = function.arguments.compactMap { number($0) }
            switch function.name {
            case "scale", "scalex", "scaley", "scale3d":
                if arguments.contains(where: { abs($0) <= 0.05 }) { return true }
            case "matrix":
                if arguments.count == 6, abs(arguments[0]) <= 0.05 || abs(arguments[3]) <= 0.05 { return true }
            default: continue
            }
        }
        return false
    }

    /// `transform: translate(-9999px)` and its relatives: moved 1,000 px or more out of the page.
    static func translatesOffScreen(_ text: String) -> Bool {
        for function in functions(in: text) where ["translate", "translatex", "translatey", "translate3d"].contains(function.name) {
            if function.arguments.contains(where: { (length($0, percentBase: 1000) ?? 0) <= -1000 }) { return true }
        }
        return false
    }

    /// `clip: rect(0 0 0 0)` or any rectangle with no area (top >= bottom or left >= right).
    static func clipsEverything(_ text: String) -> Bool {
        guard let rect = functions(in: text).first(where: { $0.name == "rect" }) else { return false }
        let values = rect.arguments.map { length($0) }
        guard values.count == 4, let top = values[0], let right = values[1], let bottom = values[2], let left = values[3] else {
            return false
        }
        return bottom <= top + 1 || right <= left + 1
    }

    /// `clip-path: inset(50%)`, `circle(0)`, `ellipse(0 0)`, `polygon(0 0, 0 0, 0 0)`.
    static func clipPathHidesAll(_ text: String) -> Bool {
        for function in functions(in: text) {
            switch function.name {
            case "inset":
                if function.arguments.contains(where: { ($0.hasSuffix("%") ? number($0) : nil).map { $0 >= 0.5 } ?? false }) {
                    return true
                }
            case "circle", "ellipse":
                if let first = function.arguments.first, let radius = length(first, percentBase: 100), radius <= 0.5 {
                    return true
                }
            case "polygon":
                let points = function.arguments.filter { !$0.contains("nonzero") && !$0.contains("evenodd") }
                if !points.isEmpty, Set(points).count == 1 { return true }
            default: continue
            }
        }
        return false
    }

    /// `transparent`, and colours whose alpha is (nearly) zero: `rgba(0,0,0,0)`, `rgb(0 0 0 / 0%)`,
    /// `hsla(...)`, `#0000`, `#00000000`.
    static func isTransparent(_ text: String) -> Bool {
        if text == "transparent" { return true }
        if text.hasPrefix("#") {
            let hex = text.dropFirst()
            if hex.count == 4, let alpha = Int(hex.suffix(1), radix: 16) { return alpha == 0 }
            if hex.count == 8, let alpha = Int(hex.suffix(2), radix: 16) { return alpha <= 12 }
            return false
        }
        guard let function = functions(in: text).first,
              ["rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color"].contains(function.name) else {
            return false
        }
        let alphaText: String?
        if let slash = function.raw.lastIndex(of: "/") {
            alphaText = String(function.raw[function.raw.index(after: slash)...]).trimmingSpaces
        } else if function.arguments.count == 4 {
            alphaText = function.arguments[3]
        } else {
            alphaText = nil
        }
        guard let alphaText, let alpha = number(alphaText) else { return false }
        return alpha <= 0.05
    }

    /// The functions in a value, with their comma- or space-separated arguments.
    static func functions(in text: String) -> [(name: String, arguments: [String], raw: Substring)] {
        var result: [(String, [String], Substring)] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "(") {
            let nameStart = rest[..<open].lastIndex(where: { !($0.isLetter || $0.isNumber || $0 == "-") })
                .map { rest.index(after: $0) } ?? rest.startIndex
            let name = String(rest[nameStart ..< open])
            guard let close = rest[open...].firstIndex(of: ")") else { break }
            let raw = rest[rest.index(after: open) ..< close]
            let arguments = raw.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "/" }).map { String($0).trimmingSpaces }
                .filter { !$0.isEmpty }
            result.append((name, arguments, raw))
            rest = rest[rest.index(after: close)...]
        }
        return result
    }
}

extension StringProtocol {
    /// Without spaces at either end.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
