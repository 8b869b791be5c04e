import ClawStorage

/// `memory`: reads and writes the agent's memory (permission `memory`): key/value entries and tagged notes.
///
/// Input (`input` or `config`, `input` wins): `{"op": "get", "key": K}`, `{"op": "set", "key": K, "value": V}`,
/// `{"op": "delete", "key": K}`, `{"op": "note", "text": T, "tags": [..]}`, `{"op": "notes", "tag": T?, "limit": N?}`,
/// or a plain string, which is stored as a note.
public struct MemorySkill: Skill {
    /// `memory`, permission `memory`.
    public let descriptor = SkillDescriptor(name: "memory", permissions: ["memory"])
    let store: MemoryStore

    /// Creates the skill over a memory store.
    public init(store: MemoryStore) { self.store = store }

    /// Runs one operation.
    public func run(_ payload: JSONValue, context: SkillContext) async throws -> JSONValue {
        try await context.authorize("memory")
        let request = payload["input"].flatMap { $0 == .null ? nil : $0 } ?? payload["config"] ?? .null
        if case .string(let text) = request {
            let note = try await store.addNote(text)
            return ["id": .int(note.id)]
        }
        func string(_ name: String) throws -> String {
            guard case .string(let value)? = request[name], !value.isEmpty else {
                throw WorkflowError(.invalidInput, "memory: '\(name)' must be a non-empty string")
            }
            return value
        }
        guard case .string(let operation)? = request["op"] else {
            throw WorkflowError(.invalidInput, "memory: 'op' must be get, set, delete, note or notes")
        }
        switch operation {
        case "get":
            return try await store.value(for: try string("key")).map(JSONValue.string) ?? .null
        case "set":
            try await store.set(try string("value"), for: try string("key"))
            return ["stored": true]
        case "delete":
            return ["deleted": .bool(try await store.delete(key: try string("key")))]
        case "note":
            let tags: [String]
            if case .array(let items)? = request["tags"] {
                tags = items.compactMap { if case .string(let tag) = $0 { tag } else { nil } }
            } else {
                tags = []
            }
            let note = try await store.addNote(try string("text"), tags: tags)
            return ["id": .int(note.id)]
        case "notes":
            var tag: String?
            if case .string(let value)? = request["tag"] { tag = value }
            var limit = 20
            if let value = request["limit"]?.intValue { limit = Int(max(1, min(200, value))) }
            let notes = try await store.notes(tag: tag, limit: limit)
            return .array(notes.map { ["id": .int($0.id), "text": .string($0.text), "tags": .array($0.tags.map(JSONValue.string))] })
        default:
            throw WorkflowError(.invalidInput, "memory: 'op' must be get, set, delete, note or notes")
        }
    }
}
