import Foundation

/// A 5-field cron expression (`minute hour day-of-month month day-of-week`) in a time zone.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and comma lists; months and weekdays
/// also take three-letter English names, and weekday 7 is Sunday like 0. As in Vixie cron, when both the
/// day of month and the day of week are restricted, a day matches if either does.
///
/// Local times that a daylight-saving change skips fire shifted by the gap (02:30 on a day that jumps from
/// 02:00 to 03:00 fires at 03:30), so a daily job still runs that day; local times that occur twice fire
/// once, at the first occurrence.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression as given.
    public let expression: String
    /// The time zone's identifier.
    public let timeZoneIdentifier: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    /// Parses an expression.
    /// - Parameters:
    ///   - expression: Five fields separated by spaces.
    ///   - timeZone: An IANA time zone identifier; UTC by default.
    /// - Throws: ``WorkflowError/Code/invalidWorkflow`` naming the bad field.
    public init(_ expression: String, timeZone: String = "UTC") throws(WorkflowError) {
        let fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw WorkflowError(.invalidWorkflow, "a cron expression has 5 fields (minute hour day month weekday)")
        }
        guard TimeZone(identifier: timeZone) != nil else { throw WorkflowError(.invalidWorkflow, "unknown time zone '\(timeZone)'") }
        self.expression = expression
        self.timeZoneIdentifier = timeZone
        let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        minutes = try Self.field(fields[0], "minute", 0...59, names: [:])
        hours = try Self.field(fields[1], "hour", 0...23, names: [:])
        daysOfMonth = try Self.field(fields[2], "day of month", 1...31, names: [:])
        months = try Self.field(fields[3], "month", 1...12, names: Dictionary(uniqueKeysWithValues: monthNames.enumerated().map { ($1, $0 + 1) }))
        daysOfWeek = Set(try Self.field(fields[4], "day of week", 0...7, names: Dictionary(uniqueKeysWithValues: dayNames.enumerated().map { ($1, $0) })).map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
    }

    static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String: Int]) throws(WorkflowError) -> Set<Int> {
        func fail() -> WorkflowError { WorkflowError(.invalidWorkflow, "invalid cron \(name) field '\(text.prefix(40))'") }
        func value(_ s: Substring) throws(WorkflowError) -> Int {
            if let n = Int(s), range.contains(n) { return n }
            if let n = names[s.lowercased()] { return n }
            throw fail()
        }
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, !pieces[0].isEmpty else { throw fail() }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s >= 1, s <= range.upperBound + 1 else { throw fail() }
                step = s
            }
            let lower: Int
            let upper: Int
            if pieces[0] == "*" {
                lower = range.lowerBound
                upper = range.upperBound
            } else if let dash = pieces[0].firstIndex(of: "-") {
                lower = try value(pieces[0][..<dash])
                upper = try value(pieces[0][pieces[0].index(after: dash)...])
                guard lower <= upper else { throw fail() }
            } else {
                lower = try value(pieces[0])
                upper = pieces.count == 2 ? range.upperBound : lower
            }
            out.formUnion(stride(from: lower, through: upper, by: step))
        }
        return out
    }

    /// The expression and time zone.
    public var description: String { "\(expression) (\(timeZoneIdentifier))" }

    /// Returns the first instant strictly after `date` at which the schedule fires, looking up to 5 years ahead.
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZoneIdentifier)!
        let start = calendar.startOfDay(for: date)
        for dayOffset in 0...(366 * 5) {
            guard let day = calendar.date(byAdding: .day, value: dayOffset, to: start) else { return nil }
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard let month = parts.month, let dom = parts.day, let weekday = parts.weekday, months.contains(month) else { continue }
            let domMatch = daysOfMonth.contains(dom)
            let dowMatch = daysOfWeek.contains(weekday - 1)
            let dayMatches: Bool
            switch (dayOfMonthRestricted, dayOfWeekRestricted) {
            case (true, true): dayMatches = domMatch || dowMatch
            case (true, false): dayMatches = domMatch
            case (false, true): dayMatches = dowMatch
            case (false, false): dayMatches = true
            }
            guard dayMatches else { continue }
            // Around a daylight-saving change local order and instant order can differ: take the earliest.
            var best: Date?
            for hour in hours {
                for minute in minutes {
                    var c = DateComponents()
                    c.year = parts.year
                    c.month = month
                    c.day = dom
                    c.hour = hour
                    c.minute = minute
                    // A skipped local time resolves to the instant the gap's length later.
                    guard let candidate = calendar.date(from: c), candidate > date else { continue }
                    if best.map({ candidate < $0 }) ?? true { best = candidate }
                }
            }
            if let best { return best }
        }
        return nil
    }
}
