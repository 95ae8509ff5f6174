import LedgerModel
@testable import LedgerRules
import Testing

/// Contribution subsidy (RULES.md § 4): subsidy = pct(standard, ratio), the single highest.
@Suite struct SubsidyTests {
    /// A person enrolled for `year` in the concentrated period of the year before, holding
    /// `identities` (recognised from 2021-01-01) — decided with `policies` published.
    func subsidy(year: Int, identities: [Event], policies: [Event] = []) throws -> SubsidyDecision {
        var book = Book(policies: policies)
        book.add(Fact.registered())
        book.add(identities)
        book.add(Fact.enrolled(year: year, on: "\(year - 1)-11-01"))
        let decisions = book.adjudicate(year).subsidies
        #expect(decisions.count == 1)
        return try #require(decisions.first)
    }

    static func held(_ category: String, exitYear: Int64? = nil) -> Event {
        Fact.identity(category, from: "2021-01-01", exitYear: exitYear)
    }

    /// Standards the seeds do not give, published by the test itself (a city notice).
    static let standards = [
        Fact.policy("contribution.standard", "350", from: "2023-01-01", to: "2023-12-31"),
        Fact.policy("contribution.standard", "380", from: "2024-01-01", to: "2024-12-31"),
        Fact.policy("contribution.standard", "400", from: "2025-01-01", to: "2025-12-31"),
    ]

    @Test("no contribution.standard for the year → pending, naming it")
    func pendingWithoutStandard() throws {
        let decision = try subsidy(year: 2024, identities: [SubsidyTests.held("JC")])
        #expect(decision.outcome == .pending)
        #expect(decision.pending?.parameter == ParameterName.contributionStandard)
        #expect(decision.pending?.date == day("2024-01-01"))
        #expect(decision.subsidy == .zero)
        #expect(decision.reason?.contains("contribution standard") == true)
    }

    @Test("2022 standard 320: TK 100% → 320.00, JC 60% → 192.00, TP 60% → 192.00")
    func year2022() throws {
        // TK: pct(32 000 fen, 10 000) = 32 000 → 320.00; owes 0.
        let tk = try subsidy(year: 2022, identities: [SubsidyTests.held("TK")])
        #expect(tk.standard == yuan("320"))
        #expect(tk.subsidy == yuan("320.00"))
        #expect(tk.owed == .zero)
        #expect(tk.category == .TK)
        #expect(tk.fundedBy == .civilAffairs)
        // JC: pct(32 000, 6 000) = 19 200 → 192.00; owes 128.00; from the assistance fund.
        let jc = try subsidy(year: 2022, identities: [SubsidyTests.held("JC")])
        #expect(jc.subsidy == yuan("192.00"))
        #expect(jc.owed == yuan("128.00"))
        #expect(jc.rate == BasisPoints(6000))
        #expect(jc.fundedBy == .assistanceFund)
        // TP (exit 2019): 60% in 2022 → 192.00; from city/county finance.
        let tp = try subsidy(year: 2022, identities: [SubsidyTests.held("TP", exitYear: 2019)])
        #expect(tp.subsidy == yuan("192.00"))
        #expect(tp.category == .TP)
        #expect(tp.fundedBy == .cityCountyFinance)
        #expect(tp.outcome == .granted)
    }

    @Test("TP 2023–2025 with standards published in the test: 50% of 350, 40% of 380, 30% of 400")
    func tpLaterYears() throws {
        let tp = [SubsidyTests.held("TP", exitYear: 2019)]
        // pct(35 000, 5 000) = 17 500 → 175.00.
        #expect(try subsidy(year: 2023, identities: tp, policies: SubsidyTests.standards).subsidy == yuan("175.00"))
        // pct(38 000, 4 000) = 15 200 → 152.00; owes 228.00.
        let tp2024 = try subsidy(year: 2024, identities: tp, policies: SubsidyTests.standards)
        #expect(tp2024.subsidy == yuan("152.00"))
        #expect(tp2024.owed == yuan("228.00"))
        #expect(tp2024.rate == BasisPoints(4000))
        // pct(40 000, 3 000) = 12 000 → 120.00.
        #expect(try subsidy(year: 2025, identities: tp, policies: SubsidyTests.standards).subsidy == yuan("120.00"))
    }

    @Test("several identities: the single highest subsidy, never a sum")
    func singleHighest() throws {
        // 2024, standard 380: JC 60% = 228.00, TP 40% = 152.00 → 228.00 (not 380.00).
        let both = try subsidy(year: 2024, identities: [SubsidyTests.held("TP", exitYear: 2019), SubsidyTests.held("JC")],
                               policies: SubsidyTests.standards)
        #expect(both.subsidy == yuan("228.00"))
        #expect(both.category == .JC)
        #expect(both.owed == yuan("152.00"))
        // 2022: TK 320.00 and JC 192.00 → 320.00 (not 512.00).
        let tkJc = try subsidy(year: 2022, identities: [SubsidyTests.held("JC"), SubsidyTests.held("TK")])
        #expect(tkJc.subsidy == yuan("320.00"))
        #expect(tkJc.category == .TK)
    }

    @Test("TP with exitYear 2015 and no contribution.subsidy.TP-exit published → pending; published 30% → 96.00")
    func tpExit() throws {
        let exit2015 = [SubsidyTests.held("TP", exitYear: 2015)]
        let pending = try subsidy(year: 2022, identities: exit2015)
        #expect(pending.outcome == .pending)
        #expect(pending.pending?.parameter == ParameterName.contributionSubsidyTPExit)
        #expect(pending.pending?.date == day("2022-01-01"))
        #expect(pending.subsidy == .zero)
        // With the region's ratio published: pct(32 000, 3 000) = 9 600 → 96.00.
        let published = try subsidy(year: 2022, identities: exit2015,
                                    policies: [Fact.policy("contribution.subsidy.TP-exit", "30%", from: "2022-01-01", to: "2025-12-31")])
        #expect(published.subsidy == yuan("96.00"))
        #expect(published.outcome == .granted)
    }

    @Test("a second enrolment of the same insurance year → subsidy 0, naming the first (重复参保)")
    func duplicateEnrolment() throws {
        var book = Book()
        book.add(Fact.registered())
        book.add(SubsidyTests.held("JC"))
        let first = book.add(Fact.enrolled(year: 2022, on: "2021-11-01"))
        let second = book.add(Fact.enrolled(year: 2022, on: "2022-03-01", channel: "other"))
        let decisions = book.adjudicate(2022).subsidies
        #expect(decisions.map(\.enrollment.sequence) == [first, second])
        #expect(decisions[0].subsidy == yuan("192.00"))
        #expect(decisions[1].subsidy == .zero)
        #expect(decisions[1].outcome == .none)
        #expect(decisions[1].reason?.contains("重复参保") == true)
        #expect(decisions[1].reason?.contains("sequence \(first)") == true)
    }

    @Test("Accumulator: the subsidy and the payments give what is still owed (欠费)")
    func contributionOwed() throws {
        var book = Book(policies: SubsidyTests.standards)
        book.record(jcPerson())
        // 2024 standard 380: JC 60% = 228.00; owes 152.00. Paid 100.00 → 52.00 still owed.
        book.record(Fact.paid(amount: "100.00", on: "2024-01-05"))
        let accumulator = book.accumulator()
        #expect(accumulator.contributionStandard == yuan("380.00"))
        #expect(accumulator.contributionSubsidy == yuan("228.00"))
        #expect(accumulator.contributionPaid == yuan("100.00"))
        #expect(accumulator.contributionOwed == yuan("52.00"))
    }
}
