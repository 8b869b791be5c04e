import Foundation

/// A source of the current time, injected wherever a decision depends on it.
///
/// Production code uses ``system``; tests pass a clock they control, so that time-based logic (one-time
/// codes, throttles, expiry) is tested without sleeping.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    /// Creates a clock that reads the time from a closure.
    /// - Parameter now: Returns the current time; called on every reading, from any thread.
    public init(_ now: @escaping @Sendable () -> Date) { self.read = now }

    /// Returns the current time.
    public func now() -> Date { read() }

    /// The system's wall clock.
    public static let system = WallClock { Date() }

    /// A clock that always reads the same instant.
    /// - Parameter date: The instant.
    /// - Returns: A clock that never moves.
    public static func fixed(_ date: Date) -> WallClock { WallClock { date } }
}
