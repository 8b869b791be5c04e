import ClawStorage
import Foundation
import Testing

@Suite("SECRET_KEY_BASE file")
struct SecretKeyBaseFileTests {
    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("claw-skb-\(UUID().uuidString)").appendingPathComponent("state")
    }

    @Test("generated once (0600 in a 0700 folder), then read back as the same key; the environment wins")
    func generateThenRead() throws {
        let home = Self.folder()
        defer { try? FileManager.default.removeItem(at: home.deletingLastPathComponent()) }
        let file = SecretKeyBaseFile(home: home)
        #expect(throws: StorageError.self) { try file.keyRing(environment: [:], create: false) }
        let (created, source) = try file.keyRing(environment: [:], create: true)
        #expect(source == .generated(file.path))
        var info = stat()
        #expect(stat(file.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(home.path, &info) == 0 && info.st_mode & 0o777 == 0o700)
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(text.count == 129 && text.hasSuffix("\n") && text.dropLast().allSatisfy(\.isHexDigit))
        let (again, sourceAgain) = try file.keyRing(environment: [:], create: true)
        #expect(sourceAgain == .file(file.path) && again.currentKeyID == created.currentKeyID, "never replaced")
        let fromEnvironment = try file.keyRing(environment: ["SECRET_KEY_BASE": String(text.dropLast())], create: false)
        #expect(fromEnvironment.1 == .environment && fromEnvironment.0.currentKeyID == created.currentKeyID)
        let other = try file.keyRing(environment: ["SECRET_KEY_BASE": String(repeating: "o", count: 40)], create: true)
        #expect(other.1 == .environment && other.0.currentKeyID != created.currentKeyID)
        #expect(throws: StorageError.self) { try file.keyRing(environment: ["SECRET_KEY_BASE": "short"], create: true) }
    }

    @Test("rotate: a new key in the file, every earlier one kept newest first; a weak, spaced or unchanged key changes nothing")
    func rotate() throws {
        let home = Self.folder()
        defer { try? FileManager.default.removeItem(at: home.deletingLastPathComponent()) }
        let file = SecretKeyBaseFile(home: home)
        #expect(throws: StorageError.self) { try file.rotate(to: SecretKeyBaseFile.randomSecret(), environment: [:]) }
        let (first, _) = try file.keyRing(environment: [:], create: true)
        let firstText = try String(contentsOfFile: file.path, encoding: .utf8)
        // The file is read back trimmed: a key with white space or a control character would not be the key that sealed.
        let good = SecretKeyBaseFile.randomSecret()
        for bad in ["short", String(firstText.dropLast()), good + "\r", good + " ", " " + good, String(good.prefix(40)) + "\n" + good.dropFirst(40), good + "\u{0}"] {
            #expect(throws: StorageError.self) { try file.rotate(to: bad, environment: [:]) }
        }
        #expect(try String(contentsOfFile: file.path, encoding: .utf8) == firstText && !FileManager.default.fileExists(atPath: file.previousPath))

        let second = try file.rotate(to: SecretKeyBaseFile.randomSecret(), environment: [:])
        #expect(second.currentKeyID != first.currentKeyID && second.keyIDs == [second.currentKeyID, first.currentKeyID])
        // SECRET_KEY_BASE_PREVIOUS is kept too (after the file's key), so nothing it opened is lost.
        let other = String(repeating: "p", count: 40)
        let otherID = try KeyRing(secretKeyBase: other).currentKeyID
        let third = try file.rotate(to: String(repeating: "t", count: 40), environment: ["SECRET_KEY_BASE_PREVIOUS": other])
        #expect(third.keyIDs == [third.currentKeyID, second.currentKeyID, otherID, first.currentKeyID])
        let (read, source) = try file.keyRing(environment: [:], create: false)
        #expect(source == .file(file.path) && read.keyIDs == third.keyIDs)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: home.path).filter { $0.contains("partial") }
        #expect(leftovers.isEmpty)
        // One rotation at a time.
        let lock = try file.lockForRotation()
        #expect(throws: StorageError.self) { try file.lockForRotation() }
        lock.release()
        try file.lockForRotation().release()
        // The earlier keys' file follows the same rules as the key file.
        chmod(file.previousPath, 0o640)
        let error = try #require(throws: StorageError.self) { try file.keyRing(environment: [:], create: false) }
        #expect(error.reason.contains(file.previousPath) && error.reason.contains("chmod 600"))
    }

    @Test("a file others can read, a symlink, or a weak secret is refused, naming the file and never its content")
    func refusals() throws {
        let home = Self.folder()
        defer { try? FileManager.default.removeItem(at: home.deletingLastPathComponent()) }
        let file = SecretKeyBaseFile(home: home)
        _ = try file.keyRing(environment: [:], create: true)
        let secret = try String(contentsOfFile: file.path, encoding: .utf8)
        chmod(file.path, 0o644)
        let error = try #require(throws: StorageError.self) { try file.keyRing(environment: [:], create: false) }
        #expect(error.reason.contains("chmod 600") && !error.reason.contains(secret.prefix(16)))
        try FileManager.default.removeItem(atPath: file.path)
        let target = home.appendingPathComponent("elsewhere")
        try secret.write(to: target, atomically: true, encoding: .utf8)
        chmod(target.path, 0o600)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: target.path)
        #expect(throws: StorageError.self) { try file.keyRing(environment: [:], create: false) }
        try FileManager.default.removeItem(atPath: file.path)
        FileManager.default.createFile(atPath: file.path, contents: Data("too short\n".utf8), attributes: [.posixPermissions: 0o600])
        let weak = try #require(throws: StorageError.self) { try file.keyRing(environment: [:], create: true) }
        #expect(weak.code == .secret)
    }
}
