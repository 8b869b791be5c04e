import ClawSecurity
import Foundation

/// Reads test data from the repository's Fixtures folder (never from outside the repository).
enum Fixtures {
    /// The repository root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Decodes a JSON fixture, such as `vectors/wycheproof/aes_gcm_test.json`.
    static func json<T: Decodable>(_ path: String, as type: T.Type = T.self) throws -> T {
        let data = try Data(contentsOf: root.appendingPathComponent("Fixtures").appendingPathComponent(path))
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// Decodes hex in tests, where the input is trusted.
func bytes(hex: String) -> [UInt8] { try! Hex.decode(hex) }
