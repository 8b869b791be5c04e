// libFuzzer target: the HTML tokenizer over untrusted bytes, in every initial state.
//
// Never crashes or hangs, and checks that
//   - the source ranges of the tokens and the discarded input tile the (preprocessed) input, in order;
//   - tokenizing is deterministic (the value API gives the same tokens twice).

import CFuzzerDriver
import ClawSecurity
import Foundation

struct TilingSink: HTMLTokenSink {
    var next = 0
    let cdata: Bool
    mutating func cover(_ range: Range<Int>) {
        guard range.lowerBound == next, range.upperBound >= range.lowerBound else {
            fatalError("token source \(range) does not follow \(next)")
        }
        next = range.upperBound
    }
    mutating func characters(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) {
        guard String(validating: text, as: UTF8.self) != nil else { fatalError("character data is not valid UTF-8") }
        cover(source)
    }
    mutating func startTag(_ tag: HTMLTag, source: Range<Int>) -> HTMLContentState? {
        cover(source)
        return HTMLContentState.after(startTag: tag.name)
    }
    mutating func endTag(_ tag: HTMLTag, source: Range<Int>) { cover(source) }
    mutating func comment(_ text: UnsafeBufferPointer<UInt8>, source: Range<Int>) { cover(source) }
    mutating func doctype(_ doctype: HTMLDoctype, source: Range<Int>) { cover(source) }
    mutating func discarded(source: Range<Int>) { cover(source) }
    var acceptsCDATA: Bool { cdata }
}

let states: [HTMLContentState] = [.data, .rcdata, .rawtext, .scriptData, .plaintext, .cdataSection]

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size > 0, let data else { return 0 }
    let selector = data[0]
    let bytes = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let configuration = HTMLTokenizer.Configuration(initialState: states[Int(selector % 6)],
                                                    lastStartTag: selector & 0x80 == 0 ? "script" : nil)
    var tokenizer = HTMLTokenizer(configuration: configuration)
    var sink = TilingSink(cdata: selector & 0x40 != 0)
    let length = tokenizer.tokenize(bytes, into: &sink)
    guard sink.next == length else { fatalError("tokens cover \(sink.next) of \(length) bytes") }
    let array = Array(bytes)
    guard HTMLTokenizer.tokens(of: array, configuration: configuration) == HTMLTokenizer.tokens(of: array, configuration: configuration) else {
        fatalError("tokenizing is not deterministic")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
