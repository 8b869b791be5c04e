import ClawSecurity
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a host name with the system resolver (`getaddrinfo`), on a Dispatch thread so that a slow
/// resolver never blocks Swift's cooperative pool.
///
/// Cancelling the calling task returns at once (with `CancellationError`); the lookup itself cannot be
/// interrupted and finishes in the background, its answer dropped.
enum HostResolver {
    /// Returns every IPv4 and IPv6 address of `host`, in the resolver's order, without duplicates.
    /// - Throws: ``WebFetchError/Code/dns`` when the name does not resolve; `CancellationError`.
    static func resolve(_ host: String) async throws -> [IPAddress] {
        let slot = Mutex<CheckedContinuation<Result<[IPAddress], WebFetchError>, any Error>?>(nil)
        let result = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result<[IPAddress], WebFetchError>, any Error>) in
                let cancelledAlready = slot.withLock { stored -> Bool in
                    if Task.isCancelled { return true }
                    stored = continuation
                    return false
                }
                if cancelledAlready {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                DispatchQueue.global().async {
                    let answer = lookUp(host)
                    slot.withLock { $0.take() }?.resume(returning: answer)
                }
            }
        } onCancel: {
            slot.withLock { $0.take() }?.resume(throwing: CancellationError())
        }
        return try result.get()
    }

    /// The blocking lookup.
    static func lookUp(_ host: String) -> Result<[IPAddress], WebFetchError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(WebFetchError(.dns, "host '\(host)' did not resolve"))
        }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let sockaddr = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    let address = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin_addr) { IPAddress(bytes: $0) }
                    }
                    if let address, !addresses.contains(address) { addresses.append(address) }
                case AF_INET6:
                    let address = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { IPAddress(bytes: $0) }
                    }
                    if let address, !addresses.contains(address) { addresses.append(address) }
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { return .failure(WebFetchError(.dns, "host '\(host)' has no IP address")) }
        return .success(addresses)
    }
}
