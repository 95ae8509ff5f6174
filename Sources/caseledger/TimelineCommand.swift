import ArgumentParser
import LedgerCore
import LedgerModel

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "One person's events in ledger order, with those of persons merged into it.",
        discussion: """
            Each event shows its sequence, the time the ledger recorded it, its effective date and its \
            content. --json prints each as an interchange line stamped by the ledger.

            Examples:
              caseledger --ledger ./ledger timeline P000123
              caseledger --ledger ./ledger timeline P000123 --as-of 5000 --json
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The person's id.", valueName: "person"))
    var person: String

    @Option(help: ArgumentHelp("Show only what the ledger held at this sequence.", valueName: "sequence"))
    var asOf: UInt64?

    @Flag(help: "Print one JSON object per event.")
    var json = false

    func run() throws {
        let ledger = try global.open(readOnly: true)
        let timeline: Timeline
        do { timeline = try ledger.timeline(of: person, asOf: asOf) } catch { throw fail(error) }
        if json {
            var output = OutputBuffer()
            for recorded in timeline.events { output.write(Interchange.render(recorded.event, stamp: recorded) + "\n") }
            output.flush()
        } else {
            print(Render.timeline(timeline), terminator: "")
        }
    }
}
