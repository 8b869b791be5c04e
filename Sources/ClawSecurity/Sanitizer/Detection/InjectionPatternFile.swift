import Foundation
import Synchronization

/// A pattern file on disk, loaded at start and reloaded when it changes, without restarting or
/// recompiling anything: ``reloadIfChanged()`` compares the file's content digest with what was loaded. A file that does not load keeps the previous patterns in force and the
/// error is reported (``lastError``), so a typo never leaves the agent without patterns.
public final class InjectionPatternFile: Sendable {
    /// What a reload did.
    public enum Outcome: Sendable, Equatable {
        /// The file had not changed.
        case unchanged
        /// The new patterns are in force.
        case reloaded(count: Int)
        /// The file changed but did not load; the previous patterns stay in force.
        case rejected(ClawSecurityError)
    }

    struct State {
        var patterns: InjectionPatterns
        var sanitizer: ContentSanitizer
        var stamp: String?
        var lastError: ClawSecurityError?
    }

    /// The file.
    public let path: String
    let base: ContentSanitizer.Configuration
    private let state: Mutex<State>

    /// Loads the file; throws when it cannot be read or is invalid (at start there is nothing to fall back to).
    /// - Parameters:
    ///   - path: The pattern file.
    ///   - configuration: The sanitizer configuration the patterns go into.
    public init(path: String, configuration: ContentSanitizer.Configuration = .init()) throws(ClawSecurityError) {
        self.path = path
        base = configuration
        let (patterns, stamp) = try Self.load(path)
        var withPatterns = configuration
        withPatterns.patterns = patterns
        state = Mutex(State(patterns: patterns, sanitizer: ContentSanitizer(configuration: withPatterns), stamp: stamp))
    }

    /// The patterns in force.
    public var patterns: InjectionPatterns { state.withLock { $0.patterns } }
    /// A sanitizer with the patterns in force (compiled once per reload).
    public var sanitizer: ContentSanitizer { state.withLock { $0.sanitizer } }
    /// Why the last changed file was rejected, or nil when the patterns in force are the file's.
    public var lastError: ClawSecurityError? { state.withLock { $0.lastError } }

    /// Reloads the file if it changed.
    @discardableResult
    public func reloadIfChanged() -> Outcome {
        let bytes: [UInt8]
        do {
            bytes = try Self.read(path)
        } catch {
            state.withLock { $0.lastError = error }
            return .rejected(error)
        }
        let stamp = Self.stamp(bytes)
        if state.withLock({ $0.stamp == stamp }) { return .unchanged }
        do {
            let patterns = try InjectionPatterns(json: bytes)
            var configuration = base
            configuration.patterns = patterns
            let sanitizer = ContentSanitizer(configuration: configuration)
            state.withLock {
                $0 = State(patterns: patterns, sanitizer: sanitizer, stamp: stamp, lastError: nil)
            }
            return .reloaded(count: patterns.patterns.count)
        } catch {
            state.withLock {
                $0.lastError = error
                $0.stamp = stamp // report a bad file once, not on every poll
            }
            return .rejected(error)
        }
    }

    static func read(_ path: String) throws(ClawSecurityError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClawSecurityError(.patternsUnreadable, "cannot read the pattern file \(path)")
        }
        return Array(data)
    }

    static func load(_ path: String) throws(ClawSecurityError) -> (InjectionPatterns, String) {
        let bytes = try read(path)
        return (try InjectionPatterns(json: bytes), stamp(bytes))
    }

    /// The content's SHA-256 (a file changed within the same second is still noticed).
    static func stamp(_ bytes: [UInt8]) -> String { Integrity.sha256(Data(bytes)) }
}
