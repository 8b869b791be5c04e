/// The HTML element names the tokenizer's state switching and the sanitizer's tree model know about;
/// every other name is `.other`.
enum HTMLTagName: UInt8, CaseIterable, Sendable {
    case other
    case a, address, annotationXML, applet, area, article, aside, audio, b, base, basefont, bgsound, blockquote
    case body, br, button, canvas, caption, center, col, colgroup, datalist, dd, desc, details, dialog, dir, div
    case dl, dt, embed, fieldset, figcaption, figure, footer, foreignObject, form, frame, frameset
    case h1, h2, h3, h4, h5, h6, head, header, hgroup, hr, html, iframe, img, input, keygen, li, link, listing
    case main, marquee, math, menu, meta, mi, mn, mo, ms, mtext, nav, noembed, noframes, noscript, object, ol
    case option, p, param, plaintext, pre, script, search, section, select, source, style, summary, svg
    case table, tbody, td, template, textarea, tfoot, th, thead, title, tr, track, ul, video, wbr, xmp

    /// The name as the tokenizer emits it (lower case).
    var name: String {
        switch self {
        case .annotationXML: "annotation-xml"
        case .foreignObject: "foreignobject"
        default: String(describing: self)
        }
    }

    /// Looks a lower-case name up.
    init(_ bytes: some Collection<UInt8>) {
        self = Array(bytes).withUnsafeBufferPointer { HTMLTagName($0) }
    }

    /// Looks a lower-case name up (binary search over names packed into two words).
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let key = Self.pack(bytes) else {
            self = .other
            return
        }
        let table = Self.lookup
        var low = 0
        var high = table.count
        while low < high {
            let middle = (low + high) >> 1
            let entry = table[middle]
            if entry.key == key {
                self = entry.name
                return
            }
            if entry.key.0 < key.0 || (entry.key.0 == key.0 && entry.key.1 < key.1) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        self = .other
    }

    private static func pack(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0 ..< bytes.count {
            let byte = UInt64(bytes[index])
            if index < 8 {
                high |= byte << (56 - 8 * index)
            } else {
                low |= byte << (56 - 8 * (index - 8))
            }
        }
        return (high, low)
    }

    private static let lookup: [(key: (UInt64, UInt64), name: HTMLTagName)] = allCases.dropFirst()
        .map { name in (key: Array(name.name.utf8).withUnsafeBufferPointer { pack($0)! }, name: name) }
        .sorted { $0.key.0 < $1.key.0 || ($0.key.0 == $1.key.0 && $0.key.1 < $1.key.1) }
}
