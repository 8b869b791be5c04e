import ClawSecurity
import Foundation
import PropertyBased
import Synchronization
import Testing

/// Invariants of one-time codes and the replay guard, on random secrets, times and parameters.
@Suite("TOTP properties")
struct TOTPProperties {
    static let secrets = Gen.uint8().array(of: 16...64)
    static let times = Gen.int64(in: 0...4_102_444_800)  // 1970 to 2100
    static let periods = Gen.int(in: 0...2).map { [15, 30, 60][$0] }
    static let digits = Gen.int(in: 6...8)

    @Test("A code is accepted at every second inside the ±1-step window and at none outside it")
    func window() async {
        await propertyCheck(count: 60, input: Self.secrets, Self.times, Self.periods, Self.digits) {
            secret, time, period, digits in
            let totp = try TOTP(secret: secret, configuration: .init(digits: digits, period: period))
            let issued = Date(timeIntervalSince1970: TimeInterval(time))
            let code = totp.code(at: issued)
            let step = totp.step(at: issued)
            let windowStart = (step - 1) * Int64(period)
            let windowEnd = (step + 2) * Int64(period)  // exclusive
            for second in stride(from: windowStart, to: windowEnd, by: 1) where second >= 0 {
                #expect(totp.match(code, at: Date(timeIntervalSince1970: TimeInterval(second))) != nil)
            }
            // Just outside, the code of step s is accepted only if it collides with a neighbouring code.
            for second in [windowStart - 1, windowEnd] where second >= 0 {
                let at = Date(timeIntervalSince1970: TimeInterval(second))
                let collides = (-1...1).contains { totp.code(forStep: totp.step(at: at) + Int64($0)) == code }
                #expect((totp.match(code, at: at) != nil) == collides)
            }
        }
    }

    @Test("The replay guard accepts a code once, then refuses it at every later time in the window")
    func acceptOnce() async {
        await propertyCheck(count: 100, input: Self.secrets, Self.times, Gen.int(in: -30...30), Gen.int(in: 0...59)) {
            secret, time, skew, later in
            let totp = try TOTP(secret: secret)
            let issued = Date(timeIntervalSince1970: TimeInterval(time))
            let code = totp.code(at: issued)
            let clock = Mutex(issued.addingTimeInterval(TimeInterval(skew)))
            let guardian = ReplayGuard(clock: WallClock { clock.withLock { $0 } })
            #expect(throws: Never.self) { try guardian.verify(code, for: totp, challenge: "first") }
            clock.withLock { $0 = $0.addingTimeInterval(TimeInterval(later)) }
            if totp.match(code, at: clock.withLock { $0 }) != nil {
                #expect(throws: ClawSecurityError.replayedCode) { try guardian.verify(code, for: totp, challenge: "again") }
            } else {
                #expect(throws: ClawSecurityError.invalidCode) { try guardian.verify(code, for: totp, challenge: "again") }
            }
        }
    }

    @Test("Codes always have exactly the configured number of digits")
    func digitsProperty() async {
        await propertyCheck(count: 200, input: Self.secrets, Self.times, Self.digits) { secret, time, digits in
            let totp = try TOTP(secret: secret, configuration: .init(digits: digits))
            let code = totp.code(at: Date(timeIntervalSince1970: TimeInterval(time)))
            #expect(code.count == digits)
            #expect(code.allSatisfy { $0.isASCII && $0.isNumber })
        }
    }
}
