import LedgerModel
import LedgerRules
import Testing

/// The fold of a person-year (docs/FORMAT.md § The fold), event by event, with every figure it
/// reads: worked by hand in fen.
@Suite struct AccumulatorFoldTests {
    static func date(_ text: String) -> FieldValue { .date(CivilDate(text)!) }
    static func fen(_ fen: Int64) -> FieldValue { .money(Money(fen: fen)) }

    static func event(_ type: EventType, _ fields: [Field: FieldValue]) -> Event {
        Event(type: type, source: nil, person: "P1", fields: fields)
    }

    @Test("every figure the fold reads reaches the accumulator")
    func everyFigureIsFolded() throws {
        let inpatient = ClaimKind.inpatient.symbol
        let claim = Self.event(.settlementRecorded, [
            .claim: .text("C1"), .claimKind: inpatient, .settledOn: Self.date("2024-03-10"),
            .totalCost: Self.fen(1_000_000), .inListCost: Self.fen(800_000), .basicPaid: Self.fen(500_000),
            .criticalPaid: Self.fen(100_000),
        ])
        let ordinary = Self.event(.settlementRecorded, [
            .claim: .text("C2"), .claimKind: ClaimKind.outpatient.symbol, .settledOn: Self.date("2024-05-02"),
            .totalCost: Self.fen(30_000), .inListCost: Self.fen(20_000), .basicPaid: Self.fen(10_000), .criticalPaid: Self.fen(0),
        ])
        let events: [(Event, Event?)] = [
            (claim, nil),
            (ordinary, nil),
            (Self.event(.settlementReversed, [.claim: .text("C2"), .reversedOn: Self.date("2024-06-01")]), ordinary),
            (Self.event(.assistanceGranted, [
                .claim: .text("C1"), .claimKind: inpatient, .settledOn: Self.date("2024-03-10"), .amount: Self.fen(100_000),
                .baseDelta: Self.fen(200_000),
            ]), nil),
            (Self.event(.assistanceApplied, [.year: .integer(2024), .appliedOn: Self.date("2024-07-01")]), nil),
            (Self.event(.tiltedGranted, [
                .subjectSequence: .integer(9), .year: .integer(2024), .appliedOn: Self.date("2024-07-01"), .amount: Self.fen(50_000),
                .inpatientAmount: Self.fen(30_000), .outpatientAmount: Self.fen(20_000), .remainingGap: Self.fen(5_000),
            ]), nil),
            // An adjustment applied for in another year than the accumulator's counts in December.
            (Self.event(.assistanceAdjusted, [
                .subject: SubjectKind.application.symbol, .subjectSequence: .integer(9), .year: .integer(2024),
                .appliedOn: Self.date("2023-12-20"), .amount: Self.fen(-10_000), .inpatientAmount: Self.fen(-10_000),
                .remainingGap: Self.fen(0),
            ]), nil),
            (Self.event(.assistanceAdjusted, [
                .subject: SubjectKind.claim.symbol, .claim: .text("C1"), .claimKind: inpatient, .settledOn: Self.date("2024-03-10"),
                .amount: Self.fen(-20_000), .baseDelta: Self.fen(-200_000),
            ]), nil),
            (Self.event(.contributionSubsidized, [.subjectSequence: .integer(3), .insuranceYear: .integer(2024), .amount: Self.fen(30_000),
                                                  .standard: Self.fen(38_000)]), nil),
            (Self.event(.assistanceAdjusted, [.subject: SubjectKind.enrollment.symbol, .subjectSequence: .integer(3),
                                              .insuranceYear: .integer(2024), .amount: Self.fen(2_000)]), nil),
            (Self.event(.contributionPaid, [.insuranceYear: .integer(2024), .amount: Self.fen(8_000)]), nil),
            (Self.event(.contributionRefunded, [.insuranceYear: .integer(2024), .amount: Self.fen(3_000)]), nil),
            // A decision naming no subject moves nothing.
            (Self.event(.assistanceGranted, [.amount: Self.fen(99_900), .settledOn: Self.date("2024-03-10")]), nil),
        ]
        var accumulator = Accumulator(person: "P1", year: 2024)
        for (event, reversed) in events {
            #expect(Accumulator.year(of: event) ?? 2024 == 2024, "\(event.type.name)")
            accumulator.apply(event, reversedClaim: reversed)
        }
        #expect(accumulator.totalCost.fen == 1_000_000 && accumulator.basicPaidAll.fen == 500_000
                && accumulator.criticalPaidAll.fen == 100_000, "the reversed claim taken back out")
        #expect(accumulator.inListCost == [Money(fen: 800_000), .zero])
        #expect(accumulator.basicPaid == [Money(fen: 500_000), .zero])
        #expect(accumulator.criticalPaid == [Money(fen: 100_000), .zero])
        #expect(accumulator.claims == 1 && accumulator.applications == 1)
        // 100 000 granted, −20 000 adjusted; the base 200 000 counted then taken back.
        #expect(accumulator.assistanceGranted.fen == 80_000 && accumulator.assistanceBase.fen == 0)
        // Inpatient: 100 000 − 20 000 on the claim, 30 000 − 10 000 tilted; outpatient 20 000 tilted.
        #expect(accumulator.assistancePaid == [Money(fen: 100_000), Money(fen: 20_000)])
        #expect(accumulator.tiltedGranted.fen == 40_000 && accumulator.tiltedShortfall.fen == 0, "the latest tilted decision's gap")
        #expect(accumulator.contributionStandard?.fen == 38_000 && accumulator.contributionSubsidy.fen == 32_000)
        #expect(accumulator.contributionPaid.fen == 8_000 && accumulator.contributionRefunded.fen == 3_000)
        var months = [Int64](repeating: 0, count: 12)
        months[2] = 400_000 - 100_000 + 20_000  // March: the claim's burden less its assistance, as adjusted
        months[6] = -50_000  // July: the tilted grant
        months[11] = 10_000  // December: the adjustment applied for in 2023
        #expect(accumulator.monthlyBurden.map(\.fen) == months, "May's ordinary claim reversed")

        var shortfall = Accumulator(person: "P1", year: 2024)
        shortfall.apply(events[5].0)
        #expect(shortfall.tiltedShortfall.fen == 5_000)
        #expect(Accumulator.year(of: events[6].0) == 2024, "an application's adjustment is of the year applied for")
        #expect(Accumulator.year(of: events[2].0) == nil, "a reversal's year is its settlement's")
    }
}
