// libFuzzer target: the LLM providers' response parsers (Anthropic Messages, OpenAI-compatible chat
// completions) and the `llm` skill's payload reader.
//
// The first byte picks an HTTP status and a retry-after header; the rest is the body, given to both
// parsers. Never crashes; an error's reason stays short and holds no control character, and a success
// turns into the skill's output.

import CFuzzerDriver
import ClawSkills
import Foundation

let statuses = [200, 201, 400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 504, 529, 302, 100]
let retryAfters: [String?] = [nil, "7", "1.5", "-1", "1e308", "nan", "Wed, 21 Oct 2015 07:28:00 GMT", ""]

func check(_ result: () throws(LLMError) -> LLMResponse) {
    do {
        let response = try result()
        _ = LLMSkill.output(response).canonicalText
    } catch {
        // The provider's message is cut to LLMError.maximumQuotedMessage characters; the rest of the reason is short.
        guard error.reason.count <= LLMError.maximumQuotedMessage + 160 else {
            fatalError("an LLM error's reason is \(error.reason.count) characters long")
        }
        guard !error.reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            fatalError("an LLM error's reason holds a control character")
        }
        if let retryAfter = error.retryAfter, retryAfter < .zero || retryAfter > .seconds(86_400) {
            fatalError("retry-after out of range")
        }
    }
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    let status = statuses[Int(selector & 0x0F)]
    let retryAfter = retryAfters[Int(selector >> 4) % retryAfters.count]
    let body = Array(bytes.dropFirst())
    check { () throws(LLMError) in try AnthropicProvider.parseResponse(status: status, body: body, retryAfter: retryAfter) }
    check { () throws(LLMError) in try OpenAICompatibleProvider.parseResponse(status: status, body: body, retryAfter: retryAfter) }
    if let payload = try? JSONValue(parsing: body) {
        _ = try? LLMSkill.request(from: payload)
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
