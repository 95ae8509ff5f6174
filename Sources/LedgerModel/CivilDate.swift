/// A civil date (YYYY-MM-DD) in China Standard Time, counted in days since 1970-01-01.
///
/// ```swift
/// let settled = CivilDate("2024-02-03")!   // year 2024, month 2, day 3
/// settled.description                      // "2024-02-03"
/// ```
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01; negative before it.
    public let daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// The earliest and latest years the ledger accepts; anything outside is a typing error.
    public static let earliestYear = 1900
    public static let latestYear = 2199

    /// A real calendar date, or `nil`.
    public init?(year: Int, month: Int, day: Int) {
        guard (CivilDate.earliestYear...CivilDate.latestYear).contains(year), (1...12).contains(month),
            (1...CivilDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        daysSinceEpoch = Int32(CivilDate.days(year: year, month: month, day: day))
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? { decimal(bytes, range) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// From 1901 to 2099 every fourth year is a leap year, so the year is one division of the days
    /// since 1901-01-01 (a fold asks every event's year); `components` outside those years.
    @inlinable
    public var year: Int {
        let days = Int(daysSinceEpoch) + 25_202
        guard days >= 0, daysSinceEpoch < 47_482 else { return components.year }
        return 1_901 + (4 * days + 3) / 1_461
    }
    @inlinable
    public var month: Int { components.month }
    public var day: Int { components.day }

    /// The first day of `year`.
    public static func firstOf(year: Int) -> CivilDate {
        CivilDate(daysSinceEpoch: Int32(days(year: year, month: 1, day: 1)))
    }

    /// The last day of `year`.
    public static func lastOf(year: Int) -> CivilDate {
        CivilDate(daysSinceEpoch: Int32(days(year: year, month: 12, day: 31)))
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + Int32(days)) }

    public var description: String {
        let (year, month, day) = components
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// Howard Hinnant's `civil_from_days`.
    @inlinable
    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(daysSinceEpoch) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Howard Hinnant's `days_from_civil`.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// The whole number written in decimal digits at `range` of `bytes`, or `nil` if any is not a digit.
func decimal(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
    var value = 0
    for index in range {
        let byte = bytes[index]
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
}

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// A moment on the ledger's clock: milliseconds since 1970-01-01T00:00:00Z.
///
/// The ledger assigns it once, when an event is appended, and nothing downstream reads a clock.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// RFC 3339 in UTC with milliseconds: `2026-11-23T18:32:51.123Z`.
    public var description: String {
        let milliseconds = millisecondsSinceEpoch
        let dayMilliseconds: Int64 = 86_400_000
        let days = milliseconds >= 0 ? milliseconds / dayMilliseconds : (milliseconds - dayMilliseconds + 1) / dayMilliseconds
        let rest = Int(milliseconds - days * dayMilliseconds)
        let date = CivilDate(daysSinceEpoch: Int32(days))
        return date.description + "T" + pad(rest / 3_600_000, 2) + ":" + pad(rest / 60_000 % 60, 2) + ":"
            + pad(rest / 1000 % 60, 2) + "." + pad(rest % 1000, 3) + "Z"
    }

    /// Parses the form ``description`` writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`; the milliseconds may be absent).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 || bytes.count == 24, bytes[10] == UInt8(ascii: "T"),
            bytes.last == UInt8(ascii: "Z"), let date = CivilDate(String(decoding: bytes[0..<10], as: UTF8.self))
        else { return nil }
        func number(_ range: Range<Int>) -> Int? { decimal(bytes, range) }
        guard bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var milliseconds = 0
        if bytes.count == 24 {
            guard bytes[19] == UInt8(ascii: "."), let fraction = number(20..<23) else { return nil }
            milliseconds = fraction
        } else if bytes[19] != UInt8(ascii: "Z") {
            return nil
        }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        millisecondsSinceEpoch = seconds * 1000 + Int64(milliseconds)
    }
}

extension Timestamp {
    /// Parses an RFC 3339 time with an explicit offset, as a source delivers `receivedAt`:
    /// `YYYY-MM-DDTHH:MM:SS+08:00` (or `-HH:MM`, or `Z`), a real date and time, no fraction.
    public init?(offsetTime text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 || bytes.count == 25, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), let date = CivilDate(String(decoding: bytes[0..<10], as: UTF8.self)),
            let hour = decimal(bytes, 11..<13), let minute = decimal(bytes, 14..<16), let second = decimal(bytes, 17..<19),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var offsetMinutes = 0
        if bytes.count == 20 {
            guard bytes[19] == UInt8(ascii: "Z") else { return nil }
        } else {
            guard bytes[19] == UInt8(ascii: "+") || bytes[19] == UInt8(ascii: "-"), bytes[22] == UInt8(ascii: ":"),
                let offsetHours = decimal(bytes, 20..<22), let offsetRest = decimal(bytes, 23..<25), offsetHours <= 14, offsetRest < 60
            else { return nil }
            offsetMinutes = (offsetHours * 60 + offsetRest) * (bytes[19] == UInt8(ascii: "-") ? -1 : 1)
        }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        self.init(millisecondsSinceEpoch: seconds * 1000)
    }

    /// The civil date of this moment in China Standard Time (UTC+8), as RULES.md § 14 measures arrivals.
    public var chinaDate: CivilDate {
        let shifted = millisecondsSinceEpoch + 8 * 3_600_000
        let dayMilliseconds: Int64 = 86_400_000
        let days = shifted >= 0 ? shifted / dayMilliseconds : (shifted - dayMilliseconds + 1) / dayMilliseconds
        return CivilDate(daysSinceEpoch: Int32(clamping: days))
    }
}

/// A month of a year, written `YYYY-MM` (the year 1900 to 2199).
public struct YearMonth: Hashable, Sendable, LosslessStringConvertible {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (CivilDate.earliestYear...CivilDate.latestYear).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Parses `YYYY-MM`: four digits, a hyphen, two digits, nothing else.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
            bytes.indices.allSatisfy({ $0 == 4 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) }),
            let year = Int(String(decoding: bytes[0..<4], as: UTF8.self)), let month = Int(String(decoding: bytes[5..<7], as: UTF8.self))
        else { return nil }
        self.init(year: year, month: month)
    }

    public var description: String { "\(year)-\(month < 10 ? "0" : "")\(month)" }
}
