import ArgumentParser
import LedgerCore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty ledger.",
        discussion: """
            Creates the directory and the LMDB environment. `import` does the same on first use.

            Example:
              caseledger --ledger ./ledger init
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let ledger = try global.open(create: true)
        let head = try ledger.head()
        print("ledger at \(try global.ledgerPath()): head sequence \(head.sequence)")
    }
}
