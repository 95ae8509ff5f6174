import ArgumentParser
import LedgerCore
import LedgerQueries

struct StatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stat",
        abstract: "Counts per event type, persons, the head, and LMDB's own figures.",
        discussion: """
            --format json prints one object; its `head` is {"sequence": N, "hash": "hex"}, sequence 0 \
            when the ledger is empty.

            Examples:
              caseledger --ledger ./ledger stat
              caseledger --ledger ./ledger stat --format json | jq .head
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var output: TableOrJSON

    func run() throws {
        let ledger = try global.open(readOnly: true)
        let statistics: LedgerStatistics
        do { statistics = try ledger.statistics() } catch { throw fail(error) }
        print(output.isJSON ? Render.statisticsJSON(statistics) : Render.statistics(statistics), terminator: "")
    }
}
