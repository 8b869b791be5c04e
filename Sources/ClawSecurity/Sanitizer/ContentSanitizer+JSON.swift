extension ContentSanitizer {
    /// A sanitized JSON value and what was removed from its strings.
    public struct SanitizedJSON: Sendable, Hashable {
        /// The value: the same shape, every string sanitized.
        public var value: JSONValue
        /// The removals of every string, in document order (object members by sorted key), with counts
        /// summed; `truncated` when any string was cut.
        public var report: SanitizerReport
    }

    /// Sanitizes every string of a JSON value (object keys included), keeping the structure valid: arrays
    /// keep their length, objects their members, numbers, booleans and nulls are untouched. Each string is
    /// sniffed (HTML or text) and held to the byte budget on its own. A key that sanitizes to the same text
    /// as another key of the same object gets a `#2`, `#3` ... suffix, so no member is lost.
    public func sanitize(json value: JSONValue) -> SanitizedJSON {
        var combined = SanitizerReport(text: "", kind: .text)
        let sanitized = walk(value, into: &combined)
        combined.text = ""
        return SanitizedJSON(value: sanitized, report: combined)
    }

    private func walk(_ value: JSONValue, into combined: inout SanitizerReport) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(sanitizeString(text, into: &combined))
        case .array(let items):
            return .array(items.map { walk($0, into: &combined) })
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for key in members.keys.sorted() {
                out[JSONValue.unusedKey(sanitizeString(key, into: &combined), in: out)] = walk(members[key]!, into: &combined)
            }
            return .object(out)
        default:
            return value
        }
    }

    private func sanitizeString(_ text: String, into combined: inout SanitizerReport) -> String {
        let report = sanitize(text, kind: .auto)
        let room = max(0, configuration.maxListedRemovals - combined.removals.count)
        combined.removals += report.removals.prefix(room)
        combined.unlistedRemovals += report.unlistedRemovals + max(0, report.removals.count - room)
        for (layer, count) in report.counts { combined.counts[layer, default: 0] += count }
        combined.truncated = combined.truncated || report.truncated
        combined.inputBytes += report.inputBytes
        combined.extractedBytes += report.extractedBytes
        return report.text
    }
}

extension JSONValue {
    /// `base`, or `base#2`, `base#3` ... : the first that `object` does not hold yet (two keys that sanitize
    /// alike must not overwrite each other).
    package static func unusedKey(_ base: String, in object: [String: JSONValue]) -> String {
        var key = base
        var suffix = 2
        while object[key] != nil {
            key = base + "#\(suffix)"
            suffix += 1
        }
        return key
    }
}
