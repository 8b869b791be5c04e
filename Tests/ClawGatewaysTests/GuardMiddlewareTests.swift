import Testing
@testable import ClawGateways

@Suite("DNS-rebinding checks")
struct GuardMiddlewareTests {
    @Test("Host authorities: loopback names with or without a port pass; look-alike DNS names do not", arguments: [
        ("localhost:5001", true), ("127.0.0.1:5001", true), ("[::1]:5001", true), ("127.0.0.1", true),
        ("evil.example", false), ("127.0.0.1.evil.example:5001", false), ("localhost.evil.example", false), ("[::2]:80", false),
    ])
    func authority(authority: String, allowed: Bool) {
        #expect(GuardMiddleware.isLoopbackAuthority(authority) == allowed)
    }

    @Test("Origins: loopback ones and listed ones pass", arguments: [
        ("http://localhost:3000", true), ("https://127.0.0.1", true), ("http://[::1]:8080", true), ("https://app.example", true),
        ("https://evil.example", false), ("http://127.0.0.1.evil.example", false), ("null", false), ("file://localhost", false),
    ])
    func origin(origin: String, allowed: Bool) {
        #expect(GuardMiddleware.isAllowed(origin: origin, extra: ["https://app.example"]) == allowed)
    }
}
