import LedgerModel
@testable import LedgerRules
import Testing

/// Coverage and waiting period (RULES.md § 5, I-9). Every claim below has base 5 000.00 unless
/// said otherwise: eligible 5 000 − 3 000 = 2 000 on an empty B, so 1 400.00 for JC, 1 000.00 for TP.
@Suite struct CoverageTests {
    static func claim(_ id: String, on date: String) -> Event {
        Fact.claim(id, on: date, inList: "15000.00", basic: "10000.00")
    }

    static let waiting = Fact.policy("waiting.months", "3", from: "2020-01-01")

    @Test("not enrolled for the claim's year → no assistance, not counted (I-9)")
    func notEnrolled() throws {
        var book = Book()
        book.add([Fact.registered(), Fact.identity("JC", from: "2023-01-01"), Fact.enrolled(year: 2023, on: "2022-11-01")])
        book.add(CoverageTests.claim("c1", on: "2024-03-01"))
        let c1 = try #require(book.adjudicate().claim("c1"))
        #expect(c1.grant == .zero)
        #expect(!c1.counted)
        #expect(c1.outcome == .none)
        #expect(c1.rules.contains(.I9))
        #expect(c1.reason?.contains("not enrolled for insurance year 2024") == true)
    }

    @Test("enrolled in the concentrated period → covered from January, even for TP (no waiting)")
    func concentratedPeriod() throws {
        var book = Book(policies: [CoverageTests.waiting])
        book.add(tpPerson())  // enrolled 2023-11-15, concentrated
        book.add(CoverageTests.claim("c1", on: "2024-01-01"))
        let c1 = try #require(book.adjudicate().claim("c1"))
        #expect(c1.counted)
        #expect(c1.grant == yuan("1000.00"))
        #expect(c1.parameters.contains(60) == false, "no waiting period was applied")
    }

    @Test("channel other, no exemption, no waiting.months published → pending naming waiting.months")
    func waitingPeriodPending() throws {
        var book = Book()
        book.add([Fact.registered(), Fact.identity("TP", from: "2020-01-01", exitYear: 2019),
                  Fact.enrolled(on: "2024-03-10", channel: "other")])
        book.add(CoverageTests.claim("c1", on: "2024-05-01"))
        let c1 = try #require(book.adjudicate().claim("c1"))
        #expect(c1.outcome == .pending)
        #expect(c1.pending?.parameter == ParameterName.waitingMonths)
        #expect(c1.pending?.date == day("2024-03-10"))
        #expect(c1.reason?.contains("waiting.months") == true)
        #expect(!c1.counted)
        #expect(c1.grant == .zero)
        // The pending decision is written as such.
        let events = book.pending(cause: book.next)
        let written = try #require(events.first { $0.text(.claim) == "c1" })
        #expect(written.symbol(.outcome) == "pending")
        #expect(written.text(.pendingParameter) == "waiting.months")
    }

    @Test("waiting.months = 3 published: claims before coverage starts get nothing, with the reason")
    func waitingPeriodApplies() throws {
        var book = Book(policies: [CoverageTests.waiting])
        book.add([Fact.registered(), Fact.identity("TP", from: "2020-01-01", exitYear: 2019),
                  Fact.enrolled(on: "2024-03-10", channel: "other")])
        // Enrolled in March with a 3-month wait: benefits from the month of enrolment + 3, June (2024-06-01).
        book.add(CoverageTests.claim("c1", on: "2024-05-15"))
        book.add(CoverageTests.claim("c2", on: "2024-06-15"))
        let year = book.adjudicate()
        let c1 = try #require(year.claim("c1"))
        #expect(c1.grant == .zero)
        #expect(!c1.counted)
        #expect(c1.reason?.contains("before coverage starts on 2024-06-01") == true, "\(c1.reason ?? "")")
        #expect(c1.reason?.contains("waiting period applies") == true)
        // c2 is covered; c1 did not enter B, so eligible 2 000 → TP 50% → 1 000.00.
        let c2 = try #require(year.claim("c2"))
        #expect(c2.counted)
        #expect(c2.baseBefore == .zero)
        #expect(c2.grant == yuan("1000.00"))
        #expect(c2.parameters.contains(60), "the waiting.months publication is cited")
    }

    @Test("a JC enrolling outside the concentrated period has no waiting period (000 § 二(一))")
    func jcHasNoWaitingPeriod() throws {
        var book = Book(policies: [CoverageTests.waiting])
        book.add([Fact.registered(), Fact.identity("JC", from: "2023-01-01"),
                  Fact.enrolled(on: "2024-03-10", channel: "other")])
        // Before the month of enrolment: not covered (benefits start with the month of enrolment).
        book.add(Fact.claim("c0", on: "2024-02-20", inList: "2000.00", basic: "1000.00"))
        // Same month as the enrolment: covered at once. B 0 (c0 not counted) → eligible 2 000 → 1 400.00.
        book.add(CoverageTests.claim("c1", on: "2024-03-20"))
        let year = book.adjudicate()
        let c0 = try #require(year.claim("c0"))
        #expect(!c0.counted && c0.grant == .zero)
        #expect(c0.reason?.contains("no waiting period") == true)
        let c1 = try #require(year.claim("c1"))
        #expect(c1.counted)
        #expect(c1.grant == yuan("1400.00"))
    }

    @Test("exemption newborn: no waiting period outside the concentrated period")
    func exemptionNewborn() throws {
        var book = Book(policies: [CoverageTests.waiting])
        book.add([Fact.registered(), Fact.identity("TP", from: "2020-01-01", exitYear: 2019),
                  Fact.enrolled(on: "2024-03-10", channel: "other", exemption: "newborn")])
        book.add(CoverageTests.claim("c1", on: "2024-03-20"))
        #expect(try #require(book.adjudicate().claim("c1")).grant == yuan("1000.00"))
    }

    @Test("an unpaid or refunded contribution does not change coverage (I-9)")
    func paymentDoesNotMatter() throws {
        func decisions(_ payments: [Event]) -> [Money] {
            var book = Book()
            book.add(jcPerson())
            book.add(payments)
            book.add(CoverageTests.claim("c1", on: "2024-02-01"))
            book.add(CoverageTests.claim("c2", on: "2024-03-01"))
            return book.adjudicate().claims.map(\.grant)
        }
        // c1: eligible 2 000 → 1 400.00; c2: B 5 000 → 10 000, eligible 5 000 → 3 500.00.
        let expected = [yuan("1400.00"), yuan("3500.00")]
        #expect(decisions([]) == expected, "nothing paid")
        #expect(decisions([Fact.paid(amount: "152.00", on: "2024-01-05")]) == expected, "paid")
        #expect(decisions([Fact.paid(amount: "152.00", on: "2024-01-05"),
                           Fact.refunded(amount: "152.00", on: "2024-01-20")]) == expected, "paid and refunded")
    }
}
