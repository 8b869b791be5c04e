import ArgumentParser
import ClawSecurity
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `claw` ends on bad input: one line on standard error, exit status 2, no stack trace, no secret.
enum CommandFailure {
    /// The exit status for bad input or a failed operation.
    static let status: Int32 = 2

    /// Runs a command body, turning a ``ClawSecurityError`` into a one-line message and exit status 2.
    static func guarding<R>(_ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as ClawSecurityError {
            printError(error.description)
            throw ExitCode(status)
        }
    }

    /// Prints `claw: error: <message>` on standard error.
    static func printError(_ message: String) {
        writeError("claw: error: \(message)\n")
    }

    /// Writes text to standard error unbuffered.
    static func writeError(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }

    /// Ends with a one-line message and exit status 2.
    static func fail(_ message: String) -> ExitCode {
        printError(message)
        return ExitCode(status)
    }
}

/// Reading and writing raw bytes on the standard streams.
enum StandardStreams {
    /// Reads all of standard input, refusing more than `limit` bytes.
    static func readInput(limit: Int) throws -> [UInt8] {
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CommandFailure.fail("cannot read standard input")
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[..<n])
            if data.count > limit {
                throw CommandFailure.fail("standard input is larger than \(limit) bytes")
            }
        }
        return data
    }

    /// Writes bytes to standard output.
    static func write(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// Removes one trailing line break (`\n` or `\r\n`), as `echo` and here-strings add one.
    static func droppingTrailingNewline(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        return bytes
    }
}
