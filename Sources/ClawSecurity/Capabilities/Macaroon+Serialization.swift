/// The wire formats of macaroons: libmacaroons' V1 and V2 binary (base64url) and V1 and V2 JSON.
extension Macaroon {
    /// A wire format.
    public struct Format: Sendable, Hashable, CustomStringConvertible {
        enum Kind: Sendable { case v1Binary, v2Binary, v1JSON, v2JSON }
        let kind: Kind

        /// libmacaroons V2 binary, base64url without padding: Claw's default.
        public static let v2 = Format(kind: .v2Binary)
        /// libmacaroons V1 binary (hex-length packets), base64url without padding.
        public static let v1 = Format(kind: .v1Binary)
        /// V2 JSON (`l`, `i`, `c`, `s64`).
        public static let v2JSON = Format(kind: .v2JSON)
        /// V1 JSON (`location`, `identifier`, `caveats`, `signature` in hex).
        public static let v1JSON = Format(kind: .v1JSON)

        /// The format's name.
        public var description: String {
            switch kind {
            case .v1Binary: "v1"
            case .v2Binary: "v2"
            case .v1JSON: "v1-json"
            case .v2JSON: "v2-json"
            }
        }
    }

    /// Bounds on decoding untrusted tokens.
    public struct Limits: Sendable {
        /// The longest token text accepted; 64 KiB by default.
        public var maximumTokenBytes: Int
        /// The most caveats accepted; 64 by default.
        public var maximumCaveats: Int
        /// The longest location, identifier or caveat field; 4 KiB by default.
        public var maximumFieldBytes: Int

        /// Creates limits.
        public init(maximumTokenBytes: Int = 64 * 1024, maximumCaveats: Int = 64, maximumFieldBytes: Int = 4096) {
            self.maximumTokenBytes = maximumTokenBytes
            self.maximumCaveats = maximumCaveats
            self.maximumFieldBytes = maximumFieldBytes
        }
    }

    /// Serializes the macaroon.
    /// - Parameter format: The wire format; V2 binary by default.
    /// - Returns: The token text.
    public func serialized(_ format: Format = .v2) -> String {
        switch format.kind {
        case .v2Binary: Base64.encode(v2Bytes(), alphabet: .urlSafe)
        case .v1Binary: Base64.encode(v1Bytes(), alphabet: .urlSafe)
        case .v2JSON: v2JSON().canonicalText
        case .v1JSON: v1JSON().canonicalText
        }
    }

    /// Decodes a token in any of the four formats, telling them apart by their shape.
    /// - Parameters:
    ///   - text: A token: JSON text, or base64 (url-safe or standard, padded or not) of a binary form.
    ///   - limits: Bounds on size, caveats and fields.
    /// - Returns: The unverified macaroon.
    /// - Throws: ``ClawSecurityError/Code/malformedToken`` for anything malformed or out of bounds.
    public init(decoding text: String, limits: Limits = .init()) throws(ClawSecurityError) {
        let utf8 = Array(text.utf8)
        guard utf8.count <= limits.maximumTokenBytes else {
            throw Self.malformed("the token is \(utf8.count) bytes; the limit is \(limits.maximumTokenBytes)")
        }
        if utf8.first == UInt8(ascii: "{") {
            let json: JSONValue
            do {
                json = try JSONValue(parsing: utf8, limits: .init(maximumBytes: limits.maximumTokenBytes, maximumDepth: 4))
            } catch {
                throw Self.malformed("the JSON token does not parse: \(error.reason)")
            }
            self = try Self(json: json, limits: limits)
            return
        }
        guard let raw = Self.decodeBase64(utf8) else { throw Self.malformed("the token is not base64") }
        self = try Self(binary: raw, limits: limits)
    }

    /// Decodes V1 or V2 binary bytes.
    /// - Parameters:
    ///   - binary: The raw bytes (not base64).
    ///   - limits: Bounds on size, caveats and fields.
    /// - Throws: ``ClawSecurityError/Code/malformedToken``.
    public init(binary: [UInt8], limits: Limits = .init()) throws(ClawSecurityError) {
        guard let first = binary.first else { throw Self.malformed("the token is empty") }
        if first == 0x02 {
            self = try Self.decodeV2(binary, limits: limits)
        } else if Hex.nibble(first) != nil {
            self = try Self.decodeV1(binary, limits: limits)
        } else {
            throw Self.malformed("the token's first byte names no known format")
        }
    }

    static func malformed(_ reason: String) -> ClawSecurityError { ClawSecurityError(.malformedToken, reason) }

    /// Accepts base64url or standard base64, with or without padding; rejects anything else.
    static func decodeBase64(_ text: [UInt8]) -> [UInt8]? {
        var body = text
        var padding = 0
        while body.last == UInt8(ascii: "=") {
            body.removeLast()
            padding += 1
        }
        guard padding <= 2, padding == 0 || text.count % 4 == 0 else { return nil }
        for i in body.indices {
            if body[i] == UInt8(ascii: "+") { body[i] = UInt8(ascii: "-") }
            else if body[i] == UInt8(ascii: "/") { body[i] = UInt8(ascii: "_") }
        }
        return Base64.decode(body, alphabet: .urlSafe)
    }

    // MARK: V2 binary

    enum FieldType: UInt64 {
        case endOfSection = 0, location = 1, identifier = 2, verificationID = 4, signature = 6
    }

    func v2Bytes() -> [UInt8] {
        var out: [UInt8] = [0x02]
        func field(_ type: FieldType, _ data: [UInt8]) {
            Self.appendVarint(type.rawValue, to: &out)
            Self.appendVarint(UInt64(data.count), to: &out)
            out.append(contentsOf: data)
        }
        // pymacaroons writes the location field even when it is empty; so does Claw, byte for byte.
        field(.location, Array(location.utf8))
        field(.identifier, identifier)
        out.append(0)
        for caveat in caveats {
            if let location = caveat.location { field(.location, Array(location.utf8)) }
            field(.identifier, caveat.identifier)
            if let vid = caveat.verificationID { field(.verificationID, vid) }
            out.append(0)
        }
        out.append(0)
        field(.signature, signature)
        return out
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    struct V2Reader {
        let bytes: [UInt8]
        let limits: Limits
        var index = 1

        mutating func varint() throws(ClawSecurityError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < bytes.count else { throw Macaroon.malformed("the token ends inside a number") }
                let b = bytes[index]
                index += 1
                guard shift < 63 else { throw Macaroon.malformed("a number in the token is too large") }
                value |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return value }
                shift += 7
            }
        }

        /// Reads one section: fields in increasing type order, ended by an end-of-section byte.
        mutating func section(allowed: [FieldType]) throws(ClawSecurityError) -> [FieldType: [UInt8]] {
            var fields = [FieldType: [UInt8]]()
            var last: UInt64 = 0
            while true {
                let raw = try varint()
                if raw == 0 { return fields }
                guard let type = FieldType(rawValue: raw), allowed.contains(type), raw > last else {
                    throw Macaroon.malformed("the token has an unexpected field (type \(raw))")
                }
                last = raw
                let length = try varint()
                guard length <= UInt64(limits.maximumFieldBytes) else {
                    throw Macaroon.malformed("a token field is longer than \(limits.maximumFieldBytes) bytes")
                }
                let end = index + Int(length)
                guard end <= bytes.count else { throw Macaroon.malformed("the token ends inside a field") }
                fields[type] = Array(bytes[index..<end])
                index = end
            }
        }
    }

    static func decodeV2(_ bytes: [UInt8], limits: Limits) throws(ClawSecurityError) -> Macaroon {
        var reader = V2Reader(bytes: bytes, limits: limits)
        let header = try reader.section(allowed: [.location, .identifier])
        guard let identifier = header[.identifier] else { throw malformed("the token has no identifier") }
        let location = try text(header[.location] ?? [], field: "location")
        var caveats = [Caveat]()
        while true {
            guard reader.index < bytes.count else { throw malformed("the token ends before its signature") }
            if bytes[reader.index] == 0 {
                reader.index += 1
                break
            }
            guard caveats.count < limits.maximumCaveats else {
                throw malformed("the token has more than \(limits.maximumCaveats) caveats")
            }
            let fields = try reader.section(allowed: [.location, .identifier, .verificationID])
            guard let cid = fields[.identifier] else { throw malformed("a caveat has no identifier") }
            let caveatLocation = try fields[.location].map { b throws(ClawSecurityError) in try text(b, field: "caveat location") }
            if fields[.verificationID] == nil, caveatLocation != nil {
                throw malformed("a first-party caveat has a location")
            }
            caveats.append(Caveat(identifier: cid, verificationID: fields[.verificationID], location: caveatLocation))
        }
        let type = try reader.varint()
        guard type == FieldType.signature.rawValue else { throw malformed("the token has no signature field") }
        let length = try reader.varint()
        guard length == 32, reader.index + 32 == bytes.count else {
            throw malformed("the signature is not 32 bytes at the end of the token")
        }
        let signature = Array(bytes[reader.index...])
        return Macaroon(unverifiedLocation: location, identifier: identifier, caveats: caveats, signature: signature)
    }

    static func text(_ bytes: [UInt8], field: String) throws(ClawSecurityError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw malformed("the \(field) is not UTF-8") }
        return text
    }

    // MARK: V1 binary

    func v1Bytes() -> [UInt8] {
        var out = [UInt8]()
        func packet(_ key: String, _ value: [UInt8]) {
            let length = 4 + key.utf8.count + 1 + value.count + 1
            let hex = String(length, radix: 16)
            out.append(contentsOf: (String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            out.append(contentsOf: key.utf8)
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: value)
            out.append(UInt8(ascii: "\n"))
        }
        packet("location", Array(location.utf8))
        packet("identifier", identifier)
        for caveat in caveats {
            packet("cid", caveat.identifier)
            if let vid = caveat.verificationID { packet("vid", vid) }
            if let location = caveat.location { packet("cl", Array(location.utf8)) }
        }
        packet("signature", signature)
        return out
    }

    static func decodeV1(_ bytes: [UInt8], limits: Limits) throws(ClawSecurityError) -> Macaroon {
        var packets = [(String, [UInt8])]()
        var index = 0
        while index < bytes.count {
            guard index + 4 <= bytes.count else { throw malformed("the token ends inside a packet length") }
            var length = 0
            for i in index..<index + 4 {
                guard let n = Hex.nibble(bytes[i]) else { throw malformed("a packet length is not hex") }
                length = length << 4 | Int(n)
            }
            guard length > 5, index + length <= bytes.count, length - 6 <= limits.maximumFieldBytes + 16 else {
                throw malformed("a packet length is out of bounds")
            }
            let content = bytes[(index + 4)..<(index + length)]
            guard content.last == UInt8(ascii: "\n"), let space = content.firstIndex(of: UInt8(ascii: " ")) else {
                throw malformed("a packet is not 'key value\\n'")
            }
            let key = String(decoding: content[content.startIndex..<space], as: UTF8.self)
            packets.append((key, Array(content[(space + 1)..<(content.endIndex - 1)])))
            guard packets.count <= limits.maximumCaveats * 3 + 3 else {
                throw malformed("the token has more than \(limits.maximumCaveats) caveats")
            }
            index += length
        }
        var cursor = 0
        func take(_ key: String) -> [UInt8]? {
            guard cursor < packets.count, packets[cursor].0 == key else { return nil }
            cursor += 1
            return packets[cursor - 1].1
        }
        let location = try text(take("location") ?? [], field: "location")
        guard let identifier = take("identifier") else { throw malformed("the token has no identifier") }
        var caveats = [Caveat]()
        while let cid = take("cid") {
            guard caveats.count < limits.maximumCaveats else {
                throw malformed("the token has more than \(limits.maximumCaveats) caveats")
            }
            let vid = take("vid")
            let cl = try take("cl").map { b throws(ClawSecurityError) in try text(b, field: "caveat location") }
            guard cid.count <= limits.maximumFieldBytes, (vid?.count ?? 0) <= limits.maximumFieldBytes,
                (cl?.utf8.count ?? 0) <= limits.maximumFieldBytes
            else { throw malformed("a caveat field is longer than \(limits.maximumFieldBytes) bytes") }
            if vid == nil, cl != nil { throw malformed("a first-party caveat has a location") }
            caveats.append(Caveat(identifier: cid, verificationID: vid, location: cl))
        }
        guard let signature = take("signature"), signature.count == 32, cursor == packets.count else {
            throw malformed("the token does not end with a 32-byte signature")
        }
        guard identifier.count <= limits.maximumFieldBytes, location.utf8.count <= limits.maximumFieldBytes else {
            throw malformed("a token field is too long")
        }
        return Macaroon(unverifiedLocation: location, identifier: identifier, caveats: caveats, signature: signature)
    }

    // MARK: JSON

    func v2JSON() -> JSONValue {
        var object: [String: JSONValue] = [:]
        if !location.isEmpty { object["l"] = .string(location) }
        Self.putBytes(identifier, text: "i", binary: "i64", into: &object)
        if !caveats.isEmpty {
            object["c"] = .array(caveats.map { caveat in
                var c: [String: JSONValue] = [:]
                Self.putBytes(caveat.identifier, text: "i", binary: "i64", into: &c)
                if let vid = caveat.verificationID { c["v64"] = .string(Base64.encode(vid, alphabet: .urlSafe)) }
                if let location = caveat.location { c["l"] = .string(location) }
                return .object(c)
            })
        }
        object["s64"] = .string(Base64.encode(signature, alphabet: .urlSafe))
        return .object(object)
    }

    static func putBytes(_ bytes: [UInt8], text: String, binary: String, into object: inout [String: JSONValue]) {
        if let string = String(validating: bytes, as: UTF8.self) {
            object[text] = .string(string)
        } else {
            object[binary] = .string(Base64.encode(bytes, alphabet: .urlSafe))
        }
    }

    func v1JSON() -> JSONValue {
        var object: [String: JSONValue] = [
            "identifier": .string(String(decoding: identifier, as: UTF8.self)),
            "signature": .string(Hex.encode(signature)),
        ]
        if !location.isEmpty { object["location"] = .string(location) }
        if !caveats.isEmpty {
            object["caveats"] = .array(caveats.map { caveat in
                var c: [String: JSONValue] = ["cid": .string(String(decoding: caveat.identifier, as: UTF8.self))]
                if let vid = caveat.verificationID { c["vid"] = .string(Base64.encode(vid, alphabet: .urlSafe)) }
                if let location = caveat.location { c["cl"] = .string(location) }
                return .object(c)
            })
        }
        return .object(object)
    }

    init(json: JSONValue, limits: Limits) throws(ClawSecurityError) {
        guard let object = json.objectValue else { throw Self.malformed("the JSON token is not an object") }
        let isV2 = object["s64"] != nil || object["s"] != nil || object["i"] != nil || object["i64"] != nil
        let keys: Set<String> = isV2 ? ["v", "l", "i", "i64", "c", "s", "s64"] : ["location", "identifier", "caveats", "signature"]
        if let unknown = object.keys.first(where: { !keys.contains($0) }) {
            throw Self.malformed("the JSON token has an unknown field '\(unknown.prefix(32))'")
        }
        func string(_ value: JSONValue?, _ name: String) throws(ClawSecurityError) -> String? {
            guard let value else { return nil }
            guard let s = value.stringValue else { throw Self.malformed("the JSON field '\(name)' is not a string") }
            guard s.utf8.count <= limits.maximumFieldBytes * 2 else { throw Self.malformed("the JSON field '\(name)' is too long") }
            return s
        }
        func bytes(_ object: [String: JSONValue], text: String, binary: String) throws(ClawSecurityError) -> [UInt8]? {
            if let s = try string(object[text], text) {
                guard object[binary] == nil else { throw Self.malformed("the JSON token has both '\(text)' and '\(binary)'") }
                return Array(s.utf8)
            }
            guard let b = try string(object[binary], binary) else { return nil }
            guard let decoded = Self.decodeBase64(Array(b.utf8)) else { throw Self.malformed("'\(binary)' is not base64") }
            return decoded
        }
        let caveatList = object[isV2 ? "c" : "caveats"]
        let rawCaveats: [JSONValue]
        if let caveatList {
            guard let array = caveatList.arrayValue else { throw Self.malformed("the caveats are not an array") }
            rawCaveats = array
        } else {
            rawCaveats = []
        }
        guard rawCaveats.count <= limits.maximumCaveats else {
            throw Self.malformed("the token has more than \(limits.maximumCaveats) caveats")
        }
        var caveats = [Caveat]()
        for raw in rawCaveats {
            guard let c = raw.objectValue else { throw Self.malformed("a caveat is not an object") }
            let caveatKeys: Set<String> = isV2 ? ["i", "i64", "v", "v64", "l"] : ["cid", "vid", "cl"]
            if let unknown = c.keys.first(where: { !caveatKeys.contains($0) }) {
                throw Self.malformed("a caveat has an unknown field '\(unknown.prefix(32))'")
            }
            let cid: [UInt8]?
            let vid: [UInt8]?
            let location: String?
            if isV2 {
                cid = try bytes(c, text: "i", binary: "i64")
                vid = try bytes(c, text: "v", binary: "v64")
                location = try string(c["l"], "l")
            } else {
                cid = try string(c["cid"], "cid").map { Array($0.utf8) }
                vid = try string(c["vid"], "vid").map { v throws(ClawSecurityError) in
                    guard let decoded = Self.decodeBase64(Array(v.utf8)) else { throw Self.malformed("'vid' is not base64") }
                    return decoded
                }
                location = try string(c["cl"], "cl")
            }
            guard let cid else { throw Self.malformed("a caveat has no identifier") }
            guard cid.count <= limits.maximumFieldBytes, (vid?.count ?? 0) <= limits.maximumFieldBytes,
                (location?.utf8.count ?? 0) <= limits.maximumFieldBytes
            else { throw Self.malformed("a caveat field is longer than \(limits.maximumFieldBytes) bytes") }
            if vid == nil, location != nil { throw Self.malformed("a first-party caveat has a location") }
            caveats.append(Caveat(identifier: cid, verificationID: vid, location: location))
        }
        let identifier: [UInt8]?
        let signature: [UInt8]?
        let location: String
        if isV2 {
            if let v = object["v"], v.intValue != 2 { throw Self.malformed("the JSON token's version is not 2") }
            identifier = try bytes(object, text: "i", binary: "i64")
            location = try string(object["l"], "l") ?? ""
            if let s64 = try string(object["s64"], "s64") {
                signature = Self.decodeBase64(Array(s64.utf8))
            } else if let s = try string(object["s"], "s") {
                signature = Array(s.utf8)
            } else {
                signature = nil
            }
        } else {
            identifier = try string(object["identifier"], "identifier").map { Array($0.utf8) }
            location = try string(object["location"], "location") ?? ""
            signature = try string(object["signature"], "signature").flatMap { try? Hex.decode($0) }
        }
        guard let identifier, identifier.count <= limits.maximumFieldBytes, location.utf8.count <= limits.maximumFieldBytes else {
            throw Self.malformed("the JSON token has no identifier, or a field is too long")
        }
        guard let signature, signature.count == 32 else { throw Self.malformed("the JSON token's signature is not 32 bytes") }
        self.init(unverifiedLocation: location, identifier: identifier, caveats: caveats, signature: signature)
    }
}
