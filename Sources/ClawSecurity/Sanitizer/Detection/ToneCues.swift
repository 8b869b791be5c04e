/// Layer 7's cues: words and phrases that, together in one sentence, make it an instruction aimed at the
/// model rather than at a human reader. Each category counts once per sentence, with its weight; a
/// sentence scoring at or above the threshold is removed.
///
/// Documentation is full of imperatives ("Run the following command", "You must restart the server"), so
/// no single category decides: override verbs alone (3), or "you" with "must" (2), stay below the default
/// threshold (6); override verbs aimed at the model's instructions, rules or persona do not.
enum ToneCues {
    /// A kind of cue.
    struct Category: OptionSet, Sendable, Hashable {
        let rawValue: UInt16

        /// Ignore, disregard, forget, bypass, pretend, unrestricted, ... (weight 3).
        static let override = Category(rawValue: 1 << 0)
        /// The model as the addressee: an AI, the assistant, the system prompt, your programming (weight 2).
        static let agentReference = Category(rawValue: 1 << 1)
        /// Earlier context: previous, above, prior, instructions, rules (weight 1).
        static let contextReference = Category(rawValue: 1 << 2)
        /// Second-person address (weight 1).
        static let secondPerson = Category(rawValue: 1 << 3)
        /// Urgency: immediately, urgent, must, important (weight 1).
        static let urgency = Category(rawValue: 1 << 4)
        /// Actions an agent can take: send, forward, reveal, execute, respond only with (weight 1).
        static let action = Category(rawValue: 1 << 5)
        /// Most letters upper case (weight 1); not a scanned cue.
        static let shouting = Category(rawValue: 1 << 6)
        /// One of the agent's own skill names (weight 2); not a scanned cue.
        static let skillMention = Category(rawValue: 1 << 7)
        /// Control of the model's output: respond with, your response, print the following (weight 2).
        static let outputControl = Category(rawValue: 1 << 8)
        /// Role play: act like, pretend, play the role, simulate (weight 2).
        static let rolePlay = Category(rawValue: 1 << 9)
        /// Data leaving: concatenate, append, this conversation, URL-encoded summary (weight 2).
        static let exfiltration = Category(rawValue: 1 << 10)
        /// Steering an automated reader: note to automated analysis, if the user asks, not malicious (weight 2).
        static let steering = Category(rawValue: 1 << 11)
        /// Chat-format role markers: [INST], im_start, end of session, or a line that starts with "User:",
        /// "Assistant:", "System:" (weight 3).
        static let roleMarker = Category(rawValue: 1 << 12)
        /// Asking for the model's own instructions: your initial instructions, your system prompt (weight 3).
        static let promptLeak = Category(rawValue: 1 << 13)
        /// Script injection in text: onerror, javascript:, img src (weight 3).
        static let scriptInjection = Category(rawValue: 1 << 14)
    }

    static let weights: [(Category, Int, String)] = [
        (.override, 3, "override"), (.agentReference, 2, "addresses the model"), (.contextReference, 1, "refers to prior context"),
        (.secondPerson, 1, "second person"), (.urgency, 1, "urgency"), (.action, 1, "agent action"),
        (.shouting, 1, "shouting"), (.skillMention, 2, "names a skill"), (.outputControl, 2, "controls the output"),
        (.rolePlay, 2, "role play"), (.exfiltration, 2, "moves data out"), (.steering, 2, "steers an automated reader"),
        (.roleMarker, 3, "chat role marker"), (.promptLeak, 3, "asks for the model's instructions"),
        (.scriptInjection, 3, "script injection"),
    ]

    /// The cue phrases of each category, matched like injection phrases (normalized, on word boundaries).
    static let cues: [(Category, [String])] = [
        (.override, [
            "ignore", "ignoring", "disregard", "forget", "override", "bypass", "circumvent", "jailbreak", "jailbroken",
            "unrestricted", "uncensored", "unfiltered", "no restrictions", "without restrictions", "no limitations",
            "pretend", "pretending", "roleplay", "role play", "act as", "stay in character", "from now on",
            "new instructions", "no longer", "break character", "do anything now",
        ]),
        (.agentReference, [
            "an ai", "the ai", "ai model", "ai assistant", "ai system", "language model", "llm", "chatgpt", "gpt",
            "chatbot", "assistant", "system prompt", "system message", "your programming", "your training",
            "your guidelines", "your rules", "your instructions", "your creators", "content policy", "openai",
            "anthropic", "developer mode", "persona", "claude", "gemini", "you are now", "unrestricted ai",
            "no rules",
        ]),
        (.contextReference, [
            "previous", "above", "prior", "earlier", "preceding", "instructions", "guidelines", "rules", "context",
            "conversation", "prompt",
        ]),
        (.secondPerson, ["you", "your", "yourself", "youre", "youll", "youve", "yours"]),
        (.urgency, ["immediately", "urgent", "urgently", "important", "asap", "right now", "at once", "must", "critical"]),
        (.action, [
            "send", "forward", "email", "exfiltrate", "upload", "reveal", "leak", "disclose", "output", "respond only",
            "reply only", "repeat after", "execute", "visit", "click", "transfer", "delete",
        ]),
        (.outputControl, [
            "respond with", "reply with", "answer with", "your response", "your responses", "your output", "your answer",
            "start your response", "begin your response", "print the following", "say the following", "repeat the",
            "translate this", "only output", "output only", "no code block", "not use a code block", "print the text",
            "show the text", "respond only with", "reply only with", "nothing else", "absolutely nothing else",
            "in your output", "in your response", "follow these rules", "following format", "exact structure",
        ]),
        (.rolePlay, [
            "act like", "act as", "pretend", "pretend to be", "roleplay", "role play", "play the role", "simulate",
            "imagine you", "in character", "grandma", "grandmother", "you will now", "from now on you",
        ]),
        (.exfiltration, [
            "concatenate", "concatenate these strings", "append", "url encoded", "summary of this conversation",
            "our conversation", "this conversation", "previous message", "escape spaces", "escape all spaces",
            "the page and our conversation", "character summary",
        ]),
        (.steering, [
            "note to automated", "automated analysis", "if user asks", "if the user asks", "the user asks",
            "not malicious", "really important", "extremely important", "most qualified", "trustworthy expert",
            "instructions you were given", "beginning of this conversation", "initial prompt", "original prompt",
        ]),
        (.roleMarker, ["inst", "im start", "im end", "endoftext", "start of turn", "end of turn", "end of session"]),
        (.promptLeak, [
            "initial instructions", "your initial", "system prompt", "your instructions", "your prompt",
            "repeat the instructions", "instructions you were given", "print your instructions", "reveal your",
            "beginning of this conversation", "above instructions", "your original instructions", "hidden instructions",
        ]),
        (.scriptInjection, ["onerror", "onload", "javascript", "img src", "alert 1", "document cookie"]),
    ]

    /// Whether a sentence starts with a chat role: `User:`, `Assistant:`, `System:`, `Human:`, `AI:` (any case).
    static func startsWithRoleMarker(_ sentence: UnsafeBufferPointer<UInt8>) -> Bool {
        // Cheap first: the first letter of one of the roles, and a colon within the first 10 bytes.
        guard sentence.count >= 3 else { return false }
        let first = sentence[0] | 0x20
        guard first == 0x75 || first == 0x61 || first == 0x73 || first == 0x68,
              sentence.prefix(10).contains(0x3A) else { return false }
        for role in ["user:", "assistant:", "system:", "human:", "ai:"] where sentence.count >= role.utf8.count {
            if zip(sentence, role.utf8).allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }) { return true }
        }
        return false
    }

    struct Score: CustomStringConvertible {
        var total: Int
        var categories: [String]
        var description: String { categories.joined(separator: ", ") }
    }

    /// The sentence's score: the weights of the categories present, plus shouting (at least 12 letters, 70 %
    /// of them capitals; counted only when it could reach the threshold) and skill names.
    static func score(_ found: Category, skills: Int, sentence: UnsafeBufferPointer<UInt8>, threshold: Int) -> Score {
        var categories = found
        if skills > 0 { categories.insert(.skillMention) }
        if total(categories) + 1 >= threshold {
            var letters = 0
            var capitals = 0
            for b in sentence {
                if b >= 0x41 && b <= 0x5A {
                    capitals += 1
                    letters += 1
                } else if b >= 0x61 && b <= 0x7A {
                    letters += 1
                }
            }
            if letters >= 12, capitals * 10 >= letters * 7 { categories.insert(.shouting) }
        }
        var total = 0
        var names: [String] = []
        for (category, weight, name) in weights where categories.contains(category) {
            total += weight
            names.append(name)
        }
        return Score(total: total, categories: names)
    }

    /// The score of a set of categories (the weights of ``weights``, without touching the table: this runs
    /// for every sentence).
    @inline(__always)
    static func total(_ categories: Category) -> Int {
        let bits = Int(categories.rawValue)
        var total = (bits & 1) * 3 + ((bits >> 1) & 1) * 2 + ((bits >> 2) & 1) + ((bits >> 3) & 1)
        total += ((bits >> 4) & 1) + ((bits >> 5) & 1) + ((bits >> 6) & 1) + ((bits >> 7) & 1) * 2
        total += ((bits >> 8) & 1) * 2 + ((bits >> 9) & 1) * 2 + ((bits >> 10) & 1) * 2 + ((bits >> 11) & 1) * 2
        return total + ((bits >> 12) & 1) * 3 + ((bits >> 13) & 1) * 3 + ((bits >> 14) & 1) * 3
    }
}
