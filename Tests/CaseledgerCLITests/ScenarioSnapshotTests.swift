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
        // The critical-illness tier check once a region publishes its ordinary terms (RULES.md § 12).
        let terms = [("critical.threshold", "15000"), ("critical.rate", "60%"), ("critical.cap", "400000")].map { name, value in
            #"{"type": "policy.published", "source": {"system": "region", "key": "\#(name)"}, "parameter": "\#(name)", "value": "\#(value)", "validFrom": "2024-01-01", "validTo": "2024-12-31", "clause": "a region's critical-illness terms"}"#
        }
        #expect(try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2026-06-01T00:00:00.000Z", "-"],
                            input: terms.joined(separator: "\n") + "\n").status == 0)
        let critical = try CLI.run(["--ledger", ledger, "report", "critical", "--year", "2024"])
        #expect(critical.status == 0, "\(critical.standardError)")
        try assertSnapshot(critical.standardOutput, named: "scenario-\(seed)/report-critical.txt")
        let replay = try CLI.run(["--ledger", ledger, "replay", "--verify"])
        #expect(replay.status == 0, "\(replay.standardOutput)")
    }

    /// The seeded city with its settlements as the national platform's messages (PLATFORM.md): the
    /// one-stop reconciliation of what hospital windows paid (RULES.md § 13) and the data-sharing
    /// lags (§ 14) of its departments.
    @Test func seededPlatformCity() throws {
        let others = CLI.temporaryDirectory() + "-others.jsonl"
        let generated = try CLI.run(["generate", "--persons", "80", "--seed", "7", "--format", "platform", "--others", others])
        #expect(generated.status == 0, "\(generated.standardError)")
        try assertSnapshot(generated.standardOutput, named: "scenario-7-platform/input-platform.jsonl")
        let ledger = CLI.temporaryDirectory()
        let first = try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2024-12-31T08:00:00.000Z", others])
        #expect(first.status == 0, "\(first.standardError)")
        let imported = try CLI.run(["--ledger", ledger, "import", "--format", "platform", "--recorded-at", "2025-01-15T08:00:00.000Z", "-"],
                                   input: generated.standardOutput)
        #expect(imported.status == 0, "\(imported.standardError)")
        try assertSnapshot(imported.standardOutput, named: "scenario-7-platform/import.txt")
        for (name, arguments) in [("report-one-stop.txt", ["report", "one-stop", "--year", "2024"]),
                                  ("report-one-stop.csv", ["report", "one-stop", "--year", "2024", "--format", "csv"]),
                                  ("report-lags.csv", ["report", "lags", "--year", "2024", "--format", "csv"]),
                                  ("report-lags-summary.txt", ["report", "lags-summary", "--year", "2024"])] {
            let result = try CLI.run(["--ledger", ledger] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            try assertSnapshot(result.standardOutput, named: "scenario-7-platform/\(name)")
        }
        #expect(try CLI.run(["--ledger", ledger, "replay", "--verify"]).status == 0)
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
        // The application is the 13th event after the 47 default parameters.
        #expect(decisions.contains("\"application\":60,\"person\":\"P1\",\"year\":2024,\"type\":\"tilted.granted\",\"eligible\":\"19900.39\",\"grant\":\"19900.39\""))
        let accumulators = try CLI.run(["--ledger", ledger, "accumulators", "--person", "P1"]).standardOutput
        #expect(accumulators.contains("\"assistanceBase\":\"64500.55\",\"assistanceGranted\":\"20000.00\",\"tiltedGranted\":\"19900.39\""))
    }
}

@Suite struct FinancingReportTests {
    /// Two persons in each kind of Nanning region, 2020: 550 per person, split as 004 §§ (一)–(四) say.
    @Test func nanning2020SplitsToTheFen() throws {
        let ledger = CLI.temporaryDirectory()
        let path = CLI.fixtures.appendingPathComponent("financing-2020.jsonl").path
        #expect(try CLI.run(["--ledger", ledger, "import", path]).status == 0)
        let report = try CLI.run(["--ledger", ledger, "report", "financing", "--year", "2020", "--format", "csv"])
        #expect(report.status == 0)
        // Hand-computed: central 440 × 2; city district 55 region + 27.5 city + 27.5 district; 邕宁区
        // 82.5 region + 13.75 + 13.75; a poor county 82.5 + 27.5 borne in full; a county 55 + 55;
        // a development zone 55 + its 55 in full; university students 110 all by the region.
        let expected = """
            region,name,kind,persons,central,region,city,county,total,note
            450102,兴宁区,city-district,2,880.00,110.00,55.00,55.00,1100.00,
            450109,邕宁区,poor-county,2,880.00,165.00,27.50,27.50,1100.00,
            450123,隆安县,poor-county,2,880.00,165.00,0.00,55.00,1100.00,
            450124,马山县,county,2,880.00,110.00,0.00,110.00,1100.00,
            450198,高新区,development-zone,2,880.00,110.00,0.00,110.00,1100.00,
            450199,广西大学,university,2,880.00,220.00,0.00,0.00,1100.00,
            all,,,12,5280.00,880.00,82.50,357.50,6600.00,

            """
        #expect(report.standardOutput == expected)
    }
}
