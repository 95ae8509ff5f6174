import Foundation
import Testing

/// Golden outputs of seeded scenarios: a change here is a change in what the ledger decides.
@Suite struct ScenarioSnapshotTests {
    @Test(arguments: [7, 11])
    func seededCity(seed: Int) throws {
        let generated = try CLI.run(["generate", "--persons", "80", "--seed", String(seed)])
        #expect(generated.status == 0)
        try assertSnapshot(generated.standardOutput, named: "scenario-\(seed)/input.jsonl")
        let ledger = CLI.temporaryDirectory()
        let imported = try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2025-01-15T08:00:00.000Z", "-"],
                                   input: generated.standardOutput)
        #expect(imported.status == 0, "\(imported.standardError)")
        try assertSnapshot(imported.standardOutput, named: "scenario-\(seed)/import.txt")
        let outputs: [(String, [String])] = [
            ("accumulators.jsonl", ["accumulators", "--year", "2024"]),
            ("decisions.jsonl", ["decisions"]),
            ("report-totals.txt", ["report", "totals", "--year", "2024"]),
            ("report-risk.txt", ["report", "risk", "--month", "2024-12"]),
            ("report-hospitals.txt", ["report", "hospitals", "--year", "2024"]),
            ("report-tilted-unapplied.txt", ["report", "tilted-unapplied", "--year", "2024"]),
            ("report-referrals.txt", ["report", "referrals", "--year", "2024"]),
            ("report-pending.txt", ["report", "pending"]),
            ("timeline-P0000003.txt", ["timeline", "P0000003"]),
        ]
        for (name, arguments) in outputs {
            let result = try CLI.run(["--ledger", ledger] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            try assertSnapshot(result.standardOutput, named: "scenario-\(seed)/\(name)")
        }
        let replay = try CLI.run(["--ledger", ledger, "replay", "--verify"])
        #expect(replay.status == 0, "\(replay.standardOutput)")
    }

    @Test func theWorkedExampleDecidesAsRulesSection11() throws {
        let ledger = CLI.temporaryDirectory()
        let path = CLI.fixtures.appendingPathComponent("worked-example.jsonl").path
        #expect(try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2026-01-01T00:00:00.000Z", path]).status == 0)
        let decisions = try CLI.run(["--ledger", ledger, "decisions"]).standardOutput
        for (claim, grant) in [("a1", "0.00"), ("a2", "2450.00"), ("a3", "5600.39"), ("a4", "11949.61")] {
            #expect(decisions.contains("{\"claim\":\"\(claim)\",\"person\":\"P1\",\"year\":2024,"), "\(claim)")
            #expect(decisions.contains("\"grant\":\"\(grant)\""), "\(claim) grants \(grant)")
        }
        #expect(decisions.contains("\"application\":56,\"person\":\"P1\",\"year\":2024,\"type\":\"tilted.granted\",\"eligible\":\"19900.39\",\"grant\":\"19900.39\""))
        let accumulators = try CLI.run(["--ledger", ledger, "accumulators", "--person", "P1"]).standardOutput
        #expect(accumulators.contains("\"assistanceBase\":\"64500.55\",\"assistanceGranted\":\"20000.00\",\"tiltedGranted\":\"19900.39\""))
    }
}
