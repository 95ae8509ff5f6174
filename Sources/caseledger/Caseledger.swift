import ArgumentParser
import LedgerCore
import LedgerQueries

@main
struct Caseledger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caseledger",
        abstract: "An event-sourced case ledger for resident medical insurance and medical assistance.",
        discussion: """
            Every enrolment, payment, identity change, hospital settlement and assistance grant is an \
            append-only event in an LMDB file, chained by SHA-256.

            Examples:
              caseledger --ledger /var/lib/caseledger/nanning import batch-2024-05.jsonl
              caseledger --ledger /var/lib/caseledger/nanning verify
              caseledger --ledger /var/lib/caseledger/nanning timeline P000123

            Exit codes: 0 done; 1 the ledger refused the input or found a problem (nothing was written); \
            2 the command could not run (no ledger, damaged file, disk full).
            """,
        subcommands: [
            InitCommand.self, ImportCommand.self, VerifyCommand.self, ExportCommand.self, StatCommand.self,
            TimelineCommand.self, AccumulatorsCommand.self, DecisionsCommand.self, ParamsCommand.self, ReportCommand.self,
            RebuildCommand.self, ReplayCommand.self, GenerateCommand.self, BenchCommand.self, ServeCommand.self,
            TokenCommand.self,
        ])

    @OptionGroup var global: GlobalOptions
}
