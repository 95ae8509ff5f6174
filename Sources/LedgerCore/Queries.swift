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
    /// Pages on LMDB's free list (``Environment/freePages()``): in the file, holding no data.
    public let freePages: Int
    public let databases: [DatabaseFigures]
}

extension Ledger {
    /// Counts per event type, persons, head, and LMDB's figures.
    public func statistics() throws(LedgerError) -> LedgerStatistics {
        let snapshot: (Head, [UInt64], Int) = try read { transaction in
            (try self.head(in: transaction), try self.counts(in: transaction), try transaction.count(self.persons))
        }
        let (head, counts, persons) = snapshot
        let databases: [DatabaseFigures]
        let freePages: Int
        do {
            databases = try environment.figures(of: allDatabases)
            freePages = try environment.freePages()
        } catch { throw Ledger.wrap(error) }
        let byType = EventType.allCases.map { ($0, counts[Int($0.rawValue) % Appender.countSlots]) }
        return LedgerStatistics(
            head: head, events: counts.reduce(0, +), eventsByType: byType, persons: persons,
            environment: environment.figures(), freePages: freePages, databases: databases)
    }
}

extension Ledger {
    /// A file of the national platform's messages read against this ledger (PLATFORM.md): the
    /// settlements and cancellations they are, or each line's problems.
    /// - Throws: ``LedgerError`` when the ledger cannot be read; never for a message.
    public func readPlatformMessages(_ bytes: [UInt8]) throws(LedgerError) -> PlatformMessages.Batch {
        let lookup = try platformLookup()
        do { return try PlatformMessages.read(bytes, lookup: lookup) } catch { throw Ledger.wrap(error) }
    }

    /// What a platform message needs of the ledger (PLATFORM.md): the persons (their survivors, for
    /// merged ones) who hold or held an ID number, registered or amended, from `idNumbers`; and the
    /// owner of a recorded claim, from `claims`. Each question is one read snapshot of a few pages,
    /// so a message costs the same in a city of any size.
    public func platformLookup() throws(LedgerError) -> PlatformMessages.Lookup {
        let indexed = try read { transaction in try hasIDNumberIndex(in: transaction) }
        guard indexed, let idNumbers else { throw .damaged(sequence: nil, reason: "the idNumbers index is missing: open the ledger writable once to build it") }
        return PlatformMessages.Lookup(
            persons: { id throws(LedgerError) in
                try self.read { transaction in
                    var holders: Set<String> = []
                    let prefix = Array(id.utf8) + [0]
                    try transaction.withCursor(idNumbers) { cursor in
                        var entry = try cursor.seek(atLeast: prefix)
                        while let current = entry, current.key.count == prefix.count + 4, current.key.starts(with: prefix) {
                            let number = Keys.uint32(current.key, at: prefix.count)
                            if let person = try transaction.get(self.personNumbers, key: Keys.bigEndian(number)) {
                                holders.insert(try self.survivor(of: String(decoding: person, as: UTF8.self), in: transaction))
                            }
                            entry = try cursor.next()
                        }
                    }
                    return holders.sorted()
                }
            },
            claimOwner: { claim throws(LedgerError) in
                try self.read { transaction in
                    guard let bytes = try transaction.get(self.claims, key: Array(claim.utf8)), let entry = ClaimEntry(bytes),
                        let person = try self.event(at: entry.settlement, in: transaction)?.event.person
                    else { return nil }
                    return try self.survivor(of: person, in: transaction)
                }
            })
    }
}
