/// The WHATWG named character references (`&amp;`, `&notin;`, `&not`) as a byte trie, for the tokenizer's
/// longest-match lookup. Built once, on first use, from the generated ``table``.
struct NamedCharacterReferences: Sendable {
    /// The shared instance.
    static let shared = NamedCharacterReferences()

    /// A match: how many bytes of the name were consumed (including a final `;` when there is one) and
    /// where the replacement's UTF-8 bytes are in ``replacementBytes``.
    struct Match {
        var length: Int
        var replacementStart: Int32
        var replacementEnd: Int32
    }

    // Node `n`'s children are edges firstEdge[n] ..< firstEdge[n] + edgeCount[n], sorted by byte.
    private var firstEdge: [Int32] = []
    private var edgeCount: [UInt8] = []
    private var edgeByte: [UInt8] = []
    private var edgeTarget: [Int32] = []
    // The replacement of the name ending at node `n`, or -1.
    private var replacementStart: [Int32] = []
    private var replacementEnd: [Int32] = []
    /// The replacements' UTF-8 bytes, one after the other.
    private(set) var replacementBytes: [UInt8] = []
    /// The number of names in the table.
    private(set) var count = 0

    private init() {
        // Build a pointer-free trie first (children as dictionaries), then flatten it breadth-first.
        var children: [[UInt8: Int]] = [[:]]
        var value: [(Int32, Int32)?] = [nil]
        for line in Self.table.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { preconditionFailure("malformed named reference table") }
            var node = 0
            for byte in parts[0].utf8 {
                if let next = children[node][byte] {
                    node = next
                } else {
                    children.append([:])
                    value.append(nil)
                    children[node][byte] = children.count - 1
                    node = children.count - 1
                }
            }
            let start = Int32(replacementBytes.count)
            for hex in parts[1].split(separator: ",") {
                guard let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) else {
                    preconditionFailure("malformed named reference table")
                }
                replacementBytes.append(contentsOf: String(Character(scalar)).utf8)
            }
            value[node] = (start, Int32(replacementBytes.count))
            count += 1
        }
        var order = [0]
        var index = [0: 0]
        var head = 0
        while head < order.count {
            let node = order[head]
            head += 1
            for byte in children[node].keys.sorted() {
                let child = children[node][byte]!
                index[child] = order.count
                order.append(child)
            }
        }
        firstEdge = Array(repeating: 0, count: order.count)
        edgeCount = Array(repeating: 0, count: order.count)
        replacementStart = Array(repeating: -1, count: order.count)
        replacementEnd = Array(repeating: -1, count: order.count)
        for (flat, node) in order.enumerated() {
            firstEdge[flat] = Int32(edgeByte.count)
            edgeCount[flat] = UInt8(children[node].count)
            for byte in children[node].keys.sorted() {
                edgeByte.append(byte)
                edgeTarget.append(Int32(index[children[node][byte]!]!))
            }
            if let (start, end) = value[node] {
                replacementStart[flat] = start
                replacementEnd[flat] = end
            }
        }
    }

    /// The longest name that `bytes` starts with, if any. Reads at most as many bytes as the longest name.
    func longestMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Match? {
        var node = 0
        var position = start
        var best: Match?
        while position < bytes.count {
            let byte = bytes[position]
            var low = Int(firstEdge[node])
            var high = low + Int(edgeCount[node])
            var found = -1
            while low < high {
                let middle = (low + high) >> 1
                let candidate = edgeByte[middle]
                if candidate == byte {
                    found = middle
                    break
                } else if candidate < byte {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            guard found >= 0 else { break }
            node = Int(edgeTarget[found])
            position += 1
            if replacementStart[node] >= 0 {
                best = Match(length: position - start, replacementStart: replacementStart[node],
                             replacementEnd: replacementEnd[node])
            }
        }
        return best
    }
}
