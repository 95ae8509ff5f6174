import ArgumentParser
@preconcurrency import Glibc
import LedgerModel
import LedgerSimulation

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic synthetic city as interchange JSON Lines, or its settlements as platform messages.",
        discussion: """
            Persons with identities recognised and revoked, enrolments, payments and refunds, \
            inpatient, special-chronic and outpatient claims, reversals, applications for tilted \
            assistance, merges of duplicate persons and re-pushed duplicate lines. The same seed \
            always gives the same bytes.

            Examples:
              caseledger generate --persons 1000 --seed 7 > city.jsonl
              caseledger generate --persons 200 | caseledger --ledger ./demo import -

            With --format platform the city's settlements and their cancellations are written as the \
            national platform's messages (PLATFORM.md), the way hospitals keep them, and every other \
            line (persons, identities, enrolments, payments, applications, merges) as interchange to \
            the file --others names. Import the others first: a platform message finds its person by \
            ID number, so the person must be registered.
              caseledger generate --persons 1000 --format platform --others city-others.jsonl > city-platform.jsonl
              caseledger --ledger ./demo import city-others.jsonl
              caseledger --ledger ./demo import --format platform city-platform.jsonl
            """)

    @Option(help: "How many persons.") var persons = 1000
    @Option(help: "The insurance year of the scenario.") var year = 2024
    @Option(help: "Average claims per person in the year.") var claims = 4
    @Option(help: "The seed.") var seed: UInt64 = 1
    @Option(help: "interchange, or platform: settlements as the national platform's messages.") var format: InputFormat = .interchange
    @Option(help: ArgumentHelp("With --format platform: where every line that is not a settlement goes, as interchange.",
                               valueName: "file"))
    var others: String?

    func validate() throws {
        guard persons >= 1 && persons <= 50_000_000 else { throw ValidationError("--persons is 1 to 50 000 000") }
        guard (2023...2025).contains(year) else { throw ValidationError("--year is 2023 to 2025, the years the seeds' assistance policy covers") }
        guard (0...50).contains(claims) else { throw ValidationError("--claims is 0 to 50") }
        if format == .platform && others == nil {
            throw ValidationError("--format platform writes only settlements: name the file for the other lines with --others FILE")
        }
        if format == .interchange && others != nil { throw ValidationError("--others goes with --format platform") }
    }

    func run() throws {
        var generator = ScenarioGenerator(.init(persons: persons, year: year, claimsPerPerson: claims, seed: seed))
        var output = OutputBuffer()
        guard let others else {
            generator.renderedLines { output.writeLine($0) }
            output.flush()
            try check(output, "standard output")
            return
        }
        guard let file = fopen(others, "wb") else {
            throw ioFailure("cannot write \(others)")
        }
        var otherOutput = OutputBuffer(file: file)
        generator.renderedLines(platform: true) { line, isPlatform in
            if isPlatform { output.writeLine(line) } else { otherOutput.writeLine(line) }
        }
        output.flush()
        otherOutput.flush()
        let closed = fclose(file) == 0
        try check(output, "standard output")
        if !closed {
            throw ioFailure("writing \(others) failed")
        }
        try check(otherOutput, others)
    }

    private func check(_ output: OutputBuffer, _ name: String) throws {
        guard !output.failed else {
            throw ioFailure("writing \(name) failed")
        }
    }
}
