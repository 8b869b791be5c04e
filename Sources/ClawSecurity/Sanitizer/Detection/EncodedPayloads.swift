/// Finds encoded text in a sentence: base64 (standard or URL-safe), hex and URL-encoding segments of at
/// least ``minimumLength`` characters are decoded, and when the result reads as text (valid UTF-8, mostly
/// letters, several words) the sentence carries an encoded payload. The decoded text is scanned again for
/// injection phrases so the report can say what it hid. (ROT13 is matched directly: the pattern automaton
/// holds every phrase's ROT13 form.)
enum EncodedPayloads {
    static let minimumLength = 16

    /// A description of the first encoded payload in the sentence, or nil.
    static func find(in sentence: UnsafeBufferPointer<UInt8>, detector: InjectionDetector) -> String? {
        guard sentence.count >= minimumLength else { return nil }
        var i = 0
        let n = sentence.count
        while i < n {
            // A token: a run of characters that can appear in any of the encodings.
            guard isTokenByte(sentence[i]) else {
                i += 1
                continue
            }
            var j = i
            while j < n, isTokenByte(sentence[j]) { j += 1 }
            if j - i >= minimumLength {
                let token = UnsafeBufferPointer(rebasing: sentence[i ..< j])
                if let decoded = hex(token), readsAsText(decoded) { return describe("hex", decoded, detector: detector) }
                if let decoded = percent(token), readsAsText(decoded) { return describe("URL-encoding", decoded, detector: detector) }
                if let decoded = base64(token), readsAsText(decoded) { return describe("base64", decoded, detector: detector) }
            }
            i = j
        }
        return nil
    }

    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == 0x2B || b == 0x2F || b == 0x3D || b == 0x2D || b == 0x5F || b == 0x25
    }

    static func hex(_ token: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        try? Hex.decode(utf8: token)
    }

    static func percent(_ token: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var escapes = 0
        var i = 0
        while i < token.count {
            if token[i] == 0x25, i + 2 < token.count, let high = Hex.nibble(token[i + 1]), let low = Hex.nibble(token[i + 2]) {
                out.append(high << 4 | low)
                escapes += 1
                i += 3
            } else if token[i] == 0x2B {
                out.append(0x20)
                i += 1
            } else {
                out.append(token[i])
                i += 1
            }
        }
        return escapes >= 3 ? out : nil
    }

    static func base64(_ token: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard !token.contains(0x25) else { return nil }
        var text = Array(token)
        while text.last == 0x3D { text.removeLast() }
        guard text.count % 4 != 1, !text.contains(0x3D) else { return nil }
        if text.contains(0x2D) || text.contains(0x5F) {
            return Base64.decode(text, alphabet: .urlSafe)
        }
        text += Array(repeating: 0x3D, count: (4 - text.count % 4) % 4)
        return Base64.decode(text, alphabet: .standard)
    }

    /// Whether decoded bytes read as natural-language text: valid UTF-8, at least 12 bytes, three or more
    /// words, and 85 % letters, digits, spaces and common punctuation.
    static func readsAsText(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 12, let text = String(validating: bytes, as: UTF8.self) else { return false }
        var good = 0
        var spaces = 0
        var letters = 0
        for scalar in text.unicodeScalars {
            if scalar == " " { spaces += 1 }
            if scalar.properties.isAlphabetic { letters += 1 }
            if scalar.properties.isAlphabetic || scalar == " " || (scalar.isASCII && ".,;:!?'\"-()0123456789\n".unicodeScalars.contains(scalar)) {
                good += 1
            }
        }
        let total = text.unicodeScalars.count
        return spaces >= 2 && letters * 2 >= total && good * 100 >= total * 85
    }

    static func describe(_ encoding: String, _ decoded: [UInt8], detector: InjectionDetector) -> String {
        var inner: String?
        var matches: [PatternAutomaton.Match] = []
        decoded.withUnsafeBufferPointer { detector.automaton.scan($0, into: &matches) }
        for match in matches {
            if case .phrase(let family, let phrase) = detector.entries[match.pattern] {
                inner = "\(family): \"\(phrase)\""
                break
            }
        }
        let preview = String(decoding: decoded.prefix(60), as: UTF8.self)
        return "encoded payload (\(encoding))" + (inner.map { ", hides \($0)" } ?? "") + ": \"\(preview)\""
    }
}
