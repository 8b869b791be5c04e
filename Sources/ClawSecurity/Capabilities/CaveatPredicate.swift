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
/// | `tools = skill:web_*,claw_sanitize` | the request names no MCP tool, or one matching a glob |
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
        case tools([Glob])
    }

    let kind: Kind

    /// Allows only the given permissions.
    public static func permissions(_ names: [String]) -> CaveatPredicate { .init(kind: .permissions(names)) }
    /// Allows chain depths up to `depth`.
    public static func maximumChainDepth(_ depth: Int) -> CaveatPredicate { .init(kind: .chainDepth(depth)) }
    /// Allows use strictly before `date` (whole seconds).
    public static func expires(_ date: Date) -> CaveatPredicate {
        let whole = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        return .init(kind: .expires(whole, RFC3339.format(whole)))
    }
    /// Allows only requests of one workflow run.
    public static func workflowRun(_ id: String) -> CaveatPredicate { .init(kind: .workflowRun(id)) }
    /// Allows only requests made by one skill.
    public static func skill(_ name: String) -> CaveatPredicate { .init(kind: .skill(name)) }
    /// Allows only requests for MCP tools that match one of the globs (`*` any run, `?` one character).
    public static func tools(_ patterns: [String]) -> CaveatPredicate { .init(kind: .tools(patterns.map(Glob.init))) }

    /// The longest chain depth a caveat may name.
    public static let maximumDepthValue = 1000

    /// Parses a caveat's text.
    /// - Parameter text: Such as `permissions = web_read,llm`; spaces around the operator are optional.
    /// - Throws: ``ClawSecurityError/Code/invalidCaveat`` for anything that is not one of the six forms.
    public init(parsing text: some StringProtocol) throws(ClawSecurityError) {
        try self.init(utf8: Array(text.utf8))
    }

    /// Parses a caveat's UTF-8 bytes, as a macaroon carries them.
    /// - Throws: ``ClawSecurityError/Code/invalidCaveat``.
    public init(utf8 bytes: [UInt8]) throws(ClawSecurityError) {
        guard bytes.count <= 4096 else { throw Self.invalid("is too long") }
        kind = try bytes.withUnsafeBufferPointer { b throws(ClawSecurityError) -> Kind in
            guard let (key, op, value) = Self.split(b) else { throw Self.invalid("is not 'name operator value'") }
            switch op {
            case .equal where Self.equals(key, "permissions"):
                return .permissions(try Self.list(value, valid: Self.isName, what: "permission name"))
            case .lessOrEqual where Self.equals(key, "chain_depth"):
                guard !value.isEmpty, value.count <= 4, value.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                    value.count == 1 || value.first != UInt8(ascii: "0")
                else { throw Self.invalid("needs a depth from 0 to \(Self.maximumDepthValue)") }
                let depth = value.reduce(0) { $0 * 10 + Int($1 - 48) }
                guard depth <= Self.maximumDepthValue else { throw Self.invalid("needs a depth from 0 to \(Self.maximumDepthValue)") }
                return .chainDepth(depth)
            case .less where Self.equals(key, "expires"):
                let text = String(decoding: value, as: UTF8.self)
                guard let date = RFC3339.parse(text) else { throw Self.invalid("needs an RFC 3339 time") }
                return .expires(date, text)
            case .equal where Self.equals(key, "workflow_run"):
                guard Self.isName(value) else { throw Self.invalid("needs a run id") }
                return .workflowRun(String(decoding: value, as: UTF8.self))
            case .equal where Self.equals(key, "skill"):
                guard Self.isName(value) else { throw Self.invalid("needs a skill name") }
                return .skill(String(decoding: value, as: UTF8.self))
            case .equal where Self.equals(key, "tools"):
                return .tools(try Self.list(value, valid: Self.isToolPattern, what: "tool pattern").map(Glob.init))
            default:
                throw Self.invalid("is not a caveat Claw understands")
            }
        }
    }

    private init(kind: Kind) { self.kind = kind }

    /// Splits a comma-separated list, trimming each item, which must pass `valid`.
    static func list(
        _ value: UnsafeBufferPointer<UInt8>, valid: (UnsafeBufferPointer<UInt8>) -> Bool, what: String
    ) throws(ClawSecurityError) -> [String] {
        var items = [String]()
        var start = value.startIndex
        for i in value.startIndex...value.endIndex where i == value.endIndex || value[i] == UInt8(ascii: ",") {
            let item = trimmed(UnsafeBufferPointer(rebasing: value[start..<i]))
            guard valid(item) else { throw invalid("lists an invalid \(what)") }
            items.append(String(decoding: item, as: UTF8.self))
            start = i + 1
        }
        return items
    }

    static func invalid(_ what: String) -> ClawSecurityError {
        ClawSecurityError(.invalidCaveat, "the caveat \(what)")
    }

    enum Operator { case equal, less, lessOrEqual }

    /// Splits `key op value` on the first operator (`<=`, `<`, `=`), trimming spaces around each part.
    static func split(_ b: UnsafeBufferPointer<UInt8>) -> (UnsafeBufferPointer<UInt8>, Operator, UnsafeBufferPointer<UInt8>)? {
        guard let opStart = b.firstIndex(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "=") }) else { return nil }
        var opEnd = opStart + 1
        let op: Operator
        if b[opStart] == UInt8(ascii: "<") {
            if opEnd < b.count, b[opEnd] == UInt8(ascii: "=") {
                opEnd += 1
                op = .lessOrEqual
            } else {
                op = .less
            }
        } else {
            op = .equal
        }
        let key = trimmed(UnsafeBufferPointer(rebasing: b[..<opStart]))
        let value = trimmed(UnsafeBufferPointer(rebasing: b[opEnd...]))
        guard !key.isEmpty, !value.isEmpty else { return nil }
        return (key, op, value)
    }

    static func trimmed(_ b: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = b.startIndex
        var end = b.endIndex
        while start < end, b[start] == UInt8(ascii: " ") { start += 1 }
        while end > start, b[end - 1] == UInt8(ascii: " ") { end -= 1 }
        return UnsafeBufferPointer(rebasing: b[start..<end])
    }

    static func equals(_ b: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        b.count == word.utf8CodeUnitCount && memcmp(b.baseAddress!, word.utf8Start, b.count) == 0
    }

    /// Names: 1 to 128 characters of letters, digits and `_ - . :`.
    static func isName(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        !s.isEmpty && s.count <= 128
            && s.allSatisfy { c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46
                    || c == 58
            }
    }

    /// A tool pattern: 1 to 128 characters of letters, digits, `_ - . :` and the glob characters `* ?`.
    static func isToolPattern(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard (1...128).contains(s.count) else { return false }
        return s.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
                || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
                || c == UInt8(ascii: "*") || c == UInt8(ascii: "?")
        }
    }

    /// Returns whether a text can be a permission, skill or run name inside a caveat: 1 to 128 characters
    /// of letters, digits and `_ - . :`.
    public static func isValidName(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isName($0) }
    }

    /// The canonical text written into tokens.
    public var description: String {
        switch kind {
        case .permissions(let names): "permissions = " + names.joined(separator: ",")
        case .chainDepth(let depth): "chain_depth <= \(depth)"
        case .expires(_, let text): "expires < " + text
        case .workflowRun(let id): "workflow_run = " + id
        case .skill(let name): "skill = " + name
        case .tools(let patterns): "tools = " + patterns.map(\.pattern).joined(separator: ",")
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
        case .tools(let patterns):
            // Limits tool use only: listing and reading resources are governed by `permissions`.
            if let tool = request.tool, !patterns.contains(where: { $0.matches(tool) }) {
                "the request is not for a tool this token allows"
            } else {
                nil
            }
        }
    }
}
