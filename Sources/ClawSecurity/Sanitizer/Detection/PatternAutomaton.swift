/// An Aho-Corasick automaton over folded symbols (``TextFolding``), compiled to a dense transition table so
/// that a scan is one table lookup per symbol, whatever the number of phrases.
///
/// Every phrase is compiled with a separator at both ends, so it matches whole words only, and the text is
/// read as if it had a separator at both ends.
struct PatternAutomaton: Sendable {
    /// A phrase that matched: which one (the index given at compilation) and where, in bytes of the text.
    struct Match: Sendable, Hashable {
        var pattern: Int
        var start: Int
        var end: Int
    }

    /// The longest phrase, in symbols including its two separators.
    static let maxSymbols = 128
    static let outputFlag: UInt32 = 1 << 31
    /// Words (runs of letters and digits) at least this long are reported to the caller as possible encoded
    /// payloads (base64, hex).
    static let longWord = 16

    private let transitions: [UInt32]
    /// For state `s`: its outputs are `outputs[outputStart[s] ..< outputStart[s + 1]]` (pattern indices).
    private let outputStart: [Int32]
    private let outputs: [Int32]
    /// Symbols per pattern (for the match's start).
    private let lengths: [Int32]

    /// Compiles phrases already folded (each with its separators).
    init(patterns: [[UInt8]]) {
        let width = TextFolding.symbolCount
        var goto: [[Int32]] = [Array(repeating: -1, count: width)]
        var terminal: [[Int32]] = [[]]
        for (index, symbols) in patterns.enumerated() {
            var state = 0
            for symbol in symbols {
                let next = goto[state][Int(symbol)]
                if next >= 0 {
                    state = Int(next)
                } else {
                    goto.append(Array(repeating: -1, count: width))
                    terminal.append([])
                    goto[state][Int(symbol)] = Int32(goto.count - 1)
                    state = goto.count - 1
                }
            }
            terminal[state].append(Int32(index))
        }
        // Breadth-first: failure links, outputs merged along them, and the full transition table.
        let count = goto.count
        var failure = [Int32](repeating: 0, count: count)
        var table = [UInt32](repeating: 0, count: count * width)
        var merged = terminal
        var queue: [Int] = []
        for symbol in 0 ..< width {
            let next = goto[0][symbol]
            if next >= 0 {
                failure[Int(next)] = 0
                table[symbol] = UInt32(next)
                queue.append(Int(next))
            } else {
                table[symbol] = 0
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            merged[state] += merged[Int(failure[state])]
            for symbol in 0 ..< width {
                let next = goto[state][symbol]
                if next >= 0 {
                    failure[Int(next)] = Int32(table[Int(failure[state]) * width + symbol])
                    table[state * width + symbol] = UInt32(next)
                    queue.append(Int(next))
                } else {
                    table[state * width + symbol] = table[Int(failure[state]) * width + symbol]
                }
            }
        }
        var starts: [Int32] = [0]
        var flat: [Int32] = []
        for state in 0 ..< count {
            flat += merged[state]
            starts.append(Int32(flat.count))
        }
        // A transition into a state with outputs carries the high bit, so the scan tests one value.
        for index in table.indices where !merged[Int(table[index])].isEmpty { table[index] |= Self.outputFlag }
        transitions = table
        outputStart = starts
        outputs = flat
        lengths = patterns.map { Int32($0.count) }
    }

    /// Scans UTF-8 text; appends every match to `matches`, in order of their ends, and the end of every word of
    /// at least ``longWord`` symbols to `longWords`.
    func scan(_ text: UnsafeBufferPointer<UInt8>, into matches: inout [Match], longWords: inout [Int]) {
        let width = TextFolding.symbolCount
        let n = text.count
        transitions.withUnsafeBufferPointer { table in
            TextFolding.ascii.withUnsafeBufferPointer { ascii in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: Self.maxSymbols) { origins in
                    origins.initialize(repeating: 0)
                    var state = Int(table[Int(TextFolding.separator)] & ~Self.outputFlag) // a separator before the text
                    var previousWasSeparator = true
                    var symbolIndex = 1
                    var wordLength = 0

                    @inline(__always) func feed(_ symbol: UInt8, _ offset: Int) {
                        if symbol == TextFolding.separator {
                            if previousWasSeparator { return }
                            previousWasSeparator = true
                            if wordLength >= Self.longWord { longWords.append(offset) }
                            wordLength = 0
                        } else {
                            previousWasSeparator = false
                            wordLength += 1
                        }
                        origins[symbolIndex & (Self.maxSymbols - 1)] = offset
                        symbolIndex += 1
                        let entry = table[state &* width &+ Int(symbol)]
                        state = Int(entry & ~Self.outputFlag)
                        if entry & Self.outputFlag != 0 { report(state, offset) }
                    }

                    func report(_ state: Int, _ offset: Int) {
                        for k in Int(outputStart[state]) ..< Int(outputStart[state + 1]) {
                            let pattern = Int(outputs[k])
                            // The pattern's first symbol is its leading separator; the match starts after it.
                            let startIndex = symbolIndex - Int(lengths[pattern]) + 1
                            let start = startIndex >= 1 ? origins[startIndex & (Self.maxSymbols - 1)] : 0
                            matches.append(Match(pattern: pattern, start: start, end: offset))
                        }
                    }

                    var i = 0
                    while i < n {
                        let byte = text[i]
                        let symbol = ascii[Int(byte)]
                        if symbol < TextFolding.vanish {
                            feed(symbol, i)
                            i += 1
                        } else if symbol == TextFolding.vanish {
                            i += 1
                        } else {
                            let (value, length) = TextWriter.decode(text, at: i)
                            for folded in TextFolding.symbols(of: value) { feed(folded, i) }
                            i += length
                        }
                    }
                    feed(TextFolding.separator, n) // a separator after the text
                }
            }
        }
    }

    /// Scans UTF-8 text for matches only.
    func scan(_ text: UnsafeBufferPointer<UInt8>, into matches: inout [Match]) {
        var longWords: [Int] = []
        scan(text, into: &matches, longWords: &longWords)
    }
}
