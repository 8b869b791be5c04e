import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The HTTP client the language-model providers use unless given another.
public enum LLMHTTPClient {
    /// A process-wide client that verifies certificates and does **not** follow redirects.
    ///
    /// AsyncHTTPClient's `HTTPClient.shared` follows up to 20 redirects and, on a redirect to another
    /// origin, drops `Authorization` but keeps other headers, so Anthropic's `x-api-key` would reach
    /// whatever host a redirect names. A provider's API never redirects; this client returns the 3xx
    /// response instead, which the providers report as ``LLMError/Code/badResponse``. Connections are retried for
    /// up to 10 s, reads wait up to 120 s (a provider's own timeout, 60 s by default, bounds the whole call). It is
    /// never shut down.
    public static let shared: HTTPClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(
            certificateVerification: .fullVerification,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(120))))
}

/// What came back from a provider's server.
struct LLMHTTPReply: Sendable {
    var status: Int
    var retryAfter: String?
    var body: [UInt8]
}

/// The HTTP plumbing both providers share: URL checks, the request with an overall deadline and a body cap,
/// and mapping of transport failures and error bodies to ``LLMError`` without secrets.
enum LLMTransport {
    /// Checks a base URL: `http` or `https`, a host, no credentials, no query or fragment. Plain `http` is
    /// refused when a key would be sent to a host other than the loopback interface.
    /// - Returns: The URL without a trailing slash.
    static func validatedBaseURL(_ text: String, sendsKey: Bool, provider: String) throws(LLMError) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw LLMError(.configuration, "\(provider): the base URL must be an http or https URL with a host")
        }
        guard components.user == nil, components.password == nil else {
            throw LLMError(.configuration, "\(provider): the base URL must not hold credentials; set the API key instead")
        }
        guard components.query == nil, components.fragment == nil else {
            throw LLMError(.configuration, "\(provider): the base URL must not have a query or a fragment")
        }
        if scheme == "http", sendsKey, !isLoopback(host) {
            throw LLMError(.configuration, "\(provider): an API key is only sent over https, or over http to 127.0.0.1, ::1 or localhost")
        }
        var result = text
        while result.hasSuffix("/") { result.removeLast() }
        return result
    }

    static func isLoopback(_ host: String) -> Bool {
        LoopbackHost.contains(host)  // literals only: `127.evil.example` is a DNS name anyone can point anywhere
    }

    /// Sends a JSON `POST` and returns the status and body, within `timeout` overall (head and body).
    static func post(
        client: HTTPClient, url: String, headers: [(String, String)], body: JSONValue, timeout: Duration,
        maximumResponseBytes: Int, provider: String
    ) async throws(LLMError) -> LLMHTTPReply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body.canonicalText))
        let prepared = request
        let cap = max(0, maximumResponseBytes)
        let deadline = NIODeadline.now() + timeAmount(timeout)
        do {
            return try await withThrowingTaskGroup(of: LLMHTTPReply.self) { group in
                group.addTask {
                    let response = try await client.execute(prepared, deadline: deadline)
                    let buffer = try await response.body.collect(upTo: cap)
                    return LLMHTTPReply(
                        status: Int(response.status.code), retryAfter: retryAfterHeader(response.headers),
                        body: Array(buffer.readableBytesView))
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw LLMError(.timeout, "\(provider): no complete answer within \(timeout)")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch {
            throw transportError(error, provider: provider, cap: cap, timeout: timeout)
        }
    }

    /// `retry-after` (seconds), or `retry-after-ms` converted to seconds.
    static func retryAfterHeader(_ headers: HTTPHeaders) -> String? {
        if let value = headers.first(name: "retry-after") { return value }
        if let ms = headers.first(name: "retry-after-ms"), let value = Double(ms), value.isFinite, value >= 0 {
            return String(value / 1000)
        }
        return nil
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return .zero }
        guard seconds < Int64.max / 1_000_000_000 - 1 else { return .nanoseconds(.max) }
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Maps a failure of the HTTP exchange; the reason names the kind of failure, never the URL or a header.
    static func transportError(_ error: any Error, provider: String, cap: Int, timeout: Duration) -> LLMError {
        if let error = error as? LLMError { return error }
        if error is NIOTooManyBytesError {
            return LLMError(.tooLarge, "\(provider): the response is larger than \(cap) bytes")
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout,
                .writeTimeout:
                return LLMError(.timeout, "\(provider): no complete answer within \(timeout) (\(error))")
            case .invalidURL, .emptyHost, .emptyScheme:
                return LLMError(.configuration, "\(provider): the base URL is not usable (\(error))")
            default:
                return LLMError(.unavailable, "\(provider): the request failed (\(error))")
            }
        }
        if error is CancellationError {
            return LLMError(.unavailable, "\(provider): the request was cancelled")
        }
        if let error = error as? IOError {
            return LLMError(.unavailable, "\(provider): cannot reach the server: \(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode))")
        }
        return LLMError(.unavailable, "\(provider): cannot reach the server (\(type(of: error)))")
    }

    // MARK: Error bodies

    /// Parses a `retry-after` value: delta seconds (fractions allowed), capped at a day.
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
            return nil
        }
        return .milliseconds(Int64((min(seconds, 86_400) * 1000).rounded()))
    }

    /// The error for a non-2xx status, from the body's `error` member (`{"error": {"type", "message", "code"}}`,
    /// or `{"error": "message"}`) when it has one.
    static func statusError(status: Int, body: [UInt8], retryAfter header: String?, provider: String) -> LLMError {
        var type: String?
        var code: String?
        var message: String?
        if let json = try? JSONValue(parsing: body, limits: .init(maximumBytes: max(body.count, 1), maximumDepth: 32)) {
            let error = json["error"]
            if let text = error?.stringValue {
                message = text
            } else {
                type = error?["type"]?.stringValue.flatMap(identifier)
                code = (error?["code"]?.stringValue ?? error?["code"]?.intValue.map(String.init)).flatMap(identifier)
                message = error?["message"]?.stringValue
            }
        }
        var reason = "\(provider): HTTP \(status)"
        if let type { reason += " \(type)" }
        if let code, code != type { reason += " (\(code))" }
        if let message, let excerpt = excerpt(message) { reason += ": \(excerpt)" }
        let errorCode: LLMError.Code
        switch status {
        case 401, 403: errorCode = .unauthorized
        case 429: errorCode = .rateLimited
        case 413: errorCode = .tooLarge
        case 408, 504: errorCode = .timeout
        case 400..<500:
            errorCode = code == "context_length_exceeded" || type == "request_too_large" ? .tooLarge : .badRequest
        case 500..<600: errorCode = .unavailable
        default: errorCode = .badResponse
        }
        return LLMError(errorCode, reason, status: status, retryAfter: errorCode == .rateLimited ? retryAfter(header) : nil)
    }

    /// A provider's identifier (`authentication_error`), or `nil` when it is not one.
    static func identifier(_ text: String) -> String? {
        guard (1...64).contains(text.utf8.count),
            text.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D })
        else { return nil }
        return text
    }

    /// At most ``LLMError/maximumQuotedMessage`` characters of a provider's message, on one line, with
    /// control and format characters (bidi overrides, zero-width) removed.
    static func excerpt(_ message: String) -> String? {
        var out = String.UnicodeScalarView()
        var count = 0
        var truncated = false
        var lastWasSpace = false
        for scalar in message.unicodeScalars {
            let category = scalar.properties.generalCategory
            let isSpace = scalar.properties.isWhitespace || category == .control
            if isSpace {
                if !lastWasSpace, count > 0 { out.append(" "); count += 1 }
                lastWasSpace = true
                continue
            }
            if category == .format || category == .privateUse || category == .unassigned || category == .surrogate { continue }
            lastWasSpace = false
            guard count < LLMError.maximumQuotedMessage else { truncated = true; break }
            out.append(scalar)
            count += 1
        }
        var text = String(out)
        while text.hasSuffix(" ") { text.removeLast() }
        guard !text.isEmpty else { return nil }
        return truncated ? text + "…" : text
    }

    /// The error with every occurrence of the key in its reason replaced (a server may echo it). A reason that
    /// still holds 8 characters in a row of the key's secret part (the key written with JSON escapes, then cut
    /// by the excerpt) loses the provider's message altogether. The secret part is what follows the key's
    /// public prefix (up to the last `-` in its first 20 characters: `sk-ant-api03-`, `sk-proj-`), which
    /// providers quote in their own messages (`sk-proj-****wxyz`).
    static func redacting(_ error: LLMError, key: LLMAPIKey?) -> LLMError {
        guard let key else { return error }
        let reason = key.withUnredactedValue { value -> String in
            let reason = error.reason.replacingOccurrences(of: value, with: "[redacted]")
            let bytes = Array(value.utf8), text = Array(reason.utf8)
            let window = 8
            let prefix = bytes.prefix(20).lastIndex(of: UInt8(ascii: "-")).map { $0 + 1 } ?? 0
            guard bytes.count - prefix >= window else { return reason }
            for start in prefix...(bytes.count - window) {
                let piece = bytes[start..<start + window]
                if text.count >= window, (0...(text.count - window)).contains(where: { text[$0..<$0 + window].elementsEqual(piece) }) {
                    let head = reason.split(separator: ":", maxSplits: 1).first.map(String.init) ?? "the provider"
                    return head + ": the provider's message was withheld because it quoted part of the API key"
                }
            }
            return reason
        }
        return LLMError(error.code, reason, status: error.status, retryAfter: error.retryAfter)
    }

    /// The body with every occurrence of the key replaced by `[redacted]`, so that no excerpt of an error message
    /// (which may cut the key in half) can show it.
    static func redacting(_ body: [UInt8], key: LLMAPIKey?) -> [UInt8] {
        guard let key else { return body }
        return key.withUnredactedValue { value in
            let needle = Array(value.utf8)
            guard !needle.isEmpty, body.count >= needle.count else { return body }
            var out = [UInt8]()
            out.reserveCapacity(body.count)
            var index = 0
            while index < body.count {
                if body[index] == needle[0], index + needle.count <= body.count, body[index..<index + needle.count].elementsEqual(needle) {
                    out.append(contentsOf: "[redacted]".utf8)
                    index += needle.count
                } else {
                    out.append(body[index])
                    index += 1
                }
            }
            return out
        }
    }

    /// Parses a 2xx body as a JSON object, or fails with ``LLMError/Code/badResponse``.
    static func object(_ body: [UInt8], provider: String) throws(LLMError) -> [String: JSONValue] {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body, limits: .init(maximumBytes: max(body.count, 1), maximumDepth: 64))
        } catch {
            throw LLMError(.badResponse, "\(provider): the response is not valid JSON")
        }
        guard let object = json.objectValue else {
            throw LLMError(.badResponse, "\(provider): the response is \(json.kindName), not an object")
        }
        return object
    }

    /// A token count, if the member is a non-negative integer.
    static func count(_ value: JSONValue?) -> Int? {
        guard let value = value?.intValue, value >= 0, value <= Int64(Int.max) else { return nil }
        return Int(value)
    }
}
