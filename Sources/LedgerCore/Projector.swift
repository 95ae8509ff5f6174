import LedgerModel
import LedgerRules
import LedgerStorage

/// Where a projector keeps accumulators: the live LMDB database, a rebuild's fresh one, or memory.
protocol AccumulatorStore {
    func accumulator(_ key: [UInt8]) throws -> Accumulator?
    mutating func store(_ accumulator: Accumulator, at key: [UInt8]) throws
    mutating func remove(_ key: [UInt8]) throws
    /// The keys of one person's accumulators.
    func keys(ofPerson number: UInt32) throws -> [[UInt8]]
}

/// The accumulators database of one projection generation, inside a transaction.
struct DatabaseAccumulatorStore: AccumulatorStore {
    let transaction: Transaction
    let database: Database

    func accumulator(_ key: [UInt8]) throws -> Accumulator? {
        guard let bytes = try transaction.get(database, key: key) else { return nil }
        guard let accumulator = Accumulator(encoded: bytes) else {
            throw LedgerError.damaged(sequence: nil, reason: "an accumulator in \(database.name) does not decode")
        }
        return accumulator
    }

    mutating func store(_ accumulator: Accumulator, at key: [UInt8]) throws {
        try transaction.put(database, key: key, value: accumulator.encoded)
    }

    mutating func remove(_ key: [UInt8]) throws { try transaction.delete(database, key: key) }

    func keys(ofPerson number: UInt32) throws -> [[UInt8]] {
        try transaction.withCursor(database) { cursor in
            var keys: [[UInt8]] = []
            var entry = try cursor.seek(atLeast: Keys.bigEndian(number))
            while let current = entry, current.key.count == 6, Keys.uint32(current.key) == number {
                keys.append(Array(current.key))
                entry = try cursor.next()
            }
            return keys
        }
    }
}

/// A rebuild chunk's accumulators: read from the database once, folded in memory, written back in
/// key order when the chunk commits. A person-year touched by many events of a chunk costs one read
/// and one write instead of one of each per event.
struct ChunkAccumulatorStore: AccumulatorStore {
    var database: DatabaseAccumulatorStore
    /// Every key read or written in this chunk: its accumulator, or nil when removed or absent.
    private var cache: [[UInt8]: Accumulator?] = [:]
    private var dirty: Set<[UInt8]> = []

    init(_ database: DatabaseAccumulatorStore) { self.database = database }

    func accumulator(_ key: [UInt8]) throws -> Accumulator? {
        if let cached = cache[key] { return cached }
        return try database.accumulator(key)
    }

    mutating func store(_ accumulator: Accumulator, at key: [UInt8]) throws {
        cache[key] = .some(accumulator)
        dirty.insert(key)
    }

    mutating func remove(_ key: [UInt8]) throws {
        cache[key] = .some(nil)
        dirty.insert(key)
    }

    func keys(ofPerson number: UInt32) throws -> [[UInt8]] {
        var keys = Set(try database.keys(ofPerson: number))
        for key in dirty where key.withUnsafeBytes({ Keys.uint32($0) }) == number {
            if case .some(.some) = cache[key] { keys.insert(key) } else { keys.remove(key) }
        }
        return keys.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Writes every changed accumulator to the database, in key order.
    mutating func flush() throws {
        for key in dirty.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            if case .some(.some(let accumulator)) = cache[key] {
                try database.store(accumulator, at: key)
            } else {
                try database.remove(key)
            }
        }
        cache.removeAll(keepingCapacity: true)
        dirty.removeAll(keepingCapacity: true)
    }
}

/// Accumulators in memory, for `replay` into scratch space.
struct MemoryAccumulatorStore: AccumulatorStore {
    var accumulators: [[UInt8]: Accumulator] = [:]

    func accumulator(_ key: [UInt8]) throws -> Accumulator? { accumulators[key] }
    mutating func store(_ accumulator: Accumulator, at key: [UInt8]) throws { accumulators[key] = accumulator }
    mutating func remove(_ key: [UInt8]) throws { accumulators[key] = nil }
    func keys(ofPerson number: UInt32) throws -> [[UInt8]] {
        accumulators.keys.filter { $0.count == 6 && (UInt32($0[0]) << 24 | UInt32($0[1]) << 16 | UInt32($0[2]) << 8 | UInt32($0[3])) == number }
            .sorted { $0.lexicographicallyPrecedes($1) }
    }
}

/// Folds events into per person-year accumulators. No rules: the decision events carry them.
struct Projector<Store: AccumulatorStore> {
    let ledger: Ledger
    let transaction: Transaction
    var store: Store
    /// Person numbers already looked up: a person's number never changes, merged or not.
    private var numbers: [String: UInt32] = [:]

    init(ledger: Ledger, transaction: Transaction, store: Store) {
        self.ledger = ledger
        self.transaction = transaction
        self.store = store
    }

    static func key(person: UInt32, year: Int) -> [UInt8] { Keys.bigEndian(person) + Keys.bigEndian(UInt16(year)) }

    mutating func apply(_ event: Event) throws {
        guard let person = event.person else { return }
        if let number = numbers[person] { return try apply(event, person: person, number: number) }
        guard let entry = try ledger.personEntry(person, in: transaction) else { return }
        if numbers.count >= Projector.cachedNumbersLimit { numbers.removeAll(keepingCapacity: true) }
        numbers[person] = entry.number
        try apply(event, person: person, number: entry.number)
    }

    /// Bounds the number cache: a few tens of bytes a person.
    static var cachedNumbersLimit: Int { 4_000_000 }

    /// Applies an event of `person`, whose number the caller already knows (the appender has just
    /// indexed it), without looking the person up again.
    mutating func apply(_ event: Event, person: String, number: UInt32) throws {
        if event.type == .personMerged {
            try merge(number, into: event.text(.into))
            return
        }
        var reversedClaim: Event?
        let year: Int?
        if event.type == .settlementReversed {
            reversedClaim = try settlement(of: event.text(.claim))
            year = reversedClaim?.date(.settledOn)?.year
        } else {
            year = Accumulator.year(of: event)
        }
        guard let year else { return }
        let key = Projector.key(person: number, year: year)
        var accumulator = try store.accumulator(key) ?? Accumulator(person: person, year: year)
        accumulator.apply(event, reversedClaim: reversedClaim)
        try store.store(accumulator, at: key)
    }

    private func settlement(of claim: String?) throws -> Event? {
        guard let claim, let bytes = try transaction.get(ledger.claims, key: Array(claim.utf8)),
            let entry = ClaimEntry(bytes)
        else { return nil }
        return try ledger.event(at: entry.settlement, in: transaction)?.event
    }

    /// A merged person's years are added into the survivor's, and leave the merged person.
    private mutating func merge(_ merged: UInt32, into survivor: String?) throws {
        guard let survivor, let survivorEntry = try ledger.personEntry(survivor, in: transaction) else { return }
        for key in try store.keys(ofPerson: merged) {
            guard let from = try store.accumulator(key) else { continue }
            let target = Projector.key(person: survivorEntry.number, year: from.year)
            var into = try store.accumulator(target) ?? Accumulator(person: survivor, year: from.year)
            into.absorb(from)
            try store.store(into, at: target)
            try store.remove(key)
        }
    }
}

extension Ledger {
    /// The live projection generation and its accumulators database.
    func liveAccumulators(in transaction: Transaction) throws -> Database {
        let generation = try transaction.get(meta, key: Keys.projectionGeneration).map { $0.first ?? 0 } ?? 0
        return generation == 0 ? accumulators0 : accumulators1
    }

    func projectionCheckpoint(in transaction: Transaction) throws -> UInt64 {
        guard let bytes = try transaction.get(meta, key: Keys.projectionCheckpoint), bytes.count == 8 else { return 0 }
        return Keys.uint64(bytes)
    }
}
