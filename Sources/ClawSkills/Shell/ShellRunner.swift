import ClawSecurity
import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an ``ApprovedShellCommand`` as a child process, with no shell, in a clean environment, with its
/// output capped and its whole process group killed at a timeout.
///
/// The program is executed directly with its argument vector: nothing is expanded, nothing is
/// interpreted by `/bin/sh`. A bare program name is looked up only in
/// ``ShellCommandGuard/searchDirectories``; an absolute path pinned by a rule is used as is.
///
/// The child gets:
/// - an environment of exactly ``environment``: `PATH=/usr/local/bin:/usr/bin:/bin`, `LANG=C.UTF-8`, and
///   `HOME`, `XDG_CONFIG_HOME`, `CURL_HOME` and `GIT_CONFIG_GLOBAL` set to `/dev/null` with
///   `GIT_CONFIG_NOSYSTEM=1`, so no per-user or system configuration is read: a file one allowed command
///   downloads (a `.curlrc`, a `.gitconfig`, a `.wgetrc`) can never steer the next one. Nothing of the agent's
///   environment (keys, tokens) is inherited;
/// - the configured working directory (by default a private folder, `claw-shell-UID` in the system's
///   temporary folder, created 0700 and refused unless it is the user's own and private);
/// - standard input from `/dev/null`;
/// - a new session, so it leads its own process group and has no controlling terminal.
///
/// Standard output and standard error are each kept up to ``Configuration/outputLimit`` bytes; the rest
/// is read and discarded, so the child never blocks on a full pipe, and the result says it was truncated.
/// When ``Configuration/timeout`` passes, or when the calling task is cancelled, the whole process group
/// gets `SIGKILL`, so the child's children die too. When the child ends on its own, whatever is left of
/// its process group is killed as well: no background process outlives a run.
///
/// - Important: A process that leaves its process group on purpose (`setsid`, `setpgid`) escapes the
///   group kill; the allow-list is what keeps such programs out.
public struct ShellRunner: Sendable {
    /// How a command runs.
    public struct Configuration: Sendable, Hashable {
        /// The directory the command runs in; by default `claw-shell-UID` in the system's temporary folder,
        /// created 0700 on first use and refused unless it is this user's and private.
        public var workingDirectory: String
        /// The most bytes kept of standard output, and separately of standard error; 64 KiB by default.
        public var outputLimit: Int
        /// How long the command may run before its process group is killed; 30 s by default.
        public var timeout: Duration

        /// Creates a configuration.
        /// - Parameters:
        ///   - workingDirectory: The directory the command runs in; `nil` for a private folder in the system's
        ///     temporary folder.
        ///   - outputLimit: The most bytes kept per stream; at least 0.
        ///   - timeout: How long the command may run; at least 1 ms.
        public init(workingDirectory: String? = nil, outputLimit: Int = 64 * 1024, timeout: Duration = .seconds(30)) {
            self.workingDirectory = workingDirectory ?? Self.defaultWorkingDirectory
            self.outputLimit = max(0, outputLimit)
            self.timeout = max(.milliseconds(1), timeout)
        }

        static var defaultWorkingDirectory: String {
            var path = FileManager.default.temporaryDirectory.path
            if path.count > 1, path.hasSuffix("/") { path.removeLast() }
            return path + "/claw-shell-\(geteuid())"
        }
    }

    /// The child's whole environment.
    public static let environment: [String: String] = [
        "PATH": searchPath, "LANG": "C.UTF-8", "HOME": "/dev/null", "XDG_CONFIG_HOME": "/dev/null", "CURL_HOME": "/dev/null",
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
    ]

    /// What a run produced.
    public struct Result: Sendable, Hashable {
        /// The exit code; for a command ended by a signal, 128 plus the signal's number, as a shell reports it.
        public var exitCode: Int32
        /// The signal that ended the command, if one did (`SIGKILL` after a timeout).
        public var terminationSignal: Int32?
        /// Standard output, decoded as UTF-8 with invalid bytes replaced.
        public var standardOutput: String
        /// Standard error, decoded as UTF-8 with invalid bytes replaced.
        public var standardError: String
        /// Whether either stream went over the limit and lost its tail.
        public var truncated: Bool
        /// Whether the command ran past the timeout and was killed.
        public var timedOut: Bool

        /// Creates a result.
        public init(
            exitCode: Int32, terminationSignal: Int32? = nil, standardOutput: String = "", standardError: String = "",
            truncated: Bool = false, timedOut: Bool = false
        ) {
            self.exitCode = exitCode
            self.terminationSignal = terminationSignal
            self.standardOutput = standardOutput
            self.standardError = standardError
            self.truncated = truncated
            self.timedOut = timedOut
        }
    }

    /// The child's whole environment, apart from `HOME`.
    static let searchPath = ShellCommandGuard.searchDirectories.joined(separator: ":")

    /// Creates the default folder (0700) if missing, and refuses one that is a link, another user's, or open
    /// to others: in a shared temporary folder, another user could otherwise plant files a command would read.
    static func preparePrivateFolder(_ path: String) throws(ClawSecurityError) {
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw ClawSecurityError(.shellLaunchFailed, "cannot create the working directory")
        }
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else {
            throw ClawSecurityError(.shellLaunchFailed, "the working directory \(path) is not this user's private folder")
        }
    }

    /// How commands run.
    public let configuration: Configuration

    /// Creates a runner.
    /// - Parameter configuration: The working directory, output limit and timeout.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Runs an approved command and waits for it and its process group to end.
    ///
    /// A non-zero exit, a signal or a timeout is a result, not an error.
    /// - Parameter command: A command the guard approved.
    /// - Returns: The exit status, the captured (possibly truncated) output and whether it timed out.
    /// - Throws: ``ClawSecurityError/Code/shellLaunchFailed`` when the program is not found or cannot
    ///   start, or `CancellationError` when the calling task was cancelled (the group is killed first).
    public func run(_ command: ApprovedShellCommand) async throws -> Result {
        let path = try Self.resolve(command.program)
        return try await run(executable: path, arguments: command.arguments)
    }

    /// Finds the file a program names: a pinned absolute path as is, a bare name in the fixed directories.
    static func resolve(_ program: String) throws(ClawSecurityError) -> String {
        let shown = program.count <= 64 ? program : String(program.prefix(64)) + "..."
        if program.hasPrefix("/") {
            guard isExecutableFile(program) else {
                throw ClawSecurityError(.shellLaunchFailed, "the program '\(shown)' is not an executable file")
            }
            return program
        }
        for directory in ShellCommandGuard.searchDirectories {
            let candidate = directory + "/" + program
            if isExecutableFile(candidate) { return candidate }
        }
        throw ClawSecurityError(
            .shellLaunchFailed, "the program '\(shown)' is not in \(ShellCommandGuard.searchDirectories.joined(separator: ", "))")
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    /// Runs an executable file directly; the entry point for tests, which may run what no guard allows.
    /// - Parameters:
    ///   - path: An absolute path to an executable file.
    ///   - arguments: The arguments.
    ///   - onStart: Called with the child's process id (which is also its process group id) once it started.
    func run(
        executable path: String, arguments: [String], onStart: @Sendable (pid_t) -> Void = { _ in }
    ) async throws -> Result {
        let directory = configuration.workingDirectory
        if directory == Configuration.defaultWorkingDirectory {
            try Self.preparePrivateFolder(directory)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ClawSecurityError(.shellLaunchFailed, "the working directory does not exist")
        }
        var options = PlatformOptions()
        // setsid(): the child leads a new process group (pgid == pid) and has no controlling terminal.
        options.createSession = true
        let environment = Environment.custom(Self.environment.reduce(into: [:]) { $0[.init(stringLiteral: $1.key)] = $1.value })
        let limit = configuration.outputLimit
        let timeout = configuration.timeout

        let execution: ExecutionResult<Captured, SequenceOutput, SequenceOutput>
        do {
            execution = try await Subprocess.run(
                .path(FilePath(path)), arguments: Arguments(arguments), environment: environment,
                workingDirectory: FilePath(directory), platformOptions: options,
                input: .none, output: .sequence, error: .sequence
            ) { running in
                let group = running.processIdentifier.value
                onStart(group)
                return await withTaskCancellationHandler {
                    await Self.capture(running, group: group, limit: limit, timeout: timeout)
                } onCancel: {
                    Self.killGroup(group)
                }
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw ClawSecurityError(.shellLaunchFailed, "the program '\((path as NSString).lastPathComponent)' could not be started")
        }
        if Task.isCancelled { throw CancellationError() }

        let captured = execution.closureResult
        var result = Result(
            exitCode: 0, standardOutput: String(decoding: captured.output.bytes, as: UTF8.self),
            standardError: String(decoding: captured.error.bytes, as: UTF8.self),
            truncated: captured.output.truncated || captured.error.truncated, timedOut: captured.timedOut)
        switch execution.terminationStatus {
        case .exited(let code):
            result.exitCode = code
        case .signaled(let signal):
            result.exitCode = 128 + signal
            result.terminationSignal = signal
        }
        return result
    }

    /// One stream's kept bytes.
    struct Stream: Sendable {
        var bytes: [UInt8] = []
        var truncated = false
    }

    /// What the run's body captured.
    struct Captured: Sendable {
        var output = Stream()
        var error = Stream()
        var timedOut = false
    }

    private enum Event: Sendable {
        case output(Stream)
        case error(Stream)
        case timedOut
        case timerStopped
        case exited
        case exitWatchStopped
    }

    /// Reads both streams to their end and waits for the child to exit, under the timeout; then kills
    /// whatever is left of the group.
    ///
    /// The streams can end before the child does (a program closes them before it exits), and the child
    /// can exit before they end (a grandchild still holds them; the subprocess library then ends the
    /// reads). The final group kill waits for both, and for the child's exit in particular, so it never
    /// hits a child that was about to exit on its own. The child is not reaped before this body returns,
    /// so its pid (the group id) cannot be reused by another process meanwhile.
    private static func capture(
        _ running: Execution<NoInput, SequenceOutput, SequenceOutput>, group: pid_t, limit: Int, timeout: Duration
    ) async -> Captured {
        let output = running.standardOutput
        let error = running.standardError
        var captured = Captured()
        var mustAwaitExit = false
        await withTaskGroup(of: Event.self) { tasks in
            tasks.addTask { .output(await collect(output, limit: limit)) }
            tasks.addTask { .error(await collect(error, limit: limit)) }
            tasks.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                } catch {
                    return .timerStopped
                }
            }
            tasks.addTask {
                // Polls with a growing interval (1 ms to 50 ms); cheap next to any process.
                var delay = 1
                while !hasExited(group) {
                    if Task.isCancelled { return .exitWatchStopped }
                    try? await Task.sleep(for: .milliseconds(delay))
                    delay = min(delay * 2, 50)
                }
                return .exited
            }
            var open = 2
            var exited = false
            while open > 0 || !exited, let event = await tasks.next() {
                switch event {
                case .output(let stream):
                    captured.output = stream
                    open -= 1
                case .error(let stream):
                    captured.error = stream
                    open -= 1
                case .timedOut:
                    captured.timedOut = true
                    // Every writer of the pipes dies, so both reads reach their end and the child exits.
                    killGroup(group)
                case .timerStopped:
                    break
                case .exited:
                    exited = true
                case .exitWatchStopped:
                    // Cancelled: the cancellation handler killed the group; wait for the exit below.
                    exited = true
                    mustAwaitExit = true
                }
            }
            tasks.cancelAll()
        }
        if mustAwaitExit { awaitExit(group) }
        killGroup(group)
        return captured
    }

    /// Whether the child has exited, without reaping it (`WNOWAIT`: the subprocess library reaps it).
    static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else {
            return errno != EINTR  // ECHILD: already gone
        }
        return info.si_signo == SIGCHLD
    }

    /// Blocks until the child (already sent `SIGKILL`) has exited, without reaping it.
    static func awaitExit(_ pid: pid_t) {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
    }

    /// Reads a stream to its end, keeping at most `limit` bytes.
    private static func collect(_ sequence: SubprocessOutputSequence, limit: Int) async -> Stream {
        var stream = Stream()
        do {
            for try await buffer in sequence {
                buffer.withUnsafeBytes { raw in
                    let room = limit - stream.bytes.count
                    if raw.count <= room {
                        stream.bytes.append(contentsOf: raw)
                    } else {
                        if room > 0 { stream.bytes.append(contentsOf: raw.prefix(room)) }
                        stream.truncated = true
                    }
                }
            }
        } catch {
            // A read is cancelled when the child ends while a grandchild still holds the pipe: the
            // stream ends there, and the group kill that follows ends the grandchild.
        }
        return stream
    }

    /// Sends `SIGKILL` to every process in a group; a group that is already gone is not an error.
    static func killGroup(_ group: pid_t) {
        guard group > 1 else { return }
        _ = kill(-group, SIGKILL)
    }
}
