import LedgerModel
import LedgerRules
import LedgerStorage

/// One consistent read of the ledger: every question asked of a snapshot sees the same head, so an
/// answer made of several reads (a report, a person-year, a page) never mixes two states.
///
/// ```swift
/// let (timeline, history) = try ledger.snapshot { view in (try view.timeline(of: "P1"), try view.history(of: "P1")) }
/// ```
/// Valid only inside the closure that received it.
public struct LedgerSnapshot {
    let ledger: Ledger
    let transaction: Transaction

    /// The last event's sequence, hash and recorded time.
    public func head() throws -> Head { try ledger.head(in: transaction) }

    /// Whether `person` is registered (merged persons included).
    public func isKnown(_ person: String) throws -> Bool { try ledger.personEntry(person, in: transaction) != nil }

    /// The events of `person` and of everyone merged into it, in sequence order; with `asOf`, only
    /// those up to that sequence (what was known then).
    /// - Throws: ``LedgerError/refused(_:)`` naming the person when the ledger does not know it.
    public func timeline(of person: String, asOf: UInt64? = nil) throws -> Timeline {
        guard let entry = try ledger.personEntry(person, in: transaction) else {
            throw LedgerError.refused([LineProblem(line: 0, field: "person", reason: "unknown person \(person)")])
        }
        let merged = try ledger.mergedPersons(into: entry.number, upTo: asOf ?? .max, in: transaction)
        let events = try ledger.streamEvents(of: entry, merged: merged, upTo: asOf ?? .max, in: transaction)
        return Timeline(person: person, mergedPersons: merged.map(\.id).sorted(), events: events, version: entry.version)
    }

    /// The person `person` was merged into, through every merge; `person` itself when none.
    public func survivor(of person: String) throws -> String { try ledger.survivor(of: person, in: transaction) }

    /// A person's history as the rules see it (with everyone merged into it), up to `limit`.
    public func history(of person: String, upTo limit: UInt64 = .max) throws -> PersonHistory {
        let engine = try DecisionEngine(ledger: ledger, transaction: transaction, upTo: 0)
        return try engine.history(of: try ledger.survivor(of: person, upTo: limit, in: transaction), upTo: limit)
    }

    /// The parameters recorded in the ledger.
    public func parameters() throws -> ParameterSet { try ledger.parameters(upTo: .max, in: transaction) }

    /// Every decision event, optionally of one person (with the persons merged into it), in order.
    public func decisionEvents(person: String? = nil) throws -> [RecordedEvent] {
        if let person { return try timeline(of: person).events.filter { !$0.event.type.isInput } }
        var events: [RecordedEvent] = []
        try forEachEvent { if !$0.event.type.isInput { events.append($0) } }
        return events
    }

    /// Calls `body` with each event from `sequence` on, in order; `withHashes`, each with its chain
    /// hash, as an export stamps it, worked out along the records from the hash before the first
    /// (a log with a gap is then refused as damaged: the hashes after it cannot be known).
    public func forEachEvent(from sequence: UInt64 = 1, withHashes: Bool = false, _ body: (RecordedEvent) throws -> Void) throws {
        /// The hash of the event before the next, once the first is read.
        var chained: (next: UInt64, hash: [UInt8])?
        try transaction.withCursor(ledger.log) { cursor in
            var entry = try cursor.seek(atLeast: Keys.log(sequence))
            while let current = entry {
                let at = current.key.count == 8 ? Keys.uint64(current.key) : nil
                do {
                    var recorded = try EventCodec.decode(current.value)
                    if withHashes {
                        guard let at, at >= 1, chained.map({ $0.next == at }) ?? true else {
                            throw LedgerError.damaged(sequence: at, reason: "the log has a gap before this sequence")
                        }
                        let previous = try chained?.hash ?? ledger.chainHash(at: at - 1, in: transaction)
                        let hash = Ledger.chainHash(after: previous, record: current.value)
                        chained = (at + 1, hash)
                        recorded = recorded.chained(hash)
                    }
                    try body(recorded)
                } catch let error as DecodeError {
                    throw LedgerError.damaged(sequence: at, reason: error.description)
                }
                entry = try cursor.next()
            }
        }
    }

    /// The live accumulators, optionally of one person (and those merged into it) or one year.
    /// - Throws: ``LedgerError/refused(_:)`` naming an unknown person.
    public func accumulators(person: String? = nil, year: Int? = nil) throws -> [Accumulator] {
        let database = try ledger.liveAccumulators(in: transaction)
        var prefix: [UInt8] = []
        if let person {
            guard let entry = try ledger.personEntry(try ledger.survivor(of: person, in: transaction), in: transaction) else {
                throw LedgerError.refused([LineProblem(line: 0, field: "person", reason: "unknown person \(person)")])
            }
            prefix = Keys.bigEndian(entry.number)
        }
        return try transaction.withCursor(database) { cursor in
            var result: [Accumulator] = []
            var entry = prefix.isEmpty ? try cursor.first() : try cursor.seek(atLeast: prefix)
            while let current = entry, current.key.starts(with: prefix) {
                guard let accumulator = Accumulator(encoded: current.value) else {
                    throw LedgerError.damaged(sequence: nil, reason: "an accumulator in \(database.name) does not decode")
                }
                if year == nil || accumulator.year == year { result.append(accumulator) }
                entry = try cursor.next()
            }
            return result
        }
    }

    /// The last sequence recorded at or before `time`; 0 when none was.
    public func sequence(asOf time: Timestamp) throws -> UInt64 {
        var last: UInt64 = 0
        try transaction.withCursor(ledger.log) { cursor in
            var entry = try cursor.first()
            while let current = entry {
                let recorded = try EventCodec.decode(current.value)
                if recorded.recordedAt > time { break }
                last = recorded.sequence
                entry = try cursor.next()
            }
        }
        return last
    }
}

extension Ledger {
    /// Runs `body` with one consistent read of the ledger (``LedgerSnapshot``).
    public func snapshot<T>(_ body: (LedgerSnapshot) throws -> T) throws(LedgerError) -> T {
        try read { transaction in try body(LedgerSnapshot(ledger: self, transaction: transaction)) }
    }

    /// Whether `person` is registered (merged persons included).
    public func isKnown(_ person: String) throws(LedgerError) -> Bool { try snapshot { try $0.isKnown(person) } }

    /// ``LedgerSnapshot/timeline(of:asOf:)`` in a snapshot of its own.
    public func timeline(of person: String, asOf: UInt64? = nil) throws(LedgerError) -> Timeline {
        try snapshot { try $0.timeline(of: person, asOf: asOf) }
    }

    /// ``LedgerSnapshot/history(of:upTo:)`` in a snapshot of its own.
    public func history(of person: String, upTo limit: UInt64 = .max) throws(LedgerError) -> PersonHistory {
        try snapshot { try $0.history(of: person, upTo: limit) }
    }

    /// The parameters recorded in the ledger.
    public func parameters() throws(LedgerError) -> ParameterSet { try snapshot { try $0.parameters() } }

    /// ``LedgerSnapshot/decisionEvents(person:)`` in a snapshot of its own.
    public func decisionEvents(person: String? = nil) throws(LedgerError) -> [RecordedEvent] {
        try snapshot { try $0.decisionEvents(person: person) }
    }

    /// ``LedgerSnapshot/forEachEvent(from:withHashes:_:)`` in one read snapshot.
    public func forEachEvent(from sequence: UInt64 = 1, withHashes: Bool = false, _ body: (RecordedEvent) throws -> Void) throws(LedgerError) {
        try snapshot { try $0.forEachEvent(from: sequence, withHashes: withHashes, body) }
    }

    /// ``LedgerSnapshot/accumulators(person:year:)`` in a snapshot of its own.
    public func accumulators(person: String? = nil, year: Int? = nil) throws(LedgerError) -> [Accumulator] {
        try snapshot { try $0.accumulators(person: person, year: year) }
    }

    /// ``LedgerSnapshot/sequence(asOf:)`` in a snapshot of its own.
    public func sequence(asOf time: Timestamp) throws(LedgerError) -> UInt64 { try snapshot { try $0.sequence(asOf: time) } }
}
