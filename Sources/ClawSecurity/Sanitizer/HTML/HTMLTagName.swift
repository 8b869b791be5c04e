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

    /// Looks a lower-case name up: a bucket by length and first letter, then packed names compared.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let key = Self.pack(bytes) else {
            self = .other
            return
        }
        let bucket = Self.buckets[Self.bucket(count: bytes.count, first: bytes[0])]
        for entry in bucket where entry.key == key {
            self = entry.name
            return
        }
        self = .other
    }

    private static func bucket(count: Int, first: UInt8) -> Int { (count & 15) << 5 | Int(first & 31) }

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

    private static let buckets: [[(key: (UInt64, UInt64), name: HTMLTagName)]] = {
        var buckets = [[(key: (UInt64, UInt64), name: HTMLTagName)]](repeating: [], count: 16 * 32)
        for name in allCases.dropFirst() {
            let bytes = Array(name.name.utf8)
            let key = bytes.withUnsafeBufferPointer { pack($0)! }
            buckets[bucket(count: bytes.count, first: bytes[0])].append((key, name))
        }
        return buckets
    }()
}
