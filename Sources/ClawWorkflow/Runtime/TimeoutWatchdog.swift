import Synchronization

/// Enforces step timeouts with one shared timer instead of one `Task.sleep` per call.
///
/// A cancelled `Task.sleep` keeps its timer registered until the original deadline: at a few thousand
/// calls a second and a 30-second timeout that held about 100,000 timers (70 MB). Here a call waits on a
/// continuation the watchdog resumes at its deadline, and removes it the moment the call ends, so memory
/// follows the calls in flight. One checking task runs only while calls are in flight, every `resolution`.
final class TimeoutWatchdog: Sendable {
    struct Waiter {
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Bool, Never>
    }

    struct State {
        var next = 0
        var waiters: [Int: Waiter] = [:]
        var checking = false
    }

    private let state = Mutex(State())
    let resolution: Duration

    init(resolution: Duration = .milliseconds(20)) { self.resolution = resolution }

    /// Waits registered and not yet expired or cancelled.
    var pendingCount: Int { state.withLock { $0.waiters.count } }

    /// Suspends until `timeout` has passed (`true`) or the calling task is cancelled (`false`).
    func expired(after timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let id = state.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let (startChecker, cancelledAlready) = state.withLock { state -> (Bool, Bool) in
                    if Task.isCancelled { return (false, true) }
                    state.waiters[id] = Waiter(deadline: deadline, continuation: continuation)
                    if state.checking { return (false, false) }
                    state.checking = true
                    return (true, false)
                }
                if cancelledAlready {
                    continuation.resume(returning: false)
                    return
                }
                if startChecker { Task { await self.check() } }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: false)
        }
    }

    private func check() async {
        while true {
            try? await Task.sleep(for: resolution)
            let now = ContinuousClock.now
            let (due, done) = state.withLock { state -> ([Waiter], Bool) in
                var due = [Waiter]()
                for (id, waiter) in state.waiters where waiter.deadline <= now {
                    due.append(waiter)
                    state.waiters[id] = nil
                }
                if state.waiters.isEmpty { state.checking = false }
                return (due, state.waiters.isEmpty)
            }
            for waiter in due { waiter.continuation.resume(returning: true) }
            if done { return }
        }
    }
}
