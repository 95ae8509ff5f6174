import ArgumentParser
import Foundation
import LedgerCore
import LedgerQueries
import LedgerModel

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty ledger.",
        discussion: """
            Creates the directory and the LMDB environment, with the seeds' default parameters \
            published in it. `import` does the same on first use. The defaults are recorded at a fixed \
            time (2025-11-23) unless --recorded-at names another: history loaded with its own, earlier \
            times needs a ledger that starts before them (recorded times never go back).

            Examples:
              caseledger --ledger ./ledger init
              caseledger --ledger ./history init --recorded-at 2022-01-01T00:00:00.000Z
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Record the default parameters at this UTC time instead of 2025-11-23.", valueName: "time"))
    var recordedAt: Timestamp?

    func run() throws {
        let createdAt = recordedAt
        if createdAt != nil, FileManager.default.fileExists(atPath: try global.ledgerPath() + "/data.mdb") {
            printError("error: a ledger exists at \(try global.ledgerPath()); --recorded-at applies only to a new one")
            throw ExitCode(1)
        }
        let ledger = try global.open(create: true, createdAt: createdAt)
        let head = try ledger.head()
        print("ledger at \(try global.ledgerPath()): head sequence \(head.sequence)")
    }
}
