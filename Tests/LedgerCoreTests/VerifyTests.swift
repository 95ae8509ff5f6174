import LedgerCore
import LedgerModel
import LedgerStorage
import Testing

@Suite struct VerifyTests {
    /// A ledger with a JC person, claims that cross the threshold, a reversal and a merge.
    func populatedLedger() throws -> Ledger {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: [
            Line.registered("P1"), Line.identity("P1", "JC", from: "2024-01-01"), Line.enrolled("P1"),
            Line.claim("P1", "a1", on: "2024-02-03", inList: "10000", basic: "7500"),
            Line.claim("P1", "a2", on: "2024-04-10", inList: "12000", basic: "8000"),
            Line.registered("P2"), Line.claim("P2", "b1", on: "2024-03-01", inList: "100", basic: "50"),
            Line.reversed("P1", "a1", on: "2024-05-01"), Line.merged("P2", into: "P1"),
        ])
        #expect(try ledger.verify().isClean)
        return ledger
    }

    func sequence(of type: EventType, in ledger: Ledger) throws -> UInt64 {
        var found: UInt64?
        try ledger.forEachEvent { recorded in if found == nil && recorded.event.type == type { found = recorded.sequence } }
        return try #require(found)
    }

    /// The stored record at `sequence`, as bytes and decoded, to forge and to put back.
    func storedRecord(at sequence: UInt64, in ledger: Ledger) throws -> (bytes: [UInt8], recorded: RecordedEvent) {
        let log = ledger.environment.database("log")
        let bytes: [UInt8] = try #require(try ledger.environment.read { try $0.get(log, key: bigEndian(sequence)).map(Array.init) })
        return (bytes, try bytes.withUnsafeBytes { try EventCodec.decode($0) })
    }

    /// A flipped byte is reported at its event's sequence when the record no longer decodes or
    /// disagrees with an index (in the log or that index); else by the chain, which a record of
    /// version 4 does not hold: at the first multiple of 64 at or after it (`chain`), or at the
    /// head (`meta`).
    @Test func aFlippedByteInAnyEventIsReported() throws {
        let ledger = try populatedLedger()
        let head = try ledger.head().sequence
        let log = ledger.environment.database("log")
        for target in [UInt64(1), try sequence(of: .settlementRecorded, in: ledger), head] {
            let checkpoint = (target + 63) / 64 * 64
            let chainReport = checkpoint <= head ? (checkpoint, "chain") : (head, "meta")
            let key = bigEndian(target)
            let original: [UInt8] = try #require(try ledger.environment.read { try $0.get(log, key: key).map(Array.init) })
            for offset in [1, original.count / 2, original.count - 1] {
                var damaged = original
                damaged[offset] ^= 0x40
                try ledger.environment.write { try $0.put(log, key: key, value: damaged) }
                let report = try ledger.verify()
                #expect(!report.isClean)
                #expect(report.problems.contains {
                    $0.sequence == target || ($0.sequence == chainReport.0 && $0.database == chainReport.1)
                }, "byte \(offset) of sequence \(target): \(report.problems)")
                try ledger.environment.write { try $0.put(log, key: key, value: original) }
            }
        }
        #expect(try ledger.verify().isClean, "restoring the bytes restores a clean ledger")
    }

    /// A record holds its person's number for the projections; one that holds another person's
    /// is reported, naming both.
    @Test func aRecordHoldingAnotherPersonsNumberIsReported() throws {
        let ledger = try populatedLedger()
        let merge = try sequence(of: .personMerged, in: ledger)
        let log = ledger.environment.database("log")
        let key = bigEndian(merge)
        let (original, recorded) = try storedRecord(at: merge, in: ledger)
        #expect(recorded.event.person == "P2" && recorded.personNumber == 2, "P2, registered second, merged into P1")
        let forged = EventCodec.encode(recorded.event, sequence: merge, recordedAt: recorded.recordedAt, personNumber: 1)
        try ledger.environment.write { try $0.put(log, key: key, value: forged) }
        let report = try ledger.verify()
        #expect(report.problems.contains { $0.sequence == merge && $0.reason == "holds person number 1 where P2 is number 2" },
                "\(report.problems)")
        try ledger.environment.write { try $0.put(log, key: key, value: original) }
        #expect(try ledger.verify().isClean)
    }

    /// A damaged record can hold a year no person-year key can: it is reported with its sequence,
    /// never trapped on (found by the corruption run: a flipped bit made an enrolment's year -2025).
    @Test func aYearNoPersonYearKeyCanHoldIsReported() throws {
        let ledger = try populatedLedger()
        let enrolment = try sequence(of: .enrollmentRegistered, in: ledger)
        let log = ledger.environment.database("log")
        let key = bigEndian(enrolment)
        let (original, recorded) = try storedRecord(at: enrolment, in: ledger)
        for year: Int64 in [-2025, 70_000] {
            var fields = recorded.event.fields
            fields[.insuranceYear] = .integer(year)
            let event = Event(type: recorded.event.type, source: recorded.event.source, person: recorded.event.person, fields: fields)
            let forged = EventCodec.encode(event, sequence: enrolment, recordedAt: recorded.recordedAt, personNumber: recorded.personNumber,
                                           previousInStream: recorded.previousInStream ?? 0)
            try ledger.environment.write { try $0.put(log, key: key, value: forged) }
            let problems = try ledger.verify().problems
            #expect(problems.contains { $0.sequence == enrolment && $0.reason == "holds the year \(year), which no person-year key can hold" },
                    "\(problems)")
        }
        try ledger.environment.write { try $0.put(log, key: key, value: original) }
        #expect(try ledger.verify().isClean)
    }

    @Test func aDeletedIndexEntryIsReportedWithItsSequence() throws {
        let ledger = try populatedLedger()
        let settlement = try sequence(of: .settlementRecorded, in: ledger)
        let sources = ledger.environment.database("sourceKeys")
        let systems = ledger.environment.database("systems")
        // `test` is the second system of the log, after the defaults' `caseledger-defaults`.
        let number = try ledger.environment.read { try $0.get(systems, key: Array("test".utf8)).map(Array.init) }
        #expect(number == [0, 0, 0, 2])
        let deleted = try ledger.environment.write { try $0.delete(sources, key: [2] + Array("a1".utf8)) }
        #expect(deleted)
        let report = try ledger.verify()
        #expect(report.problems.contains { $0.sequence == settlement && $0.database == "sourceKeys" }, "\(report.problems)")
    }

    /// `systems` must give each system the number of its first event along the log, and hold no
    /// other: a number changed, an entry added and one deleted are each named.
    @Test func aSystemsEntryTheLogDoesNotImplyIsReported() throws {
        let ledger = try populatedLedger()
        let systems = ledger.environment.database("systems")
        try ledger.environment.write { transaction in
            try transaction.put(systems, key: Array("test".utf8), value: [0, 0, 0, 9])
            try transaction.put(systems, key: Array("nobody".utf8), value: [0, 0, 0, 3])
            _ = try transaction.delete(systems, key: Array("caseledger-defaults".utf8))
        }
        let problems = try ledger.verify().problems.filter { $0.database == "systems" }.map(\.reason)
        #expect(Set(problems) == ["entry for test is not number 2, which its first event gives it",
                                  "entry for nobody, a system no event names", "caseledger-defaults, number 1, has no entry"],
                "\(problems)")
    }

    /// A claim's entry holds its reversal's sequence only when it has one (format 5): a claim
    /// never reversed is 8 bytes, and one written with a reversal of 0 after it is named.
    @Test func aClaimEntryHoldsItsReversalOnlyWhenItHasOne() throws {
        let ledger = try populatedLedger()
        let claims = ledger.environment.database("claims")
        func entry(_ claim: String) throws -> [UInt8]? {
            try ledger.environment.read { try $0.get(claims, key: Array(claim.utf8)).map(Array.init) }
        }
        let reversal = try sequence(of: .settlementReversed, in: ledger)
        #expect(try entry("a1")?.count == 16 && entry("a1")?.suffix(8) == ArraySlice(bigEndian(reversal)),
                "a1, reversed, holds its reversal")
        let settled = try #require(try entry("a2"))
        #expect(settled.count == 8, "a2, never reversed, its settlement alone")
        try ledger.environment.write { try $0.put(claims, key: Array("a2".utf8), value: settled + [UInt8](repeating: 0, count: 8)) }
        let problems = try ledger.verify().problems
        #expect(problems.map(\.reason) == ["the entry of claim a2 is 16 bytes where 8 are due"], "\(problems)")
    }

    /// A merge is in two streams, so its links stay in `streamLinks` whatever its record's version.
    @Test func aDeletedStreamLinkIsReportedWithItsSequence() throws {
        let ledger = try populatedLedger()
        let links = ledger.environment.database("streamLinks")
        // P2, number 2, is merged into P1: the merge is the newest event of P2's stream.
        let merge = try sequence(of: .personMerged, in: ledger)
        let key = withUnsafeBytes(of: merge.bigEndian, Array.init) + [0, 0, 0, 2]
        let deleted = try ledger.environment.write { try $0.delete(links, key: key) }
        #expect(deleted)
        let report = try ledger.verify()
        #expect(report.problems.contains { $0.sequence == merge && $0.database == "streamLinks" }, "\(report.problems)")
        // A stream that no longer leads back to its first event is damage to a reader, not an empty past.
        #expect(throws: LedgerError.self) { try ledger.timeline(of: "P1") }
    }

    /// From version 3 a record holds the link to the previous event of its person's stream: one
    /// that links elsewhere is reported with its sequence, and a walk back that it leads into
    /// another person's stream is refused as damage.
    @Test func aRecordLinkedElsewhereInItsStreamIsReported() throws {
        let ledger = try populatedLedger()
        let log = ledger.environment.database("log")
        let events = try ledger.timeline(of: "P1").events
        let own = events.filter { $0.event.person == "P1" }
        // P1's reversal comes after P2's registration.
        let index = try #require(own.firstIndex { $0.event.type == .settlementReversed })
        let target = own[index]
        #expect(target.previousInStream == own[index - 1].sequence)
        let otherPerson = try #require(events.first { $0.event.person == "P2" }).sequence
        #expect(otherPerson < target.sequence)
        let key = bigEndian(target.sequence)
        let original = try storedRecord(at: target.sequence, in: ledger).bytes
        for (wrong, intoAnother) in [(own[index - 2].sequence, false), (otherPerson, true)] {
            let forged = EventCodec.encode(target.event, sequence: target.sequence, recordedAt: target.recordedAt, personNumber: 1,
                                           previousInStream: wrong)
            try ledger.environment.write { try $0.put(log, key: key, value: forged) }
            let report = try ledger.verify()
            #expect(report.problems.contains {
                $0.sequence == target.sequence && $0.database == "log" && $0.reason.hasPrefix("links P1's stream version") && $0.reason.contains("to \(wrong),")
            }, "\(report.problems)")
            if intoAnother { #expect(throws: LedgerError.self) { try ledger.timeline(of: "P1") } }
        }
        try ledger.environment.write { try $0.put(log, key: key, value: original) }
        #expect(try ledger.verify().isClean)
    }

    /// Record versions never go back along a log: a record of an older version after a newer one is
    /// reported, and a walk back that meets one goes on reading the records below it.
    @Test func aRecordOfAnOlderVersionAfterANewerOneIsReported() throws {
        let ledger = try populatedLedger()
        let log = ledger.environment.database("log")
        let timeline: Timeline? = try ledger.timeline(of: "P1")
        let own = try #require(timeline).events.filter { $0.event.person == "P1" }
        let target = try #require(own.first { $0.event.type == .settlementReversed })
        let key = bigEndian(target.sequence)
        let older = EventCodec.encode(target.event, sequence: target.sequence, recordedAt: target.recordedAt, personNumber: 1,
                                      version: 2)
        // A record of version 2 holds a hash after its body (not the chain's: reported too).
        try ledger.environment.write { try $0.put(log, key: key, value: older + [UInt8](repeating: 0, count: 32)) }
        let report = try ledger.verify()
        #expect(report.problems.contains { $0.sequence == target.sequence && $0.reason == "a record of version 2 after one of version 4" },
                "\(report.problems)")
        // Its link is nowhere, so the walk back from P1's newest event stops there as damage.
        #expect(throws: LedgerError.self) { try ledger.timeline(of: "P1") }
        // With its link in `streamLinks`, as a build of format 3 would have written it, the walk
        // reads the link there and, finding none below it for the records of version 3, reads theirs.
        let links = ledger.environment.database("streamLinks")
        let previous = try #require(target.previousInStream)
        try ledger.environment.write {
            try $0.put(links, key: key + [0, 0, 0, 1], value: bigEndian(previous))
        }
        #expect(try ledger.timeline(of: "P1").events.map(\.sequence) == (try #require(timeline)).events.map(\.sequence))
    }

    @Test func anExtraIndexEntryIsReported() throws {
        let ledger = try populatedLedger()
        let claims = ledger.environment.database("claims")
        let bogus: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 3] + [UInt8](repeating: 0, count: 8)
        try ledger.environment.write { try $0.put(claims, key: Array("ghost".utf8), value: bogus) }
        let report = try ledger.verify()
        #expect(report.problems.contains { $0.database == "claims" && $0.sequence == 3 }, "\(report.problems)")
        #expect(report.problems.contains { $0.database == "claims" && $0.reason.contains("entries") })
    }

    /// A person-year the log does not imply, of a key as long as the implied ones: another year of
    /// a person, a year of a person number no one has, and the year of the highest number.
    @Test func aPersonYearTheLogDoesNotImplyIsReported() throws {
        let ledger = try populatedLedger()
        let personYears = ledger.environment.database("personYears")
        for (year, person) in [(UInt16(2023), UInt32(1)), (2024, 3), (2024, 0xFFFF_FFFF)] {
            let key = withUnsafeBytes(of: year.bigEndian, Array.init) + withUnsafeBytes(of: person.bigEndian, Array.init)
            try ledger.environment.write { try $0.put(personYears, key: key, value: Array("P1".utf8)) }
            let problems = try ledger.verify().problems.filter { $0.database == "personYears" }
            #expect(problems.contains { $0.reason == "entry the log does not imply" }, "\(year) \(person): \(problems)")
            try ledger.environment.write { _ = try $0.delete(personYears, key: key) }
        }
        #expect(try ledger.verify().isClean)
    }

    /// An entry moved to a key the log does not imply leaves the index's count as the log implies
    /// it: the entry missing is found from the log, and the walk of that index, which a clean
    /// index with the right count is spared, still names the stray one. A clean ledger counts
    /// every entry of every index as checked, walked or not.
    @Test(arguments: ["streamLinks", "sourceKeys", "claims", "personNumbers", "personYears"])
    func anIndexEntryMovedToAnotherKeyIsReportedBothWays(database name: String) throws {
        let ledger = try populatedLedger()
        let database = ledger.environment.database(name)
        let entries = try ledger.environment.read { try $0.count(database) }
        let before = try ledger.verify().indexEntriesChecked
        #expect(before >= UInt64(2 * entries), "each entry is looked up from the log and counted by the index")
        let moved = try ledger.environment.write { transaction -> Bool in
            let first = try transaction.withCursor(database) { cursor in
                try cursor.first().map { (Array($0.key), Array($0.value)) }
            }
            guard let (key, value) = first else { return false }
            _ = try transaction.delete(database, key: key)
            try transaction.put(database, key: key + [0xFF], value: value)
            return true
        }
        #expect(moved)
        #expect(try ledger.environment.read { try $0.count(database) } == entries)
        let problems = try ledger.verify().problems.filter { $0.database == name }
        #expect(problems.contains { $0.reason.contains("no index entry") }, "\(problems)")
        let stray = ["streamLinks": "entry the log does not imply", "sourceKeys": "does not match the source of the event",
                     "claims": "names no settlement of that claim", "personNumbers": "entry the log does not imply",
                     "personYears": "entry the log does not imply"][name]!
        #expect(problems.contains { $0.reason.contains(stray) }, "the stray entry is named: \(problems)")
    }

    @Test func aDamagedHeadIsReported() throws {
        let ledger = try populatedLedger()
        let meta = ledger.environment.database("meta")
        let key = Array("head".utf8)
        var head: [UInt8] = try #require(try ledger.environment.read { try $0.get(meta, key: key).map(Array.init) })
        head[12] ^= 1
        try ledger.environment.write { try $0.put(meta, key: key, value: head) }
        let report = try ledger.verify()
        #expect(report.problems.contains { $0.database == "meta" && $0.reason.contains("hash") })
    }

    @Test func exportImportedIntoAnEmptyLedgerGivesTheSameHead() throws {
        let ledger = try populatedLedger()
        var lines: [String] = []
        try ledger.forEachEvent(withHashes: true) { lines.append(Interchange.render($0.event, stamp: $0)) }
        let copy = try Ledger.open(at: temporaryDirectory(), create: true)
        // Imported at the source's last recorded time: no stamp may lie after the time of the import.
        let summary = try copy.append(submissions(lines), recordedAt: try ledger.head().recordedAt)
        #expect(summary.head == (try ledger.head()))
        #expect(try copy.verify().isClean)
        var copied: [String] = []
        try copy.forEachEvent(withHashes: true) { copied.append(Interchange.render($0.event, stamp: $0)) }
        #expect(copied == lines, "the copy exports the same bytes")
    }

    @Test func anExportWhoseStampDoesNotReproduceIsRefused() throws {
        let ledger = try populatedLedger()
        var lines: [String] = []
        try ledger.forEachEvent(withHashes: true) { lines.append(Interchange.render($0.event, stamp: $0)) }
        let index = try #require(lines.firstIndex { $0.contains("\"claim\":\"a2\"") && $0.contains("settlement.recorded") })
        lines[index] = lines[index].replacingOccurrences(of: "\"inListCost\":\"12000.00\"", with: "\"inListCost\":\"11999.99\"")
        let copy = try Ledger.open(at: temporaryDirectory(), create: true)
        let before = try copy.head()
        #expect {
            try copy.append(submissions(lines), recordedAt: fixedTime)
        } throws: { error in
            guard case LedgerError.refused(let problems) = error else { return false }
            return problems.contains { $0.line == index + 1 && $0.field == "ledger.hash" }
        }
        #expect(try copy.head() == before)
    }
}
