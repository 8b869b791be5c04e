import Foundation
import ClawStorage

/// Reads the agent's configuration from the settings store: plain values, lists, flags, and secrets
/// (revealed with an audit entry). A store failure ends the start with one line.
struct SettingsReader {
    let settings: SettingsStore

    /// A non-sensitive setting's value; empty counts as unset.
    func value(_ name: String) async throws -> String? {
        let key = try await StateDatabase.guarding { () async throws(StorageError) in try SettingKey(name) }
        let value = try await StateDatabase.guarding { () async throws(StorageError) in try await settings.value(for: key) }
        return value.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// A list setting: items separated by commas, semicolons or new lines.
    func list(_ name: String) async throws -> [String] { Self.split(try await value(name) ?? "") }

    /// A list of lines: items separated by semicolons or new lines (commas stay inside an item).
    func lines(_ name: String) async throws -> [String] {
        (try await value(name) ?? "").split(whereSeparator: { $0 == ";" || $0.isNewline })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A yes/no setting: `true`, `yes`, `on` or `1` is yes; anything else, or unset, is no.
    func flag(_ name: String) async throws -> Bool {
        ["true", "yes", "on", "1"].contains((try await value(name) ?? "").lowercased())
    }

    /// A sealed setting, revealed with an audit entry.
    func secret(_ key: SettingKey, purpose: String, audit: AuditLog) async throws -> String? {
        let value = try await StateDatabase.guarding { () async throws(StorageError) in
            try await settings.reveal(key, purpose: purpose, audit: audit)
        }
        return value.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Splits a list on commas, semicolons and new lines, trimming and dropping empty items.
    static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == ";" || $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
