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
        _ = try ledger.append(submissions(lines), recordedAt: fixedTime)
        return ledger
    }

    func encoded(_ ledger: Ledger) throws -> [[UInt8]] { try ledger.accumulators().map(\.encoded) }

    /// Every key and value of the live accumulators database, as LMDB holds them.
    func liveProjection(_ ledger: Ledger) throws -> [[UInt8]] {
        try ledger.environment.read { transaction in
            let generation = try transaction.get(ledger.meta, key: Array("projection.generation".utf8)).map { $0[0] } ?? 0
            return try transaction.withCursor(ledger.environment.database("accumulators.\(generation)")) { cursor in
                var entries: [[UInt8]] = []
                var entry = try cursor.first()
                while let current = entry {
                    entries.append(Array(current.key) + [0xFF] + Array(current.value))
                    entry = try cursor.next()
                }
                return entries
            }
        }
    }

    /// A merge moves every year of the merged person: those in the database, those only in the
    /// chunk's memory, and not those the chunk has removed.
    @Test func aChunkStoreFindsAPersonsYearsInTheDatabaseAndInItsMemory() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        func key(_ person: UInt32, _ year: Int) -> AccumulatorKey { AccumulatorKey(person: person, year: year) }
        try ledger.environment.write { transaction in
            var stored = DatabaseAccumulatorStore(transaction: transaction, database: try ledger.liveAccumulators(in: transaction))
            for (person, year) in [(7, 2016), (7, 2021), (7, 2022), (8, 2022)] as [(UInt32, Int)] {
                try stored.store(Accumulator(person: "p\(person)", year: year), at: key(person, year))
            }
            var chunk = ChunkAccumulatorStore(stored)
            // 2016 is below every other year the chunk holds: only its removal tells the chunk of it.
            try chunk.remove(key(7, 2016))
            try chunk.remove(key(7, 2021))
            try chunk.store(Accumulator(person: "p7", year: 2025), at: key(7, 2025))
            try chunk.update(key(9, 2019), make: { Accumulator(person: "p9", year: 2019) }) { $0.claims += 1 }
            #expect(try chunk.keys(ofPerson: 7) == [key(7, 2022), key(7, 2025)])
            #expect(try chunk.keys(ofPerson: 8) == [key(8, 2022)])
            #expect(try chunk.keys(ofPerson: 9) == [key(9, 2019)])
            #expect(try chunk.keys(ofPerson: 10) == [])
            try chunk.flush()
            #expect(try chunk.keys(ofPerson: 7) == [key(7, 2022), key(7, 2025)])
            #expect(try chunk.accumulator(key(9, 2019))?.claims == 1)
        }
    }

    /// The same for replay's memory store: a person's years in order, not another's, not one removed.
    @Test func aMemoryStoreFindsAPersonsYears() throws {
        func key(_ person: UInt32, _ year: Int) -> AccumulatorKey { AccumulatorKey(person: person, year: year) }
        var store = MemoryAccumulatorStore()
        #expect(try store.keys(ofPerson: 7) == [])
        try store.store(Accumulator(person: "p7", year: 2024), at: key(7, 2024))
        try store.update(key(7, 2019), make: { Accumulator(person: "p7", year: 2019) }) { $0.claims += 1 }
        try store.store(Accumulator(person: "p8", year: 2021), at: key(8, 2021))
        try store.store(Accumulator(person: "p7", year: 2022), at: key(7, 2022))
        try store.remove(key(7, 2022))
        #expect(try store.keys(ofPerson: 7) == [key(7, 2019), key(7, 2024)])
        #expect(try store.keys(ofPerson: 8) == [key(8, 2021)])
        #expect(try store.keys(ofPerson: 9) == [])
    }

    /// Over several pages, with removals whose positions are used again: the store holds exactly
    /// what a dictionary given the same stores, updates and removals holds.
    @Test func aMemoryStoreHoldsWhatADictionaryWouldAndWalksItInKeyOrder() throws {
        var store = MemoryAccumulatorStore()
        var reference: [AccumulatorKey: Accumulator] = [:]
        var random = SeededRandom(seed: 11)
        let persons = UInt32(MemoryAccumulatorStore.pageSize * 2)
        for step in 0..<(MemoryAccumulatorStore.pageSize * 8) {
            let key = AccumulatorKey(person: UInt32(random.below(Int(persons))), year: 2023 + random.below(3))
            switch random.below(4) {
            case 0:
                var accumulator = Accumulator(person: "P\(key.person)", year: Int(key.year))
                accumulator.claims = step
                try store.store(accumulator, at: key)
                reference[key] = accumulator
            case 1:
                try store.remove(key)
                reference[key] = nil
            default:
                let make = { Accumulator(person: "P\(key.person)", year: Int(key.year)) }
                try store.update(key, make: make) { $0.applications += step }
                reference[key, default: make()].applications += step
            }
        }
        #expect(store.count == reference.count)
        #expect(store.keys == reference.keys.sorted(), "every key held, in the stored keys' order")
        for (key, accumulator) in reference { #expect(store[key] == accumulator) }
        #expect(store[AccumulatorKey(person: persons, year: 2024)] == nil)
        // The walk a rebuild writes from: every accumulator with its key, in key order, as held
        // (positions freed by removals are taken again, so the order held is not the key order).
        // A rebuild's write walks it in two parts, one on each core: together they are that walk.
        let order = store.positionsInKeyOrder
        var walked: [(AccumulatorKey, Accumulator)] = []
        for part in [order[..<(order.count / 3)], order[(order.count / 3)...]] {
            store.forEach(at: part) { key, accumulator in walked.append((key, accumulator.pointee)) }
        }
        #expect(walked.map(\.0) == reference.keys.sorted())
        #expect(walked.allSatisfy { reference[$0.0] == $0.1 })
    }

    /// A person number no persons index hands out is refused as damage, not given an array of
    /// billions of entries; the store is left as it was.
    @Test func aMemoryStoreRefusesAPersonNumberBeyondItsLimit() throws {
        var store = MemoryAccumulatorStore()
        try store.store(Accumulator(person: "P1", year: 2024), at: AccumulatorKey(person: 1, year: 2024))
        let beyond = AccumulatorKey(person: MemoryAccumulatorStore.personNumberLimit, year: 2024)
        #expect(throws: LedgerError.self) {
            try store.update(beyond, make: { Accumulator(person: "PX", year: 2024) }) { $0.claims += 1 }
        }
        #expect(throws: LedgerError.self) { try store.store(Accumulator(person: "PX", year: 2024), at: beyond) }
        #expect(store.count == 1 && store.keys == [AccumulatorKey(person: 1, year: 2024)])
        #expect(store[beyond] == nil)
        #expect(try store.keys(ofPerson: beyond.person) == [])
    }

    /// The key written without allocating is the stored key, and sorts as the stored bytes do.
    @Test func anAccumulatorKeyIsItsStoredBytes() {
        let keys = [(1, 2024), (0x0102_0304, 2025), (0xFFFF_FFFF, 9999), (255, 1), (256, 1)]
            .map { AccumulatorKey(person: UInt32($0.0), year: $0.1) }
        for key in keys { #expect(key.withBytes { Array($0) } == key.bytes) }
        #expect(keys.sorted().map(\.bytes) == keys.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
    }

    /// The decoded pieces are the folded events of the range, in log order, across piece boundaries,
    /// whatever the piece size; a range cut short by `stop` ends without waiting for the rest.
    @Test func theDecodedLogIsTheFoldedEventsOfItsRangeInOrder() throws {
        let ledger = try city(persons: 300, seed: 9)
        let head = try ledger.head().sequence
        var expected: [FoldedEntry] = []
        try ledger.forEachEvent { recorded in
            if recorded.sequence > 7 && recorded.sequence <= head - 5 && ProjectionInputs.folds(recorded.event.type) {
                expected.append(folded(recorded))
            }
        }
        #expect(Set(expected.map(\.event.type)).isSuperset(of: [
            .settlementReversed, .personMerged, .assistanceAdjusted, .tiltedGranted, .contributionSubsidized, .contributionRefunded,
        ]), "the corpus has what the fold reads")
        // Decoded on the second core alone, with the folding thread helping, and by the folding
        // thread alone: the same events.
        for perPiece in [1, 7, 64, 100_000] {
            for (onSecondCore, helping) in [(true, false), (true, true), (false, true)] {
                let decoded = DecodedLog(ledger: ledger, after: 7, through: head - 5, eventsPerPiece: perPiece, onSecondCore: onSecondCore)
                var events: [FoldedEntry] = []
                try ledger.environment.read { transaction in
                    var index = 0
                    while let piece = try decoded.piece(index, helpingIn: helping ? transaction : nil) {
                        events += try piece.entries()
                        // Handed back, its memory holds a later piece: nothing of it may remain there.
                        decoded.recycle(piece)
                        index += 1
                    }
                }
                decoded.stop()
                #expect(events == expected, "\(perPiece) a piece, second core \(onSecondCore), helping \(helping)")
                #expect(decoded.decodedCount == (Int(head) - 12 + perPiece - 1) / perPiece, "each piece decoded once")
            }
        }
        let stopped = DecodedLog(ledger: ledger, after: 0, through: head, eventsPerPiece: 3)
        #expect(try stopped.piece(0) != nil)
        stopped.stop()
        #expect(try DecodedLog(ledger: ledger, after: head, through: head, eventsPerPiece: 3).piece(0) == nil, "an empty range")
    }

    /// With no reader slot left for the second core's snapshot, the second core stops at once and
    /// the folding thread decodes the whole range itself: the same events, nothing lost.
    @Test func theFoldingThreadDecodesWhatTheSecondCoreCannot() throws {
        let ledger = try city(persons: 30, seed: 4)
        let head = try ledger.head().sequence
        var expected: [FoldedEntry] = []
        try ledger.forEachEvent { recorded in
            if ProjectionInputs.folds(recorded.event.type) { expected.append(folded(recorded)) }
        }
        // Every reader slot but one is held; the fold's own snapshot takes that one.
        func holding(_ slots: Int, _ body: () throws -> Void) throws {
            guard slots > 0 else { return try body() }
            try ledger.environment.read { _ in try holding(slots - 1, body) }
        }
        var events: [FoldedEntry] = []
        var failed = false
        try holding(ledger.environment.figures().maxReaders - 1) {
            try ledger.environment.read { transaction in
                let decoded = DecodedLog(ledger: ledger, after: 0, through: head, eventsPerPiece: 16)
                defer { decoded.stop() }
                // The second core tries its snapshot as soon as it runs; on a busy machine the folding
                // thread could otherwise decode the whole range before it has, and nothing would fail.
                for _ in 0..<5_000 where !decoded.secondCoreFailed { usleep(1_000) }
                failed = decoded.secondCoreFailed
                var index = 0
                while let piece = try decoded.piece(index, helpingIn: transaction) {
                    events += try piece.entries()
                    index += 1
                }
            }
        }
        #expect(failed, "the second core found no reader slot")
        #expect(events == expected)
        #expect(try ledger.rebuildProjections(chunkEvents: 25).eventsApplied == head, "with the slots free again, a rebuild runs")
    }

    /// The decoding runs at most a few pieces ahead of the fold, so a fold of a whole log holds a
    /// few pieces of it, not the log.
    @Test func theDecodedLogRunsAFewPiecesAheadAndNoMore() throws {
        let ledger = try city(persons: 30, seed: 4)
        let head = try ledger.head().sequence
        let decoded = DecodedLog(ledger: ledger, after: 0, through: head, eventsPerPiece: 1)
        defer { decoded.stop() }
        func waitFor(_ count: Int) {
            for _ in 0..<500 where decoded.decodedCount < count { usleep(10_000) }
        }
        waitFor(DecodedLog.piecesAhead)
        usleep(50_000)
        #expect(decoded.decodedCount == DecodedLog.piecesAhead, "nothing taken: no more than the pieces ahead")
        _ = try decoded.piece(0)
        _ = try decoded.piece(1)
        waitFor(DecodedLog.piecesAhead + 2)
        usleep(50_000)
        #expect(decoded.decodedCount == DecodedLog.piecesAhead + 2, "each piece taken lets one more be decoded")
        #expect(Int(head) > DecodedLog.piecesAhead + 2)
    }

    /// A record of the range that does not decode fails the rebuild with its sequence, and the
    /// projection stays as it was.
    @Test func aRebuildOverARecordThatDoesNotDecodeNamesItsSequence() throws {
        let ledger = try city(persons: 30, seed: 4)
        let before = try liveProjection(ledger)
        let log = ledger.environment.database("log")
        let target: UInt64 = 40
        let key = Keys.log(target)
        let original: [UInt8] = try #require(try ledger.environment.read { try $0.get(log, key: key).map(Array.init) })
        try ledger.environment.write { try $0.put(log, key: key, value: [original[0], 0xFF, 0xFF] + original.suffix(32)) }
        #expect {
            try ledger.rebuildProjections(chunkEvents: 25)
        } throws: { error in
            guard case LedgerError.damaged(let sequence, _) = error else { return false }
            return sequence == target
        }
        // The same when the folding thread decodes it, helping.
        let decoded = DecodedLog(ledger: ledger, after: 0, through: try ledger.head().sequence, eventsPerPiece: 16, onSecondCore: false)
        #expect {
            try ledger.environment.read { transaction in
                var index = 0
                while try decoded.piece(index, helpingIn: transaction) != nil { index += 1 }
            }
        } throws: { error in
            guard case LedgerError.damaged(let sequence, _) = error else { return false }
            return sequence == target
        }
        decoded.stop()
        try ledger.environment.write { try $0.put(log, key: key, value: original) }
        #expect(try liveProjection(ledger) == before)
        let report = try ledger.rebuildProjections(chunkEvents: 25)
        let after = try liveProjection(ledger)
        #expect(report.eventsApplied > 0 && after == before, "restored, the rebuild resumes and ends")
    }

    /// A rebuild takes the id of a person whose events hold the person's number from
    /// `personNumbers`, in memory as it writes and in chunks as it makes the accumulator: a number
    /// without its id there (one in the middle, and the highest, past which the write's cursor runs
    /// out) fails the rebuild, naming the number and where it was found, and the projection stays as
    /// it was. A rebuild in memory that failed at its write leaves its generation empty, so one in
    /// memory runs again.
    @Test func aRebuildOverAPersonNumberWithoutItsIdNamesTheNumber() throws {
        let ledger = try city(persons: 30, seed: 4)
        let before = try liveProjection(ledger)
        let highest = try UInt32(ledger.environment.read { try $0.count(ledger.personNumbers) })
        for number in [UInt32(3), highest] {
            let key = Keys.bigEndian(number)
            let id: [UInt8] = try #require(try ledger.environment.read { try $0.get(ledger.personNumbers, key: key).map(Array.init) })
            #expect(before.contains { $0.prefix(4).elementsEqual(key) }, "person \(number) has a year")
            func failing(inMemory: Int, where found: String) throws {
                try ledger.environment.write { _ = try $0.delete(ledger.personNumbers, key: key) }
                #expect {
                    try ledger.rebuildProjections(chunkEvents: 25, stoppingAfterChunks: nil, personYearsInMemory: inMemory, progress: nil)
                } throws: { error in
                    guard case LedgerError.damaged(_, let reason) = error else { return false }
                    return reason.contains("person number \(number) has no id") && reason.contains(found)
                }
                #expect(try liveProjection(ledger) == before, "\(number), \(found)")
                try ledger.environment.write { try $0.put(ledger.personNumbers, key: key, value: id) }
            }
            try failing(inMemory: Ledger.rebuildPersonYearsInMemory, where: "writing the accumulators")
            let again = try ledger.rebuildProjections(chunkEvents: 25, stoppingAfterChunks: 1, personYearsInMemory: .max, progress: nil)
            #expect(again.eventsApplied == (try ledger.head()).sequence, "in memory again, whole")
            #expect(try liveProjection(ledger) == before)
            try failing(inMemory: 0, where: "making its accumulator")
            _ = try ledger.rebuildProjections(chunkEvents: 25)
            #expect(try liveProjection(ledger) == before)
        }
    }

    /// Replay's comparison walks the stored accumulators in key order beside the re-projected ones:
    /// a person-year stored only, re-projected only, stored under a key of another length, or
    /// different, is each reported once, in key order, and each digest is the stored layout's
    /// (docs/FORMAT.md) over its own side in key order, whichever side holds what.
    @Test func replayComparesStoredAndReprojectedInKeyOrder() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        func key(_ person: UInt32) -> AccumulatorKey { AccumulatorKey(person: person, year: 2024) }
        func accumulator(_ person: String, claims: Int) -> Accumulator {
            var accumulator = Accumulator(person: person, year: 2024)
            accumulator.claims = claims
            return accumulator
        }
        let short: [UInt8] = [0, 0, 0, 2, 0]
        let stored: [([UInt8], Accumulator)] = [
            (key(1).bytes, accumulator("P1", claims: 1)), (short, accumulator("PX", claims: 9)),
            (key(2).bytes, accumulator("P2", claims: 2)), (key(3).bytes, accumulator("P3", claims: 3)),
        ]
        let rebuilt: [AccumulatorKey: Accumulator] = [
            key(1): accumulator("P1", claims: 1), key(2): accumulator("P2", claims: 5), key(4): accumulator("P4", claims: 4),
        ]
        try ledger.environment.write { transaction in
            let database = try ledger.liveAccumulators(in: transaction)
            for (bytes, value) in stored { try transaction.put(database, key: bytes, value: value.encoded) }
        }
        var report = ReplayReport()
        var store = MemoryAccumulatorStore()
        for (key, value) in rebuilt { try store.store(value, at: key) }
        try ledger.environment.read { try ledger.compare(storedIn: $0, rebuilt: store, into: &report) }
        #expect(report.projectionDifferences == ["PX 2024", "P2 2024", "P3 2024", "P4 2024"])
        func reference(_ entries: [([UInt8], Accumulator)]) -> String {
            var digest = AccumulatorDigest()
            for (bytes, value) in entries.sorted(by: { $0.0.lexicographicallyPrecedes($1.0) }) {
                bytes.withUnsafeBytes { digest.add(key: $0, value: value.encoded) }
            }
            return digest.hex
        }
        #expect(report.storedDigest == reference(stored))
        #expect(report.rebuiltDigest == reference(rebuilt.map { ($0.key.bytes, $0.value) }))
        #expect(report.storedDigest != report.rebuiltDigest)
    }

    /// The digest's bytes for one person-year, worked out apart from this code (docs/FORMAT.md § The
    /// projection digest): SHA-256 of zigzag-varint(6) = 0x0C ‖ key ‖ zigzag-varint(38) = 0x4C ‖ value,
    /// the value "P1", 2024 and 33 zeros but the standard (−1).
    @Test func theProjectionDigestOfOnePersonYear() {
        var digest = AccumulatorDigest()
        let value = Accumulator(person: "P1", year: 2024).encoded
        #expect(hexString(value) == "025031d01f000000000000000000000000000000000000000000000000000000000001000000")
        AccumulatorKey(person: 1, year: 2024).withBytes { digest.add(key: $0, value: value) }
        #expect(digest.hex == "b6f42435adc9041aa384574b6af9ffa9ce948cc4c3d98a24096fe79ec5946a7e")
        #expect(AccumulatorDigest().hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "nothing: SHA-256 of no bytes")
    }

    /// A rebuild whose writes fill the map: the map grows, each chunk that failed is done again from
    /// the last committed checkpoint, and the rebuilt projection is the old one byte for byte.
    @Test func aRebuildThatFillsTheMapRebuildsEveryChunk() throws {
        let path = temporaryDirectory()
        let before: [[UInt8]]
        let sizeBefore: Int
        do {
            let ledger = try Ledger.open(at: path, create: true)
            var generator = ScenarioGenerator(.init(persons: 300, seed: 5))
            _ = try ledger.append(submissions(generator.events().map { Interchange.render($0) }), recordedAt: fixedTime)
            before = try liveProjection(ledger)
        }
        // LMDB raises a map smaller than the file to the file's size: the first new page fills it.
        let ledger = try Ledger.open(at: path, initialMapSizeBytes: 1)
        // Not grown before each chunk: every chunk that fills the map is aborted and done again.
        ledger.environment.growsAhead = false
        sizeBefore = ledger.environment.figures().mapSizeBytes
        let report = try ledger.rebuildProjections(chunkEvents: 500)
        #expect(ledger.environment.figures().mapSizeBytes > sizeBefore)
        #expect(report.eventsApplied == report.head)
        #expect(before.count > 250)
        #expect(try liveProjection(ledger) == before)
        #expect(try ledger.verify().isClean)
    }

    /// A stored accumulator that is not what the log projects: replay --verify names its
    /// person-year and the two digests differ; a rebuild puts it right.
    @Test func replayFindsAnAccumulatorThatDiffersFromTheLog() throws {
        let ledger = try city()
        #expect(try ledger.replayVerify().isClean)
        let tampered = try ledger.environment.write { transaction -> String in
            let database = try ledger.liveAccumulators(in: transaction)
            let (key, accumulator) = try transaction.withCursor(database) { cursor in
                let entry = try #require(try cursor.first())
                return (Array(entry.key), try #require(Accumulator(encoded: entry.value)))
            }
            var changed = accumulator
            changed.totalCost += Money(fen: 1)
            try transaction.put(database, key: key, value: changed.encoded)
            return "\(accumulator.person) \(accumulator.year)"
        }
        let replay = try ledger.replayVerify()
        #expect(!replay.isClean)
        #expect(replay.projectionDifferences == [tampered])
        #expect(replay.storedDigest != replay.rebuiltDigest)
        #expect(replay.decisionProblems.isEmpty && replay.chain.isClean)
        _ = try ledger.rebuildProjections()
        #expect(try ledger.replayVerify().isClean)
    }

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
        let partial = try ledger.rebuildProjections(chunkEvents: 50, stoppingAfterChunks: 3, personYearsInMemory: 0, progress: nil)
        #expect(partial.eventsApplied == 150)
        #expect(try encoded(ledger) == before, "readers still get the live generation")
        // Appends go on meanwhile, into the live generation.
        let withLate = try appendLatePerson("LATE1", to: ledger)
        try expectResumed(ledger, from: 150, chunkEvents: 50, to: withLate)
    }

    /// Appends a person with a claim while a rebuild is half done (into the live generation) and
    /// returns the live accumulators then.
    func appendLatePerson(_ person: String, to ledger: Ledger) throws -> [[UInt8]] {
        try ledger.append(lines: [Line.registered(person), Line.identity(person, "JC", from: "2024-01-01"), Line.enrolled(person),
                                  Line.claim(person, "\(person)-claim", on: "2024-06-01", inList: "9000", basic: "4000")])
        return try encoded(ledger)
    }

    /// Resumes a rebuild stopped at `checkpoint`: it goes on from there to the live bytes `live`.
    func expectResumed(_ ledger: Ledger, from checkpoint: UInt64, chunkEvents: Int, to live: [[UInt8]]) throws {
        let resumed = try ledger.rebuildProjections(chunkEvents: chunkEvents)
        #expect(resumed.resumedFrom == checkpoint)
        #expect(resumed.eventsApplied == (try ledger.head()).sequence - checkpoint)
        #expect(try encoded(ledger) == live)
    }

    /// From sequence 1 a rebuild folds in memory as far as its bound of person-years allows, writes
    /// that in key order, and leaves the rest to its chunks; stopped there, it resumes in chunks,
    /// appends made meanwhile included, to the same bytes as the live projection.
    @Test func aRebuildFoldedInMemoryStopsAtItsBoundAndItsChunksFinish() throws {
        let ledger = try city(persons: 400, seed: 5)
        let head = try ledger.head().sequence
        #expect(head > 4_096, "the log spans more than one piece of the fold")
        var seen: [UInt64] = []
        let partial = try ledger.rebuildProjections(chunkEvents: 300, stoppingAfterChunks: 1, personYearsInMemory: 10) { done, _ in
            seen.append(done)
        }
        #expect(partial.eventsApplied == 4_096, "the fold stops at the end of the piece that passed its bound")
        #expect(seen == [4_096])
        let status = try ledger.projectionStatus()
        #expect(status.rebuild?.generation == partial.generation && status.rebuild?.sequence == 4_096)
        let live = try appendLatePerson("LATE2", to: ledger)
        try expectResumed(ledger, from: 4_096, chunkEvents: 300, to: live)
        // Unbounded, the fold in memory is the whole rebuild: one write, the same bytes.
        let whole = try ledger.rebuildProjections(chunkEvents: 300, stoppingAfterChunks: 1, personYearsInMemory: .max, progress: nil)
        #expect(whole.eventsApplied == (try ledger.head()).sequence)
        #expect(try ledger.projectionStatus().rebuild == nil, "switched by the fold's own write")
        #expect(try encoded(ledger) == live)
        #expect(try ledger.replayVerify().isClean)
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

    /// Replay's projection is folded by the chain check as it walks the log, in its own snapshot,
    /// which may hold more of the log than the replay's: it stops at the sequence it is given. At
    /// every limit it is the fold of the log up to there, as `accumulators(upTo:)` folds it apart
    /// (each event's person looked up in `persons`).
    @Test func theChainChecksProjectionIsTheLogsFoldUpToItsLimit() throws {
        var generator = ScenarioGenerator(.init(persons: 300, seed: 11))
        let events = generator.events()
        #expect(events.contains { $0.type == .personMerged } && events.contains { $0.type == .settlementReversed })
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        _ = try ledger.append(submissions(events.map { Interchange.render($0) }), recordedAt: fixedTime)
        let head = try ledger.head().sequence
        let plain = try ledger.verify()
        #expect(plain.isClean)
        for limit in [1, head / 3, head / 2 + 1, head - 1, head] {
            let (report, projection) = try ledger.verify(progress: nil, projectingThrough: limit)
            let store = try #require(projection)
            let projected = store.keys.map { store[$0]! }
            #expect(projected == (try ledger.accumulators(upTo: limit)), "projected through \(limit)")
            #expect(report.isClean && report.eventsChecked == plain.eventsChecked)
            #expect(report.indexEntriesChecked == plain.indexEntriesChecked)
        }
        #expect(try ledger.verify(progress: nil, projectingThrough: nil).projection == nil)
        let whole = try #require(try ledger.verify(progress: nil, projectingThrough: head).projection)
        #expect(whole.keys.map { whole[$0]! } == (try ledger.accumulators()), "the whole log's fold is what is stored")
    }

    /// A record that holds another person's number, or one no person has, is reported by the chain
    /// check; the projection it folds for the replay goes by the number its walk gave the person,
    /// as the append path folded the event, so the replay reports the record and no accumulator.
    @Test(arguments: [UInt32(1), 1 << 28])
    func replayFoldsARecordWithADamagedNumberUnderItsPersonsNumber(forged: UInt32) throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: [Line.registered("P1"), Line.registered("P2"), Line.enrolled("P2"),
                                  Line.claim("P2", "b1", on: "2024-03-01", inList: "10000", basic: "5000")])
        var settlement: RecordedEvent?
        try ledger.forEachEvent { if $0.event.type == .settlementRecorded { settlement = $0 } }
        let recorded = try #require(settlement)
        #expect(recorded.personNumber == 2)
        let log = ledger.environment.database("log")
        let key = bigEndian(recorded.sequence)
        let forgedRecord = EventCodec.encode(recorded.event, sequence: recorded.sequence, recordedAt: recorded.recordedAt,
                                             personNumber: forged)
        try ledger.environment.write { try $0.put(log, key: key, value: forgedRecord) }
        let replay = try ledger.replayVerify()
        #expect(replay.chain.problems.contains { $0.sequence == recorded.sequence && $0.reason.contains("holds person number \(forged)") })
        #expect(replay.projectionDifferences.isEmpty && replay.storedDigest == replay.rebuiltDigest)
        #expect(replay.decisionProblems.isEmpty)
        let head = try ledger.head().sequence
        #expect(try ledger.verify(progress: nil, projectingThrough: head).report.problems == ledger.verify().problems)
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

/// The append path's own state across transactions: the histories it hands from one batch to the
/// next, and what it keeps of them when a batch is run again or refused.
@Suite struct WarmHistoryTests {
    static func city() -> [String] {
        var generator = ScenarioGenerator(.init(persons: 300, seed: 9))
        return generator.events().map { Interchange.render($0) }
    }

    /// The city in two batches into a ledger with room from the start.
    static func roomy(_ first: [String], _ rest: [String]) throws -> Ledger {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        _ = try ledger.append(submissions(first), recordedAt: fixedTime)
        _ = try ledger.append(submissions(rest), recordedAt: fixedTime)
        return ledger
    }

    /// A batch refused at its last line has folded every line before it into the histories it was
    /// handed: it hands back only those of persons it did not touch, so the same lines appended
    /// again decide as if the refused batch had never run.
    @Test func aRefusedBatchHandsBackOnlyWhatItDidNotTouch() throws {
        let lines = WarmHistoryTests.city()
        let first = Array(lines.prefix(lines.count * 2 / 5)), rest = Array(lines.dropFirst(lines.count * 2 / 5))
        let roomy = try WarmHistoryTests.roomy(first, rest)
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        _ = try ledger.append(submissions(first), recordedAt: fixedTime)
        #expect(throws: LedgerError.self) {
            try ledger.append(submissions(rest + [Line.reversed("P0000001", "no-such-claim", on: "2024-12-30")]), recordedAt: fixedTime)
        }
        _ = try ledger.append(submissions(rest), recordedAt: fixedTime)
        #expect(try ledger.head() == roomy.head())
        #expect(try ledger.decisionEvents() == roomy.decisionEvents())
        #expect(try ledger.replayVerify().isClean)
    }

    /// A batch that fills the map is aborted and run again from the histories it was handed, less
    /// those the aborted run touched: every event, decision and hash is the one a ledger with room
    /// from the start writes.
    @Test func aBatchRunAgainAfterTheMapGrewStartsFromUntouchedHistories() throws {
        let lines = WarmHistoryTests.city()
        let first = Array(lines.prefix(500)), rest = Array(lines.dropFirst(500))
        let roomy = try WarmHistoryTests.roomy(first, rest)
        let small = try Ledger.open(at: temporaryDirectory(), create: true, initialMapSizeBytes: 3 << 18)
        small.environment.growsAhead = false
        _ = try small.append(submissions(first), recordedAt: fixedTime)
        let mapBefore = small.environment.figures().mapSizeBytes
        #expect(mapBefore == 3 << 18, "the first batch fits the map it started with")
        _ = try small.append(submissions(rest), recordedAt: fixedTime)
        #expect(small.environment.figures().mapSizeBytes > mapBefore, "the second batch did not fill the map")
        #expect(try small.head() == roomy.head())
        #expect(try small.decisionEvents() == roomy.decisionEvents())
        #expect(try small.replayVerify().isClean)
    }
}

/// A claim after the last of its year is decided from the year's totals; every other fact
/// re-adjudicates the year whole. The two must give the same decisions, byte for byte.
@Suite struct IncrementalDecisionTests {
    @Test(arguments: [(UInt64(7), 400), (UInt64(11), 250), (UInt64(23), 300)])
    func incrementalAndWholeYearDecisionsAreTheSame(seed: UInt64, persons: Int) throws {
        var generator = ScenarioGenerator(.init(persons: persons, seed: seed))
        let lines = generator.events().map { Interchange.render($0) }
        let incremental = try Ledger.open(at: temporaryDirectory(), create: true)
        let whole = try Ledger.open(at: temporaryDirectory(), create: true)
        whole.decidesIncrementally = false
        try appendInBatchesOfSeveralSizes(lines, to: [incremental, whole])
        #expect(try incremental.head() == whole.head())
        let decided = try incremental.decisionEvents()
        #expect(decided.count > persons)
        #expect(try decided == whole.decisionEvents())
        // And a replay, deciding incrementally, re-derives what the whole-year ledger recorded.
        whole.decidesIncrementally = true
        #expect(try whole.replayVerify().isClean)
    }
}

/// A folded event and its ids, as one.
struct FoldedEntry: Equatable {
    var event: FoldedEvent
    var ids: FoldedIDs
}

/// What the decoding of `recorded`'s record folds: its event's fields and the person number the
/// record holds, and its ids.
func folded(_ recorded: RecordedEvent) -> FoldedEntry {
    var ids = FoldedIDs()
    let event = FoldedEvent(recorded.event, personNumber: recorded.personNumber, ids: &ids)
    return FoldedEntry(event: event, ids: ids)
}

extension FoldedPiece {
    /// Each event with its ids (none where the piece lists none), after checking that the piece
    /// lists ids only where there are some, once each, in ascending order of their events.
    func entries() throws -> [FoldedEntry] {
        #expect(ids.map(\.index) == ids.map(\.index).sorted() && Set(ids.map(\.index)).count == ids.count)
        #expect(ids.allSatisfy { !$0.ids.isEmpty && $0.index < events.count })
        let byIndex = Dictionary(ids.map { ($0.index, $0.ids) }, uniquingKeysWith: { first, _ in first })
        return events.indices.map { FoldedEntry(event: events[$0], ids: byIndex[$0] ?? FoldedIDs()) }
    }
}
