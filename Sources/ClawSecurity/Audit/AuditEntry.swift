import Crypto
import Foundation

/// One record of the audit log, chained to the one before it.
///
/// `mac = HMAC-SHA256(audit key, previous mac ‖ canonical JSON of every other field)`, so editing,
/// deleting or reordering any entry breaks the chain from that entry on. Entries hold the decision and
/// its context, never a token or a secret.
public struct AuditEntry: Sendable, Hashable {
    /// The position in the log, from 1, without gaps.
    public let sequence: UInt64
    /// When it was recorded.
    public let timestamp: Date
    /// What happened, such as `policy.decision`.
    public let event: String
    /// `allow` or `deny`, where the event is a decision.
    public let outcome: String?
    /// Why.
    public let reason: String
    /// The deciding rule, if any.
    public let ruleID: String?
    /// The context, without its token.
    public let context: JSONValue
    /// The id of the key ring secret whose audit key made `mac`.
    public let keyID: String
    /// The previous entry's MAC (32 zero bytes for the first entry ever).
    public let previousMAC: [UInt8]
    /// This entry's MAC.
    public let mac: [UInt8]

    static let genesis = [UInt8](repeating: 0, count: 32)

    /// The fields the MAC covers, as canonical JSON.
    func body() -> JSONValue {
        var o: [String: JSONValue] = [
            "seq": .int(Int64(sequence)), "ts": .string(Self.timestampText(timestamp)), "event": .string(event),
            "reason": .string(reason), "context": context, "kid": .string(keyID), "prev": .string(Hex.encode(previousMAC)),
        ]
        if let outcome { o["outcome"] = .string(outcome) }
        if let ruleID { o["rule"] = .string(ruleID) }
        return .object(o)
    }

    static func computeMAC(key: SymmetricKey, previousMAC: [UInt8], body: JSONValue) -> [UInt8] {
        var bytes = previousMAC
        body.write(into: &bytes)
        return key.withUnsafeBytes { HMACSHA256.authenticate(key: Array($0), message: bytes) }
    }

    /// Millisecond precision, so that a timestamp survives a round trip through text exactly.
    static func timestampText(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let fraction = ms - seconds * 1000
        let base = RFC3339.format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        let f = String(fraction)
        return String(base.dropLast()) + "." + String(repeating: "0", count: 3 - f.count) + f + "Z"
    }

    /// The entry as one JSON line (the body plus `mac`).
    public var jsonLine: String {
        guard case .object(var o) = body() else { return "" }
        o["mac"] = .string(Hex.encode(mac))
        return JSONValue.object(o).canonicalText
    }

    /// Parses a JSON line written by ``jsonLine``. The MAC is not checked here.
    /// - Throws: ``ClawSecurityError/Code/auditTampered`` for a malformed line.
    public init(jsonLine line: String) throws(ClawSecurityError) {
        func bad(_ what: String) -> ClawSecurityError { ClawSecurityError(.auditTampered, "malformed audit entry: \(what)") }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: line, limits: .init(maximumBytes: 1 << 20, maximumDepth: 16))
        } catch {
            throw bad("not JSON")
        }
        guard let o = value.objectValue else { throw bad("not an object") }
        let known: Set<String> = ["seq", "ts", "event", "reason", "context", "kid", "prev", "outcome", "rule", "mac"]
        guard o.keys.allSatisfy(known.contains) else { throw bad("unknown field") }
        guard let seq = o["seq"]?.intValue, seq > 0 else { throw bad("seq") }
        guard let ts = o["ts"]?.stringValue, let date = RFC3339.parse(ts) else { throw bad("ts") }
        guard let event = o["event"]?.stringValue, let reason = o["reason"]?.stringValue, let context = o["context"],
            let kid = o["kid"]?.stringValue
        else { throw bad("missing field") }
        guard let prevText = o["prev"]?.stringValue, let prev = try? Hex.decode(prevText), prev.count == 32,
            let macText = o["mac"]?.stringValue, let mac = try? Hex.decode(macText), mac.count == 32
        else { throw bad("prev or mac") }
        let outcome = o["outcome"]?.stringValue
        let rule = o["rule"]?.stringValue
        guard (o["outcome"] == nil || outcome != nil), (o["rule"] == nil || rule != nil) else { throw bad("outcome or rule") }
        self.init(
            sequence: UInt64(seq), timestamp: date, event: event, outcome: outcome, reason: reason, ruleID: rule,
            context: context, keyID: kid, previousMAC: prev, mac: mac)
    }

    init(
        sequence: UInt64, timestamp: Date, event: String, outcome: String?, reason: String, ruleID: String?,
        context: JSONValue, keyID: String, previousMAC: [UInt8], mac: [UInt8]
    ) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.event = event
        self.outcome = outcome
        self.reason = reason
        self.ruleID = ruleID
        self.context = context
        self.keyID = keyID
        self.previousMAC = previousMAC
        self.mac = mac
    }

    /// Returns a copy with fields changed, keeping the stored MACs: for tamper tests and forensics only.
    package func tampered(
        sequence: UInt64? = nil, reason: String? = nil, previousMAC: [UInt8]? = nil, mac: [UInt8]? = nil
    ) -> AuditEntry {
        AuditEntry(
            sequence: sequence ?? self.sequence, timestamp: timestamp, event: event, outcome: outcome,
            reason: reason ?? self.reason, ruleID: ruleID, context: context, keyID: keyID,
            previousMAC: previousMAC ?? self.previousMAC, mac: mac ?? self.mac)
    }
}

/// A signed marker: "the log held entry `sequence` with MAC `entryMAC`". A tail cut off past it is detected.
public struct AuditCheckpoint: Sendable, Hashable {
    /// The sequence number of the entry it covers.
    public let sequence: UInt64
    /// That entry's MAC.
    public let entryMAC: [UInt8]
    /// The key id of the checkpoint's own MAC.
    public let keyID: String
    /// HMAC(audit key, "checkpoint" ‖ sequence ‖ entryMAC).
    public let mac: [UInt8]

    static func computeMAC(key: SymmetricKey, label: String, sequence: UInt64, entryMAC: [UInt8]) -> [UInt8] {
        var bytes = Array(label.utf8)
        withUnsafeBytes(of: sequence.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: entryMAC)
        return key.withUnsafeBytes { HMACSHA256.authenticate(key: Array($0), message: bytes) }
    }

    /// One JSON line.
    /// The marker as one JSON line, as stores keep it.
    public var jsonLine: String {
        JSONValue.object([
            "seq": .int(Int64(sequence)), "entry_mac": .string(Hex.encode(entryMAC)), "kid": .string(keyID),
            "mac": .string(Hex.encode(mac)),
        ]).canonicalText
    }

    init(sequence: UInt64, entryMAC: [UInt8], keyID: String, mac: [UInt8]) {
        self.sequence = sequence
        self.entryMAC = entryMAC
        self.keyID = keyID
        self.mac = mac
    }

    /// Parses a stored marker line.
    /// - Throws: ``ClawSecurityError/Code/auditTampered`` when the line is malformed.
    public init(jsonLine: String) throws(ClawSecurityError) {
        let bad = ClawSecurityError(.auditTampered, "the audit checkpoint or anchor is malformed")
        guard let value = try? JSONValue(parsing: jsonLine), let o = value.objectValue, o.count == 4,
            let seq = o["seq"]?.intValue, seq >= 0, let kid = o["kid"]?.stringValue,
            let em = o["entry_mac"]?.stringValue.flatMap({ try? Hex.decode($0) }), em.count == 32,
            let mac = o["mac"]?.stringValue.flatMap({ try? Hex.decode($0) }), mac.count == 32
        else { throw bad }
        self.init(sequence: UInt64(seq), entryMAC: em, keyID: kid, mac: mac)
    }
}

/// After pruning: "the first kept entry is `sequence`, and the entry before it had MAC `entryMAC`".
/// Signed like a checkpoint, so that deleting more of the head is detected.
public typealias AuditAnchor = AuditCheckpoint
