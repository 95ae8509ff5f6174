import Foundation
import LedgerModel
import LedgerRules
import LedgerSimulation
import Testing

@testable import LedgerCore

/// A batch imported by a process of its own folds the histories of the persons of its next piece
/// on another core (``HistoryPrefolder``, docs/PERFORMANCE.md item 47).
@Suite struct PrefoldTests {
    static func lines(persons: Int, seed: UInt64) -> [String] {
        var generator = ScenarioGenerator(.init(persons: persons, seed: seed))
        return generator.events().map { Interchange.render($0) }
    }

    static func bytes(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) }

    /// The city in six batches, each appended in pieces by a ledger opened afresh (no history in
    /// memory, so the pieces after the first are folded ahead), writes byte for byte the ledger that
    /// one process appending the same batches whole writes, and replays clean.
    @Test(arguments: [(UInt64(7), 300, 16), (UInt64(13), 200, 5), (UInt64(23), 250, 64)])
    func foldingAheadWritesTheSameLedger(seed: UInt64, persons: Int, linesPerPiece: Int) throws {
        let lines = PrefoldTests.lines(persons: persons, seed: seed)
        let piecedPath = temporaryDirectory()
        let whole = try Ledger.open(at: temporaryDirectory(), create: true)
        let batch = lines.count / 6 + 1
        var last: Ledger?
        var foldedAhead = 0
        for start in stride(from: 0, to: lines.count, by: batch) {
            let slice = Array(lines[start..<min(start + batch, lines.count)])
            last = nil  // one environment per process: the last batch's closes before the next opens
            let pieced = try Ledger.open(at: piecedPath, create: true)
            foldedAhead += try pieced.append(BatchPieces(PrefoldTests.bytes(slice), linesPerPiece: linesPerPiece), clock: { fixedTime })
                .historiesFoldedAhead
            _ = try whole.append(submissions(slice), recordedAt: fixedTime)
            last = pieced
        }
        #expect(foldedAhead > persons / 4, "the later batches' persons are folded ahead")
        let pieced = try #require(last)
        #expect(try pieced.head() == whole.head())
        #expect(try pieced.decisionEvents() == whole.decisionEvents())
        #expect(try pieced.replayVerify().isClean)
        // Every history the last batch's engine left, adopted or folded as it went, holds every
        // fact of its person's log, as a fold of the log does (the year totals aside, which only
        // deciding records).
        let warm = try #require(pieced.warmHistories.withLock { $0?.histories.working })
        #expect(warm.count > persons / 4)
        let head = try pieced.head().sequence
        for (person, history) in warm {
            let folded = try #require(try pieced.environment.read { try pieced.foldHistory(of: person, upTo: head, in: $0, pending: nil) })
            #expect(PrefoldTests.sameFacts(history, folded), "\(person)")
        }
    }

    /// A payment folds into no cached history (it changes no decision, I-9): a person whose
    /// payment an earlier piece wrote is still not held when a later piece names it, and must not
    /// be handed a history folded before the payment.
    @Test func aPersonAnEarlierPieceWroteIsNotFoldedAhead() throws {
        let path = temporaryDirectory()
        _ = try Ledger.open(at: path, create: true).append(lines: ["P1", "P2", "P3"].flatMap { [Line.registered($0), Line.enrolled($0)] })
        let ledger = try Ledger.open(at: path)
        // The first piece reads a history the engine does not hold, so the batch is folded ahead.
        let batch = [Line.claim("P3", "c3", on: "2024-03-09", inList: "5000", basic: "2000"), Line.paid("P1", amount: "380.00", key: "pay-1"),
                     Line.claim("P2", "c2", on: "2024-03-10", inList: "9000", basic: "4000"),
                     Line.claim("P1", "c1", on: "2024-03-10", inList: "20000", basic: "10000")]
        let summary = try ledger.append(BatchPieces(PrefoldTests.bytes(batch), linesPerPiece: 1), clock: { fixedTime })
        #expect(summary.historiesFoldedAhead == 1, "P2's, for its claim; not P1's, whose payment the first piece wrote")
        let warm = try #require(ledger.warmHistories.withLock { $0?.histories.working })
        let head = try ledger.head().sequence
        for person in ["P1", "P2", "P3"] {
            let history = try #require(warm[person])
            let folded = try #require(try ledger.environment.read { try ledger.foldHistory(of: person, upTo: head, in: $0, pending: nil) })
            #expect(PrefoldTests.sameFacts(history, folded), "\(person)")
        }
        #expect(warm["P1"]?.facts == 4, "registration, enrolment, payment, claim")
    }

    /// A history folded ahead is the log at its piece's start: the engine keeps it current through
    /// the lines of the piece before the one that reads it (a payment before a claim), and through a
    /// policy in the middle of its piece, after which nothing more is folded ahead. The ledger
    /// written is the one a process appending the batch whole writes.
    @Test func aHistoryFoldedAheadIsKeptCurrentThroughItsPiece() throws {
        let persons = ["P1", "P2", "P3", "P4", "P5"]
        let path = temporaryDirectory()
        let start = persons.flatMap { [Line.registered($0), Line.identity($0, "JC", from: "2023-01-01"), Line.enrolled($0)] }
        _ = try Ledger.open(at: path, create: true).append(lines: start)
        let whole = try Ledger.open(at: temporaryDirectory(), create: true)
        _ = try whole.append(lines: start)
        let ledger = try Ledger.open(at: path)
        let batch = [
            Line.claim("P3", "c3", on: "2024-03-09", inList: "5000", basic: "2000"),
            Line.claim("P2", "c2", on: "2024-03-10", inList: "9000", basic: "4000"),
            // Folded ahead for its claim, after its payment in the same piece.
            Line.paid("P4", amount: "380.00", key: "pay-4"), Line.claim("P4", "c4", on: "2024-04-10", inList: "30000", basic: "12000"),
            // Folded ahead, then reached by the policy's decisions.
            Line.claim("P1", "c1", on: "2024-05-10", inList: "40000", basic: "15000"),
            Line.policy("assistance.threshold", "2000", from: "2024-01-01", to: "2024-12-31"),
            // After the policy nobody is folded ahead.
            Line.claim("P5", "c5", on: "2024-06-10", inList: "30000", basic: "12000"),
        ]
        let summary = try ledger.append(BatchPieces(PrefoldTests.bytes(batch), linesPerPiece: 2), clock: { fixedTime })
        #expect(summary.historiesFoldedAhead == 2, "P4's and P1's")
        _ = try whole.append(submissions(batch), recordedAt: fixedTime)
        let adjusted = try ledger.decisionEvents().filter { $0.event.type == .assistanceAdjusted }.compactMap(\.event.person)
        #expect(adjusted.contains("P1"), "the policy's decisions reach P1, folded ahead before it")
        #expect(try ledger.head() == whole.head())
        let warm = try #require(ledger.warmHistories.withLock { $0?.histories.working })
        let head = try ledger.head().sequence
        for person in ["P1", "P4"] {
            let history = try #require(warm[person])
            let folded = try #require(try ledger.environment.read { try ledger.foldHistory(of: person, upTo: head, in: $0, pending: nil) })
            #expect(PrefoldTests.sameFacts(history, folded), "\(person)")
        }
    }

    static func sameFacts(_ left: PersonHistory, _ right: PersonHistory) -> Bool {
        left.facts == right.facts && left.lastSequence == right.lastSequence && left.claims == right.claims
            && left.decisions == right.decisions && left.identities == right.identities && left.enrollments == right.enrollments
            && left.applications == right.applications && left.years == right.years && left.residence == right.residence
            && left.region == right.region
    }

    /// A batch folded ahead that fills the map is aborted and run again, folding ahead again from
    /// the start: the same events, decisions and hashes as a ledger with room from the start.
    @Test func aBatchFoldedAheadIsRunAgainWhenTheMapGrows() throws {
        let lines = WarmHistoryTests.city()
        let first = Array(lines.prefix(500)), rest = Array(lines.dropFirst(500))
        let roomy = try WarmHistoryTests.roomy(first, rest)
        let path = temporaryDirectory()
        do {
            let small = try Ledger.open(at: path, create: true, initialMapSizeBytes: 3 << 18)
            small.environment.growsAhead = false
            _ = try small.append(submissions(first), recordedAt: fixedTime)
            #expect(small.environment.figures().mapSizeBytes == 3 << 18, "the first batch fits the map it started with")
        }
        // Opened afresh, as `import` would be: no history in memory.
        let small = try Ledger.open(at: path, initialMapSizeBytes: 3 << 18)
        small.environment.growsAhead = false
        let mapBefore = small.environment.figures().mapSizeBytes
        let summary = try small.append(BatchPieces(PrefoldTests.bytes(rest), linesPerPiece: 32), clock: { fixedTime })
        #expect(summary.historiesFoldedAhead > 0)
        #expect(small.environment.figures().mapSizeBytes > mapBefore, "the batch did not fill the map")
        #expect(try small.head() == roomy.head())
        #expect(try small.decisionEvents() == roomy.decisionEvents())
        #expect(try small.replayVerify().isClean)
    }

    /// A batch folded ahead that a line of a later piece refuses writes nothing, and hands on no
    /// history it folded ahead: the next append folds those again.
    @Test func aRefusedBatchFoldedAheadWritesNothingAndHandsOnNothingFoldedAhead() throws {
        let lines = PrefoldTests.lines(persons: 120, seed: 3)
        let path = temporaryDirectory()
        _ = try Ledger.open(at: path, create: true).append(submissions(lines), recordedAt: fixedTime)
        let ledger = try Ledger.open(at: path)
        let before = try ledger.head()
        let merged = Set(lines.filter { $0.contains("\"person.merged\"") }.compactMap { submissions([$0])[0].event.person })
        let persons = (1...60).map { String(format: "P%07d", $0) }.filter { !merged.contains($0) }.prefix(40)
        let claims = persons.map { Line.claim($0, "late-\($0)", on: "2024-06-01", inList: "3000", basic: "1000") }
        let batch = claims + [Line.claim("P9999999", "nobody", on: "2024-06-01", inList: "3000", basic: "1000")]
        #expect(throws: LedgerError.self) {
            try ledger.append(BatchPieces(PrefoldTests.bytes(batch), linesPerPiece: 8), clock: { fixedTime })
        }
        #expect(try ledger.head() == before)
        let handedOn = ledger.warmHistories.withLock { $0?.histories.working } ?? [:]
        #expect(handedOn.isEmpty, "every history of that run was folded or adopted by it")
        // And the same batch without its bad line appends as a process appending it whole would.
        let whole = try Ledger.open(at: temporaryDirectory(), create: true)
        _ = try whole.append(submissions(lines), recordedAt: fixedTime)
        _ = try whole.append(submissions(claims), recordedAt: fixedTime)
        #expect(try ledger.append(BatchPieces(PrefoldTests.bytes(claims), linesPerPiece: 8), clock: { fixedTime }).historiesFoldedAhead > 0)
        #expect(try ledger.head() == whole.head())
    }

    /// Only persons whose lines read their history, whom no earlier piece names, and nobody in a
    /// piece after one with a policy; each folded as the log stood, as the engine would fold it.
    @Test func itFoldsOnlyWhomNoEarlierPieceCouldHaveWritten() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        let lines = PrefoldTests.lines(persons: 30, seed: 5)
        _ = try ledger.append(submissions(lines), recordedAt: fixedTime)
        let head = try ledger.head().sequence
        func claim(_ person: String, _ id: String) -> Submission {
            submissions([Line.claim(person, id, on: "2024-05-10", inList: "9000", basic: "4000")])[0]
        }
        let merge = submissions([Line.merged("P0000004", into: "P0000005")])[0]
        let policy = submissions([Line.policy("assistance.threshold", "2000", from: "2024-01-01", to: "2024-12-31")])[0]
        let prefolder = HistoryPrefolder(ledger: ledger, head: head)
        defer { prefolder.finish() }
        prefolder.note([claim("P0000001", "x1"), merge])
        prefolder.plan([claim("P0000001", "x2"), claim("P0000002", "x3"), claim("P0000005", "x4"), policy], index: 1,
                       held: { $0 == "P0000002" })
        prefolder.plan([claim("P0000003", "x5")], index: 2, held: { _ in false })
        let folded = prefolder.take(1)
        // P0000001 and P0000005 (the merge's survivor) are named by piece 0, P0000002 is held:
        // nobody of piece 1 is folded ahead.
        #expect(folded.isEmpty)
        #expect(prefolder.take(2).isEmpty, "after a piece with a policy nobody is")
        let fresh = HistoryPrefolder(ledger: ledger, head: head)
        defer { fresh.finish() }
        fresh.note([claim("P0000001", "x1")])
        // A payment reads no history, and a line the ledger holds already is a duplicate; a claim
        // after a payment does read it. Writing a merge drops its survivor's history.
        let held = submissions([lines.first { $0.contains("settlement.recorded") && $0.contains("P0000009") }!])[0]
        fresh.plan([claim("P0000006", "x2"), claim("P0000007", "x3"), claim("P0000001", "x4"),
                    submissions([Line.paid("P0000008", amount: "380.00", key: "pay-8")])[0], held,
                    submissions([Line.paid("P0000010", amount: "380.00", key: "pay-10")])[0], claim("P0000010", "x5"),
                    submissions([Line.merged("P0000012", into: "P0000011")])[0]], index: 1, held: { _ in false })
        fresh.plan([claim("P0000011", "x6"), claim("P0000013", "x7")], index: 2, held: { _ in false })
        let ahead = fresh.take(1)
        #expect(Set(ahead.keys) == ["P0000006", "P0000007", "P0000010"])
        #expect(Set(fresh.take(2).keys) == ["P0000013"], "the survivor of piece 1's merge is named by it")
        for (person, history) in ahead {
            #expect(history == (try ledger.environment.read { try ledger.foldHistory(of: person, upTo: head, in: $0, pending: nil) }))
            #expect(history.facts > 0)
        }
        // A batch of payments, or of persons the engine holds, is not taken a piece ahead.
        let payments = (1...9).map { submissions([Line.paid("P000000\($0)", amount: "380.00", key: "pay-\($0)")])[0] }
        #expect(!HistoryPrefolder.worthFolding(payments, held: { _ in false }))
        let claims = (1...9).map { claim("P000000\($0)", "y\($0)") }
        #expect(HistoryPrefolder.worthFolding(claims, held: { _ in false }))
        #expect(!HistoryPrefolder.worthFolding(claims, held: { _ in true }))
        #expect(!HistoryPrefolder.worthFolding(payments + [claims[0]], held: { _ in false }), "one line in ten reads: fewer than one in eight")
        #expect(!HistoryPrefolder.worthFolding(claims + [policy], held: { _ in false }), "after a policy nothing is folded")
        // Folded against another head (a snapshot that is not the transaction's), nothing is handed over.
        let stale = HistoryPrefolder(ledger: ledger, head: head - 1)
        defer { stale.finish() }
        stale.plan([claim("P0000008", "x1")], index: 1, held: { _ in false })
        #expect(stale.take(1).isEmpty)
    }
}
