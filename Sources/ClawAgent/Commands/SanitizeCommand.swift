import ArgumentParser
import ClawSecurity
import Foundation

/// `claw sanitize`: runs the ContentSanitizer's seven layers over one document.
struct SanitizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanitize",
        abstract: "Remove hidden content and prompt-injection payloads from a document (HTML or text).",
        discussion: """
            Prints the visible, sanitized text. With --format json, prints one JSON object:
            {"text": ..., "removed": [{"text", "layer", "reason"}], "truncated": false, "stats": {...}}.
            Unreadable input or a bad pattern file ends with one line on standard error and exit status 2.
            """
    )

    enum Format: String, ExpressibleByArgument {
        case text, json
    }

    @Option(help: "Output: text (the sanitized text) or json (text, removals and statistics).")
    var format: Format = .text

    @Option(help: "The output budget in UTF-8 bytes (0: no budget).")
    var maxBytes: Int = 10 * 1024

    @Option(help: "A pattern file (JSON) instead of the shipped phrase list.")
    var patterns: String?

    @Option(help: "How to read the document: html, text or auto (sniffed).")
    var kind: String = "auto"

    @Option(name: .customLong("skill"), help: "A skill name of the agent; naming it counts toward the imperative-tone score (repeatable).")
    var skills: [String] = []

    @Option(help: "The imperative-tone threshold (layer 7).")
    var toneThreshold: Int = ContentSanitizer.Configuration().toneThreshold

    @Argument(help: "The document, or - for standard input.")
    var file: String = "-"

    func run() throws {
        guard let kind = ContentKind(named: kind) else {
            throw CommandFailure.fail("--kind must be html, text or auto, not \"\(kind)\"")
        }
        guard maxBytes >= 0 else { throw CommandFailure.fail("--max-bytes must not be negative") }
        guard toneThreshold >= 1 else { throw CommandFailure.fail("--tone-threshold must be at least 1") }
        var configuration = ContentSanitizer.Configuration()
        configuration.maxOutputBytes = maxBytes == 0 ? nil : maxBytes
        configuration.skillNames = skills
        configuration.toneThreshold = toneThreshold
        if let patterns {
            configuration.patterns = try CommandFailure.guarding { try InjectionPatternFile(path: patterns).patterns }
        }
        let input = try read(limit: configuration.maxInputBytes)
        let report = input.withUnsafeBufferPointer { ContentSanitizer(configuration: configuration).sanitize(bytes: $0, kind: kind) }
        switch format {
        case .text:
            StandardStreams.write(Array(report.text.utf8) + (report.text.isEmpty ? [] : [0x0A]))
        case .json:
            var out: [UInt8] = []
            Self.json(report).write(into: &out)
            StandardStreams.write(out + [0x0A])
        }
    }

    func read(limit: Int) throws -> [UInt8] {
        if file == "-" { return try StandardStreams.readInput(limit: limit) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: file) else {
            throw CommandFailure.fail("cannot read \(file)")
        }
        guard data.count <= limit else { throw CommandFailure.fail("\(file) is larger than \(limit) bytes") }
        return Array(data)
    }

    /// The report as the command's JSON.
    static func json(_ report: SanitizerReport) -> JSONValue {
        var byLayer: [String: JSONValue] = [:]
        for (layer, count) in report.counts { byLayer[layer.name] = .int(Int64(count)) }
        return .object([
            "text": .string(report.text),
            "removed": .array(report.removals.map {
                .object(["text": .string($0.excerpt), "layer": .string($0.layer.name), "reason": .string($0.reason)])
            }),
            "truncated": .bool(report.truncated),
            "stats": .object([
                "kind": .string(report.kind.name),
                "input_bytes": .int(Int64(report.inputBytes)),
                "extracted_bytes": .int(Int64(report.extractedBytes)),
                "output_bytes": .int(Int64(report.text.utf8.count)),
                "removed_by_layer": .object(byLayer),
                "unlisted_removals": .int(Int64(report.unlistedRemovals)),
            ]),
        ])
    }
}
