import Synchronization

/// The skills the agent can run, by name.
///
/// The registry decides a skill's identity: its registered name is the caller identity every
/// authorization uses, whatever the skill says about itself. A skill is replaced only by a higher version;
/// core skills can be neither replaced nor unregistered.
public final class SkillRegistry: Sendable {
    /// A registered skill with the registry's facts about it.
    public struct Entry: Sendable {
        /// The skill.
        public let skill: any Skill
        /// Its descriptor, as registered.
        public let descriptor: SkillDescriptor
        /// Whether it ships with Claw (protected, caller type `core`) or was loaded later (`dynamic`).
        public let isCore: Bool
    }

    private let entries = Mutex([String: Entry]())

    /// Creates an empty registry.
    public init() {}

    /// Registers a skill, or replaces one of the same name with a lower version.
    /// - Parameters:
    ///   - skill: The skill.
    ///   - isCore: Whether it is a protected core skill.
    /// - Throws: ``WorkflowError/Code/invalidSkill``, ``WorkflowError/Code/versionNotHigher`` or
    ///   ``WorkflowError/Code/protectedSkill``.
    public func register(_ skill: any Skill, isCore: Bool = false) throws(WorkflowError) {
        let descriptor = skill.descriptor
        guard CaveatPredicate.isValidName(descriptor.name) else {
            throw WorkflowError(.invalidSkill, "skill names use letters, digits, '_', '-', '.', ':' (at most 128)")
        }
        guard descriptor.permissions.allSatisfy(CaveatPredicate.isValidName) else {
            throw WorkflowError(.invalidSkill, "skill '\(descriptor.name)' declares an invalid permission name")
        }
        // "none" stands for "no permission" in the tokens of skills that declare none.
        guard !descriptor.permissions.contains(SkillRuntime.noPermission) else {
            throw WorkflowError(.invalidSkill, "'\(SkillRuntime.noPermission)' is reserved and cannot be declared")
        }
        let result: Result<Void, WorkflowError> = entries.withLock { entries in
            if let existing = entries[descriptor.name] {
                if existing.isCore {
                    return .failure(WorkflowError(.protectedSkill, "'\(descriptor.name)' is a core skill and cannot be replaced"))
                }
                guard descriptor.version > existing.descriptor.version else {
                    return .failure(WorkflowError(
                        .versionNotHigher,
                        "'\(descriptor.name)' version \(descriptor.version) does not replace version \(existing.descriptor.version)"))
                }
            }
            entries[descriptor.name] = Entry(skill: skill, descriptor: descriptor, isCore: isCore)
            return .success(())
        }
        try result.get()
    }

    /// Removes a skill.
    /// - Throws: ``WorkflowError/Code/protectedSkill`` for core skills, ``WorkflowError/Code/unknownSkill``.
    public func unregister(_ name: String) throws(WorkflowError) {
        let result: Result<Void, WorkflowError> = entries.withLock { entries in
            guard let entry = entries[name] else { return .failure(WorkflowError(.unknownSkill, "no skill named '\(name)'")) }
            guard !entry.isCore else { return .failure(WorkflowError(.protectedSkill, "'\(name)' is a core skill")) }
            entries[name] = nil
            return .success(())
        }
        try result.get()
    }

    /// Returns the entry for a name.
    public func entry(_ name: String) -> Entry? { entries.withLock { $0[name] } }

    /// Every registered skill's descriptor, by name.
    public func list() -> [SkillDescriptor] {
        entries.withLock { $0.values.map(\.descriptor) }.sorted { $0.name < $1.name }
    }
}
