/// Whether a host name or address denotes this machine's loopback interface.
///
/// Only `localhost`, `::1` (bracketed or not) and IPv4 literals in 127.0.0.0/8 count. A name that merely
/// starts with `127.` (`127.0.0.1.attacker.example`) is a DNS name anyone can point anywhere: it does not.
public enum LoopbackHost {
    /// Returns whether `host` is a loopback name or literal.
    public static func contains(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigitCharacter) && Int(part)! <= 255
        }
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
