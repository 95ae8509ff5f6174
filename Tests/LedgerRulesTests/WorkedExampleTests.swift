import LedgerModel
@testable import LedgerRules
import Testing

/// RULES.md § 11: JC all of 2024, enrolled in the concentrated period. Every figure below is worked
/// out by hand from §§ 6–7 (fen, half-up `pct`), not taken from a run of the code.
@Suite struct WorkedExampleTests {
    static let claims = [
        Fact.claim("a1", on: "2024-02-03", inList: "10000.00", basic: "7500.00"),
        Fact.claim("a2", on: "2024-04-10", inList: "12000.00", basic: "8000.00"),
        Fact.claim("a3", on: "2024-05-20", kind: "outpatient-special-chronic", disease: "malignant-tumour",
                   inList: "30000.55", basic: "21000.00", critical: "1000.00"),
        Fact.claim("a4", on: "2024-08-01", inList: "200000.00", basic: "120000.00", critical: "30000.00"),
    ]

    func book() -> Book {
        var book = Book()
        book.record(jcPerson(from: "2024-01-01"))
        book.record(WorkedExampleTests.claims)
        book.record(Fact.applied(on: "2024-09-01"))
        return book
    }

    @Test("§ 11 every column of every claim row (I-1, I-2, I-6)")
    func everyColumnOfTheClaimTable() throws {
        let year = book().adjudicate()
        #expect(year.claims.map(\.claim.id) == ["a1", "a2", "a3", "a4"])

        // a1: base = 10 000.00 − 7 500.00 − 0 = 2 500.00; B 0 → 2 500.00.
        // eligible = max(0, (0 + 2 500.00) − max(0, 3 000)) = max(0, −500) = 0; grant 0; granted 0.
        let a1 = try #require(year.claim("a1"))
        #expect(a1.claim.base == yuan("2500.00"))
        #expect(a1.baseBefore == .zero)
        #expect(a1.baseAfter == yuan("2500.00"))
        #expect(a1.eligible == .zero)
        #expect(a1.grant == .zero)
        #expect(a1.grantedAfter == .zero)
        #expect(a1.counted)
        #expect(a1.outcome == .none)

        // a2: base = 12 000 − 8 000 = 4 000.00; B 2 500 → 6 500.00.
        // eligible = 6 500 − max(2 500, 3 000) = 3 500.00; pct(3 500.00, 70%) = 350 000 fen × 7 000 / 10 000
        // = 245 000 fen = 2 450.00 (exact); granted 0 → 2 450.00.
        let a2 = try #require(year.claim("a2"))
        #expect(a2.claim.base == yuan("4000.00"))
        #expect(a2.baseAfter == yuan("6500.00"))
        #expect(a2.eligible == yuan("3500.00"))
        #expect(a2.grant == yuan("2450.00"))
        #expect(a2.grantedAfter == yuan("2450.00"))
        #expect(a2.outcome == .granted)

        // a3 (special chronic, malignant tumour, I-2): base = 30 000.55 − 21 000 − 1 000 = 8 000.55;
        // B 6 500 → 14 500.55. eligible = 14 500.55 − max(6 500, 3 000) = 8 000.55.
        // pct(800 055 fen, 7 000) = 5 600 385 000 / 10 000 = 560 038.5 → half up 560 039 fen = 5 600.39.
        // granted 2 450.00 + 5 600.39 = 8 050.39.
        let a3 = try #require(year.claim("a3"))
        #expect(a3.claim.base == yuan("8000.55"))
        #expect(a3.baseAfter == yuan("14500.55"))
        #expect(a3.eligible == yuan("8000.55"))
        #expect(a3.grant == yuan("5600.39"))
        #expect(a3.grantedAfter == yuan("8050.39"))
        #expect(a3.rules.contains(.I2))

        // a4: base = 200 000 − 120 000 − 30 000 = 50 000.00; B 14 500.55 → 64 500.55.
        // eligible = 64 500.55 − max(14 500.55, 3 000) = 50 000.00; pct = 35 000.00;
        // cap − granted = 20 000 − 8 050.39 = 11 949.61 → grant 11 949.61; granted 20 000.00.
        let a4 = try #require(year.claim("a4"))
        #expect(a4.claim.base == yuan("50000.00"))
        #expect(a4.baseBefore == yuan("14500.55"))
        #expect(a4.baseAfter == yuan("64500.55"))
        #expect(a4.eligible == yuan("50000.00"))
        #expect(a4.grant == yuan("11949.61"))
        #expect(a4.grantedBefore == yuan("8050.39"))
        #expect(a4.grantedAfter == yuan("20000.00"))
        #expect(a4.reason?.contains("cap") == true, "capped inside the claim: \(a4.reason ?? "")")

        for decision in year.claims {
            #expect(decision.category == .JC)
            #expect(decision.threshold == yuan("3000"))
            #expect(decision.rate == BasisPoints(7000))
            #expect(decision.cap == yuan("20000"))
            #expect(decision.fundedBy == .assistanceFund)
            #expect(decision.rules.contains(.I1) && decision.rules.contains(.I6))
        }
        #expect(year.assistanceBase == yuan("64500.55"))
        #expect(year.assistanceGranted == yuan("20000.00"))
    }

    @Test("§ 11 the tilted application of 2024-09-01 (I-4, I-7, I-8)")
    func theTiltedApplication() throws {
        let year = book().adjudicate()
        let tilted = try #require(year.tilted.first)
        #expect(year.tilted.count == 1)
        // Inpatient (a1, a2, a4): cost 222 000.00; basic 135 500.00; critical 30 000.00;
        // regular assistance 0 + 2 450.00 + 11 949.61 = 14 399.61.
        //   self-pay = 222 000 − 135 500 − 30 000 − 14 399.61 = 42 100.39.
        // Special chronic (a3): 30 000.55 − 21 000 − 1 000 − 5 600.39 = 2 400.16.
        // Self-pay after three tiers = 44 500.55 ≥ 10 000 → eligible.
        #expect(tilted.selfPay == yuan("44500.55"))
        #expect(tilted.eligibility == yuan("10000"))
        // gap_in = pct(222 000.00, 90%) − (135 500 + 30 000 + 14 399.61) = 199 800.00 − 179 899.61 = 19 900.39.
        #expect(tilted.inpatientGap == yuan("19900.39"))
        // gap_out = max(0, pct(30 000.55, 80%) − 27 600.39): 3 000 055 × 8 000 / 10 000 = 2 400 044 fen
        // = 24 000.44; 24 000.44 − 27 600.39 < 0 → 0.
        #expect(tilted.outpatientGap == .zero)
        // grant = min(19 900.39 + 0, 100 000 − 0) = 19 900.39, all from the inpatient gap (I-7).
        #expect(tilted.grant == yuan("19900.39"))
        #expect(tilted.inpatientPart == yuan("19900.39"))
        #expect(tilted.outpatientPart == .zero)
        #expect(tilted.tiltedBefore == .zero)
        #expect(tilted.tiltedAfter == yuan("19900.39"))
        #expect(tilted.remainingGap == .zero)
        #expect(tilted.cap == yuan("100000"))
        #expect(tilted.outcome == .granted)
        #expect(tilted.identityEvent != nil)
        for rule in [JudgementCall.I4, .I7, .I8] { #expect(tilted.rules.contains(rule)) }
        #expect(year.tiltedGranted == yuan("19900.39"))
        // The regular assistance is untouched by the tilted grant (I-4: separate caps).
        #expect(year.assistanceGranted == yuan("20000.00"))
    }

    @Test("§ 11 decided claim by claim as the ledger appends: one first decision each, no adjustment")
    func decisionsWrittenOneByOne() throws {
        let book = book()
        let decisions = book.log.filter { !$0.event.type.isInput }.map(\.event)
        // The enrolment's subsidy (pending: no 2024 standard in the seeds), four claims, one application.
        #expect(decisions.map(\.type) == [.contributionSubsidized, .assistanceGranted, .assistanceGranted,
                                         .assistanceGranted, .assistanceGranted, .tiltedGranted])
        #expect(decisions.compactMap { $0.money(.amount) }
            == [.zero, .zero, yuan("2450.00"), yuan("5600.39"), yuan("11949.61"), yuan("19900.39")])
        // baseDelta is each counted claim's base.
        #expect(decisions.compactMap { $0.money(.baseDelta) }
            == [yuan("2500.00"), yuan("4000.00"), yuan("8000.55"), yuan("50000.00")])
        // Nothing left to write.
        #expect(book.pending(cause: book.next).isEmpty)
    }

    @Test("Accumulator: folding § 11's facts and decisions gives B, granted, tilted, self-pay and burden")
    func accumulatorOfTheWorkedExample() throws {
        let accumulator = book().accumulator()
        // B = Σ baseDelta = 2 500 + 4 000 + 8 000.55 + 50 000 = 64 500.55.
        #expect(accumulator.assistanceBase == yuan("64500.55"))
        // 0 + 2 450 + 5 600.39 + 11 949.61 = 20 000.00.
        #expect(accumulator.assistanceGranted == yuan("20000.00"))
        #expect(accumulator.tiltedGranted == yuan("19900.39"))
        #expect(accumulator.inListCost == [yuan("222000.00"), yuan("30000.55")])
        #expect(accumulator.basicPaid == [yuan("135500.00"), yuan("21000.00")])
        #expect(accumulator.criticalPaid == [yuan("30000.00"), yuan("1000.00")])
        // Inpatient assistance: regular 14 399.61 + tilted 19 900.39 = 34 300.00; special chronic 5 600.39.
        #expect(accumulator.assistancePaid == [yuan("34300.00"), yuan("5600.39")])
        // Self-pay after three tiers (and the tilted grant): inpatient 222 000 − 135 500 − 30 000 − 34 300
        // = 22 200.00; special chronic 30 000.55 − 21 000 − 1 000 − 5 600.39 = 2 400.16; sum 24 600.16.
        #expect(accumulator.selfPayAfterThreeTiers == yuan("24600.16"))
        // Burden = total 252 000.55 − basic 156 500 − critical 31 000 − assistance 20 000 − tilted 19 900.39
        // = 24 600.16 (totals equal in-list costs here).
        #expect(accumulator.totalCost == yuan("252000.55"))
        #expect(accumulator.personalBurden == yuan("24600.16"))
        // Month by month: Feb 2 500; Apr 4 000 − 2 450 = 1 550; May 8 000.55 − 5 600.39 = 2 400.16;
        // Aug 50 000 − 11 949.61 = 38 050.39; Sep (the application) −19 900.39.
        var monthly = Array(repeating: Money.zero, count: 12)
        monthly[1] = yuan("2500.00")
        monthly[3] = yuan("1550.00")
        monthly[4] = yuan("2400.16")
        monthly[7] = yuan("38050.39")
        monthly[8] = -yuan("19900.39")
        #expect(Array(accumulator.monthlyBurden) == monthly)
        #expect(accumulator.cumulativeBurden[11] == yuan("24600.16"))
        #expect(accumulator.claims == 4)
        #expect(accumulator.applications == 1)
        #expect(accumulator.tiltedShortfall == .zero)
        #expect(accumulator.contributionStandard == nil, "no 2024 standard in the seeds: the subsidy is pending")
    }

    @Test("Accumulator: ordinary outpatient and out-of-list cost enter the burden, not the three-tier self-pay")
    func accumulatorWithOutpatientAndOutOfList() throws {
        var book = Book()
        book.record(jcPerson(from: "2024-01-01"))
        // a1 with 1 000.00 out of list (total 11 000.00), and an ordinary outpatient claim.
        book.record(Fact.claim("a1", on: "2024-02-03", inList: "10000.00", basic: "7500.00", total: "11000.00"))
        book.record(Fact.claim("o1", on: "2024-03-01", kind: "outpatient", inList: "280.00", basic: "150.00", total: "300.00"))
        book.record(Array(WorkedExampleTests.claims.dropFirst()))
        book.record(Fact.applied(on: "2024-09-01"))
        let accumulator = book.accumulator()
        // The outpatient claim is not counted: B and the grants are those of § 11.
        #expect(accumulator.assistanceBase == yuan("64500.55"))
        #expect(accumulator.assistanceGranted == yuan("20000.00"))
        #expect(accumulator.tiltedGranted == yuan("19900.39"))
        #expect(accumulator.selfPayAfterThreeTiers == yuan("24600.16"))
        // total = 11 000 + 300 + 12 000 + 30 000.55 + 200 000 = 253 300.55; basic = 7 500 + 150 + 8 000 + 21 000
        // + 120 000 = 156 650; burden = 253 300.55 − 156 650 − 31 000 − 20 000 − 19 900.39 = 25 750.16.
        #expect(accumulator.totalCost == yuan("253300.55"))
        #expect(accumulator.basicPaidAll == yuan("156650.00"))
        #expect(accumulator.personalBurden == yuan("25750.16"))
        // Feb 11 000 − 7 500 = 3 500; Mar 300 − 150 = 150.
        #expect(accumulator.monthlyBurden[1] == yuan("3500.00"))
        #expect(accumulator.monthlyBurden[2] == yuan("150.00"))
        #expect(accumulator.cumulativeBurden[11] == yuan("25750.16"))
        #expect(accumulator.claims == 5)
    }

    @Test("Accumulator: encoded and init(encoded:) round trip")
    func accumulatorRoundTrip() throws {
        var accumulators = [book().accumulator(), Accumulator(person: "P9", year: 2022)]
        // A negative month, a contribution standard, odd counts.
        var edited = Accumulator(person: "人员-42", year: 2025)
        edited.monthlyBurden[11] = -yuan("12.34")
        edited.contributionStandard = yuan("400")
        edited.contributionSubsidy = yuan("120")
        edited.contributionPaid = yuan("280")
        edited.contributionRefunded = yuan("0.01")
        edited.claims = 7
        accumulators.append(edited)
        for accumulator in accumulators {
            let bytes = accumulator.encoded
            let decoded = bytes.withUnsafeBytes { Accumulator(encoded: $0) }
            #expect(decoded == accumulator)
            #expect(decoded?.encoded == bytes)
        }
        #expect(edited.contributionOwed == yuan("0.01"), "400 − 120 − 280 + 0.01")
        let truncated = Array(accumulators[0].encoded.dropLast())
        #expect(truncated.withUnsafeBytes { Accumulator(encoded: $0) } == nil)
        let longer = accumulators[0].encoded + Varints.encode([0])
        #expect(longer.withUnsafeBytes { Accumulator(encoded: $0) } == nil, "one number more than the layout holds")
        let unterminated = accumulators[0].encoded + [0x80]
        #expect(unterminated.withUnsafeBytes { Accumulator(encoded: $0) } == nil, "a varint cut short")
    }

    /// The stored layout (docs/FORMAT.md § Projections): the person as length-prefixed text, then
    /// 34 zigzag varints in a fixed order. Pinned number by number, so that a change of the in-memory
    /// form cannot move a stored byte.
    @Test func accumulatorStoredLayout() {
        var accumulator = Accumulator(person: "P7", year: 2024)
        accumulator.assistanceBase = Money(fen: 1)
        accumulator.assistanceGranted = Money(fen: 2)
        accumulator.tiltedGranted = Money(fen: 3)
        accumulator.inListCost = [Money(fen: 4), Money(fen: 8)]
        accumulator.basicPaid = [Money(fen: 5), Money(fen: 9)]
        accumulator.criticalPaid = [Money(fen: 6), Money(fen: 10)]
        accumulator.assistancePaid = [Money(fen: 7), Money(fen: 11)]
        accumulator.totalCost = Money(fen: 12)
        accumulator.basicPaidAll = Money(fen: 13)
        accumulator.criticalPaidAll = Money(fen: 14)
        for month in 0..<12 { accumulator.monthlyBurden[month] = Money(fen: Int64(15 + month)) }
        accumulator.monthlyBurden[11] = Money(fen: -26)
        accumulator.claims = 27
        accumulator.applications = 28
        accumulator.tiltedShortfall = Money(fen: 29)
        accumulator.contributionSubsidy = Money(fen: 31)
        accumulator.contributionPaid = Money(fen: 32)
        accumulator.contributionRefunded = Money(fen: 33)
        let numbers: [Int64] = [2024, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -26, 27, 28, 29, -1, 31, 32, 33]
        #expect(accumulator.encoded == [2, UInt8(ascii: "P"), UInt8(ascii: "7")] + Varints.encode(numbers))
    }
}
