/// The tokenizer's state machine: the states of the WHATWG HTML standard, section 13.2.5, over
/// preprocessed UTF-8 (valid, no CR). Every character with a meaning in any state is ASCII, so the machine
/// reads bytes; the bytes of a multi-byte character are "anything else" everywhere and pass through
/// unchanged. Buffers live across runs, so a tokenizer reused for many documents stops allocating.
struct HTMLTokenizerMachine: Sendable {
    enum State: UInt8 {
        case data, rcdata, rawtext, scriptData, plaintext
        case tagOpen, endTagOpen, tagName
        case rcdataLessThan, rcdataEndTagOpen, rcdataEndTagName
        case rawtextLessThan, rawtextEndTagOpen, rawtextEndTagName
        case scriptDataLessThan, scriptDataEndTagOpen, scriptDataEndTagName
        case scriptDataEscapeStart, scriptDataEscapeStartDash
        case scriptDataEscaped, scriptDataEscapedDash, scriptDataEscapedDashDash
        case scriptDataEscapedLessThan, scriptDataEscapedEndTagOpen, scriptDataEscapedEndTagName
        case scriptDataDoubleEscapeStart, scriptDataDoubleEscaped, scriptDataDoubleEscapedDash
        case scriptDataDoubleEscapedDashDash, scriptDataDoubleEscapedLessThan, scriptDataDoubleEscapeEnd
        case beforeAttributeName, attributeName, afterAttributeName, beforeAttributeValue
        case attributeValueDoubleQuoted, attributeValueSingleQuoted, attributeValueUnquoted
        case afterAttributeValueQuoted, selfClosingStartTag
        case bogusComment, markupDeclarationOpen
        case commentStart, commentStartDash, comment, commentLessThan, commentLessThanBang
        case commentLessThanBangDash, commentLessThanBangDashDash, commentEndDash, commentEnd, commentEndBang
        case doctype, beforeDoctypeName, doctypeName, afterDoctypeName
        case afterDoctypePublicKeyword, beforeDoctypePublicIdentifier
        case doctypePublicIdentifierDoubleQuoted, doctypePublicIdentifierSingleQuoted
        case afterDoctypePublicIdentifier, betweenDoctypePublicAndSystemIdentifiers
        case afterDoctypeSystemKeyword, beforeDoctypeSystemIdentifier
        case doctypeSystemIdentifierDoubleQuoted, doctypeSystemIdentifierSingleQuoted
        case afterDoctypeSystemIdentifier, bogusDoctype
        case cdataSection, cdataSectionBracket, cdataSectionEnd
        case characterReference, namedCharacterReference, ambiguousAmpersand, numericCharacterReference
        case hexadecimalCharacterReferenceStart, decimalCharacterReferenceStart
        case hexadecimalCharacterReference, decimalCharacterReference, numericCharacterReferenceEnd
    }

    // The tag being built. Its name is usually the input itself (lower-case letters, digits, hyphens):
    // `nameStart ..< nameEnd`; otherwise (`nameInBuffer`) the lowered copy in `tagName`.
    var tagName: [UInt8] = []
    var nameStart = 0
    var nameEnd = 0
    var nameInBuffer = true
    var isEndTag = false
    var selfClosing = false
    var attributeBytes: [UInt8] = []
    var attributes: [HTMLAttributeRange] = []
    var attributeIsDuplicate = false
    /// Attribute names seen on the current tag once it has many (the linear duplicate check would be
    /// quadratic on hostile input).
    var attributeNameSet: Set<[UInt8]> = []
    // Comments and DOCTYPEs.
    var commentText: [UInt8] = []
    var doctypeName: [UInt8] = []
    var doctypePublic: [UInt8] = []
    var doctypeSystem: [UInt8] = []
    var hasDoctypeName = false
    var hasDoctypePublic = false
    var hasDoctypeSystem = false
    var forceQuirks = false
    /// The last start tag whose content state the sink switched to (for "appropriate end tag").
    var lastStartTag: [UInt8] = []
    // Text that comes from the input as it is: a pending range, emitted as one call.
    var pendingStart = 0
    var pendingEnd = 0
    var scratch: [UInt8] = []
    /// Iterations of the state machine in the last run, counted in debug builds only (tests use it to show
    /// that the work is linear in the input).
    var steps = 0

    static let maxLinearAttributeCheck = 32
    static let replacementCharacter: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// The Windows-1252 replacements of numeric references 0x80-0x9F (0 where none).
    static let c1Replacements: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
        0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0, 0x017E, 0x0178,
    ]

    @inline(__always) static func isWhitespace(_ c: Int) -> Bool { c == 0x09 || c == 0x0A || c == 0x0C || c == 0x20 }
    @inline(__always) static func isUpper(_ c: Int) -> Bool { c >= 0x41 && c <= 0x5A }
    @inline(__always) static func isAlpha(_ c: Int) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    @inline(__always) static func isDigit(_ c: Int) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isAlphanumeric(_ c: Int) -> Bool { isAlpha(c) || isDigit(c) }
    @inline(__always) static func isHexDigit(_ c: Int) -> Bool { isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) }

    // MARK: - Emitting

    @inline(__always)
    mutating func emitInput<Sink: HTMLTokenSink>(_ start: Int, _ end: Int, _ input: UnsafeBufferPointer<UInt8>, _ sink: inout Sink) {
        if pendingEnd == start {
            pendingEnd = end
        } else {
            flushText(input, &sink)
            pendingStart = start
            pendingEnd = end
        }
    }

    @inline(__always)
    mutating func flushText<Sink: HTMLTokenSink>(_ input: UnsafeBufferPointer<UInt8>, _ sink: inout Sink) {
        if pendingEnd > pendingStart {
            sink.characters(UnsafeBufferPointer(rebasing: input[pendingStart ..< pendingEnd]), source: pendingStart ..< pendingEnd)
        }
        pendingStart = pendingEnd
    }

    /// Emits text that differs from its source (a decoded reference, a replaced NUL).
    mutating func emitDecoded<Sink: HTMLTokenSink>(_ bytes: UnsafeBufferPointer<UInt8>, source: Range<Int>,
                                                  _ input: UnsafeBufferPointer<UInt8>, _ sink: inout Sink) {
        flushText(input, &sink)
        sink.characters(bytes, source: source)
        pendingStart = source.upperBound
        pendingEnd = source.upperBound
    }

    mutating func emitReplacement<Sink: HTMLTokenSink>(at position: Int, _ input: UnsafeBufferPointer<UInt8>, _ sink: inout Sink) {
        Self.replacementCharacter.withUnsafeBufferPointer {
            emitDecoded($0, source: position ..< position + 1, input, &sink)
        }
    }

    mutating func discard<Sink: HTMLTokenSink>(_ start: Int, _ end: Int, _ input: UnsafeBufferPointer<UInt8>, _ sink: inout Sink) {
        flushText(input, &sink)
        if end > start { sink.discarded(source: start ..< end) }
        pendingStart = end
        pendingEnd = end
    }

    /// Starts a tag whose name is read from `position` on (nil: built in the buffer letter by letter).
    mutating func startTag(isEnd: Bool, nameAt position: Int?) {
        if let position {
            nameStart = position
            nameEnd = position
            nameInBuffer = false
        } else {
            tagName.removeAll(keepingCapacity: true)
            nameInBuffer = true
        }
        if !attributes.isEmpty {
            attributeBytes.removeAll(keepingCapacity: true)
            attributes.removeAll(keepingCapacity: true)
        }
        if !attributeNameSet.isEmpty { attributeNameSet.removeAll() }
        isEndTag = isEnd
        selfClosing = false
        attributeIsDuplicate = false
    }

    /// Emits the current tag; returns the state to go on in.
    mutating func emitTag<Sink: HTMLTokenSink>(_ tokenStart: Int, _ end: Int, _ input: UnsafeBufferPointer<UInt8>,
                                              _ sink: inout Sink) -> State {
        finishAttribute()
        flushText(input, &sink)
        pendingStart = end
        pendingEnd = end
        let source = tokenStart ..< end
        let next = deliverTag(to: &sink, source: source, input)
        guard let next, !isEndTag else { return .data }
        switch next.value {
        case .data: return .data
        case .rcdata: rememberStartTag(input); return .rcdata
        case .rawtext: rememberStartTag(input); return .rawtext
        case .scriptData: rememberStartTag(input); return .scriptData
        case .plaintext: return .plaintext
        case .cdataSection: return .cdataSection
        }
    }

    mutating func rememberStartTag(_ input: UnsafeBufferPointer<UInt8>) {
        lastStartTag = nameInBuffer ? tagName : Array(input[nameStart ..< nameEnd])
    }

    /// Moves a name read from the input into the buffer, before a character that must be changed.
    mutating func moveNameToBuffer(_ input: UnsafeBufferPointer<UInt8>) {
        guard !nameInBuffer else { return }
        tagName.removeAll(keepingCapacity: true)
        tagName.append(contentsOf: UnsafeBufferPointer(rebasing: input[nameStart ..< nameEnd]))
        nameInBuffer = true
    }

    /// Hands the current tag to the sink. Not mutating, so the buffers are borrowed without being retained.
    @inline(__always)
    func deliverTag<Sink: HTMLTokenSink>(to sink: inout Sink, source: Range<Int>, _ input: UnsafeBufferPointer<UInt8>) -> HTMLContentState? {
        if !nameInBuffer {
            return deliverTag(name: UnsafeBufferPointer(rebasing: input[nameStart ..< nameEnd]), to: &sink, source: source)
        }
        return tagName.withUnsafeBufferPointer { deliverTag(name: $0, to: &sink, source: source) }
    }

    @inline(__always)
    func deliverTag<Sink: HTMLTokenSink>(name: UnsafeBufferPointer<UInt8>, to sink: inout Sink, source: Range<Int>) -> HTMLContentState? {
        attributeBytes.withUnsafeBufferPointer { storage in
                attributes.withUnsafeBufferPointer { ranges in
                    let tag = HTMLTag(name: name, isSelfClosing: selfClosing, storage: storage, ranges: ranges)
                    if isEndTag {
                        sink.endTag(tag, source: source)
                        return nil
                    }
                    return sink.startTag(tag, source: source)
                }
        }
    }

    mutating func emitComment<Sink: HTMLTokenSink>(_ tokenStart: Int, _ end: Int, _ input: UnsafeBufferPointer<UInt8>,
                                                  _ sink: inout Sink) {
        flushText(input, &sink)
        pendingStart = end
        pendingEnd = end
        commentText.withUnsafeBufferPointer { sink.comment($0, source: tokenStart ..< end) }
    }

    mutating func newDoctype() {
        doctypeName.removeAll(keepingCapacity: true)
        doctypePublic.removeAll(keepingCapacity: true)
        doctypeSystem.removeAll(keepingCapacity: true)
        hasDoctypeName = false
        hasDoctypePublic = false
        hasDoctypeSystem = false
        forceQuirks = false
    }

    mutating func emitDoctype<Sink: HTMLTokenSink>(_ tokenStart: Int, _ end: Int, _ input: UnsafeBufferPointer<UInt8>,
                                                  _ sink: inout Sink) {
        flushText(input, &sink)
        pendingStart = end
        pendingEnd = end
        doctypeName.withUnsafeBufferPointer { name in
            doctypePublic.withUnsafeBufferPointer { publicID in
                doctypeSystem.withUnsafeBufferPointer { systemID in
                    sink.doctype(HTMLDoctype(name: hasDoctypeName ? name : nil,
                                             publicIdentifier: hasDoctypePublic ? publicID : nil,
                                             systemIdentifier: hasDoctypeSystem ? systemID : nil,
                                             forceQuirks: forceQuirks), source: tokenStart ..< end)
                }
            }
        }
    }

    // MARK: - Attributes

    mutating func beginAttribute() {
        finishAttribute()
        let start = Int32(attributeBytes.count)
        attributes.append(HTMLAttributeRange(nameStart: start, valueStart: start, valueEnd: start))
        attributeIsDuplicate = false
    }

    /// Called when the attribute name state is left: marks a duplicate name, which is dropped.
    mutating func endAttributeName() {
        guard let last = attributes.indices.last else { return }
        let end = Int32(attributeBytes.count)
        attributes[last].valueStart = end
        attributes[last].valueEnd = end
        let range = attributes[last]
        if last < Self.maxLinearAttributeCheck {
            attributeBytes.withUnsafeBufferPointer { bytes in
                let name = bytes[Int(range.nameStart) ..< Int(range.valueStart)]
                for other in attributes[..<last]
                    where bytes[Int(other.nameStart) ..< Int(other.valueStart)].elementsEqual(name) {
                    attributeIsDuplicate = true
                    return
                }
            }
            if last == Self.maxLinearAttributeCheck - 1, !attributeIsDuplicate {
                for other in attributes {
                    attributeNameSet.insert(Array(attributeBytes[Int(other.nameStart) ..< Int(other.valueStart)]))
                }
            }
        } else {
            let name = Array(attributeBytes[Int(range.nameStart) ..< Int(range.valueStart)])
            attributeIsDuplicate = !attributeNameSet.insert(name).inserted
        }
    }

    /// Closes the current attribute's value, dropping the attribute when its name was a duplicate.
    mutating func finishAttribute() {
        guard let last = attributes.indices.last else { return }
        if attributeIsDuplicate {
            attributeBytes.removeSubrange(Int(attributes[last].nameStart)...)
            attributes.removeLast()
            attributeIsDuplicate = false
        } else {
            attributes[last].valueEnd = Int32(attributeBytes.count)
        }
    }

    // MARK: - Character references

    /// Appends a code point's UTF-8 to `out`.
    @inline(__always)
    static func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
        switch value {
        case 0 ..< 0x80:
            out.append(UInt8(value))
        case 0x80 ..< 0x800:
            out.append(UInt8(0xC0 | (value >> 6)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800 ..< 0x10000:
            out.append(UInt8(0xE0 | (value >> 12)))
            out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (value >> 18)))
            out.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        }
    }

    /// The numeric character reference end state's replacements.
    static func numericReferenceValue(_ code: UInt32) -> UInt32 {
        switch code {
        case 0: return 0xFFFD
        case 0x110000...: return 0xFFFD
        case 0xD800 ... 0xDFFF: return 0xFFFD
        case 0x80 ... 0x9F:
            let replacement = c1Replacements[Int(code - 0x80)]
            return replacement == 0 ? code : replacement
        default: return code
        }
    }

    @inline(__always)
    static func isAttributeValueState(_ state: State) -> Bool {
        state == .attributeValueDoubleQuoted || state == .attributeValueSingleQuoted || state == .attributeValueUnquoted
    }

    /// "Flush code points consumed as a character reference": into the attribute value, or as text.
    @inline(__always)
    mutating func flushReference<Sink: HTMLTokenSink>(_ start: Int, _ end: Int, returnState: State,
                                                     _ input: UnsafeBufferPointer<UInt8>, _ sink: inout Sink) {
        if Self.isAttributeValueState(returnState) {
            attributeBytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[start ..< end]))
        } else {
            emitInput(start, end, input, &sink)
        }
    }

    /// Emits or appends a decoded reference that replaced `start ..< end`.
    mutating func produceReference<Sink: HTMLTokenSink>(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                                       returnState: State, _ input: UnsafeBufferPointer<UInt8>,
                                                       _ sink: inout Sink) {
        if Self.isAttributeValueState(returnState) {
            attributeBytes.append(contentsOf: bytes)
        } else {
            emitDecoded(bytes, source: start ..< end, input, &sink)
        }
    }

    // MARK: - The machine

    /// Tokenizes `input` (already preprocessed) to the end.
    mutating func run<Sink: HTMLTokenSink>(_ input: UnsafeBufferPointer<UInt8>, configuration: HTMLTokenizer.Configuration,
                                           sink: inout Sink) {
        guard let p = input.baseAddress else { return }
        let end = input.count
        var state: State
        switch configuration.initialState.value {
        case .data: state = .data
        case .rcdata: state = .rcdata
        case .rawtext: state = .rawtext
        case .scriptData: state = .scriptData
        case .plaintext: state = .plaintext
        case .cdataSection: state = .cdataSection
        }
        lastStartTag = Array((configuration.lastStartTag ?? "").utf8)
        pendingStart = 0
        pendingEnd = 0
        var pos = 0
        var tokenStart = 0 // where the current tag, comment or DOCTYPE began ('<')
        var returnState = State.data // of a character reference
        var referenceStart = 0 // the '&'
        var referenceCode: UInt32 = 0
        var temporaryLength = 0 // of the standard's temporary buffer (script double escapes)
        var temporaryIsScript = true // whether the temporary buffer is a prefix of "script"
        let script: [UInt8] = Array("script".utf8)
        let eof = -1

        @inline(__always) func char(_ at: Int) -> Int { at < end ? Int(p[at]) : eof }

        /// Whether the end tag name being read in a text state matches the last start tag.
        func isAppropriateEndTag() -> Bool { !lastStartTag.isEmpty && tagName == lastStartTag }

        /// Appends `script`'s prefix check for the double escape states.
        @inline(__always) func temporaryAppend(_ lowered: Int) {
            if temporaryIsScript, temporaryLength < 6, Int(script[temporaryLength]) == lowered {
                temporaryLength += 1
            } else {
                temporaryIsScript = false
                temporaryLength += 1
            }
        }

        steps = 0
        loop: while true {
            #if DEBUG
            steps += 1
            #endif
            let c = char(pos)
            switch state {
            // MARK: Text states
            case .data:
                // Fast path: a run of text up to the next '<' or '&'.
                var q = pos
                while q < end {
                    let b = p[q]
                    if b == 0x3C || b == 0x26 { break }
                    q += 1
                }
                if q > pos { emitInput(pos, q, input, &sink) }
                pos = q
                guard pos < end else { break loop }
                if p[pos] == 0x26 {
                    returnState = .data
                    referenceStart = pos
                    state = .characterReference
                } else {
                    tokenStart = pos
                    state = .tagOpen
                }
                pos += 1
            case .rcdata, .rawtext, .scriptData, .plaintext:
                var q = pos
                let stopsAtAmpersand = state == .rcdata
                let stopsAtLessThan = state != .plaintext
                while q < end {
                    let b = p[q]
                    if b == 0 || (b == 0x3C && stopsAtLessThan) || (b == 0x26 && stopsAtAmpersand) { break }
                    q += 1
                }
                if q > pos { emitInput(pos, q, input, &sink) }
                pos = q
                guard pos < end else { break loop }
                switch p[pos] {
                case 0:
                    emitReplacement(at: pos, input, &sink)
                case 0x26:
                    returnState = .rcdata
                    referenceStart = pos
                    state = .characterReference
                default:
                    tokenStart = pos
                    state = state == .rcdata ? .rcdataLessThan : state == .rawtext ? .rawtextLessThan : .scriptDataLessThan
                }
                pos += 1

            // MARK: Tags
            case .tagOpen:
                if c == 0x21 {
                    state = .markupDeclarationOpen
                    pos += 1
                } else if c == 0x2F {
                    state = .endTagOpen
                    pos += 1
                } else if Self.isAlpha(c) {
                    startTag(isEnd: false, nameAt: pos)
                    state = .tagName
                } else if c == 0x3F {
                    commentText.removeAll(keepingCapacity: true)
                    state = .bogusComment
                } else {
                    // '<' is text; reconsume (or end) in the data state.
                    emitInput(tokenStart, tokenStart + 1, input, &sink)
                    state = .data
                    if c == eof { break loop }
                }
            case .endTagOpen:
                if Self.isAlpha(c) {
                    startTag(isEnd: true, nameAt: pos)
                    state = .tagName
                } else if c == 0x3E {
                    pos += 1
                    discard(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == eof {
                    emitInput(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    commentText.removeAll(keepingCapacity: true)
                    state = .bogusComment
                }
            case .tagName:
                // Fast path over the name's ordinary characters.
                var q = pos
                while q < end {
                    let b = p[q]
                    if b >= 0x61 && b <= 0x7A || b >= 0x30 && b <= 0x39 || b == 0x2D {
                        q += 1
                    } else {
                        break
                    }
                }
                if q > pos {
                    if nameInBuffer {
                        tagName.append(contentsOf: UnsafeBufferPointer(rebasing: input[pos ..< q]))
                    } else {
                        nameEnd = q
                    }
                    pos = q
                    continue loop
                }
                if Self.isWhitespace(c) {
                    state = .beforeAttributeName
                } else if c == 0x2F {
                    state = .selfClosingStartTag
                } else if c == 0x3E {
                    pos += 1
                    state = emitTag(tokenStart, pos, input, &sink)
                    continue loop
                } else if c == eof {
                    discard(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    moveNameToBuffer(input)
                    if Self.isUpper(c) {
                        tagName.append(UInt8(c | 0x20))
                    } else if c == 0 {
                        tagName.append(contentsOf: Self.replacementCharacter)
                    } else {
                        tagName.append(UInt8(c))
                    }
                }
                pos += 1

            // MARK: RCDATA, RAWTEXT and script data end tags
            case .rcdataLessThan, .rawtextLessThan:
                if c == 0x2F {
                    state = state == .rcdataLessThan ? .rcdataEndTagOpen : .rawtextEndTagOpen
                    pos += 1
                } else {
                    emitInput(tokenStart, pos, input, &sink)
                    state = state == .rcdataLessThan ? .rcdata : .rawtext
                }
            case .rcdataEndTagOpen, .rawtextEndTagOpen, .scriptDataEndTagOpen, .scriptDataEscapedEndTagOpen:
                if Self.isAlpha(c) {
                    startTag(isEnd: true, nameAt: nil)
                    state = switch state {
                    case .rcdataEndTagOpen: .rcdataEndTagName
                    case .rawtextEndTagOpen: .rawtextEndTagName
                    case .scriptDataEndTagOpen: .scriptDataEndTagName
                    default: .scriptDataEscapedEndTagName
                    }
                } else {
                    emitInput(tokenStart, pos, input, &sink)
                    state = switch state {
                    case .rcdataEndTagOpen: .rcdata
                    case .rawtextEndTagOpen: .rawtext
                    case .scriptDataEndTagOpen: .scriptData
                    default: .scriptDataEscaped
                    }
                }
            case .rcdataEndTagName, .rawtextEndTagName, .scriptDataEndTagName, .scriptDataEscapedEndTagName:
                if (Self.isWhitespace(c) || c == 0x2F || c == 0x3E) && isAppropriateEndTag() {
                    if c == 0x3E {
                        pos += 1
                        state = emitTag(tokenStart, pos, input, &sink)
                        continue loop
                    }
                    state = c == 0x2F ? .selfClosingStartTag : .beforeAttributeName
                    pos += 1
                } else if Self.isAlpha(c) {
                    tagName.append(UInt8(c | 0x20))
                    pos += 1
                } else {
                    // Not an end tag after all: "</" and the letters are text.
                    emitInput(tokenStart, pos, input, &sink)
                    state = switch state {
                    case .rcdataEndTagName: .rcdata
                    case .rawtextEndTagName: .rawtext
                    case .scriptDataEndTagName: .scriptData
                    default: .scriptDataEscaped
                    }
                }

            // MARK: Script data escapes
            case .scriptDataLessThan:
                if c == 0x2F {
                    state = .scriptDataEndTagOpen
                    pos += 1
                } else if c == 0x21 {
                    pos += 1
                    emitInput(tokenStart, pos, input, &sink)
                    state = .scriptDataEscapeStart
                } else {
                    emitInput(tokenStart, pos, input, &sink)
                    state = .scriptData
                }
            case .scriptDataEscapeStart, .scriptDataEscapeStartDash:
                if c == 0x2D {
                    emitInput(pos, pos + 1, input, &sink)
                    pos += 1
                    state = state == .scriptDataEscapeStart ? .scriptDataEscapeStartDash : .scriptDataEscapedDashDash
                } else {
                    state = .scriptData
                }
            case .scriptDataEscaped, .scriptDataEscapedDash, .scriptDataEscapedDashDash:
                if c == 0x2D {
                    emitInput(pos, pos + 1, input, &sink)
                    state = state == .scriptDataEscaped ? .scriptDataEscapedDash : .scriptDataEscapedDashDash
                } else if c == 0x3C {
                    tokenStart = pos
                    state = .scriptDataEscapedLessThan
                } else if c == 0x3E && state == .scriptDataEscapedDashDash {
                    emitInput(pos, pos + 1, input, &sink)
                    state = .scriptData
                } else if c == 0 {
                    emitReplacement(at: pos, input, &sink)
                    state = .scriptDataEscaped
                } else if c == eof {
                    break loop
                } else {
                    if state == .scriptDataEscaped {
                        // Fast path: the rest of the run.
                        var q = pos + 1
                        while q < end, p[q] != 0x2D, p[q] != 0x3C, p[q] != 0 { q += 1 }
                        emitInput(pos, q, input, &sink)
                        pos = q
                        continue loop
                    }
                    emitInput(pos, pos + 1, input, &sink)
                    state = .scriptDataEscaped
                }
                pos += 1
            case .scriptDataEscapedLessThan:
                if c == 0x2F {
                    state = .scriptDataEscapedEndTagOpen
                    pos += 1
                } else if Self.isAlpha(c) {
                    emitInput(tokenStart, pos, input, &sink)
                    temporaryLength = 0
                    temporaryIsScript = true
                    state = .scriptDataDoubleEscapeStart
                } else {
                    emitInput(tokenStart, pos, input, &sink)
                    state = .scriptDataEscaped
                }
            case .scriptDataDoubleEscapeStart, .scriptDataDoubleEscapeEnd:
                let starting = state == .scriptDataDoubleEscapeStart
                if Self.isWhitespace(c) || c == 0x2F || c == 0x3E {
                    let isScript = temporaryIsScript && temporaryLength == 6
                    if starting {
                        state = isScript ? .scriptDataDoubleEscaped : .scriptDataEscaped
                    } else {
                        state = isScript ? .scriptDataEscaped : .scriptDataDoubleEscaped
                    }
                    emitInput(pos, pos + 1, input, &sink)
                    pos += 1
                } else if Self.isAlpha(c) {
                    temporaryAppend(c | 0x20)
                    emitInput(pos, pos + 1, input, &sink)
                    pos += 1
                } else {
                    state = starting ? .scriptDataEscaped : .scriptDataDoubleEscaped
                }
            case .scriptDataDoubleEscaped, .scriptDataDoubleEscapedDash, .scriptDataDoubleEscapedDashDash:
                if c == 0x2D {
                    emitInput(pos, pos + 1, input, &sink)
                    state = state == .scriptDataDoubleEscaped ? .scriptDataDoubleEscapedDash : .scriptDataDoubleEscapedDashDash
                } else if c == 0x3C {
                    emitInput(pos, pos + 1, input, &sink)
                    state = .scriptDataDoubleEscapedLessThan
                } else if c == 0x3E && state == .scriptDataDoubleEscapedDashDash {
                    emitInput(pos, pos + 1, input, &sink)
                    state = .scriptData
                } else if c == 0 {
                    emitReplacement(at: pos, input, &sink)
                    state = .scriptDataDoubleEscaped
                } else if c == eof {
                    break loop
                } else {
                    emitInput(pos, pos + 1, input, &sink)
                    state = .scriptDataDoubleEscaped
                }
                pos += 1
            case .scriptDataDoubleEscapedLessThan:
                if c == 0x2F {
                    emitInput(pos, pos + 1, input, &sink)
                    temporaryLength = 0
                    temporaryIsScript = true
                    state = .scriptDataDoubleEscapeEnd
                    pos += 1
                } else {
                    state = .scriptDataDoubleEscaped
                }

            // MARK: Attributes
            case .beforeAttributeName:
                if Self.isWhitespace(c) {
                    pos += 1
                } else if c == 0x2F || c == 0x3E || c == eof {
                    state = .afterAttributeName
                } else {
                    beginAttribute()
                    if c == 0x3D {
                        attributeBytes.append(0x3D)
                        pos += 1
                    }
                    state = .attributeName
                }
            case .attributeName:
                var q = pos
                while q < end {
                    let b = p[q]
                    if b >= 0x61 && b <= 0x7A || b == 0x2D || b >= 0x30 && b <= 0x39 || b >= 0x80 {
                        q += 1
                    } else {
                        break
                    }
                }
                if q > pos {
                    attributeBytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[pos ..< q]))
                    pos = q
                    continue loop
                }
                if Self.isWhitespace(c) || c == 0x2F || c == 0x3E || c == eof {
                    endAttributeName()
                    state = .afterAttributeName
                } else if c == 0x3D {
                    endAttributeName()
                    state = .beforeAttributeValue
                    pos += 1
                } else if Self.isUpper(c) {
                    attributeBytes.append(UInt8(c | 0x20))
                    pos += 1
                } else if c == 0 {
                    attributeBytes.append(contentsOf: Self.replacementCharacter)
                    pos += 1
                } else {
                    attributeBytes.append(UInt8(c))
                    pos += 1
                }
            case .afterAttributeName:
                if Self.isWhitespace(c) {
                    pos += 1
                } else if c == 0x2F {
                    state = .selfClosingStartTag
                    pos += 1
                } else if c == 0x3D {
                    state = .beforeAttributeValue
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    state = emitTag(tokenStart, pos, input, &sink)
                } else if c == eof {
                    discard(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    beginAttribute()
                    state = .attributeName
                }
            case .beforeAttributeValue:
                if Self.isWhitespace(c) {
                    pos += 1
                } else if c == 0x22 {
                    state = .attributeValueDoubleQuoted
                    pos += 1
                } else if c == 0x27 {
                    state = .attributeValueSingleQuoted
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    state = emitTag(tokenStart, pos, input, &sink)
                } else {
                    state = .attributeValueUnquoted
                }
            case .attributeValueDoubleQuoted, .attributeValueSingleQuoted:
                let quote: UInt8 = state == .attributeValueDoubleQuoted ? 0x22 : 0x27
                var q = pos
                while q < end {
                    let b = p[q]
                    if b == quote || b == 0x26 || b == 0 { break }
                    q += 1
                }
                if q > pos {
                    attributeBytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[pos ..< q]))
                    pos = q
                }
                guard pos < end else {
                    discard(tokenStart, pos, input, &sink)
                    break loop
                }
                switch p[pos] {
                case 0x26:
                    returnState = state
                    referenceStart = pos
                    state = .characterReference
                case 0:
                    attributeBytes.append(contentsOf: Self.replacementCharacter)
                default:
                    state = .afterAttributeValueQuoted
                }
                pos += 1
            case .attributeValueUnquoted:
                if Self.isWhitespace(c) {
                    state = .beforeAttributeName
                    pos += 1
                } else if c == 0x26 {
                    returnState = .attributeValueUnquoted
                    referenceStart = pos
                    state = .characterReference
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    state = emitTag(tokenStart, pos, input, &sink)
                } else if c == 0 {
                    attributeBytes.append(contentsOf: Self.replacementCharacter)
                    pos += 1
                } else if c == eof {
                    discard(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    attributeBytes.append(UInt8(c))
                    pos += 1
                }
            case .afterAttributeValueQuoted:
                if Self.isWhitespace(c) {
                    state = .beforeAttributeName
                    pos += 1
                } else if c == 0x2F {
                    state = .selfClosingStartTag
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    state = emitTag(tokenStart, pos, input, &sink)
                } else if c == eof {
                    discard(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    state = .beforeAttributeName
                }
            case .selfClosingStartTag:
                if c == 0x3E {
                    selfClosing = true
                    pos += 1
                    state = emitTag(tokenStart, pos, input, &sink)
                } else if c == eof {
                    discard(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    state = .beforeAttributeName
                }

            // MARK: Comments
            case .bogusComment:
                var q = pos
                while q < end, p[q] != 0x3E, p[q] != 0 { q += 1 }
                if q > pos {
                    commentText.append(contentsOf: UnsafeBufferPointer(rebasing: input[pos ..< q]))
                    pos = q
                }
                if pos >= end {
                    emitComment(tokenStart, pos, input, &sink)
                    break loop
                }
                if p[pos] == 0 {
                    commentText.append(contentsOf: Self.replacementCharacter)
                    pos += 1
                } else {
                    pos += 1
                    emitComment(tokenStart, pos, input, &sink)
                    state = .data
                }
            case .markupDeclarationOpen:
                commentText.removeAll(keepingCapacity: true)
                if matches(input, pos, "--", caseInsensitive: false) {
                    pos += 2
                    state = .commentStart
                } else if matches(input, pos, "doctype", caseInsensitive: true) {
                    pos += 7
                    state = .doctype
                } else if matches(input, pos, "[CDATA[", caseInsensitive: false) {
                    pos += 7
                    if sink.acceptsCDATA {
                        discard(tokenStart, pos, input, &sink)
                        state = .cdataSection
                    } else {
                        commentText.append(contentsOf: "[CDATA[".utf8)
                        state = .bogusComment
                    }
                } else {
                    state = .bogusComment
                }
            case .commentStart:
                if c == 0x2D {
                    state = .commentStartDash
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    emitComment(tokenStart, pos, input, &sink)
                    state = .data
                } else {
                    state = .comment
                }
            case .commentStartDash:
                if c == 0x2D {
                    state = .commentEnd
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    emitComment(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == eof {
                    emitComment(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    commentText.append(0x2D)
                    state = .comment
                }
            case .comment:
                var q = pos
                while q < end {
                    let b = p[q]
                    if b == 0x3C || b == 0x2D || b == 0 { break }
                    q += 1
                }
                if q > pos {
                    commentText.append(contentsOf: UnsafeBufferPointer(rebasing: input[pos ..< q]))
                    pos = q
                    continue loop
                }
                if c == 0x3C {
                    commentText.append(0x3C)
                    state = .commentLessThan
                } else if c == 0x2D {
                    state = .commentEndDash
                } else if c == 0 {
                    commentText.append(contentsOf: Self.replacementCharacter)
                } else {
                    emitComment(tokenStart, pos, input, &sink)
                    break loop
                }
                pos += 1
            case .commentLessThan:
                if c == 0x21 {
                    commentText.append(0x21)
                    state = .commentLessThanBang
                    pos += 1
                } else if c == 0x3C {
                    commentText.append(0x3C)
                    pos += 1
                } else {
                    state = .comment
                }
            case .commentLessThanBang:
                if c == 0x2D {
                    state = .commentLessThanBangDash
                    pos += 1
                } else {
                    state = .comment
                }
            case .commentLessThanBangDash:
                if c == 0x2D {
                    state = .commentLessThanBangDashDash
                    pos += 1
                } else {
                    state = .commentEndDash
                }
            case .commentLessThanBangDashDash:
                state = .commentEnd
            case .commentEndDash:
                if c == 0x2D {
                    state = .commentEnd
                    pos += 1
                } else if c == eof {
                    emitComment(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    commentText.append(0x2D)
                    state = .comment
                }
            case .commentEnd:
                if c == 0x3E {
                    pos += 1
                    emitComment(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == 0x21 {
                    state = .commentEndBang
                    pos += 1
                } else if c == 0x2D {
                    commentText.append(0x2D)
                    pos += 1
                } else if c == eof {
                    emitComment(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    commentText.append(contentsOf: [0x2D, 0x2D])
                    state = .comment
                }
            case .commentEndBang:
                if c == 0x2D {
                    commentText.append(contentsOf: [0x2D, 0x2D, 0x21])
                    state = .commentEndDash
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    emitComment(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == eof {
                    emitComment(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    commentText.append(contentsOf: [0x2D, 0x2D, 0x21])
                    state = .comment
                }

            // MARK: DOCTYPE
            case .doctype:
                if Self.isWhitespace(c) {
                    state = .beforeDoctypeName
                    pos += 1
                } else if c == eof {
                    newDoctype()
                    forceQuirks = true
                    emitDoctype(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    state = .beforeDoctypeName
                }
            case .beforeDoctypeName:
                if Self.isWhitespace(c) {
                    pos += 1
                } else if c == 0x3E {
                    newDoctype()
                    forceQuirks = true
                    pos += 1
                    emitDoctype(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == eof {
                    newDoctype()
                    forceQuirks = true
                    emitDoctype(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    newDoctype()
                    hasDoctypeName = true
                    state = .doctypeName
                }
            case .doctypeName:
                if Self.isWhitespace(c) {
                    state = .afterDoctypeName
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    emitDoctype(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == eof {
                    forceQuirks = true
                    emitDoctype(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    if Self.isUpper(c) {
                        doctypeName.append(UInt8(c | 0x20))
                    } else if c == 0 {
                        doctypeName.append(contentsOf: Self.replacementCharacter)
                    } else {
                        doctypeName.append(UInt8(c))
                    }
                    pos += 1
                }
            case .afterDoctypeName:
                if Self.isWhitespace(c) {
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    emitDoctype(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == eof {
                    forceQuirks = true
                    emitDoctype(tokenStart, pos, input, &sink)
                    break loop
                } else if matches(input, pos, "public", caseInsensitive: true) {
                    pos += 6
                    state = .afterDoctypePublicKeyword
                } else if matches(input, pos, "system", caseInsensitive: true) {
                    pos += 6
                    state = .afterDoctypeSystemKeyword
                } else {
                    forceQuirks = true
                    state = .bogusDoctype
                }
            case .afterDoctypePublicKeyword, .beforeDoctypePublicIdentifier,
                 .afterDoctypeSystemKeyword, .beforeDoctypeSystemIdentifier:
                let isPublic = state == .afterDoctypePublicKeyword || state == .beforeDoctypePublicIdentifier
                let isKeyword = state == .afterDoctypePublicKeyword || state == .afterDoctypeSystemKeyword
                if Self.isWhitespace(c) {
                    if isKeyword { state = isPublic ? .beforeDoctypePublicIdentifier : .beforeDoctypeSystemIdentifier }
                    pos += 1
                } else if c == 0x22 || c == 0x27 {
                    if isPublic {
                        hasDoctypePublic = true
                        doctypePublic.removeAll(keepingCapacity: true)
                        state = c == 0x22 ? .doctypePublicIdentifierDoubleQuoted : .doctypePublicIdentifierSingleQuoted
                    } else {
                        hasDoctypeSystem = true
                        doctypeSystem.removeAll(keepingCapacity: true)
                        state = c == 0x22 ? .doctypeSystemIdentifierDoubleQuoted : .doctypeSystemIdentifierSingleQuoted
                    }
                    pos += 1
                } else if c == 0x3E {
                    forceQuirks = true
                    pos += 1
                    emitDoctype(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == eof {
                    forceQuirks = true
                    emitDoctype(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    forceQuirks = true
                    state = .bogusDoctype
                }
            case .doctypePublicIdentifierDoubleQuoted, .doctypePublicIdentifierSingleQuoted,
                 .doctypeSystemIdentifierDoubleQuoted, .doctypeSystemIdentifierSingleQuoted:
                let isPublic = state == .doctypePublicIdentifierDoubleQuoted || state == .doctypePublicIdentifierSingleQuoted
                let quote = state == .doctypePublicIdentifierDoubleQuoted || state == .doctypeSystemIdentifierDoubleQuoted ? 0x22 : 0x27
                if c == quote {
                    state = isPublic ? .afterDoctypePublicIdentifier : .afterDoctypeSystemIdentifier
                    pos += 1
                } else if c == 0x3E {
                    forceQuirks = true
                    pos += 1
                    emitDoctype(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == eof {
                    forceQuirks = true
                    emitDoctype(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    if c == 0 {
                        if isPublic {
                            doctypePublic.append(contentsOf: Self.replacementCharacter)
                        } else {
                            doctypeSystem.append(contentsOf: Self.replacementCharacter)
                        }
                    } else if isPublic {
                        doctypePublic.append(UInt8(c))
                    } else {
                        doctypeSystem.append(UInt8(c))
                    }
                    pos += 1
                }
            case .afterDoctypePublicIdentifier, .betweenDoctypePublicAndSystemIdentifiers:
                if Self.isWhitespace(c) {
                    state = .betweenDoctypePublicAndSystemIdentifiers
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    emitDoctype(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == 0x22 || c == 0x27 {
                    hasDoctypeSystem = true
                    doctypeSystem.removeAll(keepingCapacity: true)
                    state = c == 0x22 ? .doctypeSystemIdentifierDoubleQuoted : .doctypeSystemIdentifierSingleQuoted
                    pos += 1
                } else if c == eof {
                    forceQuirks = true
                    emitDoctype(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    forceQuirks = true
                    state = .bogusDoctype
                }
            case .afterDoctypeSystemIdentifier:
                if Self.isWhitespace(c) {
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    emitDoctype(tokenStart, pos, input, &sink)
                    state = .data
                } else if c == eof {
                    forceQuirks = true
                    emitDoctype(tokenStart, pos, input, &sink)
                    break loop
                } else {
                    state = .bogusDoctype
                }
            case .bogusDoctype:
                var q = pos
                while q < end, p[q] != 0x3E { q += 1 }
                if q >= end {
                    pos = end
                    emitDoctype(tokenStart, pos, input, &sink)
                    break loop
                }
                pos = q + 1
                emitDoctype(tokenStart, pos, input, &sink)
                state = .data

            // MARK: CDATA sections
            case .cdataSection:
                var q = pos
                while q < end, p[q] != 0x5D { q += 1 }
                if q > pos { emitInput(pos, q, input, &sink) }
                pos = q
                guard pos < end else { break loop }
                tokenStart = pos
                state = .cdataSectionBracket
                pos += 1
            case .cdataSectionBracket:
                if c == 0x5D {
                    state = .cdataSectionEnd
                    pos += 1
                } else {
                    emitInput(tokenStart, pos, input, &sink)
                    state = .cdataSection
                }
            case .cdataSectionEnd:
                if c == 0x5D {
                    // "]]]": the first ']' is text; the other two may still end the section.
                    emitInput(tokenStart, tokenStart + 1, input, &sink)
                    tokenStart += 1
                    pos += 1
                } else if c == 0x3E {
                    pos += 1
                    discard(tokenStart, pos, input, &sink)
                    state = .data
                } else {
                    emitInput(tokenStart, pos, input, &sink)
                    state = .cdataSection
                }

            // MARK: Character references
            case .characterReference:
                if Self.isAlphanumeric(c) {
                    state = .namedCharacterReference
                } else if c == 0x23 {
                    pos += 1
                    referenceCode = 0
                    state = .numericCharacterReference
                } else {
                    flushReference(referenceStart, pos, returnState: returnState, input, &sink)
                    state = returnState
                }
            case .namedCharacterReference:
                if let match = NamedCharacterReferences.shared.longestMatch(in: input, from: pos) {
                    let last = p[pos + match.length - 1]
                    let next = char(pos + match.length)
                    pos += match.length
                    if Self.isAttributeValueState(returnState), last != 0x3B, next == 0x3D || Self.isAlphanumeric(next) {
                        flushReference(referenceStart, pos, returnState: returnState, input, &sink)
                    } else {
                        NamedCharacterReferences.shared.replacementBytes.withUnsafeBufferPointer { all in
                            let bytes = UnsafeBufferPointer(rebasing: all[Int(match.replacementStart) ..< Int(match.replacementEnd)])
                            produceReference(bytes, referenceStart, pos, returnState: returnState, input, &sink)
                        }
                    }
                    state = returnState
                } else {
                    flushReference(referenceStart, pos, returnState: returnState, input, &sink)
                    state = .ambiguousAmpersand
                }
            case .ambiguousAmpersand:
                var q = pos
                while q < end, Self.isAlphanumeric(Int(p[q])) { q += 1 }
                if q > pos { flushReference(pos, q, returnState: returnState, input, &sink) }
                pos = q
                state = returnState
            case .numericCharacterReference:
                if c == 0x78 || c == 0x58 {
                    pos += 1
                    state = .hexadecimalCharacterReferenceStart
                } else {
                    state = .decimalCharacterReferenceStart
                }
            case .hexadecimalCharacterReferenceStart, .decimalCharacterReferenceStart:
                if state == .hexadecimalCharacterReferenceStart ? Self.isHexDigit(c) : Self.isDigit(c) {
                    state = state == .hexadecimalCharacterReferenceStart ? .hexadecimalCharacterReference : .decimalCharacterReference
                } else {
                    flushReference(referenceStart, pos, returnState: returnState, input, &sink)
                    state = returnState
                }
            case .hexadecimalCharacterReference, .decimalCharacterReference:
                let hex = state == .hexadecimalCharacterReference
                var q = pos
                while q < end {
                    let b = Int(p[q])
                    let digit: Int
                    if Self.isDigit(b) {
                        digit = b - 0x30
                    } else if hex, Self.isHexDigit(b) {
                        digit = (b | 0x20) - 0x61 + 10
                    } else {
                        break
                    }
                    referenceCode = min(referenceCode * (hex ? 16 : 10) + UInt32(digit), 0x110000)
                    q += 1
                }
                pos = q
                if char(pos) == 0x3B { pos += 1 }
                state = .numericCharacterReferenceEnd
            case .numericCharacterReferenceEnd:
                scratch.removeAll(keepingCapacity: true)
                Self.appendUTF8(Self.numericReferenceValue(referenceCode), to: &scratch)
                let bytes = scratch
                bytes.withUnsafeBufferPointer {
                    produceReference($0, referenceStart, pos, returnState: returnState, input, &sink)
                }
                state = returnState
            }
        }
        flushText(input, &sink)
    }

    /// Whether `input` has `literal` at `position` (ASCII case-insensitively if asked).
    func matches(_ input: UnsafeBufferPointer<UInt8>, _ position: Int, _ literal: StaticString, caseInsensitive: Bool) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= input.count else { return false }
        let bytes = literal.utf8Start
        for i in 0 ..< count {
            var b = input[position + i]
            if caseInsensitive, b >= 0x41, b <= 0x5A { b |= 0x20 }
            if b != bytes[i] { return false }
        }
        return true
    }
}
