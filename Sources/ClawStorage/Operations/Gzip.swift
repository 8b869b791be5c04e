import CZlib
import Foundation

/// Streams bytes into a gzip file (zlib, RFC 1952) in bounded chunks.
final class GzipWriter {
    private var stream = z_stream()
    private let fd: Int32
    private let output: UnsafeMutablePointer<Bytef>
    private static let capacity = 64 << 10

    /// Starts a gzip stream onto an open file descriptor (not closed here).
    init(fd: Int32, level: Int32 = 6) throws(StorageError) {
        self.fd = fd
        output = .allocate(capacity: Self.capacity)
        let status = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            output.deallocate()
            throw StorageError(.backup, "zlib could not start (\(status))")
        }
    }

    deinit {
        deflateEnd(&stream)
        output.deallocate()
    }

    /// Compresses and writes a chunk.
    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(bytes.count)
        try pump(flush: Z_NO_FLUSH)
        stream.next_in = nil
    }

    /// Writes the trailer.
    func finish() throws(StorageError) {
        stream.avail_in = 0
        try pump(flush: Z_FINISH)
    }

    private func pump(flush: Int32) throws(StorageError) {
        while true {
            stream.next_out = output
            stream.avail_out = uInt(Self.capacity)
            let status = deflate(&stream, flush)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw StorageError(.backup, "zlib failed (\(status))")
            }
            let produced = Self.capacity - Int(stream.avail_out)
            if produced > 0 { try FileIO.writeAll(fd, UnsafeRawBufferPointer(start: output, count: produced)) }
            if flush == Z_FINISH {
                if status == Z_STREAM_END { return }
            } else if stream.avail_in == 0 && stream.avail_out > 0 {
                return
            }
        }
    }
}

/// Reads a gzip file back, chunk by chunk; a truncated or corrupt file is an error, never short data.
final class GzipReader {
    private var stream = z_stream()
    private let fd: Int32
    private let input: UnsafeMutablePointer<Bytef>
    private let output: UnsafeMutablePointer<Bytef>
    private var ended = false
    private static let inputCapacity = 64 << 10
    private static let outputCapacity = 256 << 10

    init(fd: Int32) throws(StorageError) {
        self.fd = fd
        input = .allocate(capacity: Self.inputCapacity)
        output = .allocate(capacity: Self.outputCapacity)
        let status = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            input.deallocate()
            output.deallocate()
            throw StorageError(.restore, "zlib could not start (\(status))")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
        output.deallocate()
    }

    /// The next decompressed chunk, or `nil` after the end of the stream.
    func read() throws(StorageError) -> [UInt8]? {
        if ended { return nil }
        while true {
            if stream.avail_in == 0 {
                let n = Foundation.read(fd, input, Self.inputCapacity)
                guard n >= 0 else { throw StorageError(.restore, "cannot read the backup (errno \(errno))") }
                guard n > 0 else { throw StorageError(.restore, "the backup is truncated: its gzip stream does not end") }
                stream.next_in = input
                stream.avail_in = uInt(n)
            }
            stream.next_out = output
            stream.avail_out = uInt(Self.outputCapacity)
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = Self.outputCapacity - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END:
                ended = true
                return Array(UnsafeBufferPointer(start: output, count: produced))
            case Z_OK, Z_BUF_ERROR:
                if produced > 0 { return Array(UnsafeBufferPointer(start: output, count: produced)) }
            default:
                throw StorageError(.restore, "the backup is not a valid gzip file (zlib \(status))")
            }
        }
    }
}

/// Small POSIX file helpers with errors that name the file, never its contents.
enum FileIO {
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError(.backup, "cannot write (errno \(errno))")
            }
            offset += n
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(StorageError) {
        let result: Result<Void, StorageError> = bytes.withUnsafeBytes { raw in
            do throws(StorageError) {
                try writeAll(fd, raw)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }
}
