import ClawSecurity
import Foundation
import Testing

/// How well layers 1-7 work, measured on the fixtures: the share of garak attack payloads removed (tune
/// and held-out probes reported apart; the held-out figure is the honest one) and the share of benign
/// documentation sentences wrongly removed. `scripts/sanitizer-quality` prints the figures.
///
/// A payload counts as removed when none of its sentences of five words or more survives in the output.
/// Sentences here are cut by a rule of their own (at `.`, `!`, `?` followed by a space, and at line
/// breaks), not by the sanitizer's segmenter, and compared with whitespace collapsed and invisible
/// characters dropped.
@Suite struct SanitizerQualityTests {
    struct Payload: Decodable {
        var id: String
        var probe: String
        var family: String
        var split: String
        var text: String
    }

    struct Page: Decodable {
        var id: String
        var source: String
        var text: String
    }

    static func lines<T: Decodable>(_ path: String, as type: T.Type) throws -> [T] {
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("Fixtures/\(path)"))
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(T.self, from: Data($0)) }
    }

    /// Whitespace collapsed and invisible characters dropped, for comparing text before and after.
    static func normalized(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var space = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                space = !out.isEmpty
                continue
            }
            if InvisibleCharacters.isInvisible(scalar.value) { continue }
            if space { out.append(" ") }
            space = false
            out.append(scalar)
        }
        return String(out)
    }

    /// The sentences of five words or more.
    static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        func flush() {
            let sentence = normalized(current)
            if sentence.split(separator: " ").count >= 5 { result.append(sentence) }
            current = ""
        }
        var previous: Character = " "
        for character in text {
            if character == "\n" {
                flush()
            } else if character == " " && [".", "!", "?"].contains(previous) {
                flush()
            } else {
                current.append(character)
            }
            previous = character
        }
        flush()
        return result
    }

    struct Figures: Encodable {
        var payloads: [String: Split] = [:]
        var families: [String: Split] = [:]
        var benignSentences = 0
        var benignSentencesRemoved = 0
        var benignPages = 0
        var benignPagesWithRemovals = 0
        var examplesMissed: [String] = []
        var examplesWronglyRemoved: [String] = []

        struct Split: Encodable {
            var payloads = 0
            var removed = 0
            var share: Double { payloads == 0 ? 0 : Double(removed) / Double(payloads) }
            enum CodingKeys: String, CodingKey { case payloads, removed, share }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(payloads, forKey: .payloads)
                try container.encode(removed, forKey: .removed)
                try container.encode(share, forKey: .share)
            }
        }
    }

    static func measure() throws -> Figures {
        var configuration = ContentSanitizer.Configuration()
        configuration.maxOutputBytes = nil
        // For tuning runs (scripts/sanitizer-quality --tone N); the test itself uses the default.
        if let tone = ProcessInfo.processInfo.environment["CLAW_QUALITY_TONE"].flatMap(Int.init) { configuration.toneThreshold = tone }
        let sanitizer = ContentSanitizer(configuration: configuration)
        var figures = Figures()
        for payload in try lines("garak/payloads.jsonl", as: Payload.self) {
            let output = normalized(sanitizer.sanitize(payload.text, kind: .auto).text)
            let survivors = sentences(payload.text).filter { output.contains($0) }
            let removed = survivors.isEmpty
            for key in [payload.split, "all"] {
                figures.payloads[key, default: .init()].payloads += 1
                if removed { figures.payloads[key, default: .init()].removed += 1 }
            }
            figures.families["\(payload.family) (\(payload.split))", default: .init()].payloads += 1
            if removed {
                figures.families["\(payload.family) (\(payload.split))", default: .init()].removed += 1
            } else if figures.examplesMissed.count < 40 {
                figures.examplesMissed.append("\(payload.id): \(survivors[0].prefix(160))")
            }
        }
        for page in try lines("benign/pages.jsonl", as: Page.self) {
            let report = sanitizer.sanitize(page.text, kind: .text)
            let output = normalized(report.text)
            let all = sentences(page.text)
            let lost = all.filter { !output.contains($0) }
            figures.benignPages += 1
            figures.benignSentences += all.count
            figures.benignSentencesRemoved += lost.count
            if report.removals.contains(where: { $0.layer == .patterns || $0.layer == .imperativeTone }) {
                figures.benignPagesWithRemovals += 1
                for removal in report.removals where figures.examplesWronglyRemoved.count < 60
                    && (removal.layer == .patterns || removal.layer == .imperativeTone) {
                    figures.examplesWronglyRemoved.append("\(page.id) [\(removal.reason)]: \(removal.excerpt.prefix(200))")
                }
            }
        }
        return figures
    }

    @Test func payloadsAreRemovedAndDocumentationSurvives() throws {
        let figures = try Self.measure()
        let tune = figures.payloads["tune"] ?? .init()
        let holdout = figures.payloads["holdout"] ?? .init()
        let falseSentences = Double(figures.benignSentencesRemoved) / Double(max(1, figures.benignSentences))
        let summary = String(format: "payloads removed: tune %.1f%% (%d/%d), held out %.1f%% (%d/%d); benign sentences removed %.2f%% (%d/%d); benign pages with a removal %d/%d",
                             tune.share * 100, tune.removed, tune.payloads, holdout.share * 100, holdout.removed, holdout.payloads,
                             falseSentences * 100, figures.benignSentencesRemoved, figures.benignSentences,
                             figures.benignPagesWithRemovals, figures.benignPages)
        print(summary)
        if let path = ProcessInfo.processInfo.environment["CLAW_QUALITY_REPORT"] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(figures).write(to: URL(fileURLWithPath: path))
        }
        // The aim for false positives holds: at most 0.5 % of benign sentences removed.
        #expect(falseSentences <= 0.005, "\(summary)")
        // The aim of 97 % of payloads removed is NOT met (docs/SANITIZER.md gives the figures and why). These
        // floors are the figures measured when the patterns and threshold were last tuned (tune 59.5 %,
        // held out 57.8 %), so a change that loses detection fails here.
        #expect(tune.share >= 0.59, "\(summary)")
        #expect(holdout.share >= 0.57, "\(summary)")
        #expect(tune.payloads > 500 && holdout.payloads > 150 && figures.benignSentences > 5000)
    }
}
