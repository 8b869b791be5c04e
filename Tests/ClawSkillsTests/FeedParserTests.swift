import ClawSkills
import Foundation
import Testing

@Suite("Feed parser: RSS 2.0 and Atom 1.0")
struct FeedParserTests {
    static func date(_ text: String) -> Date? { RFC3339.parse(text) }

    @Test("The RSS 2.0 fixture: title, items, CDATA, entities, guid links, dates, dropped unsafe links")
    func rss() throws {
        let feed = try FeedParser().parse(try WebTestServer.fixture("rss2-sample.xml"))
        #expect(feed.title == "Liftoff News")
        #expect(feed.link == "http://liftoff.example.org/")
        #expect(feed.items.count == 4)
        let star = feed.items[0]
        #expect(star.title == "Star City")
        #expect(star.link == "http://liftoff.example.org/news/2003/06/star-city")
        #expect(star.published == Self.date("2003-06-03T09:39:21Z"))
        #expect(star.summary.contains("<a href=\"http://howe.iki.rssi.ru/GCTC/gctc_e.htm\">Star City</a>"))
        let sky = feed.items[1]
        #expect(sky.title == "Sky watchers & the <b>eclipse</b>")
        #expect(sky.link == "http://liftoff.example.org/2003/05/30.html#item572")
        #expect(sky.published == Self.date("2003-05-30T09:06:42Z"))
        let dilemma = feed.items[2]
        #expect(dilemma.title == "The Astronaut's Dilemma")
        #expect(dilemma.link == "/news/2003/05/27/dilemma")
        #expect(dilemma.published == Self.date("2003-05-27T08:37:32Z"))
        #expect(feed.items[3].link == nil)
        #expect(feed.items[3].published == nil)
    }

    @Test("The Atom 1.0 fixture: alternate links, published before updated, XHTML content as text")
    func atom() throws {
        let feed = try FeedParser().parse(Array(try WebTestServer.fixture("atom-sample.xml").utf8))
        #expect(feed.title == "dive into mark")
        #expect(feed.link == "http://example.org/")
        #expect(feed.items.count == 2)
        let first = feed.items[0]
        #expect(first.title == "Atom draft-07 snapshot")
        #expect(first.link == "http://example.org/2005/04/02/atom")
        #expect(first.published == Self.date("2003-12-13T12:29:29Z"))
        #expect(first.summary == "[Update: The Atom draft is finished.]")
        let second = feed.items[1]
        #expect(second.title == "Second &amp; last entry")
        #expect(second.link == "http://example.org/2005/08/01/second")
        #expect(second.published == Self.date("2005-08-01T10:00:00Z"))
        #expect(second.summary == "A short summary.")
    }

    @Test("Items and text fields are capped")
    func caps() throws {
        let parser = FeedParser(configuration: .init(maxItems: 2, maxTitleCharacters: 4, maxSummaryCharacters: 10))
        let feed = try parser.parse(try WebTestServer.fixture("rss2-sample.xml"))
        #expect(feed.items.count == 2)
        #expect(feed.title == "Lift")
        #expect(feed.items[0].title == "Star")
        #expect(feed.items[0].summary == "How do Ame")
        let many = "<rss><channel><title>t</title>" + String(repeating: "<item><title>x</title></item>", count: 500) + "</channel></rss>"
        #expect(try FeedParser().parse(many).items.count == 50)
    }

    @Test("Entity declarations never expand: billion laughs and external entities stay inert")
    func entities() throws {
        var laughs = #"<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">"#
        for level in 1...9 {
            laughs += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level == 1 ? "" : String(level - 1));", count: 10) + "\">"
        }
        laughs += #"<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>&lol9;</title>"#
        laughs += "<item><title>&xxe;</title><description>a &amp; b &lt;c&gt; &#65;&#x42; &nbsp;</description></item></channel></rss>"
        let feed = try FeedParser().parse(laughs)
        #expect(feed.title == "&lol9;")
        #expect(feed.items[0].title == "&xxe;")
        #expect(feed.items[0].summary == "a & b <c> AB &nbsp;")
    }

    @Test("Malformed XML is a clear error", arguments: [
        "", "   ", "<rss><channel></rss>", "<rss><channel><title>t</title></channel>", "<rss></rss><rss></rss>",
        "<rss/>trailing", "text<rss/>", "<rss><!-- unterminated </rss>", "<rss><![CDATA[ never closed </rss>",
        "<rss a=b/>", "<rss a='1' a2=\"2\"b=\"3\"/>", "<rss a=\"<\"/>", "<>", "</rss>", "<rss", "<?xml version=\"1.0\"",
        "<rss><!ELEMENT x ANY></rss>", "<rss><channel></channel><!DOCTYPE x></rss>", "\u{0}",
    ])
    func malformed(_ text: String) {
        #expect(throws: FeedError.malformed, "\(text)") { try FeedParser().parse(text) }
    }

    @Test("Well-formed documents that are not feeds are unsupported", arguments: [
        "<html><body/></html>", "<rss version=\"2.0\"><item/></rss>", "<feedx/>",
    ])
    func unsupported(_ text: String) {
        #expect(throws: FeedError.unsupported) { try FeedParser().parse(text) }
    }

    @Test("Documents too large or too deep are refused")
    func limits() {
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(throws: FeedError.tooLarge) { try FeedParser().parse(deep) }
        let small = FeedParser(configuration: .init(maxInputBytes: 10))
        #expect(throws: FeedError.tooLarge) { try small.parse("<rss><channel/></rss>") }
    }

    @Test("RSS dates in their common forms", arguments: [
        ("Sat, 07 Sep 2002 00:00:01 GMT", "2002-09-07T00:00:01Z"), ("7 Sep 2002 09:42 +0200", "2002-09-07T07:42:00Z"),
        ("Mon, 01 Jan 24 12:00:00 EST", "2024-01-01T17:00:00Z"), ("Tue, 10 Jun 2003 04:00:00 -0130", "2003-06-10T05:30:00Z"),
    ])
    func rssDates(_ pair: (String, String)) throws {
        let xml = "<rss><channel><item><pubDate>\(pair.0)</pubDate></item></channel></rss>"
        #expect(try FeedParser().parse(xml).items[0].published == Self.date(pair.1))
    }

    @Test("A Latin-1 feed declared as such is transcoded")
    func latin1() throws {
        var bytes = Array(#"<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>"#.utf8)
        bytes += [0x43, 0x61, 0x66, 0xE9] // "Café" in Latin-1
        bytes += Array("</title></channel></rss>".utf8)
        #expect(try FeedParser().parse(bytes).title == "Café")
    }
}
