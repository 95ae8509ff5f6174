import ArgumentParser
import LedgerCore
import LedgerQueries

struct StatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stat",
        abstract: "Counts per event type, persons, the head, and LMDB's own figures.",
        discussion: """
            Examples:
              caseledger --ledger ./ledger stat
              caseledger --ledger ./ledger stat --format json | jq .head
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "table, or json: one object; `head` is {\"sequence\": N, \"hash\": \"hex\"}, sequence 0 when empty.")
    var format: OutputFormat = .table

    func validate() throws { try format.require([.table, .json], by: "stat") }

    func run() throws {
        let ledger = try global.open(readOnly: true)
        let statistics: LedgerStatistics
        do { statistics = try ledger.statistics() } catch { throw fail(error) }
        print(format == .json ? Render.statisticsJSON(statistics) : Render.statistics(statistics), terminator: "")
    }
}
