// libFuzzer target: the RSS/Atom feed parser on arbitrary bytes.
//
// Never crashes or hangs, and a parsed feed always honours the configured caps on items and text fields.

import CFuzzerDriver
import ClawSkills
import Foundation

let configuration = FeedParser.Configuration(maxItems: 5, maxTitleCharacters: 40, maxSummaryCharacters: 80, maxLinkBytes: 64)
let parser = FeedParser(configuration: configuration)

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let feed = try? parser.parse(bytes) else { return 0 }
    guard feed.items.count <= configuration.maxItems, feed.title.count <= configuration.maxTitleCharacters else {
        fatalError("a feed exceeded its caps")
    }
    for item in feed.items {
        guard item.title.count <= configuration.maxTitleCharacters, item.summary.count <= configuration.maxSummaryCharacters,
              (item.link?.utf8.count ?? 0) <= configuration.maxLinkBytes
        else { fatalError("an item exceeded its caps") }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
