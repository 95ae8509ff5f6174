import Foundation
import LedgerStorage
import Testing

/// A ledger of format 1 (docs/FORMAT.md § Format 1), as the build of that format wrote it:
/// `Fixtures/format-1/data.mdb` is `Snapshots/scenario-7/input.jsonl` imported with
/// `--recorded-at 2024-06-01T00:00:00.000Z` into a new ledger (LMDB's file, for x86-64 and 4 KiB
/// pages). This build reads it as it is and upgrades it to format 6 at the first writable open.
@Suite struct FormatOneTests {
    static let fixture = CLI.fixtures.appendingPathComponent("format-1/data.mdb")
    static let input = CLI.packageRoot.appendingPathComponent("Snapshots/scenario-7/input.jsonl")
    static let recordedAt = "2024-06-01T00:00:00.000Z"

    /// The same lines imported the same way by the build of format 3, whose records are of version 2.
    static let formatThreeFixture = CLI.fixtures.appendingPathComponent("format-3/data.mdb")

    /// A copy of a fixture, to open and change.
    static func copy(_ fixture: URL = fixture) throws -> String {
        let ledger = CLI.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: ledger, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: URL(fileURLWithPath: ledger).appendingPathComponent("data.mdb"))
        return ledger
    }

    /// What a reader of the ledger sees: the events, the decisions, the projection, the timelines
    /// of the merged pair (P0000060 into P0000059) and of a person with claims, and the replay.
    static func readings(_ ledger: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: String] {
        var readings: [String: String] = [:]
        for arguments in [["export"], ["decisions"], ["accumulators"], ["timeline", "P0000059"], ["timeline", "P0000060"],
                          ["timeline", "P0000003"], ["replay", "--verify"], ["verify"]] {
            let result = try CLI.run(["--ledger", ledger] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.standardError)", sourceLocation: sourceLocation)
            readings[arguments.joined(separator: " ")] = result.standardOutput
        }
        return readings
    }

    /// The readings with every SHA-256 in hexadecimal replaced by the same mark, and the count of
    /// index entries `verify` checked by another: a record of version 3 holds the link to the
    /// previous event of its person's stream, which an older record has in `streamLinks`.
    static func withoutHashes(_ readings: [String: String]) -> [String: String] {
        readings.mapValues {
            $0.replacing(/[0-9a-f]{64}/, with: "<hash>").replacing(/[0-9]+ index entries checked/, with: "<count> index entries checked")
        }
    }

    /// A new ledger of this build holding the fixture's lines, imported as the fixture's were.
    static func freshLedger() throws -> String {
        let fresh = CLI.temporaryDirectory()
        let imported = try CLI.run(["--ledger", fresh, "import", "--recorded-at", recordedAt, input.path])
        try #require(imported.status == 0, "\(imported.standardError)")
        return fresh
    }

    /// Appends to each of `ledgers` one more claim of P0000059, the survivor of a merge, claim
    /// `claim`; returns the ledgers' readings after it.
    static func appendClaim(_ claim: String, to ledgers: [String]) throws -> [[String: String]] {
        let line = """
            {"type":"settlement.recorded","source":{"system":"hospital-settlement","key":"\(claim)"},"person":"P0000059","claim":"\(claim)","kind":"inpatient","hospital":"H1","settledOn":"2024-12-31","totalCost":"1000","inListCost":"800","basicPaid":"400","criticalPaid":"0"}

            """
        return try ledgers.map { ledger in
            let appended = try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2024-06-02T00:00:00.000Z", "-"], input: line)
            try #require(appended.status == 0, "\(appended.standardOutput)\(appended.standardError)")
            return try readings(ledger)
        }
    }

    /// Expects the readings of `ledger`, upgraded to format 6 since `before` was read, to be
    /// `before` to the byte, but for the index entries `verify` counts: one more for each entry
    /// of `systems`, which format 5 adds, and of `chain`, which format 6 adds (the hash of every
    /// 64th event: 18 of the fixture's 1 153).
    static func expectUpgraded(_ ledger: String, readingAs before: [String: String],
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let databases = try FormatOneTests.databases(ledger)
        let systems = try #require(databases.firstMatch(of: #/\n  systems +([0-9]+) /#).flatMap { Int($0.1) },
                                   "\(databases)", sourceLocation: sourceLocation)
        #expect(systems > 0 && !databases.contains("\n  sources "), "\(databases)", sourceLocation: sourceLocation)
        let chain = try #require(databases.firstMatch(of: #/\n  chain +([0-9]+) /#).flatMap { Int($0.1) },
                                 "\(databases)", sourceLocation: sourceLocation)
        #expect(chain == 1153 / 64, "\(databases)", sourceLocation: sourceLocation)
        var expected = before
        expected["verify"] = before["verify"]?.replacing(/([0-9]+) index entries checked/) { match in
            "\(Int(match.1)! + systems + chain) index entries checked"
        }
        #expect(try FormatOneTests.readings(ledger) == expected, sourceLocation: sourceLocation)
    }

    static func databases(_ ledger: String) throws -> String {
        let stat = try CLI.run(["--ledger", ledger, "stat"])
        try #require(stat.status == 0, "\(stat.standardError)")
        return stat.standardOutput
    }

    @Test func aFormatOneLedgerIsReadAsItIsAndUpgradedByTheFirstWrite() throws {
        let ledger = try FormatOneTests.copy()
        let before = try FormatOneTests.readings(ledger)
        #expect(before["verify"]?.hasPrefix("ok: 1153 events") == true, "\(before["verify"] ?? "")")
        #expect(before["replay --verify"]?.contains("0 differ") == true)
        #expect(before["timeline P0000059"]?.contains("P0000060") == true, "the survivor's timeline holds the merged person's")
        let readOnly = try FormatOneTests.databases(ledger)
        #expect(readOnly.contains("streams ") && !readOnly.contains("streamLinks"), "read as it is, not upgraded: \(readOnly)")

        // The first writable open upgrades it; every reading stays the same, to the byte, but for
        // the index entries `verify` counts.
        let rebuilt = try CLI.run(["--ledger", ledger, "rebuild"])
        try #require(rebuilt.status == 0, "\(rebuilt.standardError)")
        let upgraded = try FormatOneTests.databases(ledger)
        #expect(upgraded.contains("streamLinks           1105"), "one link per stream entry: \(upgraded)")
        #expect(!upgraded.contains("streams "), "the emptied streams database is not listed: \(upgraded)")
        try FormatOneTests.expectUpgraded(ledger, readingAs: before)

        // The same lines in a new ledger: the same readings but for the chain's hashes, as its
        // decisions' records (version 3) hold their reasons as codes where the fixture's hold words,
        // and its records their links in their streams.
        let fresh = try FormatOneTests.freshLedger()
        #expect(FormatOneTests.withoutHashes(try FormatOneTests.readings(fresh)) == FormatOneTests.withoutHashes(before))
        #expect(try FormatOneTests.readings(fresh)["export"] != before["export"], "the chain's hashes differ")

        // The upgraded ledger takes appends, and their streams are linked after the upgraded ones.
        let readings = try FormatOneTests.appendClaim("F1-extra", to: [ledger, fresh])
        let after = readings[0]
        #expect(FormatOneTests.withoutHashes(after) == FormatOneTests.withoutHashes(readings[1]))
        #expect(after["timeline P0000059"]?.contains("F1-extra") == true)
        #expect(after["verify"]?.hasPrefix("ok: 1155 events") == true, "\(after["verify"] ?? "")")

        // A new person-year begun by a record that holds the person's number (version 3), then a
        // rebuild of the log that holds both versions: P0000059's 2024 folded from records without
        // the person's number and one with it, its 2025 from the new record alone, its id filled in
        // from personNumbers as the rebuild writes. The same readings, to the byte.
        let newYear = """
            {"type":"enrollment.registered","source":{"system":"medical-insurance","key":"f1-e-P0000059-2025"},"person":"P0000059","region":"450108","insuranceYear":2025,"enrolledOn":"2024-10-15","channel":"concentrated"}

            """
        let enrolled = try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2024-06-03T00:00:00.000Z", "-"], input: newYear)
        try #require(enrolled.status == 0, "\(enrolled.standardOutput)\(enrolled.standardError)")
        let beforeRebuild = try FormatOneTests.readings(ledger)
        #expect(beforeRebuild["accumulators"]?.contains("2025") == true, "the new person-year")
        let again = try CLI.run(["--ledger", ledger, "rebuild"])
        try #require(again.status == 0, "\(again.standardError)")
        #expect(try FormatOneTests.readings(ledger) == beforeRebuild)
    }

    /// An export of a ledger whose log holds records of version 1, and of one that holds both
    /// versions, imports into a new ledger record for record: each line is written in the version
    /// that reproduces its stamp's hash, and a fact's decisions in its version.
    @Test func anExportOfOlderRecordsImportsRecordForRecord() throws {
        let ledger = try FormatOneTests.copy()
        func roundTrip(_ what: Comment) throws {
            let exported = try CLI.run(["--ledger", ledger, "export"])
            try #require(exported.status == 0, "\(exported.standardError)")
            let copy = CLI.temporaryDirectory()
            let imported = try CLI.run(["--ledger", copy, "import", "-"], input: exported.standardOutput)
            try #require(imported.status == 0, "\(what): \(imported.standardOutput)\(imported.standardError)")
            #expect(try CLI.run(["--ledger", copy, "export"]).standardOutput == exported.standardOutput, what)
            let verify = try CLI.run(["--ledger", copy, "verify"])
            #expect(verify.status == 0 && verify.standardOutput.hasPrefix("ok:"), "\(what): \(verify.standardOutput)")
        }
        try roundTrip("every record of version 1")
        let more = """
            {"type":"settlement.recorded","source":{"system":"hospital-settlement","key":"rt-extra"},"person":"P0000003","claim":"RT-extra","kind":"inpatient","hospital":"H1","settledOn":"2024-12-30","totalCost":"9000","inListCost":"8000","basicPaid":"4000","criticalPaid":"0"}

            """
        let appended = try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2024-06-02T00:00:00.000Z", "-"], input: more)
        try #require(appended.status == 0, "\(appended.standardOutput)\(appended.standardError)")
        try roundTrip("records of version 1, then of version 3")
    }

    /// A ledger of format 2 holds records of version 1 only, one of format 3 records of versions 1
    /// and 2, one of format 4 of version 3 too; all three keep each source under its system's name
    /// in `sources`. Each is read as it is, and its first writable open upgrades it to format 6 (through format 5):
    /// the sources move to `sourceKeys` under their systems' numbers, and every reading stays the
    /// same. A format this build does not know is refused, naming it.
    @Test func aFormatTwoThreeOrFourLedgerIsReadAsItIsAndUpgradedByTheFirstWrite() throws {
        let before = try FormatOneTests.readings(try FormatOneTests.copy(FormatOneTests.formatThreeFixture))
        for older in ["caseledger 2", "caseledger 3", "caseledger 4"] {
            let ledger = try FormatOneTests.copy(FormatOneTests.formatThreeFixture)
            try FormatOneTests.mark(ledger, older)
            #expect(try FormatOneTests.readings(ledger) == before, "read as it is")
            #expect(try FormatOneTests.marker(ledger) == older, "reading leaves the marker")
            #expect(try FormatOneTests.databases(ledger).contains("\n  sources                697 "), "each source under its system's name")
            let rebuilt = try CLI.run(["--ledger", ledger, "rebuild"])
            try #require(rebuilt.status == 0, "\(rebuilt.standardError)")
            #expect(rebuilt.standardError.hasPrefix("upgrading the ledger from format \(older.last!) to 5: each source under its system's number"),
                    "the upgrade is announced before it runs: \(rebuilt.standardError)")
            #expect(try FormatOneTests.marker(ledger) == "caseledger 6")
            #expect(try FormatOneTests.databases(ledger).contains("\n  sourceKeys             697 "), "the same sources, by number")
            try FormatOneTests.expectUpgraded(ledger, readingAs: before)
        }

        let ledger = try FormatOneTests.freshLedger()
        #expect(try FormatOneTests.marker(ledger) == "caseledger 6")
        try FormatOneTests.mark(ledger, "caseledger 7")
        let refused = try CLI.run(["--ledger", ledger, "export"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("the ledger's format is caseledger 7; this build reads formats 1 to 6"), "\(refused.standardError)")
    }

    static func mark(_ ledger: String, _ format: String) throws {
        let environment = try Environment(path: ledger, databases: [DatabaseSpec("meta")])
        try environment.write { try $0.put(environment.database("meta"), key: Array("format".utf8), value: Array(format.utf8)) }
    }

    static func marker(_ ledger: String) throws -> String? {
        let environment = try Environment(path: ledger, databases: [DatabaseSpec("meta")], readOnly: true)
        return try environment.read { try $0.get(environment.database("meta"), key: Array("format".utf8)).map { String(decoding: $0, as: UTF8.self) } }
    }

    /// A ledger of format 3 as the build of that format wrote it (`Fixtures/format-3/data.mdb`: the
    /// same lines, imported the same way), whose records are of version 2, each event's link in its
    /// person's stream held in `streamLinks`: read as it is, upgraded to format 6 by the first writable
    /// open with every reading the same to the byte (but for the index entries `verify` counts, the
    /// new `systems` among them), its appends (version 3, the link in the record)
    /// walked back across both, and its export imported record for record.
    @Test func aFormatThreeLedgerOfVersionTwoRecordsIsReadAsItIsAndAppendedTo() throws {
        let ledger = try FormatOneTests.copy(FormatOneTests.formatThreeFixture)
        let before = try FormatOneTests.readings(ledger)
        #expect(before["verify"]?.hasPrefix("ok: 1153 events") == true, "\(before["verify"] ?? "")")
        #expect(before["replay --verify"]?.contains("0 differ") == true)
        #expect(try FormatOneTests.databases(ledger).contains("streamLinks           1105"), "a link per stream entry, in streamLinks")

        let fresh = try FormatOneTests.freshLedger()
        #expect(FormatOneTests.withoutHashes(try FormatOneTests.readings(fresh)) == FormatOneTests.withoutHashes(before))
        #expect(try FormatOneTests.databases(fresh).contains("streamLinks              2"), "version 3 links only the merge there, in both its streams")

        let rebuilt = try CLI.run(["--ledger", ledger, "rebuild"])
        try #require(rebuilt.status == 0, "\(rebuilt.standardError)")
        try FormatOneTests.expectUpgraded(ledger, readingAs: before)

        let readings = try FormatOneTests.appendClaim("F3-extra", to: [ledger, fresh])
        let after = readings[0]
        #expect(FormatOneTests.withoutHashes(after) == FormatOneTests.withoutHashes(readings[1]))
        #expect(after["timeline P0000059"]?.contains("F3-extra") == true && after["timeline P0000059"]?.contains("P0000060") == true)
        #expect(after["verify"]?.hasPrefix("ok: 1155 events") == true, "\(after["verify"] ?? "")")

        let exported = try CLI.run(["--ledger", ledger, "export"])
        try #require(exported.status == 0, "\(exported.standardError)")
        let copy = CLI.temporaryDirectory()
        let reimported = try CLI.run(["--ledger", copy, "import", "-"], input: exported.standardOutput)
        try #require(reimported.status == 0, "\(reimported.standardOutput)\(reimported.standardError)")
        #expect(try CLI.run(["--ledger", copy, "export"]).standardOutput == exported.standardOutput, "records of version 2, then of version 3")
        let verify = try CLI.run(["--ledger", copy, "verify"])
        #expect(verify.status == 0 && verify.standardOutput.hasPrefix("ok:"), "\(verify.standardOutput)")
    }

    /// A stream with a gap is damage: the upgrade refuses it, names it, and leaves the ledger in
    /// format 1 with its streams as they were, where `verify` names the entry missing.
    @Test func theUpgradeRefusesADamagedStreamAndLeavesTheLedgerAsItWas() throws {
        let ledger = try FormatOneTests.copy()
        do {  // closed before the commands below open the ledger
            let environment = try Environment(path: ledger, databases: [DatabaseSpec("streams")])
            let streams = environment.database("streams")
            // Person number 1's second event.
            #expect(try environment.write { try $0.delete(streams, key: [0, 0, 0, 1, 0, 0, 0, 2]) })
        }
        let exported = try CLI.run(["--ledger", ledger, "export"])

        let refused = try CLI.run(["--ledger", ledger, "rebuild"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("the stream of person number 1 has a gap"), "\(refused.standardError)")
        let databases = try FormatOneTests.databases(ledger)
        #expect(databases.contains("streams               1104") && !databases.contains("streamLinks"),
                "still format 1, its streams as they were: \(databases)")
        #expect(try CLI.run(["--ledger", ledger, "export"]).standardOutput == exported.standardOutput)
        let verify = try CLI.run(["--ledger", ledger, "verify"])
        #expect(verify.status != 0)
        let problems = (verify.standardOutput + verify.standardError).split(separator: "\n").filter { $0.contains("[") }
        #expect(problems.count == 2 && problems.allSatisfy { $0.contains("[streams]") }, "only the entry deleted: \(problems)")
        #expect(problems.contains { $0.contains("stream P0000001 version 2 has no index entry") }, "\(problems)")
        #expect(problems.contains { $0.contains("holds 1104 entries, the log implies 1105") }, "\(problems)")
    }
}
