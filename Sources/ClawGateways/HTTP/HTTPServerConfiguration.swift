/// How Claw's HTTP server listens.
public struct HTTPServerConfiguration: Sendable {
    /// A certificate chain and private key in PEM files, for TLS.
    public struct TLSFiles: Sendable, Hashable {
        /// The certificate chain (PEM).
        public var certificatePath: String
        /// The private key (PEM).
        public var privateKeyPath: String

        /// Creates the pair.
        public init(certificatePath: String, privateKeyPath: String) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
        }
    }

    /// The address; 127.0.0.1 by default (loopback only).
    public var host: String
    /// The port; 5001 by default, 0 for any free port.
    public var port: Int
    /// TLS, when configured.
    public var tls: TLSFiles?
    /// The largest request body; larger ones get 413. 1 MiB by default.
    public var maximumBodyBytes: Int
    /// A connection idle this long is closed (seconds); 60 by default.
    public var idleTimeoutSeconds: Int64
    /// The largest header section, in bytes (80 KiB by default); larger requests are refused.
    public var maximumHeaderBytes: Int
    /// Browser origins allowed to call `/mcp` besides loopback ones (`http://localhost:3000`, ...).
    public var allowedOrigins: [String]

    /// Creates a configuration.
    public init(
        host: String = "127.0.0.1", port: Int = 5001, tls: TLSFiles? = nil, maximumBodyBytes: Int = 1 << 20,
        idleTimeoutSeconds: Int64 = 60, maximumHeaderBytes: Int = 80 << 10, allowedOrigins: [String] = []
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.maximumBodyBytes = maximumBodyBytes
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maximumHeaderBytes = maximumHeaderBytes
        self.allowedOrigins = allowedOrigins
    }

    /// Whether the server listens on loopback only (then DNS-rebinding checks apply to Host and Origin).
    public var isLoopback: Bool { Self.isLoopbackName(host) }

    static func isLoopbackName(_ host: String) -> Bool { LoopbackHost.contains(host) }
}
