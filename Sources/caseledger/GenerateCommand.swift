import ArgumentParser
import LedgerModel
import LedgerSimulation

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic synthetic city as interchange JSON Lines.",
        discussion: """
            Persons with identities recognised and revoked, enrolments, payments and refunds, \
            inpatient, special-chronic and outpatient claims, reversals, applications for tilted \
            assistance, merges of duplicate persons and re-pushed duplicate lines. The same seed \
            always gives the same bytes.

            Examples:
              caseledger generate --persons 1000 --seed 7 > city.jsonl
              caseledger generate --persons 200 | caseledger --ledger ./demo import -
            """)

    @Option(help: "How many persons.") var persons = 1000
    @Option(help: "The insurance year of the scenario.") var year = 2024
    @Option(help: "Average claims per person in the year.") var claims = 4
    @Option(help: "The seed.") var seed: UInt64 = 1

    func validate() throws {
        guard persons >= 1 && persons <= 50_000_000 else { throw ValidationError("--persons is 1 to 50 000 000") }
        guard (2023...2025).contains(year) else { throw ValidationError("--year is 2023 to 2025, the years the seeds' assistance policy covers") }
        guard (0...50).contains(claims) else { throw ValidationError("--claims is 0 to 50") }
    }

    func run() throws {
        var generator = ScenarioGenerator(.init(persons: persons, year: year, claimsPerPerson: claims, seed: seed))
        var output = OutputBuffer()
        generator.renderedLines { output.writeLine($0) }
        output.flush()
    }
}
