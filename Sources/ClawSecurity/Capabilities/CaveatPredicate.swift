import Foundation

/// One of Claw's first-party caveats: a short readable predicate over a ``CapabilityRequest``.
///
/// | caveat | holds when |
/// | --- | --- |
/// | `permissions = web_read,llm` | the request's permission is in the list |
/// | `chain_depth <= 2` | the request's chain depth is at most 2 |
/// | `expires < 2026-12-01T00:00:00Z` | the verifier's clock reads earlier than that instant |
/// | `workflow_run = run-42` | the request belongs to that workflow run |
/// | `skill = web_search` | the request is made by that skill |
///
/// Parsing is strict and fails closed: any other text is not a caveat Claw understands, and a token that
/// carries one does not verify. Caveats only narrow: each must hold, so appending one never widens what a
/// token authorizes.
public struct CaveatPredicate: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case permissions([String])
        case chainDepth(Int)
        case expires(Date, String)
        case workflowRun(String)
        case skill(String)
    }

    let kind: Kind

    /// Allows only the given permissions.
    public static func permissions(_ names: [String]) -> CaveatPredicate { .init(kind: .permissions(names)) }
    /// Allows chain depths up to `depth`.
    public static func maximumChainDepth(_ depth: Int) -> CaveatPredicate { .init(kind: .chainDepth(depth)) }
    /// Allows use strictly before `date` (whole seconds).
    public static func expires(_ date: Date) -> CaveatPredicate {
        let text = RFC3339.format(date)
        return .init(kind: .expires(RFC3339.parse(text)!, text))
    }
    /// Allows only requests of one workflow run.
    public static func workflowRun(_ id: String) -> CaveatPredicate { .init(kind: .workflowRun(id)) }
    /// Allows only requests made by one skill.
    public static func skill(_ name: String) -> CaveatPredicate { .init(kind: .skill(name)) }

    /// The longest chain depth a caveat may name.
    public static let maximumDepthValue = 1000

    /// Parses a caveat's text.
    /// - Parameter text: Such as `permissions = web_read,llm`; spaces around the operator are optional.
    /// - Throws: ``ClawSecurityError/Code/invalidCaveat`` for anything that is not one of the five forms.
    public init(parsing text: some StringProtocol) throws(ClawSecurityError) {
        let bytes = Array(text.utf8)
        guard let (key, op, value) = Self.split(bytes) else {
            throw Self.invalid("is not 'name operator value'")
        }
        switch (key, op) {
        case ("permissions", "="):
            let names = value.split(separator: ",", omittingEmptySubsequences: false).map {
                String($0).trimmingCharacters(in: .whitespaces)
            }
            guard !names.isEmpty, names.allSatisfy(Self.isName) else { throw Self.invalid("lists an invalid permission name") }
            kind = .permissions(names)
        case ("chain_depth", "<="):
            guard let depth = Int(value), depth >= 0, depth <= Self.maximumDepthValue, String(depth) == value else {
                throw Self.invalid("needs a depth from 0 to \(Self.maximumDepthValue)")
            }
            kind = .chainDepth(depth)
        case ("expires", "<"):
            guard let date = RFC3339.parse(value) else { throw Self.invalid("needs an RFC 3339 time") }
            kind = .expires(date, value)
        case ("workflow_run", "="):
            guard Self.isName(value) else { throw Self.invalid("needs a run id") }
            kind = .workflowRun(value)
        case ("skill", "="):
            guard Self.isName(value) else { throw Self.invalid("needs a skill name") }
            kind = .skill(value)
        default:
            throw Self.invalid("is not a caveat Claw understands")
        }
    }

    private init(kind: Kind) { self.kind = kind }

    static func invalid(_ what: String) -> ClawSecurityError {
        ClawSecurityError(.invalidCaveat, "the caveat \(what)")
    }

    /// Splits `key op value` on the first operator (`<=`, `<`, `=`).
    static func split(_ b: [UInt8]) -> (String, String, String)? {
        guard b.count <= 4096, let opStart = b.firstIndex(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "=") })
        else { return nil }
        var opEnd = opStart + 1
        if b[opStart] == UInt8(ascii: "<"), opEnd < b.count, b[opEnd] == UInt8(ascii: "=") { opEnd += 1 }
        let key = String(decoding: b[..<opStart], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        let op = String(decoding: b[opStart..<opEnd], as: UTF8.self)
        let value = String(decoding: b[opEnd...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, !value.isEmpty else { return nil }
        return (key, op, value)
    }

    /// Names: 1 to 128 characters of letters, digits and `_ - . :`.
    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 128
            && s.utf8.allSatisfy { c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46
                    || c == 58
            }
    }

    /// The canonical text written into tokens.
    public var description: String {
        switch kind {
        case .permissions(let names): "permissions = " + names.joined(separator: ",")
        case .chainDepth(let depth): "chain_depth <= \(depth)"
        case .expires(_, let text): "expires < " + text
        case .workflowRun(let id): "workflow_run = " + id
        case .skill(let name): "skill = " + name
        }
    }

    /// Returns `nil` when the caveat holds for the request at `now`, or why it does not.
    public func check(_ request: CapabilityRequest, now: Date) -> String? {
        switch kind {
        case .permissions(let names):
            names.contains(request.permission) ? nil : "permission '\(request.permission)' is not granted"
        case .chainDepth(let depth):
            request.chainDepth <= depth ? nil : "chain depth \(request.chainDepth) exceeds \(depth)"
        case .expires(let date, _):
            now < date ? nil : "the token expired"
        case .workflowRun(let id):
            request.workflowRun == id ? nil : "the request is not part of workflow run '\(id)'"
        case .skill(let name):
            request.skill == name ? nil : "the request is not made by skill '\(name)'"
        }
    }
}
