/// Masks sensitive values for display: settings pages, logs and command output.
///
/// The mask has a fixed width, so it does not reveal the value's length. A short hint (the last few
/// characters) is shown only when the value is long enough that the hint gives little away.
public enum Redaction {
    /// The text that stands for the hidden part.
    public static let mask = "********"

    /// Masks a value, keeping at most `hint` trailing characters.
    /// - Parameters:
    ///   - value: The sensitive value.
    ///   - hint: How many trailing characters to keep, 4 by default; none when the value is shorter than
    ///     four times the hint, so that at least three quarters of it stays hidden.
    /// - Returns: `********` or `********` followed by the hint, such as `********cdef`.
    public static func redact(_ value: String, hint: Int = 4) -> String {
        guard hint > 0, value.count >= hint * 4 else { return mask }
        return mask + value.suffix(hint)
    }
}
