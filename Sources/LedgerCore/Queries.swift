import LedgerModel
import LedgerStorage

/// A person's events in ledger order, with those of every person merged into it.
public struct Timeline: Sendable {
    public let person: String
    /// Persons merged into this one (directly or through others), by id.
    public let mergedPersons: [String]
    public let events: [RecordedEvent]
    /// The person's stream version in the snapshot these events were read from: what `If-Match`
    /// names for an append that follows this reading (meaningful only for a timeline without `asOf`).
    public let version: UInt32

    /// The type of each event by sequence, to name what caused an adjustment.
    public var typesBySequence: [UInt64: String] {
        Dictionary(events.map { ($0.sequence, $0.event.type.name) }, uniquingKeysWith: { first, _ in first })
    }
}

/// Counts and LMDB's own figures.
public struct LedgerStatistics: Sendable {
    public let head: Head
    public let events: UInt64
    public let eventsByType: [(type: EventType, count: UInt64)]
    public let persons: Int
    public let environment: EnvironmentFigures
    public let databases: [DatabaseFigures]
}

extension Ledger {
    /// The events of `person` and of everyone merged into it, in sequence order.
    /// - Parameter asOf: only events up to this sequence (what was known then).
    /// - Throws: ``LedgerError/refused(_:)`` naming the person when the ledger does not know it.
    /// Whether `person` is registered (merged persons included).
    public func isKnown(_ person: String) throws(LedgerError) -> Bool {
        try read { transaction in try personEntry(person, in: transaction) != nil }
    }

    public func timeline(of person: String, asOf: UInt64? = nil) throws(LedgerError) -> Timeline {
        try read { transaction in
            guard let entry = try personEntry(person, in: transaction) else {
                throw LedgerError.refused([LineProblem(line: 0, field: "person", reason: "unknown person \(person)")])
            }
            let merged = try mergedPersons(into: entry.number, upTo: asOf ?? .max, in: transaction)
            var sequences = try streamSequences(of: entry.number, in: transaction)
            for other in merged { sequences += try streamSequences(of: other.number, in: transaction) }
            let limit = asOf ?? UInt64.max
            let ordered = Set(sequences).filter { $0 <= limit }.sorted()
            let events = try ordered.map { sequence in
                guard let recorded = try event(at: sequence, in: transaction) else {
                    throw LedgerError.damaged(sequence: sequence, reason: "a stream names an event the log does not hold")
                }
                return recorded
            }
            return Timeline(person: person, mergedPersons: merged.map(\.id).sorted(), events: events, version: entry.version)
        }
    }

    /// Calls `body` with each event from `sequence` on, in order, in one read snapshot.
    public func forEachEvent(from sequence: UInt64 = 1, _ body: (RecordedEvent) throws -> Void) throws(LedgerError) {
        try read { transaction in
            try transaction.withCursor(log) { cursor in
                var entry = try cursor.seek(atLeast: Keys.log(sequence))
                while let current = entry {
                    do {
                        try body(try EventCodec.decode(current.value))
                    } catch let error as DecodeError {
                        throw LedgerError.damaged(sequence: current.key.count == 8 ? Keys.uint64(current.key) : nil,
                                                  reason: error.description)
                    }
                    entry = try cursor.next()
                }
            }
        }
    }

    /// Counts per event type, persons, head, and LMDB's figures.
    public func statistics() throws(LedgerError) -> LedgerStatistics {
        let snapshot: (Head, [UInt64], Int) = try read { transaction in
            (try self.head(in: transaction), try self.counts(in: transaction), try transaction.count(self.persons))
        }
        let (head, counts, persons) = snapshot
        let databases: [DatabaseFigures]
        do { databases = try environment.figures(of: allDatabases) } catch { throw Ledger.wrap(error) }
        let byType = EventType.allCases.map { ($0, counts[Int($0.rawValue) % Appender.countSlots]) }
        return LedgerStatistics(
            head: head, events: counts.reduce(0, +), eventsByType: byType, persons: persons,
            environment: environment.figures(), databases: databases)
    }
}

extension Ledger {
    /// What a platform message needs of the ledger (PLATFORM.md), read in one snapshot: the persons
    /// (their survivors, for merged ones) who hold or held each ID number, registered or amended, and
    /// the owner of each recorded claim.
    public func platformLookup() throws(LedgerError) -> PlatformMessages.Lookup {
        try read { transaction in
            var holders: [String: Set<String>] = [:]
            try transaction.withCursor(log) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    let recorded = try EventCodec.decode(current.value)
                    let event = recorded.event
                    if event.type == .personRegistered || event.type == .personAmended, let id = event.text(.idNumber), let person = event.person {
                        holders[id, default: []].insert(try survivor(of: person, in: transaction))
                    }
                    entry = try cursor.next()
                }
            }
            var owners: [String: String] = [:]
            try transaction.withCursor(claims) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    let claim = String(decoding: current.key, as: UTF8.self)
                    if current.value.count == 16, let settlement = try event(at: Keys.uint64(current.value), in: transaction),
                        let person = settlement.event.person
                    {
                        owners[claim] = try survivor(of: person, in: transaction)
                    }
                    entry = try cursor.next()
                }
            }
            let persons = holders.mapValues { Array($0).sorted() }
            return PlatformMessages.Lookup(persons: { persons[$0] ?? [] }, claimOwner: { owners[$0] })
        }
    }
}
