import LedgerModel

/// Working days as the published calendar makes them (RULES.md § 14): Monday to Friday, minus the
/// `calendar.holiday` intervals, plus the `calendar.workday` dates (调休). The ledger never guesses
/// a holiday: a year with no calendar entry is Monday to Friday alone, and says so.
public struct WorkingCalendar: Sendable {
    private let holidays: [(from: CivilDate, to: CivilDate)]
    private let workdays: Set<CivilDate>
    /// Years that have at least one published calendar entry.
    public let publishedYears: Set<Int>

    public init(_ parameters: ParameterSet) {
        var holidays: [(CivilDate, CivilDate)] = []
        var workdays: Set<CivilDate> = []
        var years: Set<Int> = []
        for parameter in parameters.all {
            switch parameter.name {
            case .calendarHoliday:
                let to = parameter.validTo ?? parameter.validFrom
                holidays.append((parameter.validFrom, to))
                years.formUnion(parameter.validFrom.year...to.year)
            case .calendarWorkday:
                workdays.insert(parameter.validFrom)
                years.insert(parameter.validFrom.year)
            default:
                break
            }
        }
        self.holidays = holidays
        self.workdays = workdays
        publishedYears = years
    }

    /// 1970-01-01 was a Thursday: 0 is Sunday … 6 Saturday.
    static func weekday(_ date: CivilDate) -> Int {
        Int(((Int64(date.daysSinceEpoch) + 4) % 7 + 7) % 7)
    }

    public func isWorkingDay(_ date: CivilDate) -> Bool {
        if workdays.contains(date) { return true }
        let weekday = WorkingCalendar.weekday(date)
        if weekday == 0 || weekday == 6 { return false }
        return !holidays.contains { $0.from <= date && date <= $0.to }
    }

    /// The `count`-th working day after `date` (not counting `date` itself).
    public func workingDay(_ count: Int, after date: CivilDate) -> CivilDate {
        var day = date
        var found = 0
        while found < count {
            day = day.adding(days: 1)
            if isWorkingDay(day) { found += 1 }
        }
        return day
    }

    /// Working days after `due` up to and including `arrived`; 0 when it arrived by the due date.
    public func lag(due: CivilDate, arrived: CivilDate) -> Int {
        var lag = 0
        var day = due
        while day < arrived {
            day = day.adding(days: 1)
            if isWorkingDay(day) { lag += 1 }
        }
        return lag
    }
}

/// When a fact shared between departments was due (002 § 二(二)), if it is one the policy times.
public enum Deadline {
    /// Identity lists by the 5th working day of the month after the change; a payment within 5
    /// working days after it is paid.
    /// Who owed the fact: a payment's sending system; an identity's department, which for a
    /// revocation is the one that recognises its category (civil affairs for TK GE SW DB DBBY,
    /// rural revitalisation for JC TP; INTERCHANGE.md).
    public static func department(of event: Event) -> String {
        if event.type == .contributionPaid { return event.source?.system ?? "-" }
        if let department = event.word(.department, Department.self) { return department.word }
        return event.word(.category, Category.self)?.department.word ?? "-"
    }

    public static func due(of event: Event, calendar: WorkingCalendar) -> CivilDate? {
        switch event.type {
        case .identityRecognized, .identityRevoked:
            guard let changed = event.date(event.type == .identityRecognized ? .validFrom : .validTo),
                let next = changed.month == 12
                    ? CivilDate(year: changed.year + 1, month: 1, day: 1) : CivilDate(year: changed.year, month: changed.month + 1, day: 1)
            else { return nil }
            return calendar.workingDay(5, after: next.adding(days: -1))
        case .contributionPaid:
            return event.date(.paidOn).map { calendar.workingDay(5, after: $0) }
        default:
            return nil
        }
    }
}
