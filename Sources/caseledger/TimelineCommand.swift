import ArgumentParser
import LedgerCore
import LedgerQueries
import LedgerModel
import LedgerRules

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "One person's events in ledger order, with those of persons merged into it.",
        discussion: """
            Each event shows its sequence, the time the ledger recorded it, its effective date and its \
            content; under each fact, what it changed; under each decision, its breakdown in words: \
            the category and the identity that gave it, the threshold crossed, the cap left, the \
            parameters with their clauses, the judgement calls of RULES.md. A correction shows the \
            original decision and the adjustment. --format json prints each event as a stamped interchange line.

            Examples:
              caseledger --ledger ./ledger timeline P000123
              caseledger --ledger ./ledger timeline P000123 --as-of 5000 --format json
              caseledger --ledger ./ledger timeline P000123 --as-of 2026-01-01T00:00:00.000Z
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The person's id.", valueName: "person"))
    var person: String

    @Option(help: ArgumentHelp("Show only what the ledger held at this sequence or recorded time.", valueName: "sequence|time"))
    var asOf: AsOf?

    @Flag(help: "Only the table, without the explanation under each event.")
    var brief = false

    @OptionGroup var output: TableOrJSON

    func run() throws {
        let ledger = try global.open(readOnly: true)
        let timeline: Timeline
        let parameters: ParameterSet
        let stamped: [RecordedEvent]
        do {
            (timeline, parameters, stamped) = try ledger.snapshot { [isJSON = output.isJSON] view in
                let timeline = try view.timeline(of: person, asOf: try asOf?.sequence(in: view))
                // Each line's stamp holds its event's chain hash, which a record of version 4 does not.
                let stamped = isJSON ? try timeline.events.map(view.stamped) : []
                return (timeline, try view.parameters(), stamped)
            }
        } catch {
            throw fail(error)
        }
        if output.isJSON {
            var output = OutputBuffer()
            for recorded in stamped { output.write(Interchange.render(recorded.event, stamp: recorded) + "\n") }
            output.flush()
        } else {
            print(brief ? Render.timeline(timeline) : Render.explainedTimeline(timeline, parameters: parameters), terminator: "")
        }
    }
}
