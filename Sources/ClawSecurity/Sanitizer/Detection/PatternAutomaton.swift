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
        transitions = table
        outputStart = starts
        outputs = flat
        lengths = patterns.map { Int32($0.count) }
    }

    var stateCount: Int { outputStart.count - 1 }

    /// Scans UTF-8 text; calls `found` for every match, in order of their ends.
    func scan(_ text: UnsafeBufferPointer<UInt8>, _ found: (Match) -> Void) {
        let width = TextFolding.symbolCount
        let ascii = TextFolding.ascii
        var state = Int(transitions[Int(TextFolding.separator)]) // the text starts with a separator
        var previousWasSeparator = true
        // Where each of the last `maxSymbols` symbols began, for a match's start.
        var origins = [Int](repeating: 0, count: Self.maxSymbols)
        var symbolIndex = 1
        transitions.withUnsafeBufferPointer { table in
            outputStart.withUnsafeBufferPointer { starts in
                @inline(__always) func step(_ symbol: UInt8, at offset: Int) {
                    if symbol == TextFolding.separator {
                        if previousWasSeparator { return }
                        previousWasSeparator = true
                    } else {
                        previousWasSeparator = false
                    }
                    origins[symbolIndex & (Self.maxSymbols - 1)] = offset
                    symbolIndex += 1
                    state = Int(table[state * width + Int(symbol)])
                    let first = Int(starts[state])
                    let last = Int(starts[state + 1])
                    if first != last {
                        for k in first ..< last {
                            let pattern = Int(outputs[k])
                            let length = Int(lengths[pattern])
                            // The pattern's first symbol is its leading separator; the match starts after it.
                            let startIndex = symbolIndex - length + 1
                            let start = startIndex >= 1 ? origins[startIndex & (Self.maxSymbols - 1)] : 0
                            found(Match(pattern: pattern, start: start, end: offset))
                        }
                    }
                }
                var i = 0
                let n = text.count
                while i < n {
                    let byte = text[i]
                    let symbol = ascii[Int(byte)]
                    if symbol < TextFolding.vanish {
                        step(symbol, at: i)
                        i += 1
                        continue
                    }
                    if symbol == TextFolding.vanish {
                        i += 1
                        continue
                    }
                    let (value, length) = TextWriter.decode(text, at: i)
                    for folded in TextFolding.symbols(of: value) { step(folded, at: i) }
                    i += length
                }
                step(TextFolding.separator, at: n) // the text ends with a separator
            }
        }
    }
}
