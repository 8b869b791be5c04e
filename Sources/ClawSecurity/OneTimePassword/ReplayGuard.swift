import Crypto
import Foundation
import Synchronization

/// Accepts each one-time code at most once, and locks a challenge after too many wrong codes.
///
/// For every secret the guard remembers the last time step it accepted; a code from that step or an
/// earlier one is refused as a replay (RFC 6238 §5.2), even inside the window. Each verification belongs
/// to a challenge (one login, one 2FA prompt); after ``Configuration/maximumFailuresPerChallenge`` wrong
/// codes the challenge is locked and accepts nothing more, not even the right code.
///
/// The guard is safe to share between tasks and threads. Secrets are keyed by their SHA-256 fingerprint,
/// so the guard holds no secret.
public final class ReplayGuard: Sendable {
    /// Limits.
    public struct Configuration: Sendable {
        /// Wrong codes a challenge tolerates before it locks; 5 by default.
        public var maximumFailuresPerChallenge: Int
        /// Challenges remembered at once; the oldest are forgotten beyond it. 10,000 by default.
        public var maximumTrackedChallenges: Int

        /// Creates a configuration.
        public init(maximumFailuresPerChallenge: Int = 5, maximumTrackedChallenges: Int = 10_000) {
            self.maximumFailuresPerChallenge = max(1, maximumFailuresPerChallenge)
            self.maximumTrackedChallenges = max(1, maximumTrackedChallenges)
        }
    }

    struct State {
        var lastAcceptedStep: [SHA256Digest: Int64] = [:]
        var failures: [String: Int] = [:]
        var challengeOrder: [String] = []
    }

    private let state = Mutex(State())
    private let clock: WallClock
    /// The limits in force.
    public let configuration: Configuration

    /// Creates a guard.
    /// - Parameters:
    ///   - configuration: Limits.
    ///   - clock: The time source; the system clock by default.
    public init(configuration: Configuration = .init(), clock: WallClock = .system) {
        self.configuration = configuration
        self.clock = clock
    }

    /// Verifies a code once.
    /// - Parameters:
    ///   - code: The code as typed.
    ///   - totp: The secret and parameters it must match.
    ///   - challenge: The challenge it answers; wrong codes count against it.
    /// - Returns: The time step the code was accepted for.
    /// - Throws: ``ClawSecurityError/Code/challengeLocked`` once the challenge saw too many wrong codes,
    ///   ``ClawSecurityError/Code/replayedCode`` for a code from a step already accepted, and
    ///   ``ClawSecurityError/Code/invalidCode`` for a wrong code.
    @discardableResult
    public func verify(_ code: String, for totp: TOTP, challenge: String) throws(ClawSecurityError) -> Int64 {
        let matched = totp.match(code, at: clock.now())
        let fingerprint = totp.fingerprint
        let limit = configuration.maximumFailuresPerChallenge
        let capacity = configuration.maximumTrackedChallenges
        let outcome: Result<Int64, ClawSecurityError> = state.withLock { state in
            if let failures = state.failures[challenge], failures >= limit {
                return .failure(ClawSecurityError(.challengeLocked, "this challenge saw too many wrong codes"))
            }
            guard let step = matched else {
                if state.failures[challenge] == nil {
                    state.challengeOrder.append(challenge)
                    if state.challengeOrder.count > capacity {
                        let evicted = state.challengeOrder.removeFirst()
                        state.failures[evicted] = nil
                    }
                }
                state.failures[challenge, default: 0] += 1
                return .failure(ClawSecurityError(.invalidCode, "the code is wrong or expired"))
            }
            if let last = state.lastAcceptedStep[fingerprint], step <= last {
                return .failure(ClawSecurityError(.replayedCode, "the code was already used"))
            }
            state.lastAcceptedStep[fingerprint] = step
            return .success(step)
        }
        return try outcome.get()
    }

    /// Forgets a finished challenge's failure count.
    /// - Parameter challenge: The challenge.
    public func endChallenge(_ challenge: String) {
        state.withLock { state in
            if state.failures.removeValue(forKey: challenge) != nil {
                state.challengeOrder.removeAll { $0 == challenge }
            }
        }
    }

    /// Returns how many wrong codes a challenge has seen.
    /// - Parameter challenge: The challenge.
    /// - Returns: The count; 0 for an unknown challenge.
    public func failures(for challenge: String) -> Int {
        state.withLock { $0.failures[challenge] ?? 0 }
    }
}
