/// One phrase that marks a prompt-injection attempt, with the attack family it belongs to and the probe
/// it was taken from.
public struct InjectionPattern: Sendable, Hashable {
    /// The phrase, matched on word boundaries after ``TextFolding``-style normalization.
    public var phrase: String
    /// The attack family, such as `dan`, `instruction_override` or `prompt_leak`.
    public var family: String
    /// Where the phrase came from, such as a garak probe.
    public var probe: String

    /// Creates a pattern.
    public init(phrase: String, family: String, probe: String = "") {
        self.phrase = phrase
        self.family = family
        self.probe = probe
    }
}

/// The phrase list of the pattern layer (layer 6), read from JSON:
///
/// ```json
/// {"version": 1, "source": "garak 0.x", "patterns": [{"phrase": "ignore previous instructions",
///   "family": "instruction_override", "probe": "promptinject"}]}
/// ```
///
/// ``standard`` is the list Claw ships (Fixtures/garak/injection_patterns.json, generated from NVIDIA garak's
/// probes by scripts/garak-fixtures).
public struct InjectionPatterns: Sendable, Hashable {
    /// The patterns, in file order, duplicates (after normalization) removed.
    public let patterns: [InjectionPattern]
    /// Where the list came from (the file's `source`).
    public let source: String

    /// The most patterns a file may hold.
    public static let maxPatterns = 20_000

    /// Validates a list: every phrase must hold at least one letter and be at most 120 characters once
    /// normalized; the family must not be empty.
    public init(_ patterns: [InjectionPattern], source: String = "") throws(ClawSecurityError) {
        guard patterns.count <= Self.maxPatterns else {
            throw ClawSecurityError(.invalidPatterns, "more than \(Self.maxPatterns) patterns")
        }
        var seen = Set<[UInt8]>()
        var kept: [InjectionPattern] = []
        for (index, pattern) in patterns.enumerated() {
            let folded = TextFolding.fold(pattern.phrase)
            guard folded.contains(where: { $0 != TextFolding.separator }) else {
                throw ClawSecurityError(.invalidPatterns, "pattern \(index): the phrase has no letters")
            }
            guard folded.count <= PatternAutomaton.maxSymbols - 2 else {
                throw ClawSecurityError(.invalidPatterns, "pattern \(index): the phrase is longer than 120 characters")
            }
            guard !pattern.family.isEmpty else {
                throw ClawSecurityError(.invalidPatterns, "pattern \(index): the family is empty")
            }
            if seen.insert(folded).inserted { kept.append(pattern) }
        }
        self.patterns = kept
        self.source = source
    }

    /// Reads a pattern file's JSON (strict: unknown fields are errors, so a typo is not silently ignored).
    public init(json bytes: [UInt8]) throws(ClawSecurityError) {
        let root: JSONValue
        do {
            root = try JSONValue(parsing: bytes, limits: .init(maximumBytes: 16 << 20, maximumDepth: 8))
        } catch {
            throw ClawSecurityError(.invalidPatterns, "not JSON: \(error.reason)")
        }
        guard let object = root.objectValue else { throw ClawSecurityError(.invalidPatterns, "the file is not a JSON object") }
        for key in object.keys where !["version", "source", "patterns"].contains(key) {
            throw ClawSecurityError(.invalidPatterns, "unknown field \"\(key)\"")
        }
        guard object["version"]?.intValue == 1 else {
            throw ClawSecurityError(.invalidPatterns, "\"version\" must be 1")
        }
        guard let list = object["patterns"]?.arrayValue else {
            throw ClawSecurityError(.invalidPatterns, "\"patterns\" must be an array")
        }
        var patterns: [InjectionPattern] = []
        for (index, entry) in list.enumerated() {
            guard let fields = entry.objectValue else {
                throw ClawSecurityError(.invalidPatterns, "pattern \(index): not an object")
            }
            for key in fields.keys where !["phrase", "family", "probe"].contains(key) {
                throw ClawSecurityError(.invalidPatterns, "pattern \(index): unknown field \"\(key)\"")
            }
            guard let phrase = fields["phrase"]?.stringValue else {
                throw ClawSecurityError(.invalidPatterns, "pattern \(index): \"phrase\" must be a string")
            }
            guard let family = fields["family"]?.stringValue else {
                throw ClawSecurityError(.invalidPatterns, "pattern \(index): \"family\" must be a string")
            }
            let probe = fields["probe"]
            guard probe == nil || probe?.stringValue != nil else {
                throw ClawSecurityError(.invalidPatterns, "pattern \(index): \"probe\" must be a string")
            }
            patterns.append(InjectionPattern(phrase: phrase, family: family, probe: probe?.stringValue ?? ""))
        }
        let source = object["source"]?.stringValue ?? ""
        try self.init(patterns, source: source)
    }

    /// The list Claw ships.
    public static let standard: InjectionPatterns = {
        do {
            return try InjectionPatterns(json: Array(standardJSON.utf8))
        } catch {
            preconditionFailure("the shipped pattern list does not load: \(error)")
        }
    }()
}
