extension UInt8 {
    /// Whether the byte is ASCII whitespace as HTML and CSS define it: tab, line feed, form feed, carriage
    /// return, space.
    @inline(__always)
    var isASCIIWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x09 || self == 0x0C || self == 0x0D }
}
