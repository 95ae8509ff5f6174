import Foundation
import Testing

/// docs/FORMAT.md, held to the code: `tools/format_reader.py` knows nothing but that page (Python's
/// standard library and the `lmdb` module), and what it decodes from a ledger the CLI wrote must be
/// byte for byte what the CLI prints, with the chain, `meta`, every index and the projection found
/// consistent. A rule the page gets wrong fails here.
@Suite struct FormatReaderTests {
    /// Debian's python3, which has python3-lmdb; the pyenv `python3` on a PATH may not.
    static let python = "/usr/bin/python3"
    static let reader = CLI.packageRoot.appendingPathComponent("tools/format_reader.py").path
    static let page = CLI.packageRoot.appendingPathComponent("docs/FORMAT.md")

    /// Lines that give every input type and field kind at least once, with text that needs JSON
    /// escapes (a tab, a control character, quotes, backslashes, DEL, characters beyond the BMP), an
    /// ID number with a lower-case `x`, an amendment of an ID number, a merge of a person with
    /// facts in another year, a reversal, an application decided in the next calendar year, and a
    /// regional policy that re-decides enrolments.
    static let everyKind = #"""
        {"type":"region.registered","source":{"system":"civil-affairs","key":"region-450199"},"region":"450199","name":"测试区 \"east\" \\ zone/1","kind":"development-zone","parent":"450100","validFrom":"2020-01-01"}
        {"type":"person.registered","source":{"system":"civil-registry","key":"z1\t\u0001\u001b\"q\\"},"person":"Z-1","idNumber":"45010219800101004x","name":"名字 ☃ 𝄞 \u007f","birthDate":"1980-01-01","region":"450102","household":"H_01","residence":"urban","receivedAt":"2024-03-05T09:30:00+08:00"}
        {"type":"person.registered","source":{"system":"civil-registry","key":"z2"},"person":"Z-2","idNumber":"450102199002020009","name":"Two","birthDate":"1990-02-02","region":"450102"}
        {"type":"person.registered","source":{"system":"civil-registry","key":"z3"},"person":"Z-3","idNumber":"450102199002020017","name":"Three","birthDate":"1990-02-02","region":"450102"}
        {"type":"person.amended","source":{"system":"civil-registry","key":"z2-a"},"person":"Z-2","idNumber":"45010219800101012x","name":"Two, renamed","region":"450103","on":"2024-02-01"}
        {"type":"identity.recognized","source":{"system":"rural-revitalization","key":"z1-tp"},"person":"Z-1","category":"TP","validFrom":"2022-01-01","validTo":"2026-12-31","exitYear":2025,"department":"rural-revitalization"}
        {"type":"identity.recognized","source":{"system":"rural-revitalization","key":"z2-jc"},"person":"Z-2","category":"JC","validFrom":"2023-01-01","department":"rural-revitalization"}
        {"type":"enrollment.registered","source":{"system":"medical-insurance","key":"z1-e"},"person":"Z-1","region":"450102","insuranceYear":2024,"enrolledOn":"2023-10-01","channel":"other","exemption":"newborn"}
        {"type":"enrollment.registered","source":{"system":"medical-insurance","key":"z2-e"},"person":"Z-2","region":"450102","insuranceYear":2024,"enrolledOn":"2023-10-01","channel":"concentrated"}
        {"type":"contribution.paid","source":{"system":"tax","key":"z1-p"},"person":"Z-1","insuranceYear":2024,"amount":"100.5","paidOn":"2023-10-02"}
        {"type":"contribution.refunded","source":{"system":"tax","key":"z1-f"},"person":"Z-1","insuranceYear":2024,"amount":"0.05","refundedOn":"2023-10-03"}
        {"type":"settlement.recorded","source":{"system":"hospital-settlement","key":"z1-c1"},"person":"Z-1","claim":"Z1-c1","kind":"outpatient-special-chronic","disease":"haemophilia","hospital":"H1","admittedOn":"2024-02-01","dischargedOn":"2024-02-05","settledOn":"2024-02-06","totalCost":"90000","inListCost":"80000","basicPaid":"30000","criticalPaid":"5000","platformAssistance":"1000.01","receivedAt":"2024-02-06T10:00:00-05:30"}
        {"type":"settlement.recorded","source":{"system":"hospital-settlement","key":"z1-c2"},"person":"Z-1","claim":"Z1-c2","kind":"inpatient","hospital":"H1","settledOn":"2024-03-06","totalCost":"50000","inListCost":"45000","basicPaid":"20000","criticalPaid":"1000"}
        {"type":"settlement.recorded","source":{"system":"hospital-settlement","key":"z2-c1"},"person":"Z-2","claim":"Z2-c1","kind":"inpatient","hospital":"H2","settledOn":"2024-04-06","totalCost":"60000","inListCost":"50000","basicPaid":"20000","criticalPaid":"0"}
        {"type":"settlement.recorded","source":{"system":"hospital-settlement","key":"z3-c1"},"person":"Z-3","claim":"Z3-c1","kind":"inpatient","hospital":"H2","settledOn":"2023-12-30","totalCost":"6000","inListCost":"5000","basicPaid":"2000","criticalPaid":"0"}
        {"type":"settlement.reversed","source":{"system":"hospital-settlement","key":"z1-c2-r"},"person":"Z-1","claim":"Z1-c2","reversedOn":"2024-03-10"}
        {"type":"assistance.applied","source":{"system":"civil-affairs","key":"z1-ap"},"person":"Z-1","year":2024,"appliedOn":"2025-01-15"}
        {"type":"policy.published","source":{"system":"region","key":"standard-450102"},"parameter":"contribution.standard","value":"400","validFrom":"2024-01-01","validTo":"2024-12-31","region":"450102","clause":"a county's own standard"}
        {"type":"person.merged","source":{"system":"medical-insurance","key":"z3-m"},"person":"Z-3","into":"Z-2","on":"2024-06-01"}
        {"type":"identity.revoked","source":{"system":"rural-revitalization","key":"z2-jc-r"},"person":"Z-2","category":"JC","validTo":"2024-06-30"}

        """#

    /// The indexes the reader rebuilds from the log and compares entry by entry.
    static let indexes = ["persons", "personNumbers", "streamLinks", "sourceKeys", "systems", "claims", "merges", "policies",
                          "personYears", "idNumbers"]

    @Test func theIndependentReaderDecodesWhatTheLedgerWrote() throws {
        guard try FormatReaderTests.pythonWithLMDB() else { return }
        let ledger = CLI.temporaryDirectory()
        let generated = try CLI.run(["generate", "--persons", "120", "--seed", "7"])
        try #require(generated.status == 0, "\(generated.standardError)")
        let city = try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2025-01-15T08:00:00.000Z", "-"],
                               input: generated.standardOutput)
        try #require(city.status == 0, "\(city.standardOutput)\(city.standardError)")
        let extra = try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2025-01-16T08:00:00.123Z", "-"],
                                input: FormatReaderTests.everyKind)
        try #require(extra.status == 0, "\(extra.standardOutput)\(extra.standardError)")

        // A ledger never rebuilt has no projection.generation: absent means 0.
        try assertReaderAgrees(ledger, liveGeneration: 0)
        let rebuilt = try CLI.run(["--ledger", ledger, "rebuild"])
        try #require(rebuilt.status == 0, "\(rebuilt.standardError)")
        try assertReaderAgrees(ledger, liveGeneration: 1)
    }

    /// The format-3 fixture, each source under its system's name, and the same ledger upgraded to
    /// format 5, each under its system's number: the reader checks both.
    @Test func theIndependentReaderChecksSourcesByNameAndByNumber() throws {
        guard try FormatReaderTests.pythonWithLMDB() else { return }
        let ledger = try FormatOneTests.copy(FormatOneTests.formatThreeFixture)
        let named = try FormatReaderTests.runPython([FormatReaderTests.reader, ledger])
        #expect(named.status == 0, "\(named.standardOutput)\(named.standardError)")
        #expect(named.standardOutput.contains("index sources ok 697"), "\(named.standardOutput)")
        let rebuilt = try CLI.run(["--ledger", ledger, "rebuild"])
        try #require(rebuilt.status == 0, "\(rebuilt.standardError)")
        let numbered = try FormatReaderTests.runPython([FormatReaderTests.reader, ledger])
        #expect(numbered.status == 0, "\(numbered.standardOutput)\(numbered.standardError)")
        #expect(numbered.standardOutput.contains("index sourceKeys ok 697"), "\(numbered.standardOutput)")
        #expect(numbered.standardOutput.contains("index systems ok "), "\(numbered.standardOutput)")
    }

    /// The page's own Python sample re-computes the chain to the head `stat` reports.
    @Test func thePagesSampleRecomputesTheChain() throws {
        guard try FormatReaderTests.pythonWithLMDB() else { return }
        let page = String(decoding: try Data(contentsOf: FormatReaderTests.page), as: UTF8.self)
        let section = try #require(page.range(of: "## Re-computing the chain without the Swift code"), "the page has the section")
        let rest = page[section.upperBound...]
        let open = try #require(rest.range(of: "```python\n"), "the section has a Python sample")
        let close = try #require(rest[open.upperBound...].range(of: "```"))
        let sample = String(rest[open.upperBound..<close.lowerBound])
        #expect(sample.contains("lmdb.open(\"ledger\""), "the sample opens the directory `ledger`")

        let ledger = CLI.temporaryDirectory()  // …/caseledger-cli-UUID/ledger
        #expect(try CLI.run(["--ledger", ledger, "import", "--recorded-at", "2025-01-15T08:00:00.000Z", "-"],
                            input: FormatReaderTests.everyKind).status == 0)
        let stat = try CLI.run(["--ledger", ledger, "stat", "--format", "json"])
        let head = try #require(try FormatReaderTests.object(stat.standardOutput)["head"] as? [String: Any])
        let hash = try #require(head["hash"] as? String)
        let run = try FormatReaderTests.runPython(["-c", sample],
                                                  directory: URL(fileURLWithPath: ledger).deletingLastPathComponent())
        #expect(run.status == 0, "the page's sample fails: \(run.standardError)")
        #expect(run.standardOutput == "chain ok, head \(hash)\n")
    }

    @Test func theReaderRefusesADirectoryWithoutALedger() throws {
        guard try FormatReaderTests.pythonWithLMDB() else { return }
        let empty = CLI.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let run = try FormatReaderTests.runPython([FormatReaderTests.reader, empty])
        #expect(run.status == 2)
        #expect(run.standardError.contains("no ledger at \(empty)"), "\(run.standardError)")
    }

    /// Runs every mode of the reader on `ledger` and compares it with the CLI.
    func assertReaderAgrees(_ ledger: String, liveGeneration: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let stat = try CLI.run(["--ledger", ledger, "stat", "--format", "json"])
        try #require(stat.status == 0, "\(stat.standardError)", sourceLocation: sourceLocation)
        let statistics = try FormatReaderTests.object(stat.standardOutput)
        let events = try #require((statistics["events"] as? NSNumber)?.intValue, sourceLocation: sourceLocation)
        let head = try #require(statistics["head"] as? [String: Any], sourceLocation: sourceLocation)
        let headSequence = try #require((head["sequence"] as? NSNumber)?.intValue, sourceLocation: sourceLocation)
        let headHash = try #require(head["hash"] as? String, sourceLocation: sourceLocation)
        let byType = try #require(statistics["eventsByType"] as? [String: Any], sourceLocation: sourceLocation)
        let lmdb = try #require(statistics["lmdb"] as? [String: Any], sourceLocation: sourceLocation)
        let databases = try #require(lmdb["databases"] as? [String: Any], sourceLocation: sourceLocation)
        func entries(_ name: String) -> Int? { ((databases[name] as? [String: Any])?["entries"] as? NSNumber)?.intValue }
        #expect(events > 1000, "the scenario is not trivial", sourceLocation: sourceLocation)

        // Check mode: every record decodes, the chain, meta, every index and the projection agree.
        let check = try FormatReaderTests.runPython([FormatReaderTests.reader, ledger])
        #expect(check.status == 0, "format_reader found problems:\n\(check.standardError)", sourceLocation: sourceLocation)
        let lines = check.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "events \(events)", "events decoded equal stat's", sourceLocation: sourceLocation)
        #expect(lines.contains("head \(headSequence) \(headHash)"), "\(lines)", sourceLocation: sourceLocation)
        #expect(headSequence == events, sourceLocation: sourceLocation)
        #expect(lines.contains("chain ok"), "\(lines)", sourceLocation: sourceLocation)
        #expect(lines.contains("meta ok"), "\(lines)", sourceLocation: sourceLocation)
        for index in FormatReaderTests.indexes {
            let count = try #require(entries(index), "stat lists \(index)", sourceLocation: sourceLocation)
            #expect(count > 0, "\(index) is exercised", sourceLocation: sourceLocation)
            #expect(lines.contains("index \(index) ok \(count)"), "index \(index): \(lines)", sourceLocation: sourceLocation)
        }
        let decisions = ["contribution.subsidized", "assistance.granted", "assistance.adjusted", "tilted.granted"]
            .compactMap { (byType[$0] as? NSNumber)?.intValue }.reduce(0, +)
        #expect(lines.contains("decisions ok \(decisions)"), "\(lines)", sourceLocation: sourceLocation)
        let live = "accumulators.\(liveGeneration)"
        let liveCount = try #require(entries(live), sourceLocation: sourceLocation)
        #expect(liveCount > 0, sourceLocation: sourceLocation)
        #expect(lines.contains("\(live) (live) ok \(liveCount)"), "\(lines)", sourceLocation: sourceLocation)
        var readerByType: [String: Int] = [:]
        if let line = lines.first(where: { $0.hasPrefix("by type ") }) {
            for pair in line.dropFirst("by type ".count).split(separator: ",") {
                let parts = pair.split(separator: ":")
                if parts.count == 2, let count = Int(parts[1]) { readerByType[String(parts[0])] = count }
            }
        }
        let statByType = byType.compactMapValues { ($0 as? NSNumber)?.intValue }
        #expect(readerByType == statByType, sourceLocation: sourceLocation)
        #expect(Set(readerByType.keys).count >= 17, "every event type but access.recorded occurs", sourceLocation: sourceLocation)
        #expect(lines.last == "ok", sourceLocation: sourceLocation)

        // Export mode: the same lines as `caseledger export`, byte for byte.
        let export = try CLI.run(["--ledger", ledger, "export"])
        try #require(export.status == 0, "\(export.standardError)", sourceLocation: sourceLocation)
        let readerExport = try FormatReaderTests.runPython([FormatReaderTests.reader, ledger, "export"])
        #expect(readerExport.status == 0, "\(readerExport.standardError)", sourceLocation: sourceLocation)
        #expect(readerExport.standardOutput.split(separator: "\n").count == events, sourceLocation: sourceLocation)
        let exportDifference = FormatReaderTests.firstDifference(readerExport.standardOutput, export.standardOutput)
        #expect(exportDifference == nil, "export: \(exportDifference ?? "")", sourceLocation: sourceLocation)

        // Accumulators mode: the same lines as `caseledger accumulators`, all years and one.
        for year in [nil, "2023", "2024"] as [String?] {
            let arguments = year.map { ["--year", $0] } ?? []
            let accumulators = try CLI.run(["--ledger", ledger, "accumulators"] + arguments)
            try #require(accumulators.status == 0, "\(accumulators.standardError)", sourceLocation: sourceLocation)
            #expect(!accumulators.standardOutput.isEmpty, sourceLocation: sourceLocation)
            let readerAccumulators = try FormatReaderTests.runPython([FormatReaderTests.reader, ledger, "accumulators"] + arguments)
            #expect(readerAccumulators.status == 0, "\(readerAccumulators.standardError)", sourceLocation: sourceLocation)
            let difference = FormatReaderTests.firstDifference(readerAccumulators.standardOutput, accumulators.standardOutput)
            #expect(difference == nil, "accumulators \(arguments): \(difference ?? "")", sourceLocation: sourceLocation)
        }

        // Digest mode: the projection digest `replay --verify` reports for what is stored.
        let replay = try CLI.run(["--ledger", ledger, "replay", "--verify"])
        #expect(replay.status == 0, "\(replay.standardOutput)", sourceLocation: sourceLocation)
        let prefix = "projection digest stored "
        let storedLine = try #require(replay.standardOutput.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
                                      sourceLocation: sourceLocation)
        let stored = String(storedLine.dropFirst(prefix.count))
        let digest = try FormatReaderTests.runPython([FormatReaderTests.reader, ledger, "digest"])
        #expect(digest.status == 0, "\(digest.standardError)", sourceLocation: sourceLocation)
        #expect(digest.standardOutput == stored + "\n", sourceLocation: sourceLocation)
    }

    /// Whether Debian's python3 and its lmdb module are there. CI installs python3-lmdb; a machine
    /// without them fails the test by name rather than skipping it silently.
    static func pythonWithLMDB(sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("\(python) is missing: the format reader needs Debian's python3 with python3-lmdb (apt-get install python3 python3-lmdb)",
                         sourceLocation: sourceLocation)
            return false
        }
        let probe = try runPython(["-c", "import lmdb"])
        guard probe.status == 0 else {
            Issue.record("\(python) cannot import lmdb: apt-get install python3-lmdb (\(probe.standardError))",
                         sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    /// Runs `/usr/bin/python3 arguments…`, draining both pipes at once.
    static func runPython(_ arguments: [String], directory: URL? = nil) throws -> CLI.Result {
        try CLI.execute(URL(fileURLWithPath: python), arguments, directory: directory)
    }

    static func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "a JSON object: \(json.prefix(200))")
    }

    /// The first line where `actual` and `expected` differ, both shown; nil when they are equal.
    static func firstDifference(_ actual: String, _ expected: String) -> String? {
        if actual == expected { return nil }
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(actualLines.count, expectedLines.count) {
            let left = index < actualLines.count ? String(actualLines[index]) : "(no line)"
            let right = index < expectedLines.count ? String(expectedLines[index]) : "(no line)"
            if left != right {
                return "line \(index + 1) of \(expectedLines.count) differs:\n reader: \(left)\n    cli: \(right)"
            }
        }
        return "the outputs differ"
    }
}
