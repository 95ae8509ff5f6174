import Foundation
import LedgerModel
import LedgerRules
import LedgerSimulation
import Testing

@testable import LedgerCore

@Suite struct RebuildTests {
    func city(persons: Int = 40, seed: UInt64 = 3) throws -> Ledger {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        var generator = ScenarioGenerator(.init(persons: persons, seed: seed))
        let lines = generator.events().map { Interchange.render($0) }
        try ledger.append(submissions(lines), recordedAt: fixedTime)
        return ledger
    }

    func encoded(_ ledger: Ledger) throws -> [[UInt8]] { try ledger.accumulators().map(\.encoded) }

    @Test func aRebuildGivesTheSameAccumulatorsByteForByte() throws {
        let ledger = try city()
        let before = try encoded(ledger)
        #expect(!before.isEmpty)
        let first = try ledger.rebuildProjections(chunkEvents: 100)
        #expect(first.eventsApplied == (try ledger.head()).sequence)
        #expect(try encoded(ledger) == before)
        let second = try ledger.rebuildProjections(chunkEvents: 7)
        #expect(second.generation != first.generation, "each rebuild fills the spare generation")
        #expect(try encoded(ledger) == before)
        #expect(try ledger.replayVerify().isClean)
    }

    @Test func aRebuildStoppedHalfWayResumesAndKeepsServingTheOldProjection() throws {
        let ledger = try city()
        let before = try encoded(ledger)
        let partial = try ledger.rebuildProjections(chunkEvents: 50, stoppingAfterChunks: 3, progress: nil)
        #expect(partial.eventsApplied == 150)
        #expect(try encoded(ledger) == before, "readers still get the live generation")
        // Appends go on meanwhile, into the live generation.
        try ledger.append(lines: [Line.registered("LATE1"), Line.identity("LATE1", "JC", from: "2024-01-01"), Line.enrolled("LATE1"),
                                  Line.claim("LATE1", "late-claim", on: "2024-06-01", inList: "9000", basic: "4000")])
        let withLate = try encoded(ledger)
        let resumed = try ledger.rebuildProjections(chunkEvents: 50)
        #expect(resumed.resumedFrom == 150)
        #expect(resumed.eventsApplied == (try ledger.head()).sequence - 150)
        #expect(try encoded(ledger) == withLate)
    }

    @Test func aSecondRebuildAtTheSameTimeIsRefused() throws {
        let ledger = try city(persons: 5)
        let lock = open(ledger.environment.path + "/rebuild.lock", O_CREAT | O_RDWR, 0o644)
        #expect(lock >= 0)
        defer { close(lock) }
        #expect(flock(lock, LOCK_EX | LOCK_NB) == 0)
        #expect {
            try ledger.rebuildProjections()
        } throws: { error in
            guard case LedgerError.busy(let reason) = error else { return false }
            return reason.contains("another rebuild")
        }
    }

    @Test func replayUntilShowsTheStateAsItWas() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: [Line.registered("P1"), Line.identity("P1", "JC", from: "2024-01-01"), Line.enrolled("P1"),
                                  Line.claim("P1", "a1", on: "2024-02-03", inList: "10000", basic: "6000")])
        let middle = try ledger.head().sequence
        try ledger.append(lines: [Line.claim("P1", "a2", on: "2024-03-03", inList: "10000", basic: "6000")])
        let then = try #require(try ledger.accumulators(upTo: middle).first)
        let now = try #require(try ledger.accumulators(person: "P1").first)
        // a1: base 4000, B 4000, eligible 1000 × 70% = 700; a2: base 4000, eligible 4000 × 70% = 2800.
        #expect(then.assistanceBase == Money(fen: 400_000))
        #expect(then.assistanceGranted == Money(fen: 70_000))
        #expect(now.assistanceBase == Money(fen: 800_000))
        #expect(now.assistanceGranted == Money(fen: 350_000))
    }
}
