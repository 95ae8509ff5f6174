import Foundation
import Testing

@testable import caseledger

@Suite struct CLITests {
    let recordedAt = "2026-01-01T00:00:00.000Z"

    func importedLedger(_ fixture: String) throws -> String {
        let ledger = CLI.temporaryDirectory()
        let result = try CLI.run(["--ledger", ledger, "import", "--recorded-at", recordedAt,
                                  CLI.fixtures.appendingPathComponent(fixture).path])
        #expect(result.status == 0, "\(result.standardError)")
        return ledger
    }

    /// A small bench prints every figure docs/PERFORMANCE.md explains, in JSON; the bytes written per
    /// input line are counted, and the ledger's (log, indexes, projections) exceed the log's alone.
    @Test func benchPrintsEveryFigureWithTheBytesWritten() throws {
        let result = try CLI.run(["bench", "--persons", "200", "--events", "2000", "--settles", "5", "--timelines", "5",
                                  "--seed", "3", "--format", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let names = [
            "persons", "inputLines", "importLinesPerSecond", "importWrittenBytesPerLine", "ledgerEvents", "appendEventsPerSecond",
            "rawAppendEventsPerSecond", "rawAppendWrittenBytesPerLine", "settleMicrosecondsP50", "settleMicrosecondsP99",
            "rebuildEventsPerSecond", "replayVerifyEventsPerSecond", "replayClean", "rawScanEventsPerSecond",
            "timelineMicrosecondsP50", "timelineMicrosecondsP99", "timelineLongestEvents", "busyTimelineEvents",
            "busyTimelineMicrosecondsP50", "busyTimelineMicrosecondsP99", "peakRssAnonBytes", "rebuildPeakRssAnonBytes",
            "rebuildGrowthRssAnonBytes", "ledgerBytesPerEvent", "ledgerFreeBytesPerEvent",
        ]
        #expect(Set(figures.keys) == Set(names))
        #expect(figures["replayClean"] as? Bool == true)
        let ledger = try #require(figures["importWrittenBytesPerLine"] as? Int)
        let log = try #require(figures["rawAppendWrittenBytesPerLine"] as? Int)
        // Where the kernel keeps no count of a process's writes, both are 0.
        if CLITests.systemCountsWrittenBytes() {
            #expect(log > 0 && ledger > log, "the ledger wrote \(ledger) bytes a line, the log alone \(log)")
        } else {
            #expect(ledger == 0 && log == 0)
        }
    }

    /// The rebuild and the raw scan run `--repeats` times: each time is printed, the median reported.
    @Test func benchRepeatsTheRebuildAndTheScanAndReportsTheMedian() throws {
        let result = try CLI.run(["bench", "--persons", "100", "--events", "1000", "--settles", "2", "--timelines", "2",
                                  "--repeats", "2", "--seed", "3"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("rebuild: ") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("raw scan: ") }.count == 2)
        #expect(lines.contains { $0.hasPrefix("rebuild, the median of 2: ") })
        #expect(lines.contains { $0.hasPrefix("raw scan, the median of 2: ") })
        let refused = try CLI.run(["bench", "--repeats", "0"])
        #expect(refused.status != 0 && refused.standardError.contains("--repeats"))
    }

    /// Whether /proc/self/io counts this process's writes (as the bench reads it): a file of 64 KiB shows.
    static func systemCountsWrittenBytes() -> Bool {
        let before = Bench.writtenBytes()
        let path = CLI.temporaryDirectory() + ".probe"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path)
        else { return false }
        handle.write(Data(repeating: 1, count: 1 << 16))
        try? handle.close()
        return Bench.writtenBytes() > before
    }

    @Test func importPrintsTheSummaryAndTheHead() throws {
        let ledger = CLI.temporaryDirectory()
        let path = CLI.fixtures.appendingPathComponent("worked-example.jsonl").path
        let first = try CLI.run(["--ledger", ledger, "import", "--recorded-at", recordedAt, path])
        #expect(first.status == 0)
        try assertSnapshot(first.standardOutput, named: "import-worked-example.txt")
        let again = try CLI.run(["--ledger", ledger, "import", "--output", "json", path])
        #expect(again.status == 0)
        #expect(again.standardOutput.hasPrefix("{\"appended\":0,\"decisions\":0,\"duplicates\":8,"))
    }

    @Test func statSnapshot() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let text = try CLI.run(["--ledger", ledger, "stat"])
        #expect(text.status == 0)
        try assertSnapshot(text.standardOutput, named: "stat-worked-example.txt")
        let json = try CLI.run(["--ledger", ledger, "stat", "--format", "json"])
        try assertSnapshot(json.standardOutput, named: "stat-worked-example.json")
    }

    @Test func timelineSnapshot() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let text = try CLI.run(["--ledger", ledger, "timeline", "P1"])
        #expect(text.status == 0)
        try assertSnapshot(text.standardOutput, named: "timeline-worked-example.txt")
        let json = try CLI.run(["--ledger", ledger, "timeline", "P1", "--format", "json"])
        try assertSnapshot(json.standardOutput, named: "timeline-worked-example.jsonl")
    }

    @Test func aBadBatchListsEveryBadLineAndWritesNothing() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let before = try CLI.run(["--ledger", ledger, "stat", "--format", "json"]).standardOutput
        let result = try CLI.run(["--ledger", ledger, "import", CLI.fixtures.appendingPathComponent("bad-batch.jsonl").path])
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        try assertSnapshot(result.standardError, named: "import-bad-batch.txt")
        #expect(try CLI.run(["--ledger", ledger, "stat", "--format", "json"]).standardOutput == before)
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

    /// A large batch into a ledger that exists is checked piece by piece while the pieces before are
    /// appended: a bad line in its last piece still refuses all of it, and nothing is written. Into a
    /// ledger that does not exist yet, a refused batch leaves no ledger behind.
    @Test func aBadLineFarIntoALargeBatchRefusesItAll() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let before = try CLI.run(["--ledger", ledger, "stat", "--format", "json"]).standardOutput
        let city = try CLI.run(["generate", "--persons", "2500", "--seed", "3"])
        #expect(city.status == 0)
        let lines = city.standardOutput.split(separator: "\n").count
        #expect(lines > 2 * 8_192, "the batch spans several pieces")
        let bad = URL(fileURLWithPath: CLI.temporaryDirectory()).appendingPathExtension("jsonl")
        try (city.standardOutput + #"{"type":"nope"}"# + "\n").write(to: bad, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["--ledger", ledger, "import", "--recorded-at", recordedAt, bad.path])
        #expect(refused.status == 1)
        let said = refused.standardError.split(separator: "\n")
        #expect(said.first == "refused: 1 of \(lines + 1) lines has problems; nothing was written")
        #expect(said.contains("line \(lines + 1): type: unknown event type \"nope\""))
        #expect(try CLI.run(["--ledger", ledger, "stat", "--format", "json"]).standardOutput == before)

        let fresh = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", fresh, "import", bad.path]).status == 1)
        #expect(!FileManager.default.fileExists(atPath: fresh + "/data.mdb"))

        let good = URL(fileURLWithPath: CLI.temporaryDirectory()).appendingPathExtension("jsonl")
        try city.standardOutput.write(to: good, atomically: true, encoding: .utf8)
        let appended = try CLI.run(["--ledger", ledger, "import", "--recorded-at", recordedAt, good.path])
        #expect(appended.status == 0, "\(appended.standardError)")
        #expect(try CLI.run(["--ledger", ledger, "verify"]).status == 0)
    }

    @Test func historyLoadsWithItsOwnTimesAndNoTimeIsMovedSilently() throws {
        let fixture = CLI.fixtures.appendingPathComponent("worked-example.jsonl").path
        // A new ledger made by the import starts at the batch's time, before the defaults' fixed one.
        let history = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", history, "import", "--recorded-at", "2023-03-01T00:00:00.000Z", fixture]).status == 0)
        let timeline = try CLI.run(["--ledger", history, "timeline", "P1", "--format", "json"]).standardOutput
        #expect(timeline.contains("\"recordedAt\":\"2023-03-01T00:00:00.000Z\""))
        #expect(!timeline.contains("2025-11-23"), "nothing was raised to the defaults' time")
        // An earlier time than the head's is refused, naming both, and writes nothing.
        let before = try CLI.run(["--ledger", history, "stat", "--format", "json"]).standardOutput
        let earlier = try CLI.run(["--ledger", history, "import", "--recorded-at", "2023-02-01T00:00:00.000Z", fixture])
        #expect(earlier.status == 1)
        #expect(earlier.standardError.contains("the time 2023-02-01T00:00:00.000Z is before the ledger's last recorded time 2023-03-01T00:00:00.000Z"))
        #expect(try CLI.run(["--ledger", history, "stat", "--format", "json"]).standardOutput == before)
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
        let missing = try CLI.run(["--ledger", ledger, "stat", "--format", "json"])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("no ledger at"))
        #expect(try CLI.run(["--ledger", ledger, "init"]).status == 0)
        let stat = try CLI.run(["--ledger", ledger, "stat", "--format", "json"])
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
        let originalHead = try CLI.run(["--ledger", ledger, "stat", "--format", "json"]).standardOutput.prefix(100)
        let copiedHead = try CLI.run(["--ledger", copy, "stat", "--format", "json"]).standardOutput.prefix(100)
        #expect(originalHead == copiedHead)
    }

    /// One `--format` option; a report's name, month and year are checked before the ledger is opened.
    @Test func formatsAndReportPeriodsAreTypedArguments() throws {
        let ledger = try importedLedger("worked-example.jsonl")
        let refusals: [([String], String)] = [
            (["report", "risk"], "report risk needs a month (YYYY-MM)"),
            (["report", "risk", "--month", "2024-13"], "--month"),
            (["report", "totals"], "report totals needs a year (YYYY)"),
            (["report", "lags"], "report lags needs a year (YYYY) or a month (YYYY-MM)"),
            (["report", "totals", "--year", "1800"], "a year is 1900 to 2199"),
            (["report", "nonsense", "--year", "2024"], "totals, risk, hospitals"),
            (["report", "totals", "--year", "2024", "--format", "yaml"], "--format"),
            (["report", "totals", "--year", "2024", "--json"], "--json"),
            (["stat", "--format", "csv"], "this command prints table or json, not csv"),
        ]
        for (arguments, reason) in refusals {
            let result = try CLI.run(["--ledger", ledger] + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.standardError.contains(reason), "\(arguments): \(result.standardError)")
        }
        let markdown = try CLI.run(["--ledger", ledger, "report", "totals", "--year", "2024", "--format", "markdown"])
        #expect(markdown.status == 0)
        #expect(markdown.standardOutput.hasPrefix("### ") && markdown.standardOutput.contains("| --- |"))
        let csv = try CLI.run(["--ledger", ledger, "report", "totals", "--year", "2024", "--format", "csv"]).standardOutput
        let json = try CLI.run(["--ledger", ledger, "report", "totals", "--year", "2024", "--format", "json"]).standardOutput
        #expect(csv.split(separator: "\n").count == json.split(separator: "\n").count + 1)
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
        let report = try CLI.run(["--ledger", ledger, "report", "one-stop", "--year", "2024", "--format", "csv"])
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
        let may = try CLI.run(["--ledger", ledger, "report", "one-stop", "--month", "2024-05", "--format", "csv"]).standardOutput
        #expect(may.contains("a3,") && !may.contains("a2,") && !may.contains("a4,"))
        // receivedAt is kept as the source wrote it, and the export carries it.
        let export = try CLI.run(["--ledger", ledger, "export"]).standardOutput
        #expect(export.contains(#""platformAssistance":"15000.00","receivedAt":"2024-08-01T12:00:00Z""#))
        let bad = lines.replacingOccurrences(of: "2024-08-01T12:00:00Z", with: "2024-08-01 12:00:00")
        let refused = try CLI.run(["--ledger", CLI.temporaryDirectory(), "import", "-"], input: bad)
        #expect(refused.status == 1 && refused.standardError.contains("line 7: receivedAt: must be a time with its offset"))
    }
}

/// Data-sharing deadlines (RULES.md § 14) around the 2024 Spring Festival: holidays 02-10 … 02-17,
/// worked Sundays (调休) 02-04 and 02-18. Worked by hand.
@Suite struct LagsTests {
    static let calendar = [
        #"{"type":"policy.published","source":{"system":"gov","key":"h1"},"parameter":"calendar.holiday","value":"春节","validFrom":"2024-02-10","validTo":"2024-02-17","clause":"国办发明电〔2023〕7号"}"#,
        #"{"type":"policy.published","source":{"system":"gov","key":"w1"},"parameter":"calendar.workday","value":"春节调休","validFrom":"2024-02-04","validTo":"2024-02-04","clause":"国办发明电〔2023〕7号"}"#,
        #"{"type":"policy.published","source":{"system":"gov","key":"w2"},"parameter":"calendar.workday","value":"春节调休","validFrom":"2024-02-18","validTo":"2024-02-18","clause":"国办发明电〔2023〕7号"}"#,
    ]
    static let facts = [
        #"{"type":"person.registered","source":{"system":"t","key":"r1"},"person":"P1","idNumber":"450102199001011231","name":"张三","birthDate":"1990-01-01","region":"450102"}"#,
        // Recognised from 01-20: due the 5th working day of February: 02-01, 02, 04 (worked Sunday), 05, 06.
        #"{"type":"identity.recognized","source":{"system":"mz","key":"i1"},"person":"P1","category":"DB","validFrom":"2024-01-20","department":"civil-affairs"}"#,
        // Revoked to 01-31, delivered 02-07 08:00 in China: one working day late.
        #"{"type":"identity.revoked","source":{"system":"mz","key":"i2"},"person":"P1","category":"DB","validTo":"2024-01-31","receivedAt":"2024-02-07T08:00:00+08:00"}"#,
        // Paid Thursday 02-08: 02-09 is 1, the holidays none, 02-18 (worked Sunday) 2, 02-19 … 02-21 3 … 5: due 02-21.
        // Delivered 02-23: 02-22 and 02-23 late, a lag of 2.
        #"{"type":"contribution.paid","source":{"system":"tax","key":"p1"},"person":"P1","insuranceYear":2024,"amount":"380","paidOn":"2024-02-08","receivedAt":"2024-02-23T10:00:00+08:00"}"#,
    ]

    @Test func lagsInWorkingDaysFromThePublishedCalendar() throws {
        let ledger = CLI.temporaryDirectory()
        // Recorded 02-06 23:59:59 in China: the recognition arrives on its due date.
        #expect(try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2024-02-06T15:59:59.000Z", "-"],
                            input: (LagsTests.calendar + LagsTests.facts).joined(separator: "\n") + "\n").status == 0)
        let lags = try CLI.run(["--ledger", ledger, "report", "lags", "--year", "2024", "--format", "csv"])
        #expect(lags.status == 0, "\(lags.standardError)")
        let rows = lags.standardOutput.split(separator: "\n").map(String.init)
        #expect(rows.contains { $0.hasSuffix(",identity.recognized,P1,civil-affairs,2024-02-06,2024-02-06,0") }, "\(rows)")
        #expect(rows.contains { $0.hasSuffix(",identity.revoked,P1,civil-affairs,2024-02-06,2024-02-07,1") })
        #expect(rows.contains { $0.hasSuffix(",contribution.paid,P1,tax,2024-02-21,2024-02-23,2") })
        let summary = try CLI.run(["--ledger", ledger, "report", "lags-summary", "--month", "2024-02", "--format", "csv"]).standardOutput
        // civil-affairs: lags 0 and 1; p50 (nearest rank of 2) is 0, p90 is 1.
        #expect(summary.contains("civil-affairs,2024-02,2,1,1,0,1,1"))
        #expect(summary.contains("tax,2024-02,1,0,1,2,2,2"))
        let table = try CLI.run(["--ledger", ledger, "report", "lags-summary", "--year", "2024"]).standardOutput
        #expect(table.hasPrefix("Data-sharing lags per department and month, 2024 (RULES.md § 14; working days from the published calendar)"))
    }

    @Test func aYearWithoutACalendarIsMondayToFridayAndSaysSo() throws {
        let ledger = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2024-02-06T15:59:59.000Z", "-"],
                            input: LagsTests.facts.joined(separator: "\n") + "\n").status == 0)
        let lags = try CLI.run(["--ledger", ledger, "report", "lags", "--year", "2024", "--format", "csv"]).standardOutput
        // Monday to Friday: due 02-15 (02-09, 12, 13, 14, 15); late 02-16, 19, 20, 21, 22, 23: 6.
        #expect(lags.contains(",contribution.paid,P1,tax,2024-02-15,2024-02-23,6"))
        let table = try CLI.run(["--ledger", ledger, "report", "lags", "--year", "2024"]).standardOutput
        #expect(table.contains("no calendar published for 2024: working days are Monday to Friday alone"))
    }
}

/// Settlements in the national platform's own messages (PLATFORM.md), for the worked example's P1.
@Suite struct PlatformImportTests {
    static func settlement(_ msgid: String, infno: String = "2304", claim: String, time: String, medType: String = "21",
                           total: String, inList: String, basic: String, critical: String = "0", maf: String,
                           detailBasic: String? = nil, certno: String = "450102199001011231", insutype: String = "390",
                           diagnosis: String = "K35.800") -> String {
        #"{"infno":"\#(infno)","msgid":"\#(msgid)","fixmedins_code":"H45010200001","inf_time":"\#(time)","output":{"setlinfo":{"setl_id":"\#(claim)","mdtrt_id":"M1","psn_no":"45000000000000001234","psn_cert_type":"01","certno":"\#(certno)","insutype":"\#(insutype)","med_type":"\#(medType)","begndate":"2024-03-01 09:00:00","enddate":"2024-03-15 10:00:00","setl_time":"\#(time)","medfee_sumamt":\#(total),"inscp_scp_amt":\#(inList),"hifp_pay":\#(basic),"hifmi_pay":\#(critical),"maf_pay":\#(maf),"fund_pay_sumamt":0,"psn_part_amt":0},"setldetail":[{"fund_pay_type":"390100","fund_payamt":\#(detailBasic ?? basic)},{"fund_pay_type":"610100","fund_payamt":\#(maf)}]},"diseinfo":[{"diag_code":"\#(diagnosis)","maindiag_flag":"1"}]}"#
    }

    static let person = [
        #"{"type": "person.registered", "source": {"system": "t", "key": "r1"}, "person": "P1", "idNumber": "450102199001011231", "name": "张三", "birthDate": "1990-01-01", "region": "450102", "residence": "rural"}"#,
        #"{"type": "identity.recognized", "source": {"system": "t", "key": "i1"}, "person": "P1", "category": "JC", "validFrom": "2024-01-01", "department": "rural-revitalization"}"#,
        #"{"type": "enrollment.registered", "source": {"system": "t", "key": "e1"}, "person": "P1", "region": "450102", "insuranceYear": 2024, "enrolledOn": "2023-11-15", "channel": "concentrated"}"#,
    ]

    func ledger() throws -> String {
        let ledger = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2026-01-01T00:00:00.000Z", "-"],
                            input: PlatformImportTests.person.joined(separator: "\n") + "\n").status == 0)
        return ledger
    }

    @Test func messagesBecomeSettlementsThatDecideAsTheInterchangeDoes() throws {
        let platform = try ledger()
        let messages = [
            // Inpatient: base 18 000 − 12 000 = 6 000; eligible 3 000; JC 70%: 2 100.00, as the window paid.
            PlatformImportTests.settlement("MSG1", claim: "S1", time: "2024-03-15 10:29:41", total: "20000.00", inList: "18000.00",
                                           basic: "12000.00", maf: "2100.00"),
            // Special chronic (med_type 1401), main diagnosis C34.900: malignant-tumour.
            PlatformImportTests.settlement("MSG2", infno: "2207", claim: "S2", time: "2024-04-02 08:00:00", medType: "1401",
                                           total: "1000", inList: "1000", basic: "600", maf: "0", diagnosis: "C34.900"),
            #"{"infno":"2305","msgid":"MSG3","inf_time":"2024-04-20 09:00:00","input":{"data":{"setl_id":"S1","mdtrt_id":"M1","psn_no":"45000000000000001234"}}}"#,
        ]
        let imported = try CLI.run(["--ledger", platform, "import", "--format", "platform", "--recorded-at", "2026-01-02T00:00:00.000Z", "-"],
                                   input: messages.joined(separator: "\n") + "\n")
        #expect(imported.status == 0, "\(imported.standardError)")
        let export = try CLI.run(["--ledger", platform, "export"]).standardOutput
        #expect(export.contains(#""source":{"system":"nhsa","key":"MSG1"},"person":"P1","claim":"S1","kind":"inpatient","hospital":"H45010200001","admittedOn":"2024-03-01","dischargedOn":"2024-03-15","settledOn":"2024-03-15","totalCost":"20000.00","inListCost":"18000.00","basicPaid":"12000.00","criticalPaid":"0.00","platformAssistance":"2100.00""#))
        #expect(export.contains(#""claim":"S2","kind":"outpatient-special-chronic","disease":"malignant-tumour""#))
        #expect(export.contains(#""type":"settlement.reversed","source":{"system":"nhsa","key":"MSG3"},"person":"P1","claim":"S1","reversedOn":"2024-04-20""#))
        // The same settlements in interchange form decide the same.
        let interchange = try ledger()
        let lines = export.split(separator: "\n").filter { $0.contains(#""system":"nhsa""#) }.map { line in
            String(line[..<line.range(of: #","ledger":"#)!.lowerBound]) + "}"
        }
        #expect(try CLI.run(["--ledger", interchange, "import", "--recorded-at", "2026-01-02T00:00:00.000Z", "-"],
                            input: lines.joined(separator: "\n") + "\n").status == 0)
        let decided = try CLI.run(["--ledger", platform, "decisions"]).standardOutput
        // S1 was granted 2 100.00 as the window paid, then taken back when the platform cancelled it.
        #expect(export.split(separator: "\n").contains { $0.contains(#""type":"assistance.granted""#) && $0.contains(#""claim":"S1""#)
            && $0.contains(#""grant":"2100.00""#) })
        #expect(decided.contains(#""claim":"S1""#) && decided.contains(#""claim":"S2""#))
        #expect(decided == (try CLI.run(["--ledger", interchange, "decisions"]).standardOutput))
        // A re-sent message is a duplicate.
        let again = try CLI.run(["--ledger", platform, "import", "--format", "platform", "--output", "json", "-"], input: messages[0] + "\n")
        #expect(again.status == 0 && again.standardOutput.contains("\"duplicates\":1"))
    }

    @Test func everyRefusalNamesThePlatformField() throws {
        let ledger = try ledger()
        let bad = [
            #"{"infno":"9001","msgid":"B1"}"#,
            PlatformImportTests.settlement("B2", claim: "X2", time: "2024-03-15 10:00:00", total: "1", inList: "1", basic: "0", maf: "0", insutype: "310"),
            PlatformImportTests.settlement("B3", claim: "X3", time: "2024-03-15 10:00:00", total: "1", inList: "1", basic: "0", maf: "0",
                                           certno: "11010519491231002X"),
            PlatformImportTests.settlement("B4", claim: "X4", time: "2024-03-15 10:00:00", total: "100", inList: "100", basic: "50", maf: "0",
                                           detailBasic: "40"),
            PlatformImportTests.settlement("B5", claim: "X5", time: "2024-03-15 10:00:00", total: "1e3", inList: "1", basic: "0", maf: "0"),
            PlatformImportTests.settlement("B6", claim: "X6", time: "2024-02-30 10:00:00", total: "1.005", inList: "1", basic: "0", maf: "0"),
            #"{"infno":"2305","msgid":"B7","inf_time":"2024-04-20 09:00:00","input":{"data":{"setl_id":"NOPE"}}}"#,
        ]
        let before = try CLI.run(["--ledger", ledger, "stat", "--format", "json"]).standardOutput
        let refused = try CLI.run(["--ledger", ledger, "import", "--format", "platform", "-"], input: bad.joined(separator: "\n") + "\n")
        #expect(refused.status == 1)
        let text = refused.standardError
        #expect(text.contains("line 1: infno: transaction 9001 is not a settlement"))
        #expect(text.contains("line 2: output.setlinfo.insutype: 310"))
        #expect(text.contains("line 3: output.setlinfo.certno: no registered person holds this ID number"))
        #expect(text.contains("line 4: output.setldetail: fund 390100 adds up to 40.00, but setlinfo.hifp_pay is 50.00"))
        #expect(text.contains("line 5: output.setlinfo.medfee_sumamt: money must not use an exponent"))
        #expect(text.contains("line 6: output.setlinfo.medfee_sumamt: money has more than two decimals"))
        #expect(text.contains("line 6: output.setlinfo.setl_time: must be a real time"))
        #expect(text.contains("line 7: input.data.setl_id: no settlement NOPE is recorded"))
        #expect(try CLI.run(["--ledger", ledger, "stat", "--format", "json"]).standardOutput == before)
    }
}
