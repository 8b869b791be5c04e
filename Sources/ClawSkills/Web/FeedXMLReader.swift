/// A small, non-validating XML reader for feeds: elements, attributes, text, CDATA.
///
/// It never expands a document type: a `<!DOCTYPE ...>` (internal subset included) is skipped, so entity
/// declarations have no effect and the billion-laughs and external-entity attacks have nothing to work
/// with. Only the five predefined entities and character references are decoded; any other `&name;` is
/// kept as written. Tags must nest and close; a second root, text outside the root, an unterminated
/// comment, CDATA section or tag are errors. Depth and element count are bounded.
struct FeedXMLReader {
    /// A node of the tree.
    enum Node: Hashable {
        case element(Element)
        case text(String)
    }

    /// An element: its local name (namespace prefix removed), attributes by local name, and children.
    struct Element: Hashable {
        var name: String
        var attributes: [String: String] = [:]
        var nodes: [Node] = []

        /// The child elements named `name`.
        func children(_ name: String) -> [Element] {
            nodes.compactMap { if case .element(let element) = $0, element.name == name { element } else { nil } }
        }

        /// The first child element named `name`.
        func child(_ name: String) -> Element? {
            for case .element(let element) in nodes where element.name == name { return element }
            return nil
        }

        /// All the text inside, in document order, with a limit on how much is gathered.
        func allText(limit: Int) -> String {
            var out = ""
            gather(into: &out, limit: limit)
            return out
        }

        private func gather(into out: inout String, limit: Int) {
            for node in nodes {
                guard out.utf8.count < limit else { return }
                switch node {
                case .text(let text): out += text
                case .element(let element):
                    out += " "
                    element.gather(into: &out, limit: limit)
                }
            }
        }
    }

    /// Why a document could not be read.
    struct Failure: Error {
        let reason: String
        let tooDeep: Bool
        init(_ reason: String, tooDeep: Bool = false) {
            self.reason = reason
            self.tooDeep = tooDeep
        }
    }

    let maxDepth: Int
    let maxElements: Int

    /// Reads a document (UTF-8 bytes) into its root element.
    func read(_ bytes: [UInt8]) throws(Failure) -> Element {
        var i = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        let n = bytes.count
        var stack: [Element] = []
        var qualifiedNames: [[UInt8]] = []
        var root: Element?
        var elements = 0

        func starts(_ literal: StaticString, at index: Int) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= n else { return false }
            return literal.withUTF8Buffer { buffer in
                for k in 0..<count where bytes[index + k] != buffer[k] { return false }
                return true
            }
        }
        func find(_ literal: StaticString, from index: Int) -> Int? {
            let count = literal.utf8CodeUnitCount
            var j = index
            while j + count <= n {
                if starts(literal, at: j) { return j }
                j += 1
            }
            return nil
        }
        func appendText(_ text: String) throws(Failure) {
            guard !stack.isEmpty else {
                guard text.utf8.allSatisfy(Self.isSpace) else { throw Failure("text outside the root element") }
                return
            }
            stack[stack.count - 1].nodes.append(.text(text))
        }

        while i < n {
            if bytes[i] != UInt8(ascii: "<") {
                var j = i
                while j < n && bytes[j] != UInt8(ascii: "<") { j += 1 }
                try appendText(Self.decode(bytes[i..<j]))
                i = j
                continue
            }
            if starts("<?", at: i) {
                guard let end = find("?>", from: i + 2) else { throw Failure("an unterminated processing instruction") }
                i = end + 2
            } else if starts("<!--", at: i) {
                guard let end = find("-->", from: i + 4) else { throw Failure("an unterminated comment") }
                i = end + 3
            } else if starts("<![CDATA[", at: i) {
                guard let end = find("]]>", from: i + 9) else { throw Failure("an unterminated CDATA section") }
                guard !stack.isEmpty else { throw Failure("CDATA outside the root element") }
                try appendText(String(decoding: bytes[(i + 9)..<end], as: UTF8.self))
                i = end + 3
            } else if starts("<!DOCTYPE", at: i) || starts("<!doctype", at: i) {
                guard root == nil, stack.isEmpty else { throw Failure("a document type inside the document") }
                // Skipped whole, internal subset included: no entity it declares is ever used.
                var j = i + 9
                var depth = 0
                var quote: UInt8 = 0
                while j < n {
                    let byte = bytes[j]
                    if quote != 0 {
                        if byte == quote { quote = 0 }
                    } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                        quote = byte
                    } else if byte == UInt8(ascii: "[") {
                        depth += 1
                    } else if byte == UInt8(ascii: "]") {
                        depth -= 1
                    } else if byte == UInt8(ascii: ">") && depth <= 0 {
                        break
                    }
                    j += 1
                }
                guard j < n else { throw Failure("an unterminated document type") }
                i = j + 1
            } else if starts("<!", at: i) {
                throw Failure("an unsupported markup declaration")
            } else if starts("</", at: i) {
                var j = i + 2
                let nameStart = j
                while j < n && Self.isNameByte(bytes[j]) { j += 1 }
                let name = Array(bytes[nameStart..<j])
                while j < n && Self.isSpace(bytes[j]) { j += 1 }
                guard j < n, bytes[j] == UInt8(ascii: ">") else { throw Failure("a malformed end tag") }
                guard let open = qualifiedNames.last, open == name, let element = stack.popLast() else {
                    throw Failure("an end tag that does not match the open element")
                }
                qualifiedNames.removeLast()
                i = j + 1
                if stack.isEmpty {
                    root = element
                } else {
                    stack[stack.count - 1].nodes.append(.element(element))
                }
            } else {
                // A start tag.
                var j = i + 1
                let nameStart = j
                while j < n && Self.isNameByte(bytes[j]) { j += 1 }
                guard j > nameStart else { throw Failure("a malformed tag") }
                let qualified = Array(bytes[nameStart..<j])
                guard root == nil else { throw Failure("a second root element") }
                elements += 1
                guard elements <= maxElements else { throw Failure("more than \(maxElements) elements") }
                guard stack.count < maxDepth else { throw Failure("elements nested deeper than \(maxDepth)", tooDeep: true) }
                var element = Element(name: Self.localName(qualified))
                var selfClosing = false
                while true {
                    while j < n && Self.isSpace(bytes[j]) { j += 1 }
                    guard j < n else { throw Failure("an unterminated tag") }
                    if bytes[j] == UInt8(ascii: ">") { j += 1; break }
                    if bytes[j] == UInt8(ascii: "/") {
                        guard j + 1 < n, bytes[j + 1] == UInt8(ascii: ">") else { throw Failure("a malformed tag") }
                        selfClosing = true
                        j += 2
                        break
                    }
                    let attributeStart = j
                    while j < n && Self.isNameByte(bytes[j]) { j += 1 }
                    guard j > attributeStart else { throw Failure("a malformed attribute") }
                    let attributeName = Self.localName(Array(bytes[attributeStart..<j]))
                    while j < n && Self.isSpace(bytes[j]) { j += 1 }
                    guard j < n, bytes[j] == UInt8(ascii: "=") else { throw Failure("an attribute without a value") }
                    j += 1
                    while j < n && Self.isSpace(bytes[j]) { j += 1 }
                    guard j < n, bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "'") else {
                        throw Failure("an unquoted attribute value")
                    }
                    let quote = bytes[j]
                    let valueStart = j + 1
                    j = valueStart
                    while j < n && bytes[j] != quote {
                        guard bytes[j] != UInt8(ascii: "<") else { throw Failure("'<' in an attribute value") }
                        j += 1
                    }
                    guard j < n else { throw Failure("an unterminated attribute value") }
                    if element.attributes[attributeName] == nil {
                        element.attributes[attributeName] = Self.decode(bytes[valueStart..<j])
                    }
                    j += 1
                    guard j < n, Self.isSpace(bytes[j]) || bytes[j] == UInt8(ascii: ">") || bytes[j] == UInt8(ascii: "/") else {
                        throw Failure("attributes without space between them")
                    }
                }
                i = j
                if selfClosing {
                    if stack.isEmpty { root = element } else { stack[stack.count - 1].nodes.append(.element(element)) }
                } else {
                    stack.append(element)
                    qualifiedNames.append(qualified)
                }
            }
        }
        guard stack.isEmpty else { throw Failure("an element that is never closed") }
        guard let root else { throw Failure("no root element") }
        return root
    }

    // MARK: Characters

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"):
            true
        default:
            byte >= 0x80
        }
    }

    static func localName(_ qualified: [UInt8]) -> String {
        let local = qualified.lastIndex(of: UInt8(ascii: ":")).map { qualified[($0 + 1)...] } ?? qualified[...]
        return String(decoding: local, as: UTF8.self)
    }

    /// Decodes text: the five predefined entities and character references; any other `&` stays as written.
    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let byte = bytes[i]
            guard byte == UInt8(ascii: "&") else {
                out.append(byte)
                i += 1
                continue
            }
            var j = i + 1
            while j < bytes.endIndex && j - i <= 12 && bytes[j] != UInt8(ascii: ";") && bytes[j] != UInt8(ascii: "&") { j += 1 }
            guard j < bytes.endIndex, bytes[j] == UInt8(ascii: ";") else {
                out.append(byte)
                i += 1
                continue
            }
            let name = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
            var replacement: String?
            switch name {
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "amp": replacement = "&"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            default:
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    replacement = scalar(UInt32(name.dropFirst(2), radix: 16))
                } else if name.hasPrefix("#") {
                    replacement = scalar(UInt32(name.dropFirst(), radix: 10))
                }
            }
            if let replacement {
                out.append(contentsOf: replacement.utf8)
                i = j + 1
            } else {
                out.append(byte)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func scalar(_ value: UInt32?) -> String? {
        guard let value else { return nil }
        guard value != 0, let scalar = Unicode.Scalar(value) else { return "\u{FFFD}" }
        return String(Character(scalar))
    }
}
