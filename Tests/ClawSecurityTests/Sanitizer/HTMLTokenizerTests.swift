@testable import ClawSecurity
import Testing

/// Hostile and malformed input beyond the html5lib suite: nothing crashes, loops or costs more than
/// linear work, and the tokens are what a browser would produce.
@Suite struct HTMLTokenizerTests {
    func tokens(_ text: String) -> [HTMLToken] { HTMLTokenizer.tokens(of: Array(text.utf8)) }

    @Test func splitScriptTagIsNotAScriptTag() {
        #expect(tokens("<scr<script>ipt>alert(1)</script>") == [
            .startTag(name: "scr<script", attributes: [], selfClosing: false),
            .characters("ipt>alert(1)"),
            .endTag(name: "script"),
        ])
    }

    @Test func unclosedCommentRunsToTheEnd() {
        #expect(tokens("<p>a<!-- never closed <p>b") == [
            .startTag(name: "p", attributes: [], selfClosing: false), .characters("a"), .comment(" never closed <p>b"),
        ])
    }

    @Test func nestedQuotesAndStrayCharactersInAttributes() {
        #expect(tokens(#"<a title="x 'y' z" b='"' c=d"e <f>"#) == [
            .startTag(name: "a", attributes: [.init(name: "title", value: "x 'y' z"), .init(name: "b", value: "\""),
                                               .init(name: "c", value: "d\"e"), .init(name: "<f", value: "")], selfClosing: false),
        ])
    }

    @Test func hugeAttributesAndManyDuplicatesCostLinearWork() {
        let value = String(repeating: "v", count: 1 << 20)
        let names = (0 ..< 2000).map { "a\($0 % 100)=\"\($0)\"" }.joined(separator: " ")
        let html = "<div x=\"\(value)\" \(names)>text"
        var tokenizer = HTMLTokenizer()
        var collector = HTMLTokenStatistics()
        let length = tokenizer.tokenize(Array(html.utf8), into: &collector)
        #expect(collector.startTags == 1)
        // The first of each duplicate name wins: x and a0 ... a99.
        #expect(collector.attributes == 101)
        #expect(collector.accountedBytes == length)
        #expect(tokenizer.machine.steps <= 4 * length)
        let tags = HTMLTokenizer.tokens(of: Array(html.utf8))
        guard case .startTag(_, let attributes, _) = tags.first else {
            Issue.record("no start tag")
            return
        }
        #expect(attributes.first { $0.name == "a5" }?.value == "5")
        #expect(attributes.first { $0.name == "a99" }?.value == "99")
    }

    @Test func ampersandStormsAndLongReferenceNames() {
        let storm = String(repeating: "&", count: 10_000) + String(repeating: "&CounterClockwiseContourIntegralx", count: 1000)
        var tokenizer = HTMLTokenizer()
        var counter = HTMLTokenStatistics()
        let length = tokenizer.tokenize(Array(storm.utf8), into: &counter)
        #expect(counter.accountedBytes == length)
        #expect(tokenizer.machine.steps <= 4 * length)
        // A long name without its semicolon is not a reference; with it, it is.
        #expect(tokens("&CounterClockwiseContourIntegral;&notit;&notin;&notin") == [.characters("∳¬it;∉¬in")])
    }

    @Test func invalidUTF8InTagsAndTextIsReplaced() {
        let bytes: [UInt8] = [0x3C, 0x61, 0xFF, 0x20, 0x62, 0x3D, 0xC3, 0x3E, 0x78, 0xE2, 0x82]
        #expect(HTMLTokenizer.tokens(of: bytes) == [
            .startTag(name: "a\u{FFFD}", attributes: [.init(name: "b", value: "\u{FFFD}")], selfClosing: false),
            .characters("x\u{FFFD}"),
        ])
    }

    @Test func crLineBreaksAreNormalized() {
        #expect(tokens("a\r\nb\rc<p title=\"x\r\ny\">") == [
            .characters("a\nb\nc"), .startTag(name: "p", attributes: [.init(name: "title", value: "x\ny")], selfClosing: false),
        ])
    }

    @Test func contentStatesSwitchLikeABrowser() {
        #expect(HTMLContentState.after(startTag: Array("script".utf8)) == .scriptData)
        #expect(HTMLContentState.after(startTag: Array("textarea".utf8)) == .rcdata)
        #expect(HTMLContentState.after(startTag: Array("noscript".utf8)) == .rawtext)
        #expect(HTMLContentState.after(startTag: Array("plaintext".utf8)) == .plaintext)
        #expect(HTMLContentState.after(startTag: Array("div".utf8)) == nil)
        let stats = Array("<title>&lt;b&gt;</title><script>if (a<b) x='</scr'+'ipt>'</script><p>".utf8).withUnsafeBufferPointer {
            HTMLTokenizer.statistics(of: $0)
        }
        #expect(stats.startTags == 3)
        #expect(stats.endTags == 2)
        #expect(stats.accountedBytes == stats.inputBytes)
    }
}
