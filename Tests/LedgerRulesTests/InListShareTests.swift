import LedgerModel
@testable import LedgerRules
import Testing

/// The in-list share rule (RULES.md § 10, I-5) and the parameters in force (RULES.md § 8). Amounts
/// worked by hand in fen, half-up `pct`.
@Suite("In-list share (I-5) and parameters in force")
struct InListShareTests {
    static func claim(total: String, inList: String) -> Claim {
        Claim(id: "C1", kind: .inpatient, disease: nil, hospital: "H1", settledOn: day("2024-03-01"),
              totalCost: yuan(total), inListCost: yuan(inList), basicPaid: .zero, criticalPaid: .zero,
              sequence: 1, reversal: nil)
    }

    static let ninety = BasisPoints(9_000)

    @Test("exactly 90% in list: not below, the hospital bears nothing")
    func exactlyAtTheMinimum() {
        let share = InListShare.assess(Self.claim(total: "10000.00", inList: "9000.00"), categories: [.TP], minimum: Self.ninety)
        #expect(share == InListShare(isBelowMinimum: false, hospitalBears: .zero))
    }

    @Test("85% in list: the hospital bears 1 500 − 1 000 = 500.00")
    func belowTheMinimum() {
        let share = InListShare.assess(Self.claim(total: "10000.00", inList: "8500.00"), categories: [.JC], minimum: Self.ninety)
        #expect(share == InListShare(isBelowMinimum: true, hospitalBears: yuan("500.00")))
    }

    @Test("half a fen: 90% of 100.05 is 90.045 → 90.05, 10% is 10.005 → 10.01; in-list 90.04 is below, the hospital bears 0")
    func roundingEdge() {
        let share = InListShare.assess(Self.claim(total: "100.05", inList: "90.04"), categories: [.DB], minimum: Self.ninety)
        #expect(share == InListShare(isBelowMinimum: true, hospitalBears: .zero))
        let lower = InListShare.assess(Self.claim(total: "100.05", inList: "90.03"), categories: [.DB], minimum: Self.ninety)
        #expect(lower == InListShare(isBelowMinimum: true, hospitalBears: yuan("0.01")))
    }

    @Test("only TK, GE, SW, DB, TP and JC are watched; DBBY alone and no identity are not")
    func watchedGroups() {
        let claim = Self.claim(total: "10000.00", inList: "5000.00")
        #expect(InListShare.assess(claim, categories: [.DBBY], minimum: Self.ninety) == nil)
        #expect(InListShare.assess(claim, categories: [], minimum: Self.ninety) == nil)
        #expect(InListShare.assess(claim, categories: [.DBBY, .GE], minimum: Self.ninety)?.hospitalBears == yuan("4000.00"))
    }

    static func threshold(_ value: String, from: String, to: String? = nil, region: Int64? = nil, sequence: UInt64) -> Parameter {
        Parameter(name: ParameterName.assistanceThreshold, value: .money(yuan(value)), validFrom: day(from), validTo: to.map(day),
                  region: region, clause: "test", sequence: sequence)
    }

    @Test("params --on lists only the latest publication per name and region (RULES.md § 8 supersession)")
    func inForceShowsOnlyWhatSupersedes() {
        let set = ParameterSet([
            Self.threshold("3000", from: "2022-08-01", to: "2025-12-31", sequence: 10),
            Self.threshold("3500", from: "2024-01-01", sequence: 20),
            Self.threshold("4000", from: "2024-01-01", region: 450100, sequence: 30),
        ])
        #expect(set.inForce(on: day("2023-06-01")).map(\.sequence) == [10])
        #expect(set.inForce(on: day("2024-06-01")).map(\.sequence) == [20, 30], "whole region first, then Nanning's")
        #expect(set.find(ParameterName.assistanceThreshold, on: day("2024-06-01"))?.sequence == 20)
        #expect(set.find(ParameterName.assistanceThreshold, on: day("2024-06-01"), region: 450102)?.sequence == 30)
        #expect(set.inForce(on: day("2022-07-31")).isEmpty)
    }
}
