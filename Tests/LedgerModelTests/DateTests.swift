import Testing

@testable import LedgerModel

/// The Gregorian leap-year rule, written out independently of the code under test.
private func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

private func daysInMonth(_ month: Int, _ year: Int) -> Int {
    [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
}

private func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

@Suite("CivilDate")
struct CivilDateTests {
    @Test(
        "valid dates parse to their components",
        arguments: [
            ("2024-02-29", 2024, 2, 29),
            ("2000-02-29", 2000, 2, 29),
            ("2024-12-31", 2024, 12, 31),
            ("1970-01-01", 1970, 1, 1),
            ("1949-12-31", 1949, 12, 31),
            ("1900-01-01", 1900, 1, 1),
            ("2199-12-31", 2199, 12, 31),
            ("2022-08-01", 2022, 8, 1),
            ("2023-04-30", 2023, 4, 30),
        ])
    func valid(text: String, year: Int, month: Int, day: Int) throws {
        let date = try #require(CivilDate(text))
        #expect(date.year == year)
        #expect(date.month == month)
        #expect(date.day == day)
        #expect(date.description == text)
        #expect(CivilDate(year: year, month: month, day: day) == date)
    }

    @Test(
        "invalid dates are refused",
        arguments: [
            "2023-02-29",  // 2023 is not a leap year
            "1900-02-29",  // 1900 is not a leap year (divisible by 100)
            "2100-02-29",
            "2024-02-30",
            "2024-04-31",
            "2024-06-31",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "2024-01-32",
            "2024-1-01",
            "2024-01-1",
            "24-01-01",
            "02024-01-01",
            "2024/01/01",
            "2024-01-01 ",
            " 2024-01-01",
            "2024-01-01T00:00:00Z",
            "20240101",
            "",
            "abcd-ef-gh",
            "+024-01-01",
            "2024-0a-01",
            "2024--1-01",
            "２０２４-01-01",
            "1899-12-31",  // before the ledger's earliest year
            "2200-01-01",  // after its latest
        ])
    func invalid(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test("CivilDate(year:month:day:) refuses impossible components")
    func invalidComponents() {
        #expect(CivilDate(year: 2023, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2024, month: 0, day: 1) == nil)
        #expect(CivilDate(year: 2024, month: 13, day: 1) == nil)
        #expect(CivilDate(year: 2024, month: 1, day: 0) == nil)
        #expect(CivilDate(year: 2024, month: 11, day: 31) == nil)
        #expect(CivilDate(year: 2024, month: 1, day: -1) == nil)
        #expect(CivilDate(year: 1899, month: 12, day: 31) == nil)
        #expect(CivilDate(year: 2200, month: 1, day: 1) == nil)
    }

    @Test(
        "days since 1970-01-01, counted by hand",
        arguments: [
            ("1970-01-01", Int32(0)),
            ("1970-01-02", 1),
            ("1969-12-31", -1),
            ("1971-01-01", 365),
            ("1973-01-01", 1096),  // 1972 is a leap year
            ("2000-01-01", 10_957),
            ("2024-01-01", 19_723),
            ("2024-03-01", 19_783),  // 19 723 + 31 + 29
            ("1950-01-01", -7305),
            ("1949-12-31", -7306),
            ("1900-01-01", -25_567),  // 70 × 365 + 17 leap days
            ("2026-11-23", 20_780),
        ])
    func epochDays(text: String, days: Int32) throws {
        let date = try #require(CivilDate(text))
        #expect(date.daysSinceEpoch == days)
        #expect(CivilDate(daysSinceEpoch: days).description == text)
    }

    @Test("every day from 1900-01-01 to 2199-12-31 agrees with a hand-rolled calendar, by its components and by its year")
    func walkEveryDay() {
        var failures: [String] = []
        var days: Int32 = -25_567
        var year = 1900
        var month = 1
        var day = 1
        var count = 0
        while year <= 2199 {
            let text = "\(year)-\(twoDigits(month))-\(twoDigits(day))"
            let fromComponents = CivilDate(year: year, month: month, day: day)
            let fromDays = CivilDate(daysSinceEpoch: days)
            let components = fromDays.components
            if fromComponents?.daysSinceEpoch != days { failures.append("\(text): days \(String(describing: fromComponents))") }
            if components.year != year || components.month != month || components.day != day {
                failures.append("\(days): components \(components)")
            }
            // `year` takes a shorter way from 1901 to 2099 than `components`: the walk crosses both ends.
            if fromDays.year != year || fromDays.month != month { failures.append("\(days): year \(fromDays.year), month \(fromDays.month)") }
            if fromDays.description != text { failures.append("\(days): description \(fromDays.description)") }
            if CivilDate(text) != fromDays { failures.append("\(text): parse") }
            if failures.count > 10 { break }
            count += 1
            days += 1
            day += 1
            if day > daysInMonth(month, year) {
                day = 1
                month += 1
                if month > 12 {
                    month = 1
                    year += 1
                }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        // 300 years: 300 × 365 + 73 leap days (1904…2196 is 74 multiples of 4, less 2100; 1900 is not leap).
        #expect(count == 300 * 365 + 73)
        #expect(days - 1 == CivilDate.lastOf(year: 2199).daysSinceEpoch)
    }

    @Test("first and last day of a year")
    func firstAndLast() throws {
        #expect(CivilDate.firstOf(year: 2024) == CivilDate("2024-01-01"))
        #expect(CivilDate.lastOf(year: 2024) == CivilDate("2024-12-31"))
        #expect(CivilDate.firstOf(year: 1950).description == "1950-01-01")
        #expect(CivilDate.lastOf(year: 1949).description == "1949-12-31")
        for year in 1900...2199 {
            let first = CivilDate.firstOf(year: year)
            let last = CivilDate.lastOf(year: year)
            #expect(last.daysSinceEpoch - first.daysSinceEpoch == (isLeap(year) ? 365 : 364), "\(year)")
            #expect(first.year == year && first.month == 1 && first.day == 1)
            #expect(last.year == year && last.month == 12 && last.day == 31)
            if year < 2199 { #expect(last.adding(days: 1) == CivilDate.firstOf(year: year + 1)) }
        }
    }

    @Test("adding days crosses months, leap days and years")
    func adding() throws {
        let date = try #require(CivilDate("2024-02-28"))
        #expect(date.adding(days: 1).description == "2024-02-29")
        #expect(date.adding(days: 2).description == "2024-03-01")
        #expect(date.adding(days: 0) == date)
        #expect(date.adding(days: -59).description == "2023-12-31")
        #expect(try #require(CivilDate("2023-02-28")).adding(days: 1).description == "2023-03-01")
        #expect(try #require(CivilDate("1970-01-01")).adding(days: -1).description == "1969-12-31")
        #expect(try #require(CivilDate("2024-01-01")).adding(days: 366).description == "2025-01-01")
    }

    @Test("dates order by day, agreeing with the order of their text")
    func ordering() throws {
        let texts = ["2024-01-01", "1969-12-31", "2023-12-31", "2024-02-29", "1900-01-01", "2024-03-01", "1970-01-01",
                     "2199-12-31", "2024-02-28", "2000-02-29"]
        let dates = try texts.map { try #require(CivilDate($0)) }
        #expect(dates.sorted().map(\.description) == texts.sorted())
        let a = try #require(CivilDate("2023-12-31"))
        let b = try #require(CivilDate("2024-01-01"))
        #expect(a < b)
        #expect(!(b < a))
        #expect(!(a < a))
        #expect(a != b)
        #expect(a.adding(days: 1) == b)
        #expect(Set([a, b, a.adding(days: 1)]).count == 2)
    }
}

@Suite("Timestamp")
struct TimestampTests {
    // 2026-11-23 is day 20 780; 18:32:51.123 is 66 771 123 ms into it.
    static let sample: Int64 = 20_780 * 86_400_000 + 66_771_123

    @Test("parses RFC 3339 with milliseconds")
    func withMilliseconds() throws {
        let time = try #require(Timestamp("2026-11-23T18:32:51.123Z"))
        #expect(time.millisecondsSinceEpoch == Self.sample)
        #expect(time.millisecondsSinceEpoch == 1_795_458_771_123)
        #expect(time.description == "2026-11-23T18:32:51.123Z")
    }

    @Test("parses RFC 3339 without milliseconds")
    func withoutMilliseconds() throws {
        let time = try #require(Timestamp("2026-11-23T18:32:51Z"))
        #expect(time.millisecondsSinceEpoch == Self.sample - 123)
        #expect(time.description == "2026-11-23T18:32:51.000Z")
    }

    static let descriptions: [(Int64, String)] = [
        (0, "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (86_400_000, "1970-01-02T00:00:00.000Z"),
        (-86_400_000, "1969-12-31T00:00:00.000Z"),
        (-86_400_001, "1969-12-30T23:59:59.999Z"),
        (1_795_458_771_123, "2026-11-23T18:32:51.123Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),  // day 19 783 starts at 1 709 251 200 000
        (-2_208_988_800_000, "1900-01-01T00:00:00.000Z"),  // day -25 567
        (1_000, "1970-01-01T00:00:01.000Z"),
        (3_599_999, "1970-01-01T00:59:59.999Z"),
        (45_296_007, "1970-01-01T12:34:56.007Z"),
    ]

    @Test("description", arguments: descriptions)
    func describes(milliseconds: Int64, text: String) throws {
        #expect(Timestamp(millisecondsSinceEpoch: milliseconds).description == text)
        let parsed = try #require(Timestamp(text))
        #expect(parsed.millisecondsSinceEpoch == milliseconds)
    }

    @Test("description parses back for times spread over 1900–2199")
    func roundTrip() {
        let low: Int64 = -25_567 * 86_400_000
        let high: Int64 = (CivilDate.lastOf(year: 2199).daysSinceEpoch.int64 + 1) * 86_400_000 - 1
        var failures: [Int64] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var samples: [Int64] = [low, high, 0, -1, 1]
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            samples.append(low + Int64((state >> 1) % UInt64(high - low + 1)))
        }
        for milliseconds in samples {
            let text = Timestamp(millisecondsSinceEpoch: milliseconds).description
            if Timestamp(text)?.millisecondsSinceEpoch != milliseconds { failures.append(milliseconds) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test(
        "refused times",
        arguments: [
            "2026-11-23T24:00:00Z",
            "2026-11-23T18:60:00Z",
            "2026-11-23T18:32:60Z",
            "2026-11-23 18:32:51Z",
            "2026-11-23t18:32:51Z",
            "2026-11-23T18:32:51",
            "2026-11-23T18:32:51.123",
            "2026-11-23T18:32:51z",
            "2026-11-23T18:32:51.12Z",
            "2026-11-23T18:32:51.1234Z",
            "2026-11-23T18:32:51.Z",
            "2026-11-23T18:32:51+08:00",
            "2026-11-23T18:32:51,123Z",
            "2026-11-23T18-32-51Z",
            "2026-11-23T18:32:5aZ",
            "2026-11-23T18:32:51.12aZ",
            "2026-02-30T00:00:00Z",
            "2026-11-23",
            "",
            "2026-11-23T1:32:51.123ZZ",
        ])
    func refused(text: String) {
        #expect(Timestamp(text) == nil)
    }

    @Test("order")
    func order() throws {
        let a = try #require(Timestamp("2026-11-23T18:32:51Z"))
        let b = try #require(Timestamp("2026-11-23T18:32:51.001Z"))
        #expect(a < b)
        #expect(!(b < a))
        #expect(Timestamp(millisecondsSinceEpoch: -1) < Timestamp(millisecondsSinceEpoch: 0))
    }
}

extension Int32 {
    fileprivate var int64: Int64 { Int64(self) }
}

@Suite struct OffsetTimeTests {
    @Test func anOffsetTimeIsTheSameInstantWhateverItsOffset() throws {
        let china = try #require(Timestamp(offsetTime: "2024-05-21T01:30:00+08:00"))
        let utc = try #require(Timestamp(offsetTime: "2024-05-20T17:30:00Z"))
        let west = try #require(Timestamp(offsetTime: "2024-05-20T12:30:00-05:00"))
        #expect(china == utc && utc == west)
        #expect(china.description == "2024-05-20T17:30:00.000Z")
        // The arrival date in China Standard Time: 01:30 on the 21st there, though the 20th in UTC.
        #expect(china.chinaDate == CivilDate("2024-05-21"))
        #expect(try #require(Timestamp(offsetTime: "2024-05-20T15:59:59Z")).chinaDate == CivilDate("2024-05-20"))
        #expect(try #require(Timestamp(offsetTime: "2024-05-20T16:00:00Z")).chinaDate == CivilDate("2024-05-21"))
    }

    @Test(arguments: ["2024-05-21 01:30:00+08:00", "2024-05-21T01:30:00", "2024-05-21T01:30:00.5+08:00", "2024-02-30T01:30:00+08:00",
                      "2024-05-21T24:00:00+08:00", "2024-05-21T01:30:00+15:00", "2024-05-21T01:30:00+0800", ""])
    func malformedOffsetTimesAreRefused(text: String) {
        #expect(Timestamp(offsetTime: text) == nil)
    }
}
