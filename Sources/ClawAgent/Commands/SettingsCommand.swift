import ArgumentParser
import ClawStorage
import Foundation

/// `claw settings`: the settings in the state database; secrets sealed, listed redacted.
struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "List, set and delete settings in the state database (sensitive values sealed, shown redacted).",
        subcommands: [List.self, Set.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every setting, sensitive values as [redacted].")

        func run() async throws {
            let keyRing = try StateDatabase.keyRing()
            let database = try await StateDatabase.open()
            let all = try await StateDatabase.guarding { () async throws(StorageError) in try await database.settings(keyRing: keyRing).all() }
            await database.close()
            for setting in all { print("\(setting.name) = \(setting.displayValue)") }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a value on standard input and store it under NAME.",
            discussion: """
                The value never goes on the command line. Names that look like secrets (…token, …secret, …api_key, \
                …password) are sealed whatever you say; --sensitive seals any other. One trailing line break is removed.
                """)

        @Argument(help: "The setting's name: 1 to 128 of a-z, 0-9, '.', '_', '-'.")
        var name: String

        @Flag(help: "Seal the value even if its name does not look like a secret.")
        var sensitive = false

        func run() async throws {
            let keyRing = try StateDatabase.keyRing()
            let key = try await StateDatabase.guarding { () async throws(StorageError) in try SettingKey(name, sensitive: sensitive) }
            let bytes = StandardStreams.droppingTrailingNewline(try StandardStreams.readInput(limit: 1 << 20))
            guard let value = String(validating: bytes, as: UTF8.self) else { throw CommandFailure.fail("the value is not UTF-8") }
            let database = try await StateDatabase.open()
            try await StateDatabase.guarding { () async throws(StorageError) in try await database.settings(keyRing: keyRing).set(value, for: key) }
            await database.close()
            print(key.isSensitive ? "\(name) set (sealed)" : "\(name) set")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a setting.")

        @Argument(help: "The setting's name.")
        var name: String

        func run() async throws {
            let keyRing = try StateDatabase.keyRing()
            let database = try await StateDatabase.open()
            let existed = try await StateDatabase.guarding { () async throws(StorageError) in try await database.settings(keyRing: keyRing).delete(name) }
            await database.close()
            print(existed ? "\(name) deleted" : "no setting named \(name)")
        }
    }
}
