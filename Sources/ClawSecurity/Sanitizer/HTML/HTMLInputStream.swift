/// The HTML standard's input stream preprocessing over UTF-8 bytes: invalid UTF-8 becomes U+FFFD (one per
/// maximal invalid subpart, as the Encoding standard's UTF-8 decoder does) and CR LF and lone CR become LF.
enum HTMLInputStream {
    /// The preprocessed copy of `bytes`, or nil when they are valid UTF-8 without a CR and can be used as
    /// they are (the common case, found in one pass with an eight-bytes-at-a-time ASCII path).
    static func normalized(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        if isCleanUTF8(bytes) { return nil }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 16)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0x0D {
                    out.append(0x0A)
                    i += 1
                    if i < n, bytes[i] == 0x0A { i += 1 }
                } else {
                    out.append(b)
                    i += 1
                }
                continue
            }
            let length = sequenceLength(bytes, at: i)
            if length > 0 {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i ..< i + length]))
                i += length
            } else {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += -length
            }
        }
        return out
    }

    /// Whether the bytes are valid UTF-8 and contain no CR.
    static func isCleanUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        while i < n {
            if i + 8 <= n {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                let crs = word ^ 0x0D0D_0D0D_0D0D_0D0D
                let hasCR = (crs &- 0x0101_0101_0101_0101) & ~crs & 0x8080_8080_8080_8080
                if word & 0x8080_8080_8080_8080 == 0 && hasCR == 0 {
                    i += 8
                    continue
                }
            }
            let b = base[i]
            if b < 0x80 {
                if b == 0x0D { return false }
                i += 1
                continue
            }
            let length = sequenceLength(bytes, at: i)
            if length <= 0 { return false }
            i += length
        }
        return true
    }

    /// The length of the valid UTF-8 sequence starting with the non-ASCII byte at `i`, or minus the length
    /// of its maximal invalid subpart (at least one byte), which decodes to one U+FFFD.
    @inline(__always)
    static func sequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let b = bytes[i]
        let need: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch b {
        case 0xC2 ... 0xDF: need = 1
        case 0xE0: need = 2; lower = 0xA0
        case 0xE1 ... 0xEC, 0xEE ... 0xEF: need = 2
        case 0xED: need = 2; upper = 0x9F
        case 0xF0: need = 3; lower = 0x90
        case 0xF1 ... 0xF3: need = 3
        case 0xF4: need = 3; upper = 0x8F
        default: return -1
        }
        var j = 1
        while j <= need {
            guard i + j < bytes.count else { return -j }
            let c = bytes[i + j]
            if c < lower || c > upper { return -j }
            lower = 0x80
            upper = 0xBF
            j += 1
        }
        return need + 1
    }
}
