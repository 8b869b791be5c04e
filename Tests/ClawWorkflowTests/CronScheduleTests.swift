import ClawWorkflow
import Foundation
import Testing

@Suite("CronSchedule")
struct CronScheduleTests {
    static func date(_ text: String) -> Date { RFC3339.parse(text)! }

    func fires(_ expression: String, _ zone: String = "UTC", after start: String, count: Int) throws -> [String] {
        let schedule = try CronSchedule(expression, timeZone: zone)
        var out = [String]()
        var at = Self.date(start)
        for _ in 0..<count {
            guard let next = schedule.next(after: at) else { break }
            out.append(RFC3339.format(next))
            at = next
        }
        return out
    }

    @Test("Every 15 minutes, hourly and daily")
    func simple() throws {
        #expect(try fires("*/15 * * * *", after: "2026-11-26T08:07:00Z", count: 3) == ["2026-11-26T08:15:00Z", "2026-11-26T08:30:00Z", "2026-11-26T08:45:00Z"])
        #expect(try fires("0 * * * *", after: "2026-11-26T08:00:00Z", count: 2) == ["2026-11-26T09:00:00Z", "2026-11-26T10:00:00Z"])
        #expect(try fires("30 6 * * *", after: "2026-12-31T07:00:00Z", count: 2) == ["2027-01-01T06:30:00Z", "2027-01-02T06:30:00Z"])
    }

    @Test("Month ends: the 31st only in 31-day months; 29 February only in leap years")
    func monthEnds() throws {
        #expect(try fires("0 0 31 * *", after: "2026-01-31T00:00:00Z", count: 4) ==
            ["2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"])
        #expect(try fires("0 12 29 feb *", after: "2026-01-01T00:00:00Z", count: 2) == ["2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"])
    }

    @Test("Day of month and day of week: either matches when both are restricted")
    func dayOr() throws {
        // 13th of the month or any Friday, December 2026: Fri 4, Fri 11, Sun 13, Fri 18.
        #expect(try fires("0 9 13 * fri", after: "2026-12-01T00:00:00Z", count: 4) ==
            ["2026-12-04T09:00:00Z", "2026-12-11T09:00:00Z", "2026-12-13T09:00:00Z", "2026-12-18T09:00:00Z"])
        #expect(try fires("0 9 * * 7", after: "2026-11-26T00:00:00Z", count: 1) == ["2026-11-29T09:00:00Z"])
        #expect(try fires("0 9 * * mon-fri", after: "2026-11-27T10:00:00Z", count: 2) == ["2026-11-30T09:00:00Z", "2026-12-01T09:00:00Z"])
    }

    @Test("Spring forward in Paris: 02:30 does not exist on 29 March 2026 and fires an hour later, at 03:30 local (01:30Z)")
    func springForward() throws {
        #expect(try fires("30 2 * * *", "Europe/Paris", after: "2026-03-28T00:00:00Z", count: 3) ==
            ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"])
        // Hourly at :00 through the gap: 01:00, then 03:00 local (no 02:00).
        #expect(try fires("0 * * * *", "Europe/Paris", after: "2026-03-28T23:30:00Z", count: 3) ==
            ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"])
    }

    @Test("Fall back in Paris: 02:30 occurs twice on 25 October 2026 and fires once")
    func fallBack() throws {
        #expect(try fires("30 2 * * *", "Europe/Paris", after: "2026-10-24T12:00:00Z", count: 3) ==
            ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"])
    }

    @Test("New York's daylight-saving change at 02:00")
    func newYork() throws {
        #expect(try fires("0 12 * * *", "America/New_York", after: "2026-03-07T00:00:00Z", count: 2) ==
            ["2026-03-07T17:00:00Z", "2026-03-08T16:00:00Z"])
    }

    @Test("Bad expressions are refused with the field named", arguments: [
        "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *",
        "a * * * *", "* * * foo *", "1,,2 * * * *",
    ])
    func invalid(expression: String) {
        #expect(throws: WorkflowError(.invalidWorkflow, "")) { try CronSchedule(expression) }
    }

    @Test("Unknown time zones are refused")
    func zone() {
        #expect(throws: WorkflowError(.invalidWorkflow, "")) { try CronSchedule("* * * * *", timeZone: "Mars/Base") }
    }
}
