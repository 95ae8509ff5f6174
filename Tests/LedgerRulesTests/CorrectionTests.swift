import LedgerModel
@testable import LedgerRules
import Testing

/// Corrections and re-adjudication (RULES.md § 9): the difference from what was granted is written
/// as an adjustment citing the first decision. Decisions are recorded into the book as the ledger
/// writes them (each fact, then its decisions at new sequences) before the correction arrives.
@Suite struct CorrectionTests {
    func adjustment(_ events: [Event], claim id: String) -> Event? {
        events.first { $0.type == .assistanceAdjusted && $0.text(.claim) == id }
    }

    @Test("reversal of a claim before the threshold: later grants shrink, adjustments cite the first decisions")
    func reversalBeforeThreshold() throws {
        var book = Book()
        book.record(jcPerson())
        book.record([
            // r1: base 10 000 − 7 000 = 3 000; B 0 → 3 000; eligible 0.
            Fact.claim("r1", on: "2024-02-01", inList: "10000.00", basic: "7000.00"),
            // r2: base 4 000; B 3 000 → 7 000; eligible 4 000; grant 2 800.00.
            Fact.claim("r2", on: "2024-03-01", inList: "10000.00", basic: "6000.00"),
            // r3: base 2 000; B 7 000 → 9 000; eligible 2 000; grant 1 400.00.
            Fact.claim("r3", on: "2024-04-01", inList: "5000.00", basic: "3000.00"),
        ])
        let before = book.adjudicate()
        #expect(before.claims.map(\.grant) == [.zero, yuan("2800.00"), yuan("1400.00")])
        let r1Decision = try #require(book.firstDecision(ofClaim: "r1"))
        let r2Decision = try #require(book.firstDecision(ofClaim: "r2"))

        let reversal = book.add(Fact.reversed("r1", on: "2024-05-01"))
        // Re-adjudicated without r1: r2: B 0 → 4 000; eligible 4 000 − 3 000 = 1 000; grant 700.00.
        // r3: B 4 000 → 6 000; eligible 6 000 − max(4 000, 3 000) = 2 000; grant 1 400.00 (unchanged).
        let after = book.adjudicate()
        let r1 = try #require(after.claim("r1"))
        #expect(!r1.counted && r1.grant == .zero)
        #expect(r1.reason?.contains("reversed") == true)
        #expect(try #require(after.claim("r2")).grant == yuan("700.00"))
        #expect(try #require(after.claim("r3")).grant == yuan("1400.00"))

        let pending = book.pending(cause: reversal)
        // Two adjustments: r1 (counted → not counted: 0 money, B −3 000.00) and r2 (2 800 → 700: −2 100.00).
        #expect(pending.count == 2)
        #expect(pending.allSatisfy { $0.type == .assistanceAdjusted && $0.person == "P1" })
        let adjustR1 = try #require(adjustment(pending, claim: "r1"))
        #expect(adjustR1.money(.amount) == .zero)
        #expect(adjustR1.money(.grant) == .zero)
        #expect(adjustR1.money(.baseDelta) == -yuan("3000.00"))
        #expect(adjustR1.integer(.adjusts) == Int64(r1Decision))
        #expect(adjustR1.integer(.counted) == 0)
        #expect(adjustR1.symbol(.subject) == "claim")
        #expect(adjustR1.integer(.cause) == Int64(reversal))
        let adjustR2 = try #require(adjustment(pending, claim: "r2"))
        #expect(adjustR2.money(.amount) == -yuan("2100.00"))
        #expect(adjustR2.money(.grant) == yuan("700.00"))
        #expect(adjustR2.money(.baseDelta) == .zero)
        #expect(adjustR2.integer(.adjusts) == Int64(r2Decision))
        #expect(adjustR2.symbol(.outcome) == "granted")
        #expect(adjustment(pending, claim: "r3") == nil, "r3's grant did not change")

        // Written, nothing more is pending, and the projection nets to the re-adjudicated year:
        // B = 3 000 + 4 000 + 2 000 − 3 000 (baseDelta) = 6 000.00; granted = 2 800 + 1 400 − 2 100 = 2 100.00.
        book.add(pending)
        #expect(book.pending(cause: book.next).isEmpty)
        let accumulator = book.accumulator()
        #expect(accumulator.assistanceBase == yuan("6000.00"))
        #expect(accumulator.assistanceGranted == yuan("2100.00"))
        #expect(accumulator.claims == 2)
        #expect(after.assistanceBase == accumulator.assistanceBase)

        // A second correction adjusts again and still cites the first decision.
        let second = book.add(Fact.reversed("r3", on: "2024-05-02"))
        let again = book.pending(cause: second)
        // Without r3: r2 unchanged (700.00); r3 −1 400.00, B −2 000.00.
        #expect(again.count == 1)
        let adjustR3 = try #require(adjustment(again, claim: "r3"))
        #expect(adjustR3.money(.amount) == -yuan("1400.00"))
        #expect(adjustR3.money(.baseDelta) == -yuan("2000.00"))
        #expect(adjustR3.integer(.adjusts) == Int64(try #require(book.firstDecision(ofClaim: "r3"))))
    }

    @Test("a late claim settled before decided ones is the same kind of correction (RULES.md § 9)")
    func lateClaim() throws {
        var book = Book()
        book.record(jcPerson())
        // r2: base 4 000; B 0 → 4 000; eligible 1 000; grant 700.00. r3: base 2 000; eligible 2 000; 1 400.00.
        book.record(Fact.claim("r2", on: "2024-03-01", inList: "10000.00", basic: "6000.00"))
        book.record(Fact.claim("r3", on: "2024-04-01", inList: "5000.00", basic: "3000.00"))
        let r2Decision = try #require(book.firstDecision(ofClaim: "r2"))
        // r1 arrives late, settled 2024-02-01, base 3 000: first decision 0; r2 now B 3 000 → 7 000,
        // eligible 4 000, grant 2 800.00 (+2 100.00); r3 unchanged.
        let late = book.add(Fact.claim("r1", on: "2024-02-01", inList: "10000.00", basic: "7000.00"))
        let pending = book.pending(cause: late)
        #expect(pending.count == 2)
        let first = try #require(pending.first { $0.type == .assistanceGranted })
        #expect(first.text(.claim) == "r1")
        #expect(first.money(.amount) == .zero)
        #expect(first.money(.baseDelta) == yuan("3000.00"))
        let adjustR2 = try #require(adjustment(pending, claim: "r2"))
        #expect(adjustR2.money(.amount) == yuan("2100.00"))
        #expect(adjustR2.money(.baseDelta) == .zero)
        #expect(adjustR2.integer(.adjusts) == Int64(r2Decision))
    }

    @Test("retroactive recognition: JC recognised later, valid from January → adjustments upward")
    func retroactiveRecognition() throws {
        var book = Book()
        book.record([Fact.registered(), Fact.enrolled()])
        // No identity yet: both claims recorded with nothing.
        book.record(Fact.claim("x1", on: "2024-03-01", inList: "20000.00", basic: "14000.00"))
        book.record(Fact.claim("x2", on: "2024-05-01", inList: "10000.00", basic: "6000.00"))
        #expect(book.adjudicate().claims.allSatisfy { $0.grant == .zero && !$0.counted })
        let x1Decision = try #require(book.firstDecision(ofClaim: "x1"))
        let x2Decision = try #require(book.firstDecision(ofClaim: "x2"))

        let recognition = book.add(Fact.identity("JC", from: "2024-01-01"))
        let pending = book.pending(cause: recognition)
        // x1: base 6 000; eligible 3 000; grant 2 100.00. x2: base 4 000; B 6 000 → 10 000; eligible 4 000;
        // grant 2 800.00. Each adjustment: + the grant, baseDelta + the base.
        #expect(pending.count == 2, "the enrolment's subsidy stays pending (no 2024 standard): no event for it")
        let adjustX1 = try #require(adjustment(pending, claim: "x1"))
        #expect(adjustX1.money(.amount) == yuan("2100.00"))
        #expect(adjustX1.money(.baseDelta) == yuan("6000.00"))
        #expect(adjustX1.integer(.adjusts) == Int64(x1Decision))
        #expect(adjustX1.symbol(.outcome) == "granted")
        #expect(adjustX1.symbol(.category) == "JC")
        let adjustX2 = try #require(adjustment(pending, claim: "x2"))
        #expect(adjustX2.money(.amount) == yuan("2800.00"))
        #expect(adjustX2.money(.baseDelta) == yuan("4000.00"))
        #expect(adjustX2.integer(.adjusts) == Int64(x2Decision))
        book.add(pending)
        #expect(book.accumulator().assistanceGranted == yuan("4900.00"))
        #expect(book.accumulator().assistanceBase == yuan("10000.00"))
    }

    @Test("retroactive revocation: identity.revoked closes JC → adjustments downward")
    func retroactiveRevocation() throws {
        var book = Book()
        book.record(jcPerson(from: "2023-01-01"))
        // x1: base 6 000 → 2 100.00; x2: base 4 000 → 2 800.00; x3: base 1 000, B 10 000 → 11 000,
        // eligible 1 000 → 700.00.
        book.record(Fact.claim("x1", on: "2024-03-01", inList: "20000.00", basic: "14000.00"))
        book.record(Fact.claim("x2", on: "2024-05-01", inList: "10000.00", basic: "6000.00"))
        book.record(Fact.claim("x3", on: "2024-06-01", inList: "5000.00", basic: "4000.00"))
        #expect(book.adjudicate().claims.map(\.grant) == [yuan("2100.00"), yuan("2800.00"), yuan("700.00")])

        // JC ends 2024-03-31: x1 (2024-03-01) keeps its grant; x2 and x3 lose theirs and leave B.
        let revocation = book.add(Fact.revoked("JC", to: "2024-03-31"))
        let pending = book.pending(cause: revocation)
        #expect(pending.count == 2)
        #expect(adjustment(pending, claim: "x1") == nil)
        let adjustX2 = try #require(adjustment(pending, claim: "x2"))
        #expect(adjustX2.money(.amount) == -yuan("2800.00"))
        #expect(adjustX2.money(.baseDelta) == -yuan("4000.00"))
        #expect(adjustX2.symbol(.outcome) == "none")
        #expect(adjustX2.integer(.counted) == 0)
        #expect(adjustX2.integer(.adjusts) == Int64(try #require(book.firstDecision(ofClaim: "x2"))))
        let adjustX3 = try #require(adjustment(pending, claim: "x3"))
        #expect(adjustX3.money(.amount) == -yuan("700.00"))
        #expect(adjustX3.money(.baseDelta) == -yuan("1000.00"))
        book.add(pending)
        // Net: 2 100.00 granted, B 6 000.00.
        #expect(book.accumulator().assistanceGranted == yuan("2100.00"))
        #expect(book.accumulator().assistanceBase == yuan("6000.00"))
        #expect(book.pending(cause: book.next).isEmpty)
    }

    @Test("a tilted grant is adjusted when a claim it rests on is reversed")
    func tiltedAdjustment() throws {
        var book = Book()
        book.record(jcPerson())
        book.record(TiltedTests.firstClaims)
        book.record(Fact.applied(on: "2024-05-01"))
        // As in TiltedTests.aboveEligibility: 3 300.00.
        let granted = try #require(book.log.first { $0.event.type == .tiltedGranted })
        #expect(granted.event.money(.amount) == yuan("3300.00"))
        // Reversing s1 leaves i1 alone: self-pay 60 000 − 36 000 − 14 700 = 9 300 < 10 000 → 0.
        let reversal = book.add(Fact.reversed("s1", on: "2024-05-10"))
        let pending = book.pending(cause: reversal)
        let adjusted = try #require(pending.first { $0.symbol(.subject) == "application" })
        #expect(adjusted.money(.amount) == -yuan("3300.00"))
        #expect(adjusted.money(.inpatientAmount) == -yuan("3300.00"))
        #expect(adjusted.integer(.adjusts) == Int64(granted.sequence))
    }
}
