import ArgumentParser
import LedgerCore
import LedgerQueries
import LedgerModel

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every event's hash, the hash chain, and every index against the log.",
        discussion: """
            Walks the whole log in one read snapshot (writers go on meanwhile), re-computes the \
            SHA-256 chain of the events and compares it with each hash the ledger holds (every 64th \
            event's in `chain`, the head's, and those older records hold), decodes each event, and \
            checks that every index entry the log implies is present and that no index holds an \
            entry more. Each problem is named with its sequence number: an event changed since it \
            was written, which still decodes and agrees with the indexes, by the first multiple of \
            64 at or after it. The exit code is 1 when any is found.

            Example:
              caseledger --ledger ./ledger verify
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var output: TableOrJSON

    func run() throws {
        let ledger = try global.open(readOnly: true)
        var progress = Progress(label: "verify")
        let report: VerifyReport
        do {
            report = try ledger.verify { done, total in progress.update(done: done, total: total) }
        } catch {
            throw fail(error)
        }
        if output.isJSON {
            var writer = JSONWriter()
            writer.beginObject()
            writer.member("clean", report.isClean ? "yes" : "no")
            writer.member("events", integer: report.eventsChecked)
            writer.member("indexEntries", integer: report.indexEntriesChecked)
            Render.head(report.head, to: &writer)
            writer.key("problems")
            writer.beginArray()
            for problem in report.problems {
                writer.beginObject()
                if let sequence = problem.sequence { writer.member("sequence", integer: sequence) }
                writer.member("database", problem.database)
                writer.member("reason", problem.reason)
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
            print(writer.text)
        } else {
            for problem in report.problems { print(problem.description) }
            if report.unlistedProblems > 0 { print("… and \(report.unlistedProblems) more problems") }
            print((report.isClean ? "ok" : "FAILED") + ": \(report.eventsChecked) events, "
                + "\(report.indexEntriesChecked) index entries checked; head sequence \(report.head.sequence) hash \(report.head.hashHex)")
        }
        if !report.isClean { throw ExitCode(1) }
    }
}
