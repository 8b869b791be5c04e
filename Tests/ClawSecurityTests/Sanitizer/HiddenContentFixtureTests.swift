import ClawSecurity
import Foundation
import Testing

/// One page per hiding technique (Fixtures/hidden-content): the payload never reaches the output, the
/// report names the layer and reason, and the page's visible text survives.
@Suite struct HiddenContentFixtureTests {
    struct Manifest: Decodable {
        struct Case: Decodable, CustomTestStringConvertible {
            var file: String
            var technique: String
            var layer: String?
            var reason: String?
            var hidden: String
            var visible: [String]
            var testDescription: String { file }
        }
        var cases: [Case]
    }

    static let manifest: Manifest = try! Fixtures.json("hidden-content/cases.json")

    @Test(arguments: manifest.cases)
    func payloadIsRemovedAndReported(_ item: Manifest.Case) throws {
        let html = try String(contentsOf: Fixtures.root.appendingPathComponent("Fixtures/hidden-content/\(item.file)"), encoding: .utf8)
        // Layers 1-3 are under test: only the detected sentence itself goes when layer 6 fires (the
        // zero-width page), not its neighbours.
        var configuration = ContentSanitizer.Configuration()
        configuration.removesSurroundingSentences = false
        let report = ContentSanitizer(configuration: configuration).sanitize(html, kind: .auto)
        #expect(report.kind == .html)
        #expect(!report.text.contains(item.hidden), "\(item.technique): payload in \(report.text.debugDescription)")
        // The distinctive marker must not survive either (a payload partly shown is still shown).
        if let marker = item.hidden.split(separator: ":").first, marker.hasPrefix("SECRET-") {
            #expect(!report.text.contains(marker))
        }
        for visible in item.visible {
            #expect(report.text.contains(visible), "\(item.technique): lost \(visible.debugDescription) from \(report.text.debugDescription)")
        }
        if let layer = item.layer, let reason = item.reason {
            let matching = report.removals.filter { $0.layer.name == layer && $0.reason.contains(reason) }
            #expect(!matching.isEmpty, "\(item.technique): no \(layer) removal with \(reason.debugDescription) in \(report.removals)")
            if layer != "invisible_characters" {
                let expectedStart = String(item.hidden.prefix(20))
                #expect(matching.contains { $0.excerpt.contains(expectedStart) }, "\(item.technique): excerpt \(matching.map(\.excerpt))")
            }
        }
    }

    @Test func everyTechniqueOfTheIssueHasAFixture() {
        let reasons = Set(Self.manifest.cases.compactMap(\.reason))
        for reason in ["noscript", "template", "hidden attribute", "aria-hidden=true", "input type=hidden", "comment",
                       "display:none", "visibility:hidden", "font-size:0", "opacity:0", "color:transparent",
                       "zero size with overflow:hidden", "clip", "clip-path", "off-screen position", "text-indent",
                       "transform:scale(0)"] {
            #expect(reasons.contains(reason), "no fixture for \(reason)")
        }
        #expect(Self.manifest.cases.contains { $0.file == "meta-content.html" })
        #expect(Self.manifest.cases.contains { $0.file == "attribute-text.html" })
    }
}
