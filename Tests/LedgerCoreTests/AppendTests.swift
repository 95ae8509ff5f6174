import Foundation
import LedgerCore
import LedgerModel
import Testing

@Suite struct AppendTests {
    let person = [Line.registered("P1"), Line.identity("P1", "JC", from: "2024-01-01"), Line.enrolled("P1")]

    @Test func aNewLedgerHoldsTheDefaultParametersAtAFixedTime() throws {
        let first = try Ledger.open(at: temporaryDirectory(), create: true)
        let second = try Ledger.open(at: temporaryDirectory(), create: true)
        let head = try first.head()
        #expect(head.sequence > 0)
        #expect(head == (try second.head()), "two new ledgers share their first events byte for byte")
        #expect(try first.verify().isClean)
    }

    @Test func theSameBatchTwiceAppendsOnce() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        let batch = person + [Line.claim("P1", "a1", on: "2024-02-03", inList: "10000", basic: "7500")]
        let first = try ledger.append(lines: batch)
        #expect(first.appended == 4)
        #expect(first.duplicates == 0)
        let second = try ledger.append(lines: batch)
        #expect(second.appended == 0)
        #expect(second.decisions == 0)
        #expect(second.duplicates == 4)
        #expect(second.head == first.head)
    }

    @Test func aDuplicateInsideOneBatchIsCountedOnce() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        let summary = try ledger.append(lines: person + [person[0]])
        #expect(summary.appended == 3)
        #expect(summary.duplicates == 1)
    }

    @Test func aConflictingRePushWritesNothingAndNamesTheSource() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: person)
        let before = try ledger.head()
        let conflicting = Line.identity("P1", "TP", from: "2024-01-01", key: "i-P1-JC-2024-01-01")
        let newPerson = Line.registered("P2")
        #expect {
            try ledger.append(lines: [newPerson, conflicting])
        } throws: { error in
            guard case LedgerError.refused(let problems) = error else { return false }
            return problems.count == 1 && problems[0].line == 2 && problems[0].field == "source"
                && problems[0].reason.contains("category differs")
        }
        #expect(try ledger.head() == before, "nothing of the batch was written, not even the good line")
    }

    /// A source system gets the next number when its first event is appended (docs/FORMAT.md,
    /// `systems`): a refused batch gives none, and a line pushed again is found under its system's
    /// number. Duplicates inside the batch that numbers the system are found too.
    @Test func eachSourceSystemIsNumberedByItsFirstEvent() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        func systems() throws -> [String: [UInt8]] {
            let database = ledger.environment.database("systems")
            return try ledger.environment.read { transaction in
                try transaction.withCursor(database) { cursor in
                    var found: [String: [UInt8]] = [:]
                    var entry = try cursor.first()
                    while let current = entry {
                        found[String(decoding: current.key, as: UTF8.self)] = Array(current.value)
                        entry = try cursor.next()
                    }
                    return found
                }
            }
        }
        func from(_ system: String, _ line: String) -> String {
            line.replacingOccurrences(of: "\"system\":\"test\"", with: "\"system\":\"\(system)\"")
        }
        #expect(try systems() == ["caseledger-defaults": [0, 0, 0, 1]])
        try ledger.append(lines: person)
        let refused = [from("refused-system", Line.claim("P1", "r1", on: "2024-02-03", inList: "100", basic: "50")),
                       Line.claim("P9", "r2", on: "2024-02-04", inList: "100", basic: "50")]
        #expect(throws: LedgerError.self) { try ledger.append(lines: refused) }
        let claim = from("hospital-settlement", Line.claim("P1", "a1", on: "2024-02-03", inList: "10000", basic: "7500"))
        let first = try ledger.append(lines: [claim, claim])
        #expect(first.appended == 1 && first.duplicates == 1)
        #expect(try systems() == ["caseledger-defaults": [0, 0, 0, 1], "test": [0, 0, 0, 2], "hospital-settlement": [0, 0, 0, 3]])
        let again = try ledger.append(lines: [claim])
        #expect(again.appended == 0 && again.duplicates == 1)
        #expect(try ledger.verify().isClean)

        // Two spellings of one text (a precomposed é, and e with a combining accent) are two
        // systems, as their bytes are: each line is appended, and each pushed again is found.
        let spellings = [from("caf\u{E9}", Line.claim("P1", "a2", on: "2024-02-04", inList: "100", basic: "50")),
                         from("cafe\u{301}", Line.claim("P1", "a3", on: "2024-02-05", inList: "100", basic: "50"))]
        #expect(try ledger.append(lines: spellings).appended == 2)
        let numbers = try ledger.environment.read { transaction in
            try ["caf\u{E9}", "cafe\u{301}"].map { try transaction.get(ledger.environment.database("systems"), key: Array($0.utf8)).map(Array.init) }
        }
        #expect(numbers == [[0, 0, 0, 4], [0, 0, 0, 5]])
        #expect(try ledger.append(lines: spellings).duplicates == 2)
        #expect(try ledger.verify().isClean)
    }

    @Test func oneBadLineInTheMiddleWritesNothingAndIsNamed() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: person)
        let before = try ledger.head()
        let batch = [
            Line.claim("P1", "a1", on: "2024-02-03", inList: "10000", basic: "7500"),
            Line.claim("P9", "a2", on: "2024-02-04", inList: "100", basic: "50"),
            Line.claim("P1", "a3", on: "2024-02-05", inList: "100", basic: "50"),
        ]
        #expect {
            try ledger.append(lines: batch)
        } throws: { error in
            guard case LedgerError.refused(let problems) = error else { return false }
            return problems.map(\.line) == [2] && problems[0].field == "person" && problems[0].reason.contains("unknown person P9")
        }
        #expect(try ledger.head() == before)
        #expect(try ledger.verify().isClean)
    }

    @Test func everyStatefulRefusalIsNamed() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: person + [Line.claim("P1", "a1", on: "2024-02-03", inList: "100", basic: "50"),
                                           Line.registered("P2"), Line.registered("P3"), Line.merged("P3", into: "P2")])
        let cases: [(String, String, String)] = [
            (Line.claim("P1", "a1", on: "2024-03-01", inList: "1", basic: "0").replacingOccurrences(of: "\"key\":\"a1\"", with: "\"key\":\"x\""), "claim", "already recorded"),
            (Line.reversed("P1", "nope", on: "2024-03-01"), "claim", "no claim nope"),
            (Line.reversed("P2", "a1", on: "2024-03-01"), "claim", "belongs to P1"),
            (Line.reversed("P1", "a1", on: "2024-01-01"), "reversedOn", "before the claim's settlement"),
            (Line.revoked("P1", "TP", to: "2024-05-01"), "category", "never held TP"),
            (Line.enrolled("P1", on: "2023-12-01"), "insuranceYear", "already enrolled"),
            (Line.registered("P1", key: "again"), "person", "already registered"),
            (Line.merged("P1", into: "P3"), "into", "was itself merged"),
            (Line.merged("P1", into: "P404"), "into", "unknown person"),
            (Line.claim("P3", "z9", on: "2024-03-01", inList: "1", basic: "0"), "person", "merged into another person"),
        ]
        for (line, field, reason) in cases {
            #expect {
                try ledger.append(lines: [line])
            } throws: { error in
                guard case LedgerError.refused(let problems) = error, problems.count == 1 else { return false }
                return problems[0].field == field && problems[0].reason.contains(reason)
            }
        }
    }

    @Test func aReversalIsAcceptedOnceOnly() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: person + [Line.claim("P1", "a1", on: "2024-02-03", inList: "100", basic: "50"),
                                           Line.reversed("P1", "a1", on: "2024-02-04")])
        let again = Line.reversed("P1", "a1", on: "2024-02-05").replacingOccurrences(of: "rev-a1", with: "rev-a1-again")
        #expect(throws: LedgerError.self) { try ledger.append(lines: [again]) }
    }

    @Test func aWrongStreamVersionIsRefusedAndWritesNothing() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: person)
        let before = try ledger.head()
        let claim = submissions([Line.claim("P1", "a1", on: "2024-02-03", inList: "100", basic: "50")])[0].event
        #expect {
            try ledger.append(to: "P1", expectedVersion: 2, events: [claim], recordedAt: fixedTime)
        } throws: { error in
            guard case LedgerError.wrongStreamVersion(let person, let expected, let actual) = error else { return false }
            return person == "P1" && expected == 2 && actual == 4
        }
        #expect(try ledger.head() == before)
        // P1's stream: registered, recognised, enrolled, and the enrolment's subsidy decision.
        let summary = try ledger.append(to: "P1", expectedVersion: 4, events: [claim], recordedAt: fixedTime)
        #expect(summary.appended == 1)
    }

    /// A history folded from the log after the event that needs it was written in the same
    /// transaction holds that event: a reversal that is the person's first event in a transaction
    /// with no warm histories re-adjudicates with the claim reversed, and the next batch (in the
    /// same transaction as an earlier event of the person) sees that event too.
    @Test func aHistoryFoldedInATransactionHoldsItsOwnEvents() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: person + [Line.registered("P2"), Line.claim("P1", "a1", on: "2024-02-03", inList: "20000", basic: "10000")])
        let read = AccessRecord(person: "P2", reader: "investigator", role: .investigator, route: "GET /persons/P2")
        func retireWarmHistories() throws { _ = try ledger.recordAccesses([read], clock: { fixedTime }) }
        let granted = try ledger.timeline(of: "P1").events.filter { $0.event.type == .assistanceGranted }
        try #require(granted.count == 1)
        try #require((granted[0].event.money(.amount) ?? .zero) > .zero, "the claim is granted assistance")

        try retireWarmHistories()
        try ledger.append(lines: [Line.reversed("P1", "a1", on: "2024-02-10")])
        let adjusted = try ledger.timeline(of: "P1").events.filter { $0.event.type == .assistanceAdjusted }
        #expect(adjusted.count == 1, "the reversal takes back the grant")
        #expect(adjusted.first?.event.money(.amount) == granted[0].event.money(.amount).map { Money(fen: -$0.fen) })

        try retireWarmHistories()
        try ledger.append(lines: [Line.paid("P1", amount: "100", key: "pay-1"),
                                  Line.claim("P1", "a2", on: "2024-03-03", inList: "20000", basic: "10000"),
                                  Line.reversed("P1", "a2", on: "2024-03-10")])
        let events = try ledger.timeline(of: "P1").events.map(\.event.type)
        #expect(events.suffix(5) == [.contributionPaid, .settlementRecorded, .assistanceGranted, .settlementReversed, .assistanceAdjusted],
                "\(events)")
    }

    /// `If-Match` looks back along the person's stream from its newest event: reads recorded since
    /// the version named change no fact and are passed over; a fact among them is not.
    @Test func anExpectedVersionPassesOverReadsButNotAFact() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: person + [Line.registered("P2")])
        let claim = submissions([Line.claim("P1", "a1", on: "2024-02-03", inList: "100", basic: "50")])[0].event
        let read = AccessRecord(person: "P1", reader: "investigator", role: .investigator, route: "GET /persons/P1")
        let other = AccessRecord(person: "P2", reader: "investigator", role: .investigator, route: "GET /persons/P2")
        // P1 is at version 4; three reads of P1 (and one of P2 between them) make it 7.
        _ = try ledger.recordAccesses([read, other, read, read], clock: { fixedTime })
        #expect(try ledger.timeline(of: "P1").version == 7)
        let summary = try ledger.append(to: "P1", expectedVersion: 4, events: [claim], recordedAt: fixedTime)
        #expect(summary.appended == 1)

        // Now a fact (the claim and its decision) lies after version 6: naming 6 is refused.
        _ = try ledger.recordAccesses([read], clock: { fixedTime })
        let second = submissions([Line.claim("P1", "a2", on: "2024-03-03", inList: "100", basic: "50")])[0].event
        #expect {
            try ledger.append(to: "P1", expectedVersion: 6, events: [second], recordedAt: fixedTime)
        } throws: { error in
            guard case LedgerError.wrongStreamVersion(_, let expected, let actual) = error else { return false }
            return expected == 6 && actual == 10
        }
        #expect(try ledger.append(to: "P1", expectedVersion: 9, events: [second], recordedAt: fixedTime).appended == 1)
    }

    /// A live writer's time is read once it holds the ledger, after whatever committed while it
    /// waited: found by the load bench, where ingest waited behind access records and was refused
    /// as earlier than them.
    @Test func aLiveClockIsReadOnceTheWriteLockIsHeld() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Thread {
            try? ledger.environment.write { _ in
                holding.signal()
                release.wait()
            }
        }
        holder.start()
        holding.wait()
        let read = LockedFlag()
        let done = DispatchSemaphore(value: 0)
        let writer = Thread {
            _ = try? ledger.append(submissions([Line.registered("P1")]), clock: {
                read.set()
                return Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)
            })
            done.signal()
        }
        writer.start()
        Thread.sleep(forTimeInterval: 0.2)
        #expect(!read.isSet, "the clock is not read while another writer holds the ledger")
        release.signal()
        done.wait()
        #expect(read.isSet)
        #expect(try ledger.head().recordedAt.millisecondsSinceEpoch == 1_800_000_000_000)
    }

    @Test func recordedTimeNeverGoesBackwardsAndIsNeverMovedSilently() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        _ = try ledger.append(submissions([Line.registered("P1")]), recordedAt: Timestamp(millisecondsSinceEpoch: 2_000_000_000_000))
        let head = try ledger.head()
        #expect {
            try ledger.append(submissions([Line.registered("P2")]), recordedAt: Timestamp(millisecondsSinceEpoch: 1_000))
        } throws: { error in
            guard case LedgerError.timeBeforeHead(let requested, let at) = error else { return false }
            return requested.millisecondsSinceEpoch == 1_000 && at.millisecondsSinceEpoch == 2_000_000_000_000
        }
        #expect(try ledger.head() == head)
        // The same time as the head's is fine.
        _ = try ledger.append(submissions([Line.registered("P2")]), recordedAt: Timestamp(millisecondsSinceEpoch: 2_000_000_000_000))
    }

    @Test func aMergedPersonsEventsShowUnderTheSurvivor() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        try ledger.append(lines: person + [Line.registered("P2"), Line.claim("P2", "b1", on: "2024-03-01", inList: "100", basic: "50"),
                                           Line.merged("P2", into: "P1")])
        let timeline = try ledger.timeline(of: "P1")
        #expect(timeline.mergedPersons == ["P2"])
        let sequences = timeline.events.map(\.sequence)
        #expect(sequences == sequences.sorted())
        #expect(timeline.events.contains { $0.event.person == "P2" && $0.event.type == .settlementRecorded })
        #expect(timeline.events.filter { $0.event.type == .personMerged }.count == 1, "the merge shows once")
        #expect(try ledger.verify().isClean)
    }
}

/// A flag set by one thread and read by another.
final class LockedFlag: @unchecked Sendable {
    // @unchecked Sendable: `value` is read and written under `lock`.
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
