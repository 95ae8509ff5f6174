import ArgumentParser
import Foundation
import LedgerCore
import LedgerQueries
import LedgerModel
import LedgerRules

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Append a batch of interchange lines (JSON Lines), all or nothing.",
        discussion: """
            The batch is one transaction. One bad line and nothing is written: every bad line is \
            listed with its line number, field and reason, and the exit code is 1. Into a ledger that \
            exists, lines are checked on a second core while the lines before them are appended; a \
            batch that would make a new ledger is checked whole before the ledger is made, so a refused \
            one leaves none behind. A line whose source \
            (system, key) the ledger already holds with the same content is a duplicate and a no-op; \
            with other content it is a conflict and refuses the batch.

            A line exported by `caseledger export` carries the ledger's stamp (sequence, recorded time, \
            hash); importing it checks that this ledger reproduces exactly that stamp.

            Examples:
              caseledger --ledger ./ledger import batch.jsonl
              cat batch.jsonl | caseledger --ledger ./ledger import -
              caseledger --ledger ./ledger import --recorded-at 2024-06-01T00:00:00.000Z history.jsonl
              caseledger --ledger ./ledger import --problems-file problems.jsonl batch.jsonl
              caseledger --ledger ./ledger import --format platform settlements.jsonl
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The JSON Lines file, or - for standard input.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp(
        "Record the batch at this UTC time instead of now (loading history, reproducible runs); a time before the ledger's last one is refused.",
        valueName: "time"))
    var recordedAt: Timestamp?

    @Option(name: .customLong("output"), help: "table, or json: the summary as one object.") var output: OutputFormat = .table

    @Option(help: "interchange (INTERCHANGE.md) or platform (the national platform's settlement messages, PLATFORM.md).")
    var format: InputFormat = .interchange

    @Flag(help: "On a refusal, list every problem (by default the first 100, then counts by field and reason).")
    var allProblems = false

    @Option(help: ArgumentHelp("On a refusal, also write every problem to this file as JSON lines.", valueName: "file"))
    var problemsFile: String?

    /// Says why the batch was refused, and exits 1.
    func refuse(_ problems: [LineProblem], lines: Int) throws -> Never {
        printError(Render.problems(problems, lines: lines, shown: allProblems ? .max : 100))
        if let problemsFile {
            do {
                try Render.problemLines(problems).write(toFile: problemsFile, atomically: true, encoding: .utf8)
            } catch {
                printError("error: cannot write \(problemsFile): \(error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        throw ExitCode(1)
    }

    func run() throws {
        let time = recordedAt ?? now()
        let input = try readInput(file)
        var submissions: [Submission] = []
        var lineCount: Int
        var ordinary = 0
        // Interchange lines into a ledger that exists are checked piece by piece on another core
        // while the pieces before them are appended. A ledger that does not exist yet is made only
        // for a batch checked whole: a refused batch leaves no new ledger behind.
        var pieces: BatchPieces?
        let ledgerExists = access(try global.ledgerPath() + "/data.mdb", F_OK) == 0
        if format == .interchange && ledgerExists {
            // The ledger exists, so its creation time is not needed: the first piece is not waited for.
            let batch = BatchPieces(input)
            pieces = batch
            lineCount = batch.lines
        } else if format == .platform {
            // Messages name persons by ID number: the ledger must exist and be read first.
            let batch: PlatformMessages.Batch
            do { batch = try global.open(create: true).readPlatformMessages(input) } catch let error as LedgerError { throw fail(error) }
            guard batch.problems.isEmpty else { try refuse(batch.problems, lines: batch.lines) }
            (submissions, lineCount, ordinary) = (batch.submissions, batch.lines, batch.specialChronicRecordedAsOutpatient)
        } else {
            let batch = Interchange.readBatch(input)
            guard batch.problems.isEmpty else { try refuse(batch.problems, lines: batch.lines) }
            (submissions, lineCount) = (batch.submissions, batch.lines)
        }
        // A new ledger made by this import starts where the batch does: an export's own first events
        // (so it re-imports to the same hashes), or a history's earlier time; else the defaults' fixed time.
        let createdAt: Timestamp?
        if let first = submissions.first?.stamp, first.sequence == 1 {
            createdAt = first.recordedAt
        } else {
            createdAt = recordedAt == nil ? nil : min(time, DefaultParameters.recordedAt)
        }
        // An export's own first events may be records of version 1, which the defaults then are too.
        let recordVersion = submissions.first.map(Ledger.recordVersion(reproducingFirst:)) ?? EventCodec.formatVersion
        let ledger = try global.open(create: true, createdAt: createdAt, recordVersion: recordVersion)
        let summary: AppendSummary
        do throws(LedgerError) {
            var progress = Progress(label: "import")
            let report = { (done: Int, total: Int) in progress.update(done: UInt64(done), total: UInt64(total)) }
            if let pieces {
                summary = try ledger.append(pieces, clock: { time }, progress: report)
            } else {
                summary = try ledger.append(submissions, recordedAt: time, progress: report)
            }
        } catch {
            if case .refused(let problems) = error {
                // A platform line's refusal names the platform's field.
                try refuse(format == .platform
                    ? problems.map { LineProblem(line: $0.line, field: PlatformMessages.platformField[$0.field] ?? $0.field, reason: $0.reason) }
                    : problems, lines: lineCount)
            }
            throw fail(error)
        }
        if output == .json {
            print(Render.appendSummaryJSON(summary, specialChronicRecordedAsOutpatient: format == .platform ? ordinary : nil,
                                           includeHead: true))
        } else {
            print("appended \(summary.appended) event\(summary.appended == 1 ? "" : "s") "
                + "and \(summary.decisions) decision\(summary.decisions == 1 ? "" : "s"), "
                + "\(summary.duplicates) duplicate\(summary.duplicates == 1 ? "" : "s") skipped")
            print("head sequence \(summary.head.sequence) hash \(summary.head.hashHex)")
            if format == .platform && ordinary > 0 {
                print("\(ordinary) special chronic settlement\(ordinary == 1 ? "" : "s") with no listed main diagnosis recorded as outpatient")
            }
        }
    }
}

/// The format of an import: the interchange, or the national platform's settlement messages.
enum InputFormat: String, ExpressibleByArgument, CaseIterable {
    case interchange
    case platform
}
