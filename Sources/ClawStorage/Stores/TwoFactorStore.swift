import Foundation

/// One account's two-factor state as stored.
public struct TwoFactorState: Sendable {
    /// The account, such as `owner`.
    public let account: String
    /// The TOTP generator (the secret is opened only in memory).
    public let totp: TOTP
    /// The last time step accepted, if any: a code from this step or an earlier one is a replay.
    public let lastAcceptedStep: Int64?
    /// Wrong codes since the last accepted one.
    public let failedAttempts: Int
    /// When the account enrolled.
    public let enrolledAt: Date
}

/// Two-factor enrolment and replay state in the database: the TOTP secret sealed, the last accepted step
/// and the failure count. Accepting a step is one conditional update, so a code is accepted once across
/// restarts and across every node sharing the database.
public struct TwoFactorStore: Sendable {
    let driver: any SQLDriver
    let box: SecretBox
    let clock: WallClock

    /// Wrong codes allowed in a row before ``verify(_:account:)`` locks the account until one is accepted
    /// out of band (re-enrolment); 5.
    public static let maximumFailedAttempts = 5

    static func sealName(_ account: String) -> String { "two_factor.\(account)" }

    /// Enrols (or re-enrols, resetting replay and failure state) an account.
    public func enroll(account: String, totp: TOTP) async throws(StorageError) {
        guard SettingKey.isValidName(account) else { throw StorageError(.invalidValue, "an account name is 1 to 128 of a-z, 0-9, '.', '_', '-'") }
        let sealed: String
        do {
            sealed = try box.seal(totp.base32Secret, name: Self.sealName(account))
        } catch {
            throw StorageError(.secret, "cannot seal the TOTP secret: \(error.code)")
        }
        let now = SQLValue(clock.now())
        try await driver.execute(
            """
            INSERT INTO claw_two_factor (account, secret, last_step, failed_attempts, enrolled_at, updated_at)
            VALUES (?, ?, -1, 0, ?, ?)
            ON CONFLICT (account) DO UPDATE SET secret = excluded.secret, last_step = -1, failed_attempts = 0,
                enrolled_at = excluded.enrolled_at, updated_at = excluded.updated_at
            """,
            [.text(account), .text(sealed), now, now])
    }

    /// The account's state, or `nil` when it has not enrolled.
    /// - Throws: ``StorageError/Code/secret`` when the secret does not open.
    public func state(account: String) async throws(StorageError) -> TwoFactorState? {
        let rows = try await driver.query(
            "SELECT secret, last_step, failed_attempts, enrolled_at FROM claw_two_factor WHERE account = ?", [.text(account)])
        guard let row = rows.first else { return nil }
        let sealed = try row.text(0)
        let totp: TOTP
        do throws(ClawSecurityError) {
            totp = try TOTP(base32Secret: try box.openString(sealed, name: Self.sealName(account)))
        } catch {
            throw StorageError(.secret, "the TOTP secret of \(account) does not open: \(error.code)")
        }
        let last = try row.integer(1)
        return TwoFactorState(
            account: account, totp: totp, lastAcceptedStep: last < 0 ? nil : last, failedAttempts: Int(try row.integer(2)),
            enrolledAt: try row.date(3))
    }

    /// Accepts a step if it is newer than the last accepted one and the account is not locked, atomically.
    /// - Returns: `false` when that step (or a later one) was already accepted (a replay), or the account is
    ///   locked by wrong codes.
    public func accept(account: String, step: Int64) async throws(StorageError) -> Bool {
        let rows = try await driver.query(
            """
            UPDATE claw_two_factor SET last_step = ?, failed_attempts = 0, updated_at = ?
            WHERE account = ? AND last_step < ? AND failed_attempts < ? RETURNING account
            """,
            [.integer(step), SQLValue(clock.now()), .text(account), .integer(step), .integer(Int64(Self.maximumFailedAttempts))])
        return rows.count == 1
    }

    /// Counts a wrong code.
    /// - Returns: The failures in a row now.
    @discardableResult
    public func recordFailure(account: String) async throws(StorageError) -> Int {
        // One conditional update: concurrent wrong codes cannot push the count past the limit unnoticed.
        let rows = try await driver.query(
            """
            UPDATE claw_two_factor SET failed_attempts = failed_attempts + 1, updated_at = ?
            WHERE account = ? AND failed_attempts < ? RETURNING failed_attempts
            """,
            [SQLValue(clock.now()), .text(account), .integer(Int64(Self.maximumFailedAttempts))])
        guard let row = rows.first else { return Self.maximumFailedAttempts }
        return Int(try row.integer(0))
    }

    /// Checks a code: right, not replayed, and the account not locked by wrong codes.
    /// - Returns: What happened; only ``TwoFactorOutcome/accepted(step:)`` lets an action through.
    /// - Throws: ``StorageError`` when the store cannot be read or written (the caller must refuse).
    public func verify(_ code: String, account: String) async throws(StorageError) -> TwoFactorOutcome {
        guard let state = try await state(account: account) else { return .notEnrolled }
        guard state.failedAttempts < Self.maximumFailedAttempts else { return .locked }
        guard let step = state.totp.match(code, at: clock.now()) else {
            let failures = try await recordFailure(account: account)
            return failures >= Self.maximumFailedAttempts ? .locked : .wrong
        }
        if try await accept(account: account, step: step) { return .accepted(step: step) }
        // Refused: a replay, or wrong codes sent meanwhile locked the account.
        let now = try await self.state(account: account)
        return (now?.failedAttempts ?? 0) >= Self.maximumFailedAttempts ? .locked : .replayed
    }

    /// Removes an account's enrolment.
    @discardableResult
    public func remove(account: String) async throws(StorageError) -> Bool {
        !(try await driver.query("DELETE FROM claw_two_factor WHERE account = ? RETURNING account", [.text(account)])).isEmpty
    }
}

/// What ``TwoFactorStore/verify(_:account:)`` concluded.
public enum TwoFactorOutcome: Sendable, Hashable {
    /// The code is right and fresh; its step is now used.
    case accepted(step: Int64)
    /// The code is wrong or outside the window.
    case wrong
    /// The code's step was already accepted once.
    case replayed
    /// Too many wrong codes in a row.
    case locked
    /// The account has not enrolled.
    case notEnrolled
}
