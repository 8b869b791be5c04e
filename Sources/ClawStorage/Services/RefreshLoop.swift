import ServiceLifecycle

/// The loop behind every cache that follows the database: refresh now, then on every change announced on
/// a channel and at least every `ttl`, until cancelled or shut down gracefully.
///
/// Refreshes run one at a time, in the order they were asked for: two overlapping reads could otherwise
/// apply out of order, a slow read from before a change landing after the read that saw it (a disabled
/// workflow scheduled again, a tightened policy loosened). Requests that arrive while a refresh runs are
/// merged into one more refresh after it.
enum RefreshLoop {
    static func run(changes: AsyncStream<Void>, ttl: Duration, refresh: @escaping @Sendable () async -> Void) async {
        let (requests, request) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in changes.cancelOnGracefulShutdown() { request.yield() }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: ttl) }
                    } catch {
                        return
                    }
                    request.yield()
                }
            }
            group.addTask {
                await refresh()
                for await _ in requests.cancelOnGracefulShutdown() { await refresh() }
            }
            // Any of the three ending (cancellation or graceful shutdown) ends the loop.
            await group.next()
            group.cancelAll()
            request.finish()
        }
    }
}
