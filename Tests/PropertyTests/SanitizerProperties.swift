@testable import ClawSecurity
import PropertyBased
import Testing

/// Invariants of the HTML tokenizer and ContentSanitizer layers 1-5 on random and hostile documents.
@Suite("Sanitizer properties")
struct SanitizerProperties {
    /// Pieces that exercise every tokenizer state: tags, attributes, quotes, comments, DOCTYPEs, CDATA,
    /// references, script escapes, invisible characters, raw bytes (including invalid UTF-8 and CR).
    static let fragments: [[UInt8]] = [
        "<", ">", "</", "/>", "<!--", "-->", "--!>", "<!", "<?", "<!DOCTYPE html>", "<!doctype x PUBLIC \"a\" 'b'>",
        "<![CDATA[", "]]>", "<script>", "</script>", "<!--<script>", "<style>", "</style>", "<textarea>", "</textarea>",
        "<title>", "<plaintext>", "<p class=x id='y' style=\"display:none\">", "<div hidden>", "</div>", "<span>", "</span>",
        "<svg>", "</svg>", "<math>", "<template>", "</template>", "<noscript>", "&amp;", "&notin;", "&not", "&#x41;",
        "&#0;", "&#xD800;", "&#9999999999;", "&", "a", "text ", " ", "\n", "\r\n", "\r", "\t", "=", "\"", "'", "`",
        "\u{200B}", "\u{E0041}", "\u{FEFF}", "\u{202E}", "\u{00AD}", "é", "\u{1F600}", "\0",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90], [0x80]]

    static func document(seed: Int, pieces: Int) -> [UInt8] {
        var g = SplitMix(seed: UInt64(bitPattern: Int64(seed)))
        var bytes: [UInt8] = []
        for _ in 0 ..< pieces {
            if g.next() % 8 == 0 {
                bytes.append(UInt8(truncatingIfNeeded: g.next()))
            } else {
                bytes += fragments[Int(g.next() % UInt64(fragments.count))]
            }
        }
        return bytes
    }

    /// Checks that the token source ranges tile the input, in order.
    struct TilingSink: HTMLTokenSink {
        var next = 0
        var gaps = 0
        mutating func cover(_ range: Range<Int>) {
            if range.lowerBound != next { gaps += 1 }
            next = range.upperBound
        }
        mutating func characters(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) { cover(source) }
        mutating func startTag(_ tag: HTMLTag, source: Range<Int>) -> HTMLContentState? {
            cover(source)
            return HTMLContentState.after(startTag: tag.name)
        }
        mutating func endTag(_ tag: HTMLTag, source: Range<Int>) { cover(source) }
        mutating func comment(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) { cover(source) }
        mutating func doctype(_ doctype: HTMLDoctype, source: Range<Int>) { cover(source) }
        mutating func discarded(source: Range<Int>) { cover(source) }
        var acceptsCDATA: Bool { next % 2 == 0 }
    }

    static let states: [HTMLContentState] = [.data, .rcdata, .rawtext, .scriptData, .plaintext, .cdataSection]

    @Test("Tokenizing any bytes terminates in linear work, and every byte is accounted for")
    func tokenizerAccountsForEveryByte() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...300), Gen.int(in: 0...5)) {
            seed, pieces, state in
            let bytes = Self.document(seed: seed, pieces: pieces)
            var tokenizer = HTMLTokenizer(configuration: .init(initialState: Self.states[state], lastStartTag: "textarea"))
            var sink = TilingSink()
            let length = tokenizer.tokenize(bytes, into: &sink)
            #expect(sink.gaps == 0)
            #expect(sink.next == length)
            #expect(tokenizer.machine.steps <= 4 * (length + 1), "\(tokenizer.machine.steps) steps for \(length) bytes")
        }
    }

    @Test("The output never contains an invisible character of layer 3")
    func noInvisibleCharactersSurvive() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...200), Gen.bool) { seed, pieces, html in
            let bytes = Self.document(seed: seed, pieces: pieces)
            let report = bytes.withUnsafeBufferPointer { ContentSanitizer().sanitize(bytes: $0, kind: html ? .html : .text) }
            let offending = report.text.unicodeScalars.filter { InvisibleCharacters.isInvisible($0.value) }
            #expect(offending.isEmpty, "\(offending.map { String($0.value, radix: 16) })")
        }
    }

    @Test("The output never exceeds the budget and is a prefix of the unbudgeted text")
    func outputFitsTheBudget() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...200), Gen.int(in: 0...120)) {
            seed, pieces, budget in
            let bytes = Self.document(seed: seed, pieces: pieces) + Array(" Some words. More words here! And more?".utf8)
            var unlimited = ContentSanitizer.Configuration()
            unlimited.maxOutputBytes = nil
            var limited = unlimited
            limited.maxOutputBytes = budget
            let full = bytes.withUnsafeBufferPointer { ContentSanitizer(configuration: unlimited).sanitize(bytes: $0) }
            let cut = bytes.withUnsafeBufferPointer { ContentSanitizer(configuration: limited).sanitize(bytes: $0) }
            #expect(cut.text.utf8.count <= budget)
            #expect(full.text.utf8.starts(with: cut.text.utf8))
            #expect(cut.truncated == (full.text.utf8.count > budget))
        }
    }

    /// Wrappers that nest without implied end tags, some of which hide.
    static let wrappers: [(open: String, close: String, hides: Bool)] = [
        ("<div>", "</div>", false), ("<span>", "</span>", false), ("<b>", "</b>", false), ("<section>", "</section>", false),
        ("<em class=\"v\">", "</em>", false), ("<blockquote>", "</blockquote>", false),
        ("<div hidden>", "</div>", true), ("<span aria-hidden=\"true\">", "</span>", true),
        ("<span style=\"display:none\">", "</span>", true), ("<div style=\"VISIBILITY: hidden\">", "</div>", true),
        ("<b style=\"opacity:0\">", "</b>", true), ("<section class=\"gone\">", "</section>", true),
        ("<div style=\"font-size:0\">", "</div>", true), ("<noscript>", "</noscript>", true),
        ("<template>", "</template>", true), ("<span style=\"position:absolute;left:-9999px\">", "</span>", true),
    ]

    static func tree(_ g: inout SplitMix, depth: Int, hidden: Bool, words: inout [(String, Bool)], into html: inout String) {
        let children = depth == 0 ? 0 : Int(g.next() % 3)
        let word = "w\(words.count)x"
        words.append((word, hidden))
        html += " \(word) "
        for _ in 0 ..< children {
            let wrapper = wrappers[Int(g.next() % UInt64(wrappers.count))]
            // Inside noscript (raw text) nothing is markup: keep it a leaf.
            html += wrapper.open
            if wrapper.open == "<noscript>" {
                let inner = "w\(words.count)x"
                words.append((inner, true))
                html += " \(inner) "
            } else {
                tree(&g, depth: depth - 1, hidden: hidden || wrapper.hides, words: &words, into: &html)
            }
            html += wrapper.close
        }
    }

    @Test("In a well-nested page every hidden word is removed and every visible word kept")
    func hiddenWordsNeverLeak() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int.max)) { seed in
            var g = SplitMix(seed: UInt64(bitPattern: Int64(seed)))
            var words: [(String, Bool)] = []
            var html = "<style>.gone { display: none }</style>"
            Self.tree(&g, depth: 4, hidden: false, words: &words, into: &html)
            var configuration = ContentSanitizer.Configuration()
            configuration.maxOutputBytes = nil
            let text = ContentSanitizer(configuration: configuration).sanitize(html, kind: .html).text
            let output = Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            for (word, hidden) in words {
                #expect(output.contains(word) == !hidden, "\(word) hidden=\(hidden) in \(html)")
            }
        }
    }
}
