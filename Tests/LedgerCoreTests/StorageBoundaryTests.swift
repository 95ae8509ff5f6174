import LedgerCore
import LedgerModel
import LedgerStorage
import Testing

/// The storage boundary never skips work nor keeps what a failed transaction computed.
@Suite struct StorageBoundaryTests {
    static let person = [Line.registered("P1"), Line.identity("P1", "JC", from: "2023-01-01"), Line.enrolled("P1")]

    static func grant(of claim: String, in ledger: Ledger) throws -> Money? {
        try ledger.decisionEvents().last { $0.event.text(.claim) == claim && $0.event.type == .assistanceGranted }?.event.money(.grant)
    }

    /// A refused batch published a threshold and decided a claim with it; the next batch publishes
    /// another threshold at the same sequence. The claim must be decided with the threshold that
    /// was committed, not the one the refused transaction computed.
    @Test func aRefusedBatchLeavesNoParametersBehind() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: StorageBoundaryTests.person)
        let claim = Line.claim("P1", "c1", on: "2024-03-10", inList: "20000", basic: "10000")
        #expect(throws: LedgerError.self) {
            try ledger.append(lines: [Line.policy("assistance.threshold", "5000", from: "2024-01-01", to: "2024-12-31"), claim,
                                      Line.reversed("P1", "no-such-claim", on: "2024-03-11")])
        }
        try ledger.append(lines: [Line.policy("assistance.threshold", "4000", from: "2024-01-01", to: "2024-12-31"), claim])
        // (10 000 − 4 000) × 70%.
        #expect(try StorageBoundaryTests.grant(of: "c1", in: ledger) == Money.yuan(4_200))
    }

    /// A refused batch folded its enrolment into the warm history it was handed. Handed back as it
    /// was, that history would hold the enrolment twice and refuse it, sent again, as a second one
    /// for the year: the refused run must hand back only the histories it did not touch.
    @Test func aRefusedBatchLeavesNoFactInTheWarmHistories() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: StorageBoundaryTests.person)
        let enrolment = Line.enrolled("P1", year: 2025, on: "2024-11-15")
        #expect(throws: LedgerError.self) {
            try ledger.append(lines: [enrolment, Line.reversed("P1", "no-such-claim", on: "2024-11-16")])
        }
        let summary = try ledger.append(lines: [enrolment])
        #expect(summary.appended == 1)
        #expect(try ledger.decisionEvents().contains { $0.event.type == .contributionSubsidized && $0.event.integer(.insuranceYear) == 2025 })
    }
}
