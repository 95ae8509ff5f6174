import ArgumentParser
import LedgerCore
import LedgerQueries
import LedgerModel
import LedgerRules

struct AccumulatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accumulators",
        abstract: "The annual per-person accumulators, one JSON object per line.",
        discussion: """
            Amounts are yuan strings with two decimals. Fields: person, year, category (held on the last \
            day of the year), assistanceBase (B), assistanceGranted, tiltedGranted, inListCost / basicPaid / \
            criticalPaid / assistancePaid split by inpatient and outpatientSpecialChronic, \
            selfPayAfterThreeTiers, personalBurden, and the contribution figures.

            Examples:
              caseledger --ledger ./ledger accumulators --year 2024
              caseledger --ledger ./ledger accumulators --person P0000001
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this year.") var year: Int?
    @Option(help: ArgumentHelp("Only this person (and those merged into it).", valueName: "person")) var person: String?

    func run() throws {
        let ledger = try global.open(readOnly: true)
        let lines: [String]
        do { lines = try ledger.snapshot { try $0.accumulatorAnswers(person: person, year: year) } } catch { throw fail(error) }
        OutputBuffer.printLines(lines)
    }
}

struct DecisionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract: "Each decision, net of its adjustments, as JSON lines.",
        discussion: """
            One line per claim (medical assistance), application (tilted assistance) and enrolment \
            (contribution subsidy): eligible, grant net of adjustments, outcome, the reason when it is \
            zero, the RULES.md judgement calls applied and the parameters used (by sequence).

            Examples:
              caseledger --ledger ./ledger decisions --person P0000001
              caseledger --ledger ./ledger decisions | grep '"outcome":"pending"'
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Only this person (and those merged into it).", valueName: "person")) var person: String?

    func run() throws {
        let ledger = try global.open(readOnly: true)
        var output = OutputBuffer()
        do {
            for decision in NetDecision.fold(try ledger.decisionEvents(person: person)) {
                output.write(Render.decisionJSON(decision) + "\n")
            }
        } catch { output.flush(); throw fail(error) }
        output.flush()
    }
}

struct ParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "The policy parameters recorded in the ledger, with value, interval and clause.",
        discussion: """
            Without --on, every published value in publication order; with --on, those in force that day.

            Examples:
              caseledger --ledger ./ledger params --on 2024-06-30
              caseledger --ledger ./ledger params --format json
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Only the parameters in force on this date.", valueName: "YYYY-MM-DD")) var on: CivilDate?
    @OptionGroup var output: TableOrJSON

    func run() throws {
        let ledger = try global.open(readOnly: true)
        let parameters: ParameterSet
        do { parameters = try ledger.parameters() } catch { throw fail(error) }
        var list = parameters.all
        if let on { list = parameters.inForce(on: on) }
        var report = Report(title: on.map { "Parameters in force on \($0)" } ?? "Parameters as published",
                            columns: ["parameter", "value", "validFrom", "validTo", "region", "sequence", "clause"])
        report.rows = list.map { parameter in
            [parameter.name.rawValue, parameter.value.description, parameter.validFrom.description,
             parameter.validTo?.description ?? "-", parameter.region.map(String.init) ?? "-", String(parameter.sequence),
             parameter.clause]
        }
        print(output.isJSON ? report.jsonLines : report.table, terminator: "")
    }
}

struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the projections from sequence 1 while the ledger stays live, then switch atomically.",
        discussion: """
            The rebuild writes into a spare set of databases; readers keep being served the old one and \
            imports go on. It catches up with the head inside a write transaction and switches there. \
            Progress is committed every chunk: a rebuild that was killed resumes from its checkpoint \
            when started again. A second rebuild of the same ledger at the same time is refused.

            Examples:
              caseledger --ledger ./ledger rebuild
              caseledger --ledger ./ledger rebuild accumulators
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The projection to rebuild (accumulators, the only one; default all).") var projection: String?
    @Option(help: "Events applied per committed chunk.") var chunk = 20_000

    func run() throws {
        if let projection, projection != "accumulators", projection != "all" {
            throw ValidationError("unknown projection \(projection); the ledger has: accumulators")
        }
        guard chunk > 0 && chunk <= 10_000_000 else { throw ValidationError("--chunk is 1 to 10 000 000") }
        let ledger = try global.open()
        var progress = Progress(label: "rebuild")
        let report: RebuildReport
        do {
            report = try ledger.rebuildProjections(chunkEvents: chunk) { done, total in progress.update(done: done, total: total) }
        } catch { throw fail(error) }
        print("rebuilt accumulators to sequence \(report.head) (generation \(report.generation)): "
            + "\(report.eventsApplied) events applied" + (report.resumedFrom.map { ", resumed from \($0)" } ?? ""))
    }
}

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-decide history from the log alone: verify every decision, or show the state at a past point.",
        discussion: """
            --verify re-decides every decision with the parameters recorded in the log, rebuilds the \
            projection into scratch memory, re-checks the hash chain and every index, and reports each \
            difference (decision by decision, and a digest of the projection). Exit 0 only when nothing differs.

            --until SEQ or --as-of TIME prints the accumulators as they stood then.

            Examples:
              caseledger --ledger ./ledger replay --verify
              caseledger --ledger ./ledger replay --until 5000 --person P0000001
              caseledger --ledger ./ledger replay --as-of 2026-01-01T00:00:00.000Z
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Re-decide and re-project everything and compare with what is stored.") var verify = false
    @Option(help: ArgumentHelp("Show the accumulators as of this sequence.", valueName: "sequence")) var until: UInt64?
    @Option(help: ArgumentHelp("Show the accumulators as of this recorded time.", valueName: "time")) var asOf: Timestamp?
    @Option(help: ArgumentHelp("With --until or --as-of, only this person.", valueName: "person")) var person: String?

    func validate() throws {
        let chosen = [verify, until != nil, asOf != nil].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("choose one of --verify, --until SEQ, --as-of TIME") }
    }

    func run() throws {
        let ledger = try global.open(readOnly: true)
        if verify {
            var progress = Progress(label: "replay")
            let report: ReplayReport
            do { report = try ledger.replayVerify { done, total in progress.update(done: done, total: total) } } catch { throw fail(error) }
            for problem in report.chain.problems { print(problem.description) }
            for problem in report.decisionProblems.prefix(1000) { print(problem.description) }
            for difference in report.projectionDifferences { print("accumulator differs: \(difference)") }
            print("projection digest stored \(report.storedDigest)")
            print("projection digest replay \(report.rebuiltDigest)")
            print((report.isClean ? "ok" : "FAILED") + ": \(report.events) events replayed, \(report.decisionsChecked) decisions re-decided, "
                + "\(report.decisionProblems.count) differ; chain and indexes \(report.chain.isClean ? "verified" : "damaged")")
            if !report.isClean { throw ExitCode(1) }
            return
        }
        let lines: [String]
        do throws(LedgerError) {
            let limit = try asOf.map { time throws(LedgerError) in try ledger.sequence(asOf: time) } ?? until ?? 0
            lines = try ledger.accumulators(upTo: limit).filter { person == nil || $0.person == person }.map { accumulator throws(LedgerError) in
                let history = try ledger.history(of: accumulator.person, upTo: limit)
                return Render.accumulatorJSON(accumulator, category: Render.category(history, year: accumulator.year))
            }
        } catch {
            throw fail(error)
        }
        OutputBuffer.printLines(lines)
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The monitoring reports of RULES.md § 10, the year's totals and pending decisions.",
        discussion: """
            Reports: totals, risk, hospitals, tilted-unapplied, referrals, pending, financing (what \
            each level of government owes for the persons enrolled, RULES.md § 3), critical (what the \
            critical-illness tier owed on each claim against what it paid, RULES.md § 12), one-stop \
            (what the platform's window paid from the assistance fund against the ledger's net grant, \
            RULES.md § 13; --year or --month), lags and lags-summary (data-sharing deadlines, RULES.md § 14: \
            each identity change and payment against its due date in working days, then per department and \
            month). A table by default; --format json for JSON lines, csv for a spreadsheet, markdown for a document.

            Examples:
              caseledger --ledger ./ledger report risk --month 2024-12
              caseledger --ledger ./ledger report hospitals --year 2024 --format csv
              caseledger --ledger ./ledger report totals --year 2024
              caseledger --ledger ./ledger report pending --format json
              caseledger --ledger ./ledger report financing --year 2021
              caseledger --ledger ./ledger report critical --year 2024 --format csv
              caseledger --ledger ./ledger report one-stop --month 2024-05
              caseledger --ledger ./ledger report lags-summary --year 2024
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("\(ReportName.spokenList).", valueName: "report")) var report: ReportName
    @Option(help: ArgumentHelp("The month, for risk, one-stop, lags and lags-summary.", valueName: "YYYY-MM")) var month: YearMonth?
    @Option(help: "The year, for totals, hospitals, tilted-unapplied, referrals, financing, critical, one-stop, lags and lags-summary.")
    var year: Int?
    @Option(help: "table, json (JSON lines), csv or markdown.") var format: OutputFormat = .table

    func validate() throws {
        if case .failure(let problem) = report.period(year: year, month: month) { throw ValidationError(problem.description) }
    }

    func run() throws {
        let ledger = try global.open(readOnly: true)
        guard case .success(let period) = report.period(year: year, month: month) else { return }
        let result: Report
        do { result = try ledger.report(report, year: period.year, month: period.month) } catch { throw fail(error) }
        print(result.rendered(format), terminator: "")
    }
}
