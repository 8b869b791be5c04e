import ServiceLifecycle

/// The loop behind every cache that follows the database: refresh now, then on every change announced on
/// a channel and at least every `ttl`, until cancelled or shut down gracefully.
enum RefreshLoop {
    static func run(changes: AsyncStream<Void>, ttl: Duration, refresh: @escaping @Sendable () async -> Void) async {
        await refresh()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in changes.cancelOnGracefulShutdown() { await refresh() }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: ttl) }
                    } catch {
                        return
                    }
                    await refresh()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
