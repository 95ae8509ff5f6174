import Foundation
import Testing

@Suite struct CLITests {
    let recordedAt = "2026-01-01T00:00:00.000Z"

    func importedLedger(_ fixture: String) throws -> String {
        let ledger = CLI.temporaryDirectory()
        let result = try CLI.run(["--ledger", ledger, "import", "--recorded-at", recordedAt,
                                  CLI.fixtures.appendingPathComponent(fixture).path])
        #expect(result.status == 0, "\(result.standardError)")
        return ledger
    }

    @Test func importPrintsTheSummaryAndTheHead() throws {
        let ledger = CLI.temporaryDirectory()
        let path = CLI.fixtures.appendingPathComponent("worked-example.jsonl").path
        let first = try CLI.run(["--ledger", ledger, "import", "--recorded-at", recordedAt, path])
        #expect(first.status == 0)
        try assertSnapshot(first.standardOutput, named: "import-worked-example.txt")
        let again = try CLI.run(["--ledger", ledger, "import", "--json", path])
        #expect(again.status == 0)
        #expect(again.standardOutput.hasPrefix("{\"appended\":0,\"decisions\":0,\"duplicates\":8,"))
    }

    @Test func statSnapshot() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let text = try CLI.run(["--ledger", ledger, "stat"])
        #expect(text.status == 0)
        try assertSnapshot(text.standardOutput, named: "stat-worked-example.txt")
        let json = try CLI.run(["--ledger", ledger, "stat", "--json"])
        try assertSnapshot(json.standardOutput, named: "stat-worked-example.json")
    }

    @Test func timelineSnapshot() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let text = try CLI.run(["--ledger", ledger, "timeline", "P1"])
        #expect(text.status == 0)
        try assertSnapshot(text.standardOutput, named: "timeline-worked-example.txt")
        let json = try CLI.run(["--ledger", ledger, "timeline", "P1", "--json"])
        try assertSnapshot(json.standardOutput, named: "timeline-worked-example.jsonl")
    }

    @Test func aBadBatchListsEveryBadLineAndWritesNothing() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let before = try CLI.run(["--ledger", ledger, "stat", "--json"]).standardOutput
        let result = try CLI.run(["--ledger", ledger, "import", CLI.fixtures.appendingPathComponent("bad-batch.jsonl").path])
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        try assertSnapshot(result.standardError, named: "import-bad-batch.txt")
        #expect(try CLI.run(["--ledger", ledger, "stat", "--json"]).standardOutput == before)
    }

    @Test func aFileOfManyBadLinesShowsTheFirstHundredAndCountsTheRest() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let bad = URL(fileURLWithPath: CLI.temporaryDirectory()).appendingPathExtension("jsonl")
        try (String(repeating: "x\n", count: 30_000) + #"{"type":"nope"}"# + "\n").write(to: bad, atomically: true, encoding: .utf8)
        let problems = URL(fileURLWithPath: CLI.temporaryDirectory()).appendingPathExtension("problems.jsonl")
        let result = try CLI.run(["--ledger", ledger, "import", "--problems-file", problems.path, bad.path])
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.first == "refused: 30001 of 30001 lines have problems; nothing was written")
        #expect(lines.filter { $0.hasPrefix("line ") }.count == 100)
        #expect(lines.contains("30000\t-: not valid JSON at byte 1: unexpected character"))
        #expect(lines.contains("1\ttype: unknown event type \"nope\""))
        #expect(result.standardError.utf8.count < 16 * 1024)
        let written = try String(contentsOf: problems, encoding: .utf8).split(separator: "\n")
        #expect(written.count == 30_001)
        #expect(written.last == #"{"line":30001,"field":"type","reason":"unknown event type \"nope\""}"#)
        let all = try CLI.run(["--ledger", ledger, "import", "--all-problems", bad.path])
        #expect(all.standardError.split(separator: "\n").filter { $0.hasPrefix("line ") }.count == 30_001)
    }

    @Test func historyLoadsWithItsOwnTimesAndNoTimeIsMovedSilently() throws {
        let fixture = CLI.fixtures.appendingPathComponent("worked-example.jsonl").path
        // A new ledger made by the import starts at the batch's time, before the defaults' fixed one.
        let history = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", history, "import", "--recorded-at", "2023-03-01T00:00:00.000Z", fixture]).status == 0)
        let timeline = try CLI.run(["--ledger", history, "timeline", "P1", "--json"]).standardOutput
        #expect(timeline.contains("\"recordedAt\":\"2023-03-01T00:00:00.000Z\""))
        #expect(!timeline.contains("2025-11-23"), "nothing was raised to the defaults' time")
        // An earlier time than the head's is refused, naming both, and writes nothing.
        let before = try CLI.run(["--ledger", history, "stat", "--json"]).standardOutput
        let earlier = try CLI.run(["--ledger", history, "import", "--recorded-at", "2023-02-01T00:00:00.000Z", fixture])
        #expect(earlier.status == 1)
        #expect(earlier.standardError.contains("the time 2023-02-01T00:00:00.000Z is before the ledger's last recorded time 2023-03-01T00:00:00.000Z"))
        #expect(try CLI.run(["--ledger", history, "stat", "--json"]).standardOutput == before)
        // init --recorded-at starts an empty ledger when the history does.
        let empty = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", empty, "init", "--recorded-at", "2021-12-31T16:00:00.000Z"]).status == 0)
        #expect(try CLI.run(["--ledger", empty, "import", "--recorded-at", "2022-01-05T00:00:00.000Z", fixture]).status == 0)
        let again = try CLI.run(["--ledger", empty, "init", "--recorded-at", "2021-01-01T00:00:00.000Z"])
        #expect(again.status == 1 && again.standardError.contains("applies only to a new one"))
        // Without --recorded-at, the defaults keep their fixed time and an earlier batch is refused.
        let fixed = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", fixed, "init"]).status == 0)
        #expect(try CLI.run(["--ledger", fixed, "import", "--recorded-at", "2023-03-01T00:00:00.000Z", fixture]).status == 1)
    }

    @Test func anEmptyLedgerHasHeadSequenceZeroBeforeItsDefaults() throws {
        let ledger = CLI.temporaryDirectory()
        let missing = try CLI.run(["--ledger", ledger, "stat", "--json"])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("no ledger at"))
        #expect(try CLI.run(["--ledger", ledger, "init"]).status == 0)
        let stat = try CLI.run(["--ledger", ledger, "stat", "--json"])
        #expect(stat.standardOutput.contains("\"head\":{\"sequence\":"))
    }

    @Test func verifyAndExportRoundTrip() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let verify = try CLI.run(["--ledger", ledger, "verify"])
        #expect(verify.status == 0)
        #expect(verify.standardOutput.hasPrefix("ok: "))
        let export = try CLI.run(["--ledger", ledger, "export"])
        #expect(export.status == 0)
        let copy = CLI.temporaryDirectory()
        let imported = try CLI.run(["--ledger", copy, "import", "-"], input: export.standardOutput)
        #expect(imported.status == 0, "\(imported.standardError)")
        let originalHead = try CLI.run(["--ledger", ledger, "stat", "--json"]).standardOutput.prefix(100)
        let copiedHead = try CLI.run(["--ledger", copy, "stat", "--json"]).standardOutput.prefix(100)
        #expect(originalHead == copiedHead)
    }

    @Test func everyCommandExplainsItselfWithAnExample() throws {
        for command in [
            "init", "import", "verify", "export", "stat", "timeline", "generate", "accumulators", "decisions", "params",
            "report", "rebuild", "replay", "bench", "serve", "token",
        ] {
            let help = try CLI.run([command, "--help"])
            #expect(help.status == 0, "\(command)")
            #expect(help.standardOutput.contains("Example"), "\(command) --help shows an example")
        }
    }
}

/// The one-stop reconciliation (RULES.md § 13) and `receivedAt` (INTERCHANGE.md), on the worked
/// example of RULES.md § 11 with what a platform's window paid on three claims. Worked by hand.
@Suite struct OneStopTests {
    @Test func theWindowsPaymentsAgainstTheLedgersGrants() throws {
        var lines = try String(contentsOf: CLI.fixtures.appendingPathComponent("worked-example.jsonl"), encoding: .utf8)
        for (claim, paid, received) in [("a2", "2450.00", "2024-04-10T18:00:00+08:00"), ("a3", "5000.00", "2024-05-21T01:30:00+08:00"),
                                        ("a4", "15000.00", "2024-08-01T12:00:00Z")] {
            lines = lines.replacingOccurrences(of: #""claim": "\#(claim)", "#,
                                               with: #""claim": "\#(claim)", "platformAssistance": "\#(paid)", "receivedAt": "\#(received)", "#)
        }
        let ledger = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2026-01-01T00:00:00.000Z", "-"], input: lines).status == 0)
        let report = try CLI.run(["--ledger", ledger, "report", "one-stop", "--year", "2024", "--csv"])
        #expect(report.status == 0, "\(report.standardError)")
        let rows = report.standardOutput.split(separator: "\n").map(String.init)
        // a2: the window paid what the rules give (2 450.00): difference 0.
        #expect(rows.contains { $0.hasPrefix("a2,P1,H1,2024-04-10,2450.00,2450.00,0.00,granted") })
        // a3: the window paid 5 000.00, the rules give 5 600.39: it paid 600.39 less.
        #expect(rows.contains { $0.hasPrefix("a3,P1,H1,2024-05-20,5000.00,5600.39,600.39,granted") })
        // a4: the window paid 15 000.00, the cap leaves 11 949.61: it paid 3 050.39 more.
        #expect(rows.contains { $0.hasPrefix("a4,P1,H1,2024-08-01,15000.00,11949.61,-3050.39,granted: capped") })
        #expect(!rows.contains { $0.hasPrefix("a1,") }, "a claim without platformAssistance is not reconciled")
        // Totals per hospital and month.
        #expect(rows.contains("total 2024-05,-,H1,-,5000.00,5600.39,600.39,1 claims"))
        let may = try CLI.run(["--ledger", ledger, "report", "one-stop", "--month", "2024-05", "--csv"]).standardOutput
        #expect(may.contains("a3,") && !may.contains("a2,") && !may.contains("a4,"))
        // receivedAt is kept as the source wrote it, and the export carries it.
        let export = try CLI.run(["--ledger", ledger, "export"]).standardOutput
        #expect(export.contains(#""platformAssistance":"15000.00","receivedAt":"2024-08-01T12:00:00Z""#))
        let bad = lines.replacingOccurrences(of: "2024-08-01T12:00:00Z", with: "2024-08-01 12:00:00")
        let refused = try CLI.run(["--ledger", CLI.temporaryDirectory(), "import", "-"], input: bad)
        #expect(refused.status == 1 && refused.standardError.contains("line 7: receivedAt: must be a time with its offset"))
    }
}
