import Crypto
import Foundation

/// What the registry records about an installed skill.
public struct SkillMetadata: Sendable, Hashable {
    /// The skill's name.
    public var name: String
    /// Its version.
    public var version: String
    /// SHA-256 of its code or definition, 64 lower-case hex digits.
    public var sha256: String
    /// Where it came from (a path or URL), if known.
    public var source: String?
    /// When it was registered.
    public var registeredAt: Date

    /// Creates metadata.
    /// - Throws: ``StorageError/Code/invalidValue`` when the checksum is not 64 hex digits or a field is empty.
    public init(name: String, version: String, sha256: String, source: String? = nil, registeredAt: Date) throws(StorageError) {
        let digest = sha256.lowercased()
        guard digest.utf8.count == 64, digest.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw StorageError(.invalidValue, "a skill checksum is 64 hex digits of SHA-256")
        }
        guard !name.isEmpty, name.utf8.count <= 128, !version.isEmpty, version.utf8.count <= 64 else {
            throw StorageError(.invalidValue, "a skill needs a name (at most 128 bytes) and a version (at most 64)")
        }
        self.name = name
        self.version = version
        self.sha256 = digest
        self.source = source
        self.registeredAt = registeredAt
    }
}

/// Skill registry metadata with checksums, so a skill whose code changed behind the registry's back is
/// noticed before it runs.
public struct SkillMetadataStore: Sendable {
    let driver: any SQLDriver
    let clock: WallClock

    /// Inserts or replaces a skill's metadata.
    public func save(_ skill: SkillMetadata) async throws(StorageError) {
        try await driver.execute(
            """
            INSERT INTO claw_skills (name, version, sha256, source, registered_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256,
                source = excluded.source, registered_at = excluded.registered_at
            """,
            [.text(skill.name), .text(skill.version), .text(skill.sha256), SQLValue(skill.source), SQLValue(skill.registeredAt)])
    }

    /// One skill's metadata.
    public func skill(named name: String) async throws(StorageError) -> SkillMetadata? {
        try Self.decode(try await driver.query(
            "SELECT name, version, sha256, source, registered_at FROM claw_skills WHERE name = ?", [.text(name)])).first
    }

    /// Every skill, by name.
    public func all() async throws(StorageError) -> [SkillMetadata] {
        try Self.decode(try await driver.query("SELECT name, version, sha256, source, registered_at FROM claw_skills ORDER BY name"))
    }

    /// Whether `bytes` hash to the recorded checksum (constant-time comparison).
    /// - Returns: `false` when the skill is unknown or its code changed.
    public func matches(_ name: String, bytes: some Collection<UInt8>) async throws(StorageError) -> Bool {
        guard let recorded = try await skill(named: name) else { return false }
        return ConstantTime.equals(Hex.encode(SHA256.hash(data: Array(bytes))), recorded.sha256)
    }

    /// Deletes a skill's metadata.
    @discardableResult
    public func delete(named name: String) async throws(StorageError) -> Bool {
        !(try await driver.query("DELETE FROM claw_skills WHERE name = ? RETURNING name", [.text(name)])).isEmpty
    }

    static func decode(_ rows: [SQLRow]) throws(StorageError) -> [SkillMetadata] {
        var result = [SkillMetadata]()
        for row in rows {
            do {
                result.append(try SkillMetadata(
                    name: try row.text(0), version: try row.text(1), sha256: try row.text(2), source: row.optionalText(3),
                    registeredAt: try row.date(4)))
            } catch {
                throw StorageError(.corrupt, "stored skill metadata does not validate: \(error.reason)")
            }
        }
        return result
    }
}
