import ArgumentParser
import LedgerCore
import LedgerQueries
import LedgerModel

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the log back as interchange JSON Lines, each line stamped with sequence, recorded time and hash.",
        discussion: """
            Importing the export into an empty ledger reproduces the same events, the same decisions \
            and the same head hash; the import checks each stamp as it goes.

            Examples:
              caseledger --ledger ./ledger export > ledger.jsonl
              caseledger --ledger ./copy import ledger.jsonl
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Start at this sequence.", valueName: "sequence"))
    var from: UInt64 = 1

    func run() throws {
        let ledger = try global.open(readOnly: true)
        var output = OutputBuffer()
        do {
            try ledger.forEachEvent(from: from, withHashes: true) { recorded in
                output.write(Interchange.render(recorded.event, stamp: recorded) + "\n")
            }
        } catch {
            output.flush()
            throw fail(error)
        }
        output.flush()
    }
}
