import Foundation

/// Runs PostgreSQL's client programs (`pg_dump`, `psql`) with the password in the environment, never on
/// the command line, streaming their standard output.
struct ExternalTool {
    let url: URL

    /// Finds a program on `PATH`.
    static func find(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(StorageError) -> ExternalTool {
        for folder in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return ExternalTool(url: candidate) }
        }
        throw StorageError(.unavailable, "\(name) was not found on PATH: install PostgreSQL's client programs (Debian: postgresql-client)")
    }

    /// The connection arguments and environment for a server.
    static func connection(_ location: PostgresLocation) -> (arguments: [String], environment: [String: String]) {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = location.password ?? ""
        environment["PGSSLMODE"] = location.tls == .disable ? "disable" : "verify-full"
        environment["PGCONNECT_TIMEOUT"] = "10"
        return (["--host", location.host, "--port", String(location.port), "--username", location.username, "--dbname", location.database], environment)
    }

    /// Runs the program with no standard input; `consume` receives its standard output.
    /// - Throws: ``StorageError/Code/unavailable`` with the end of its standard error when it fails.
    func run(
        _ arguments: [String], environment: [String: String], consume: ((Data) throws(StorageError) -> Void)? = nil
    ) throws(StorageError) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("claw-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil, attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(at: errorFile) }
        guard let errorHandle = try? FileHandle(forWritingTo: errorFile) else { throw StorageError(.unavailable, "cannot create a temporary file") }
        process.standardOutput = consume == nil ? FileHandle.nullDevice : output
        process.standardInput = FileHandle.nullDevice
        process.standardError = errorHandle
        do {
            try process.run()
        } catch {
            throw StorageError(.unavailable, "cannot start \(url.lastPathComponent)")
        }
        var failure: StorageError?
        if let consume {
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                if failure == nil {
                    do throws(StorageError) {
                        try consume(chunk)
                    } catch {
                        failure = error
                        process.terminate()
                    }
                }
            }
        }
        process.waitUntilExit()
        try? errorHandle.close()
        // Our own failure (a full disk while writing its output) is why we stopped it.
        if let failure { throw failure }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errorFile, encoding: .utf8)).map { String($0.suffix(2048)) } ?? ""
            let name = url.lastPathComponent
            throw StorageError(.unavailable, "\(name) failed (status \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
