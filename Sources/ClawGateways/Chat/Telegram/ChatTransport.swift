import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Splitting text for chat APIs whose messages have a length limit.
public enum ChatText {
    /// Splits text into parts of at most `maximumUTF16Length` UTF-16 code units, cutting at the last line
    /// break that fits (the break itself is dropped), else at a character boundary, never inside a character
    /// unless one character alone is longer than the limit.
    /// - Parameters:
    ///   - text: The text.
    ///   - maximumUTF16Length: The limit per part (Telegram 4096, Discord 2000); at least 16.
    /// - Returns: The parts, in order; none for empty text.
    public static func split(_ text: String, maximumUTF16Length: Int) -> [String] {
        let limit = max(16, maximumUTF16Length)
        var parts = [String]()
        var rest = Substring(text)
        while rest.utf16.count > limit {
            var count = 0
            var end = rest.startIndex
            var lastBreak: String.Index?
            for index in rest.indices {
                let character = rest[index]
                let size = character.utf16.count
                if count + size > limit { break }
                count += size
                if character.isNewline { lastBreak = index }
                end = rest.index(after: index)
            }
            if end == rest.startIndex {
                // One character (a long grapheme cluster) is over the limit: cut between its scalars.
                let scalars = rest.unicodeScalars
                var cut = scalars.startIndex
                count = 0
                while cut < scalars.endIndex, count + scalars[cut].utf16.count <= limit {
                    count += scalars[cut].utf16.count
                    cut = scalars.index(after: cut)
                }
                parts.append(String(scalars[..<cut]))
                rest = Substring(scalars[cut...])
            } else if let lastBreak, lastBreak > rest.startIndex {
                parts.append(String(rest[..<lastBreak]))
                rest = rest[rest.index(after: lastBreak)...]
            } else {
                parts.append(String(rest[..<end]))
                rest = rest[end...]
            }
        }
        if !rest.isEmpty { parts.append(String(rest)) }
        return parts
    }
}

/// Keeps a minimum interval between sends to one chat: each caller reserves the next free slot.
final class SendPacer: Sendable {
    private let next = Mutex([String: ContinuousClock.Instant]())
    let interval: Duration

    init(interval: Duration) { self.interval = max(.zero, interval) }

    /// Waits for this chat's next slot.
    func wait(for chat: String) async throws(CancellationError) {
        guard interval > .zero else { return }
        let now = ContinuousClock.now
        let slot = next.withLock { next -> ContinuousClock.Instant in
            if next.count > 1024 { next = next.filter { $0.value > now } }
            let slot = max(now, next[chat] ?? now)
            next[chat] = slot + interval
            return slot
        }
        if slot > now {
            do {
                try await Task.sleep(until: slot, clock: .continuous)
            } catch {
                throw CancellationError()
            }
        }
    }
}

/// One HTTP exchange with a chat API through AsyncHTTPClient. URLs may hold credentials (Telegram puts the
/// bot token in the path, Discord webhooks the interaction token), so neither the URL nor the client's
/// error text ever reaches an error, a log or a description: failures carry only their kind.
struct ChatHTTP: Sendable {
    /// A finished exchange.
    struct Reply: Sendable {
        let status: Int
        let headers: [(String, String)]
        let body: [UInt8]

        /// The body as JSON, if it is.
        var json: JSONValue? { try? JSONValue(parsing: body, limits: .init(maximumBytes: max(1, body.count), maximumDepth: 64)) }

        /// The first value of a header, by case-insensitive name.
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name }?.1
        }
    }

    let client: HTTPClient
    let maximumResponseBytes: Int
    let service: String

    /// Sends a request.
    /// - Throws: ``GatewayError/Code/unavailable`` when the API cannot be reached or the task is cancelled.
    func call(
        _ method: HTTPMethod, url: String, headers: [(String, String)] = [], json: JSONValue?, timeout: Duration
    ) async throws(GatewayError) -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            var bytes = [UInt8]()
            json.write(into: &bytes)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        let components = timeout.components
        let nanoseconds = components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(nanoseconds))
            let body = try await response.body.collect(upTo: maximumResponseBytes)
            return Reply(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Array(body.readableBytesView))
        } catch {
            if Task.isCancelled { throw GatewayError(.unavailable, "cancelled while calling the \(service) API") }
            // The error's text may name the URL, which holds a credential: only its type leaves.
            throw GatewayError(.unavailable, "cannot reach the \(service) API (\(type(of: error)))")
        }
    }
}

/// What one attempt of a send asks for next.
enum DeliveryStep: Sendable {
    /// Delivered.
    case done
    /// Rate limited: wait this long and try again.
    case retry(after: Duration)
}

/// Runs `attempt` until it is done, waiting as asked on rate limits, at most `retries` times again and
/// never more than `maximumWait` each time.
func deliverWithRetries(
    retries: Int, maximumWait: Duration, service: String, _ attempt: () async throws(GatewayError) -> DeliveryStep
) async throws(GatewayError) {
    var tries = 0
    while true {
        switch try await attempt() {
        case .done:
            return
        case .retry(let after):
            tries += 1
            guard tries <= retries else { throw GatewayError(.unavailable, "\(service) kept answering 429 (too many requests)") }
            do {
                try await Task.sleep(for: min(max(after, .milliseconds(1)), maximumWait))
            } catch {
                throw GatewayError(.unavailable, "cancelled while waiting out a \(service) rate limit")
            }
        }
    }
}

/// Seconds (a JSON number) as a duration, bounded.
func retryDuration(_ value: JSONValue?, default fallback: Duration = .seconds(1)) -> Duration {
    guard let seconds = value?.doubleValue, seconds.isFinite, seconds >= 0 else { return fallback }
    return .milliseconds(Int64(min(seconds, 86_400) * 1000))
}

/// A bounded backoff: doubles from `initial` up to `maximum`, back to `initial` on success.
struct Backoff: Sendable {
    let initial: Duration
    let maximum: Duration
    private(set) var current: Duration?

    init(initial: Duration, maximum: Duration) {
        self.initial = max(initial, .milliseconds(1))
        self.maximum = max(maximum, self.initial)
    }

    /// The next wait.
    mutating func next() -> Duration {
        let wait = current.map { min($0 * 2, maximum) } ?? initial
        current = wait
        return wait
    }

    /// Forgets the failures.
    mutating func reset() { current = nil }
}
