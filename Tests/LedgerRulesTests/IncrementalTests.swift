import LedgerModel
@testable import LedgerRules
import Testing

/// A claim after the last of its year, decided from the totals the year's last adjudication left
/// (RULES.md § 9, I-1 order). Amounts worked by hand in fen.
@Suite struct IncrementalTests {
    /// A JC person with c1 (base 2 000.00) and c2 (base 4 000.00) adjudicated: B 6 000.00,
    /// granted pct(3 000.00, 70%) = 2 100.00, last settled 2024-03-10.
    static func adjudicated() -> (Book, YearTotals) {
        var book = Book()
        book.add(jcPerson())
        book.add([
            Fact.claim("c1", on: "2024-03-01", inList: "5000.00", basic: "3000.00"),
            Fact.claim("c2", on: "2024-03-10", inList: "9000.00", basic: "5000.00"),
        ])
        let year = book.adjudicate()
        let totals = Adjudicator.totals(after: year, history: book.history, parameters: book.parameters,
                                        lastSettled: year.claims.last?.claim.settledOn)
        book.history.record(totals, year: 2024)
        return (book, totals)
    }

    @Test("the year's totals after two claims")
    func totalsOfTheYear() {
        let (_, totals) = IncrementalTests.adjudicated()
        #expect(totals.base == yuan("6000.00"))
        #expect(totals.granted == yuan("2100.00"))
        #expect(totals.lastSettled == day("2024-03-10"))
    }

    @Test("a next claim on a later day is decided alone, as the whole year decides it")
    func aLaterClaimIsDecidedFromTheTotals() throws {
        var (book, _) = IncrementalTests.adjudicated()
        // c3: base 8 000 − 5 000 = 3 000.00; B 6 000 → 9 000; eligible 3 000.00; grant pct(3 000, 70%) = 2 100.00.
        book.add(Fact.claim("c3", on: "2024-04-01", inList: "8000.00", basic: "5000.00"))
        let claim = try #require(book.history.claims["c3"])
        let latest = try #require(Adjudicator.adjudicateLatest(claim, history: book.history, parameters: book.parameters))
        #expect(latest.claims.count == 1)
        let c3 = try #require(latest.claim("c3"))
        #expect(c3.eligible == yuan("3000.00") && c3.grant == yuan("2100.00") && c3.baseAfter == yuan("9000.00"))
        #expect(latest.assistanceGranted == yuan("4200.00"))
        let whole = try #require(book.adjudicate().claim("c3"))
        #expect(c3 == whole && c3.baseBefore == whole.baseBefore && c3.grantedBefore == whole.grantedBefore)
        // The same day as the last claim: the later sequence decides after it (I-1).
        var (sameDay, _) = IncrementalTests.adjudicated()
        sameDay.add(Fact.claim("c3", on: "2024-03-10", inList: "8000.00", basic: "5000.00"))
        #expect(Adjudicator.adjudicateLatest(try #require(sameDay.history.claims["c3"]), history: sameDay.history,
                                             parameters: sameDay.parameters) != nil)
    }

    @Test("an earlier-dated claim, another fact, a new parameter or an application: the whole year")
    func otherwiseTheWholeYear() throws {
        // Settled before c2: it moves c2's base, so c2 must be decided again.
        var late = IncrementalTests.adjudicated().0
        late.add(Fact.claim("c0", on: "2024-03-05", inList: "5000.00", basic: "3000.00"))
        #expect(Adjudicator.adjudicateLatest(try #require(late.history.claims["c0"]), history: late.history,
                                             parameters: late.parameters) == nil)
        // A fact between the adjudication and the claim.
        var revoked = IncrementalTests.adjudicated().0
        revoked.add(Fact.revoked("P1", "JC", to: "2024-03-31"))
        revoked.add(Fact.claim("c3", on: "2024-04-01", inList: "8000.00", basic: "5000.00"))
        #expect(Adjudicator.adjudicateLatest(try #require(revoked.history.claims["c3"]), history: revoked.history,
                                             parameters: revoked.parameters) == nil)
        // A parameter published since.
        var published = IncrementalTests.adjudicated().0
        published.parameters.add(try #require(Parameter(Fact.policy("assistance.threshold", "4000", from: "2024-01-01"), sequence: 99)))
        published.add(Fact.claim("c3", on: "2024-04-01", inList: "8000.00", basic: "5000.00"))
        #expect(Adjudicator.adjudicateLatest(try #require(published.history.claims["c3"]), history: published.history,
                                             parameters: published.parameters) == nil)
        // An application for tilted assistance in the year: § 7 reads every claim.
        var applied = Book()
        applied.add(jcPerson())
        applied.add(Fact.applied(on: "2024-02-01"))
        applied.add(Fact.claim("c1", on: "2024-03-01", inList: "5000.00", basic: "3000.00"))
        let year = applied.adjudicate()
        applied.history.record(Adjudicator.totals(after: year, history: applied.history, parameters: applied.parameters,
                                                  lastSettled: year.claims.last?.claim.settledOn), year: 2024)
        applied.add(Fact.claim("c2", on: "2024-04-01", inList: "8000.00", basic: "5000.00"))
        #expect(Adjudicator.adjudicateLatest(try #require(applied.history.claims["c2"]), history: applied.history,
                                             parameters: applied.parameters) == nil)
    }
}
