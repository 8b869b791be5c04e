/// Skills that ship with ClawWorkflow and need no permission: the plumbing of workflows.
public enum BuiltinSkills {
    /// `echo`: returns its input unchanged.
    public static let echo = ClosureSkill(SkillDescriptor(name: "echo")) { payload, _ in payload["input"] ?? .null }

    /// `constant`: returns its `config.value` (use it to set a branch, a default or a fixture).
    public static let constant = ClosureSkill(SkillDescriptor(name: "constant")) { payload, _ in payload["config"]?["value"] ?? .null }

    /// All built-in skills.
    public static let all: [any Skill] = [echo, constant]

    /// Registers every built-in skill as a protected core skill.
    public static func register(in registry: SkillRegistry) throws(WorkflowError) {
        for skill in all { try registry.register(skill, isCore: true) }
    }
}
