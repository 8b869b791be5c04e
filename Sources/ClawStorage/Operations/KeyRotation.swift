/// Re-encrypts every sealed value in the database (sensitive settings and TOTP secrets) under a new
/// SECRET_KEY_BASE, in one transaction.
///
/// The key ring passed in holds the new secret as its current one and the old secret(s) as previous ones,
/// so old key ids keep opening until the rotation has committed, and, because it is one transaction, an
/// interrupted rotation leaves every value as it was, readable with the old secret. Each value is opened
/// and sealed again before anything is written; a value that does not open stops the rotation with
/// nothing changed. Rows changed by someone else meanwhile make the transaction fail (compare-and-swap)
/// and it is retried.
///
/// Keep the old secret in `SECRET_KEY_BASE_PREVIOUS` afterwards: audit entries signed before the rotation
/// verify only with it.
public enum KeyRotation {
    /// What a rotation changed.
    public struct Result: Sendable, Hashable {
        /// Sensitive settings re-sealed.
        public let settings: Int
        /// TOTP secrets re-sealed.
        public let twoFactorSecrets: Int
        /// The key id every value now carries.
        public let keyID: String
    }

    /// Rotates.
    /// - Parameters:
    ///   - database: The database.
    ///   - keyRing: The new secret as current, the old one(s) as previous.
    /// - Throws: ``StorageError/Code/secret`` naming a value that does not open (nothing written),
    ///   ``StorageError/Code/conflict`` when concurrent writes kept interfering (nothing written).
    public static func rotate(_ database: ClawDatabase, to keyRing: KeyRing) async throws(StorageError) -> Result {
        try await rotate(database, to: keyRing, interruptAfter: nil)
    }

    /// `interruptAfter` makes the transaction fail after that many updates, for the test that proves an
    /// interrupted rotation changes nothing.
    package static func rotate(_ database: ClawDatabase, to keyRing: KeyRing, interruptAfter: Int?) async throws(StorageError) -> Result {
        let box = SecretBox(keyRing: keyRing)
        var lastError = StorageError(.conflict, "the rotation kept conflicting with other writers; nothing was changed")
        for _ in 0..<5 {
            let read = try await database.driver.snapshot([
                SQLStatement("SELECT name, value FROM claw_settings WHERE sensitive = 1 ORDER BY name"),
                SQLStatement("SELECT account, secret FROM claw_two_factor ORDER BY account"),
            ])
            var statements = [SQLStatement]()
            for row in read[0] {
                let (name, stored) = (try row.text(0), try row.text(1))
                let sealed = try reseal(stored, name: name, box: box, what: "setting \(name)")
                statements.append(SQLStatement(
                    "UPDATE claw_settings SET value = ? WHERE name = ? AND value = ? RETURNING name",
                    [.text(sealed), .text(name), .text(stored)], expectedRows: 1))
            }
            for row in read[1] {
                let (account, stored) = (try row.text(0), try row.text(1))
                let sealed = try reseal(stored, name: TwoFactorStore.sealName(account), box: box, what: "the TOTP secret of \(account)")
                statements.append(SQLStatement(
                    "UPDATE claw_two_factor SET secret = ? WHERE account = ? AND secret = ? RETURNING account",
                    [.text(sealed), .text(account), .text(stored)], expectedRows: 1))
            }
            if let interruptAfter {
                statements.insert(
                    SQLStatement("SELECT 1 WHERE 1 = 0", expectedRows: 1), at: min(interruptAfter, statements.count))
            }
            do {
                _ = try await database.driver.transaction(statements)
                return Result(settings: read[0].count, twoFactorSecrets: read[1].count, keyID: keyRing.currentKeyID.rawValue)
            } catch where error.code == .conflict {
                lastError = error
                if interruptAfter != nil { throw error }
            }
        }
        throw lastError
    }

    /// Checks, without changing anything, that every sealed value (sensitive settings, TOTP secrets) opens
    /// with a key ring: run it before a rotation moves keys around.
    /// - Throws: ``StorageError/Code/secret`` naming the first value that does not open.
    public static func checkOpens(_ database: ClawDatabase, with keyRing: KeyRing) async throws(StorageError) {
        let box = SecretBox(keyRing: keyRing)
        let read = try await database.driver.snapshot([
            SQLStatement("SELECT name, value FROM claw_settings WHERE sensitive = 1 ORDER BY name"),
            SQLStatement("SELECT account, secret FROM claw_two_factor ORDER BY account"),
        ])
        for row in read[0] {
            _ = try reseal(try row.text(1), name: try row.text(0), box: box, what: "setting \(try row.text(0))")
        }
        for row in read[1] {
            let account = try row.text(0)
            _ = try reseal(try row.text(1), name: TwoFactorStore.sealName(account), box: box, what: "the TOTP secret of \(account)")
        }
    }

    static func reseal(_ stored: String, name: String, box: SecretBox, what: String) throws(StorageError) -> String {
        do {
            return try box.seal(try box.open(stored, name: name), name: name)
        } catch {
            throw StorageError(.secret, "\(what) does not open with the current or previous secrets (\(error.code)); nothing was changed")
        }
    }
}
