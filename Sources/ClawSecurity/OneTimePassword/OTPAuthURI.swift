import Foundation

/// An `otpauth://totp/...` enrolment URI, as authenticator apps scan it from a QR code.
///
/// The format is Google Authenticator's "Key Uri Format": the label `Issuer:account`, then the
/// parameters `secret`, `issuer`, and `algorithm`, `digits` and `period` where they differ from the
/// defaults. The secret is written as unpadded Base32, which every authenticator app accepts.
///
/// - Warning: The URI contains the shared secret; its `description` does not.
public struct OTPAuthURI: Sendable, CustomStringConvertible {
    /// Who issues the code, such as `Claw`.
    public var issuer: String
    /// Whose code it is, such as an e-mail address.
    public var account: String
    /// The secret and parameters.
    public var totp: TOTP

    /// Creates a URI for a generator.
    /// - Parameters:
    ///   - totp: The secret and parameters.
    ///   - issuer: Who issues the code; must not contain `:`.
    ///   - account: Whose code it is.
    public init(totp: TOTP, issuer: String, account: String) {
        self.totp = totp
        self.issuer = issuer
        self.account = account
    }

    /// Parses an `otpauth://totp/` URI.
    /// - Parameter text: The URI.
    /// - Throws: ``ClawSecurityError/Code/invalidOTPAuthURI`` when it is not a TOTP URI or a parameter is
    ///   malformed, ``ClawSecurityError/Code/invalidBase32`` for a bad secret, and
    ///   ``ClawSecurityError/Code/invalidTOTPParameters`` for out-of-range parameters.
    public init(parsing text: String) throws(ClawSecurityError) {
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "otpauth" else {
            throw ClawSecurityError(.invalidOTPAuthURI, "not an otpauth:// URI")
        }
        guard components.host?.lowercased() == "totp" else {
            throw ClawSecurityError(.invalidOTPAuthURI, "only otpauth://totp/ URIs are supported")
        }
        var parameters = [String: String]()
        for item in components.queryItems ?? [] {
            guard parameters[item.name.lowercased()] == nil else {
                throw ClawSecurityError(.invalidOTPAuthURI, "the URI repeats the parameter '\(item.name)'")
            }
            parameters[item.name.lowercased()] = item.value ?? ""
        }
        guard let secret = parameters["secret"], !secret.isEmpty else {
            throw ClawSecurityError(.invalidOTPAuthURI, "the URI has no secret parameter")
        }
        var configuration = TOTP.Configuration()
        if let name = parameters["algorithm"] {
            guard let algorithm = TOTP.Algorithm(name: name) else {
                throw ClawSecurityError(.invalidOTPAuthURI, "unknown algorithm; use SHA1, SHA256 or SHA512")
            }
            configuration.algorithm = algorithm
        }
        if let digits = parameters["digits"] {
            guard let value = Int(digits) else {
                throw ClawSecurityError(.invalidOTPAuthURI, "the digits parameter is not a number")
            }
            configuration.digits = value
        }
        if let period = parameters["period"] {
            guard let value = Int(period) else {
                throw ClawSecurityError(.invalidOTPAuthURI, "the period parameter is not a number")
            }
            configuration.period = value
        }
        var label = components.path
        if label.hasPrefix("/") { label.removeFirst() }
        let labelIssuer: String?
        if let colon = label.firstIndex(of: ":") {
            labelIssuer = String(label[..<colon])
            account = String(label[label.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        } else {
            labelIssuer = nil
            account = label
        }
        if let labelIssuer, let given = parameters["issuer"], labelIssuer != given {
            throw ClawSecurityError(.invalidOTPAuthURI, "the label's issuer and the issuer parameter differ")
        }
        issuer = parameters["issuer"] ?? labelIssuer ?? ""
        totp = try TOTP(base32Secret: secret, configuration: configuration)
    }

    /// The URI text, with the secret in it.
    public var string: String {
        let c = totp.configuration
        var text = "otpauth://totp/"
        text += issuer.isEmpty ? Self.escape(account) : Self.escape(issuer) + ":" + Self.escape(account)
        text += "?secret=" + totp.base32Secret
        if !issuer.isEmpty { text += "&issuer=" + Self.escape(issuer) }
        if c.algorithm != .sha1 { text += "&algorithm=" + c.algorithm.name }
        if c.digits != 6 { text += "&digits=\(c.digits)" }
        if c.period != 30 { text += "&period=\(c.period)" }
        return text
    }

    /// The issuer, account and parameters, without the secret.
    public var description: String { "OTPAuthURI(issuer: \(issuer), account: \(account), \(totp))" }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
