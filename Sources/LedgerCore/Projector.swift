import LedgerModel
import LedgerRules
import LedgerStorage

/// A person-year's key in the accumulators databases: person number ‖ year, 6 bytes big-endian.
struct AccumulatorKey: Hashable, Comparable, Sendable {
    let person: UInt32
    let year: UInt16

    init(person: UInt32, year: Int) {
        self.person = person
        self.year = UInt16(truncatingIfNeeded: year)
    }

    /// The key of 6 stored bytes, or nil for another length.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 6 else { return nil }
        person = Keys.uint32(bytes)
        year = Keys.uint16(bytes, at: 4)
    }

    var bytes: [UInt8] { Keys.bigEndian(person, year) }

    /// The 6 stored bytes, without allocating them.
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let stored = (person.bigEndian, year.bigEndian)
        return try withUnsafeBytes(of: stored) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(6))) }
    }

    static func < (lhs: AccumulatorKey, rhs: AccumulatorKey) -> Bool { (lhs.person, lhs.year) < (rhs.person, rhs.year) }

    /// Both parts as one word: one round of the hasher, not two (a rebuild hashes a key per event).
    func hash(into hasher: inout Hasher) { hasher.combine(UInt64(person) << 16 | UInt64(year)) }
}

/// Where a projector keeps accumulators: the live LMDB database, a rebuild's fresh one, or memory.
protocol AccumulatorStore {
    func accumulator(_ key: AccumulatorKey) throws -> Accumulator?
    mutating func store(_ accumulator: Accumulator, at key: AccumulatorKey) throws
    mutating func remove(_ key: AccumulatorKey) throws
    /// The keys of one person's accumulators, in order.
    func keys(ofPerson number: UInt32) throws -> [AccumulatorKey]
    /// Changes the accumulator at `key` (a new one made by `make` when there is none) in place.
    mutating func update(_ key: AccumulatorKey, make: () throws -> Accumulator, _ change: (inout Accumulator) -> Void) throws
    /// Hints that `person`'s years are read soon, and then `key`'s accumulator: a store in memory
    /// asks the processor for them; the others do nothing.
    mutating func prefetchHead(of person: UInt32)
    mutating func prefetch(_ key: AccumulatorKey)
}

extension AccumulatorStore {
    mutating func prefetchHead(of person: UInt32) {}
    mutating func prefetch(_ key: AccumulatorKey) {}

    mutating func update(_ key: AccumulatorKey, make: () throws -> Accumulator, _ change: (inout Accumulator) -> Void) throws {
        var accumulator = try accumulator(key) ?? make()
        change(&accumulator)
        try store(accumulator, at: key)
    }
}

/// The accumulators database of one projection generation, inside a transaction.
struct DatabaseAccumulatorStore: AccumulatorStore {
    let transaction: Transaction
    let database: Database

    func accumulator(_ key: AccumulatorKey) throws -> Accumulator? {
        guard let bytes = try transaction.get(database, key: key.bytes) else { return nil }
        guard let accumulator = Accumulator(encoded: bytes) else {
            throw LedgerError.damaged(sequence: nil, reason: "an accumulator in \(database.name) does not decode")
        }
        return accumulator
    }

    mutating func store(_ accumulator: Accumulator, at key: AccumulatorKey) throws {
        // An empty id is a rebuild in memory's "filled in as written" (``Projector/personIDsLater``),
        // which only that rebuild's write fills in: no such accumulator is stored here.
        assert(!accumulator.person.isEmpty, "an accumulator stored without its person's id")
        try transaction.put(database, key: key.bytes, value: accumulator.encoded)
    }

    mutating func remove(_ key: AccumulatorKey) throws { try transaction.delete(database, key: key.bytes) }

    func keys(ofPerson number: UInt32) throws -> [AccumulatorKey] {
        try transaction.withCursor(database) { cursor in
            var keys: [AccumulatorKey] = []
            var entry = try cursor.seek(atLeast: Keys.bigEndian(number))
            while let current = entry, let key = AccumulatorKey(current.key), key.person == number {
                keys.append(key)
                entry = try cursor.next()
            }
            return keys
        }
    }
}

/// The accumulators of a rebuild chunk, or of an append's transaction: read from the database
/// once, folded in memory, written back in key order when the chunk commits. A person-year
/// touched by many events of a chunk costs one read and one write instead of one of each per event.
struct ChunkAccumulatorStore: AccumulatorStore {
    var database: DatabaseAccumulatorStore
    /// Where in ``held`` each key stored, updated or removed in this chunk is.
    private var positions: [AccumulatorKey: Int32] = [:]
    /// The accumulators of ``positions``, nil where removed; all are written back. Kept out of the
    /// dictionary, so that its entries are a key and 4 bytes, not about 300: a new entry, and each
    /// growth of its table, moves only those.
    private var held: [Accumulator?] = []
    /// The lowest and highest year of a key in `positions`, so that one person's keys are found by
    /// probing those few years rather than by walking every accumulator of the chunk.
    private var years: ClosedRange<UInt16>?

    init(_ database: DatabaseAccumulatorStore) { self.database = database }

    func accumulator(_ key: AccumulatorKey) throws -> Accumulator? {
        if let position = positions[key] { return held[Int(position)] }
        return try database.accumulator(key)
    }

    mutating func store(_ accumulator: Accumulator, at key: AccumulatorKey) throws {
        hold(accumulator, at: key)
    }

    mutating func remove(_ key: AccumulatorKey) throws {
        hold(nil, at: key)
    }

    private mutating func hold(_ accumulator: Accumulator?, at key: AccumulatorKey) {
        if let position = positions[key] {
            held[Int(position)] = accumulator
        } else {
            positions[key] = Int32(held.count)
            held.append(accumulator)
        }
        years = years.covering(key.year)
    }

    /// In place in the chunk's list: the accumulator's arrays are changed, not copied, per event.
    mutating func update(_ key: AccumulatorKey, make: () throws -> Accumulator, _ change: (inout Accumulator) -> Void) throws {
        // Through the array's in-place accessor: reading `held[position]` to test it would copy
        // the accumulator.
        func changeIfPresent(_ slot: inout Accumulator?) -> Bool {
            switch slot {
            case .none: return false
            case .some:
                change(&slot!)
                return true
            }
        }
        if let position = positions[key], changeIfPresent(&held[Int(position)]) { return }
        var accumulator = try database.accumulator(key) ?? make()
        change(&accumulator)
        hold(accumulator, at: key)
    }

    func keys(ofPerson number: UInt32) throws -> [AccumulatorKey] {
        var keys = Set(try database.keys(ofPerson: number))
        guard let years else { return keys.sorted() }
        for year in years {
            let key = AccumulatorKey(person: number, year: Int(year))
            guard let position = positions[key] else { continue }
            if held[Int(position)] != nil { keys.insert(key) } else { keys.remove(key) }
        }
        return keys.sorted()
    }

    /// Writes every changed accumulator to the database, in key order.
    mutating func flush() throws {
        for (key, position) in positions.sorted(by: { $0.key < $1.key }) {
            if let accumulator = held[Int(position)] {
                try database.store(accumulator, at: key)
            } else {
                try database.remove(key)
            }
        }
        positions.removeAll(keepingCapacity: true)
        held.removeAll(keepingCapacity: true)
        years = nil
    }
}

/// Accumulators in memory, for `replay` and the start of a rebuild, into scratch space.
///
/// Found by person number without hashing: person numbers are dense (1, 2, 3 … as persons are
/// registered), so an array by number gives the position of the person's earliest year, and each
/// position links to the same person's next year. A person has a few years, so a key is found in a
/// step or two, and the keys come out in their stored order by walking the array. The accumulators
/// lie in pages of ``pageSize``, so the store grows a page at a time rather than doubling one
/// array. A removed accumulator's position is used again.
struct MemoryAccumulatorStore: AccumulatorStore {
    static let pageSize = 4_096
    /// Person numbers from here up (134 M, more than the insured of any province) are refused as
    /// damage: the persons index counts from 1, and the array by number takes 8 bytes for each
    /// number below the largest held.
    static let personNumberLimit: UInt32 = 1 << 27

    /// A position's key and the position + 1 of the same person's next year (0: none).
    private struct Link {
        var key: AccumulatorKey
        var next: UInt32
    }

    /// The person's earliest year held and its position + 1 (0: none): its year is here too, so a
    /// key of that year is found without reading its link.
    private struct Head {
        var link: UInt32 = 0
        var year: UInt16 = 0
    }

    /// By person number.
    private var earliest: [Head] = []
    /// By position.
    private var links: [Link] = []
    private var pages: [[Accumulator]] = []
    /// Positions of removed accumulators, free for the next new one.
    private var free: [UInt32] = []
    /// How many person-years the store holds.
    private(set) var count = 0
    /// The key updated last and its position: a decision follows the fact it decides, in the same
    /// person-year, so the next update often finds its accumulator at once.
    private var last: (key: AccumulatorKey, position: UInt32)?

    func accumulator(_ key: AccumulatorKey) throws -> Accumulator? { self[key] }

    /// The accumulator of `key`, if the store holds one.
    subscript(key: AccumulatorKey) -> Accumulator? { position(of: key).map { self[at: $0] } }

    /// The accumulator at `position`, changed in place.
    private subscript(at position: UInt32) -> Accumulator {
        get { pages[Int(position) / Self.pageSize][Int(position) % Self.pageSize] }
        _modify { yield &pages[Int(position) / Self.pageSize][Int(position) % Self.pageSize] }
    }

    /// Where `key` is held, or nil.
    private func position(of key: AccumulatorKey) -> UInt32? {
        guard Int(key.person) < earliest.count else { return nil }
        let head = earliest[Int(key.person)]
        if head.link != 0 && head.year == key.year { return head.link - 1 }
        let link = slot(of: key).link
        return link != 0 && links[Int(link - 1)].key.year == key.year ? link - 1 : nil
    }

    /// Where `key` stands in its person's years: the link before it (0: the person's head) and the
    /// first link of its year or a later one (0: none).
    private func slot(of key: AccumulatorKey) -> (previous: UInt32, link: UInt32) {
        var previous: UInt32 = 0
        var link = Int(key.person) < earliest.count ? earliest[Int(key.person)].link : 0
        while link != 0, links[Int(link - 1)].key.year < key.year {
            previous = link
            link = links[Int(link - 1)].next
        }
        return (previous, link)
    }

    /// Makes `previous` (0: the head of `person`) lead to `link` (0: nothing).
    private mutating func connect(_ person: UInt32, after previous: UInt32, to link: UInt32) {
        if previous != 0 {
            links[Int(previous - 1)].next = link
        } else {
            earliest[Int(person)] = link == 0 ? Head() : Head(link: link, year: links[Int(link - 1)].key.year)
        }
    }

    /// Appends the keys of `person`'s years, in year order.
    private func appendKeys(ofPerson person: Int, to keys: inout [AccumulatorKey]) {
        forEachPosition(ofPerson: person) { keys.append(links[Int($0)].key) }
    }

    /// Calls `body` with the position of each of `person`'s years, in year order.
    private func forEachPosition(ofPerson person: Int, _ body: (UInt32) -> Void) {
        var link = person < earliest.count ? earliest[person].link : 0
        while link != 0 {
            body(link - 1)
            link = links[Int(link - 1)].next
        }
    }

    /// Asks for the accumulator at `position`, which is written (`toWrite`) or only read a few steps later.
    private func prefetchAccumulator(at position: Int, toWrite: Bool = true) {
        pages[position / Self.pageSize].withUnsafeBufferPointer {
            let address = UnsafeRawPointer($0.baseAddress! + position % Self.pageSize)
            if toWrite {
                Prefetch.linesToWrite(at: address, bytes: MemoryLayout<Accumulator>.size)
            } else {
                Prefetch.linesToRead(at: address, bytes: MemoryLayout<Accumulator>.size)
            }
        }
    }

    /// The person-years held, in key order (person number, then year): the order of the stored keys.
    var keys: [AccumulatorKey] { positionsInKeyOrder.map { links[Int($0)].key } }

    /// The positions of the accumulators held, in key order (person number, then year).
    var positionsInKeyOrder: [UInt32] {
        var positions: [UInt32] = []
        positions.reserveCapacity(count)
        for person in earliest.indices { forEachPosition(ofPerson: person) { positions.append($0) } }
        return positions
    }

    /// The key held at `position`, if there is one.
    func key(at position: UInt32?) -> AccumulatorKey? { position.map { links[Int($0)].key } }

    /// Calls `body` with each accumulator at `positions` (some of ``positionsInKeyOrder``) and its
    /// key, in that order, where it lies (not copied out). The accumulators lie in the order the
    /// fold first met them, so each is asked for a few keys ahead.
    func forEach(at positions: ArraySlice<UInt32>, _ body: (AccumulatorKey, UnsafePointer<Accumulator>) throws -> Void) rethrows {
        let ahead = 8
        for index in positions.indices {
            // Read only, by both cores at once in a rebuild's write: asked for to read, not to write.
            if index + ahead < positions.endIndex { prefetchAccumulator(at: Int(positions[index + ahead]), toWrite: false) }
            let position = Int(positions[index])
            try pages[position / Self.pageSize].withUnsafeBufferPointer {
                try body(links[position].key, $0.baseAddress! + position % Self.pageSize)
            }
        }
    }

    mutating func store(_ accumulator: Accumulator, at key: AccumulatorKey) throws {
        if let position = position(of: key) {
            self[at: position] = accumulator
        } else {
            _ = try place(key, accumulator)
        }
    }

    mutating func remove(_ key: AccumulatorKey) throws {
        if last?.key == key { last = nil }
        let (previous, link) = slot(of: key)
        guard link != 0, links[Int(link - 1)].key.year == key.year else { return }
        connect(key.person, after: previous, to: links[Int(link - 1)].next)
        free.append(link - 1)
        count -= 1
    }

    mutating func update(_ key: AccumulatorKey, make: () throws -> Accumulator, _ change: (inout Accumulator) -> Void) throws {
        let position: UInt32
        if let last, last.key == key {
            position = last.position
        } else {
            position = try self.position(of: key) ?? place(key, make())
            last = (key, position)
        }
        change(&self[at: position])
    }

    /// Gives `key`, which the store does not hold, a position holding `accumulator` (a freed one, or
    /// the next in the last page), linked among its person's years in year order.
    private mutating func place(_ key: AccumulatorKey, _ accumulator: Accumulator) throws -> UInt32 {
        guard key.person < Self.personNumberLimit else {
            throw LedgerError.damaged(sequence: nil, reason: "person number \(key.person) is beyond any the persons index hands out")
        }
        if Int(key.person) >= earliest.count {
            // Doubling, so that a city registered in number order costs amortised constant time.
            let size = Swift.min(Int(Self.personNumberLimit), Swift.max(Int(key.person) + 1, earliest.count * 2, 1_024))
            earliest.append(contentsOf: repeatElement(Head(), count: size - earliest.count))
        }
        let position: UInt32
        if let reused = free.popLast() {
            position = reused
            self[at: position] = accumulator
        } else {
            precondition(links.count < Int(UInt32.max), "more person-years than a store in memory holds")
            position = UInt32(links.count)
            if links.count % Self.pageSize == 0 {
                pages.append([])
                pages[pages.count - 1].reserveCapacity(Self.pageSize)
            }
            pages[pages.count - 1].append(accumulator)
            links.append(Link(key: key, next: 0))
        }
        let (previous, link) = slot(of: key)
        links[Int(position)] = Link(key: key, next: link)
        connect(key.person, after: previous, to: position + 1)
        count += 1
        return position
    }

    func keys(ofPerson number: UInt32) throws -> [AccumulatorKey] {
        var keys: [AccumulatorKey] = []
        appendKeys(ofPerson: Int(number), to: &keys)
        return keys
    }

    /// Asks for the entry of `person`'s earliest year, which ``prefetch(_:)`` reads a few events later.
    mutating func prefetchHead(of person: UInt32) {
        guard Int(person) < earliest.count else { return }
        earliest.withUnsafeBufferPointer { Prefetch.linesToWrite(at: $0.baseAddress! + Int(person), bytes: 1) }
    }

    /// Asks for the accumulator of `key` when it is its person's earliest year (nearly always: a
    /// person has a year or two), so that the update a few events later finds it in the cache.
    mutating func prefetch(_ key: AccumulatorKey) {
        guard Int(key.person) < earliest.count else { return }
        let head = earliest[Int(key.person)]
        guard head.link != 0, head.year == key.year else { return }
        prefetchAccumulator(at: Int(head.link - 1))
    }
}

extension Optional where Wrapped == ClosedRange<UInt16> {
    /// The range widened to hold `year`; the range of `year` alone when there is none yet.
    func covering(_ year: UInt16) -> ClosedRange<UInt16> {
        guard let range = self else { return year...year }
        return range.contains(year) ? range : Swift.min(range.lowerBound, year)...Swift.max(range.upperBound, year)
    }
}

/// What the projection reads of the log, so a rebuild decodes no more than that.
enum ProjectionInputs {
    /// The types a projection folds: facts of a person-year, decisions, and merges. The others
    /// (registrations, identities, policies, regions, access records) change no accumulator.
    static func folds(_ type: EventType) -> Bool {
        switch type {
        case .enrollmentRegistered, .contributionPaid, .contributionRefunded, .settlementRecorded, .settlementReversed,
            .assistanceApplied, .contributionSubsidized, .assistanceGranted, .tiltedGranted, .assistanceAdjusted, .personMerged:
            return true
        case .personRegistered, .personAmended, .identityRecognized, .identityRevoked, .regionRegistered, .policyPublished,
            .accessRecorded:
            return false
        }
    }
}

/// Folds events into per person-year accumulators. No rules: the decision events carry them.
struct Projector<Store: AccumulatorStore> {
    let ledger: Ledger
    let transaction: Transaction
    var store: Store
    /// Person numbers already looked up: a person's number never changes, merged or not.
    private var numbers: [String: UInt32] = [:]
    /// The person of the event before, and its number: a decision follows the fact it decides,
    /// so the next event is often of the same person, found without hashing.
    private var lastPerson: (id: String, number: UInt32)?

    init(ledger: Ledger, transaction: Transaction, store: Store) {
        self.ledger = ledger
        self.transaction = transaction
        self.store = store
    }

    /// When true, a new accumulator of a person whose id the event does not carry (a record that
    /// holds its person's number) is made with an empty id, which the rebuild in memory's write fills
    /// in from `personNumbers`, in key order (the only store whose writer does); when false, the id
    /// is looked up as the accumulator is made (once per new person-year of a chunk).
    var personIDsLater = false

    mutating func apply(_ event: Event) throws {
        var ids = FoldedIDs()
        let folded = FoldedEvent(event, personNumber: nil, ids: &ids)
        try withUnsafePointer(to: folded) { try apply(at: $0, ids: ids) }
    }

    /// Folds a piece of decoded events in order, each read where it lies in the piece: a folded
    /// event is a couple of hundred bytes, and one read by value (by subscript, or into a closure)
    /// is copied first.
    ///
    /// A few events ahead, it asks the store for the accumulators they will update (a store in
    /// memory reaches them at random, out of the processor's caches): first the person's entry, then,
    /// once that is in, the accumulator it leads to.
    mutating func apply(_ piece: FoldedPiece) throws {
        try piece.events.withUnsafeBufferPointer { events in
            guard let first = events.baseAddress else { return }
            let ahead = 8
            var nextIDs = 0
            for index in events.indices {
                if index + 2 * ahead < events.count, let number = first[index + 2 * ahead].personNumber {
                    store.prefetchHead(of: number)
                }
                if index + ahead < events.count, let number = first[index + ahead].personNumber,
                    let year = (first + index + ahead).pointee.year
                {
                    store.prefetch(AccumulatorKey(person: number, year: year))
                }
                var ids: FoldedIDs?
                if nextIDs < piece.ids.count, piece.ids[nextIDs].index == index {
                    ids = piece.ids[nextIDs].ids
                    nextIDs += 1
                }
                try apply(at: first + index, ids: ids)
            }
        }
    }

    private mutating func apply(at event: UnsafePointer<FoldedEvent>, ids: FoldedIDs?) throws {
        // A record of version 2 or 3 holds its person's number (`verify` checks it against `persons`).
        if let number = event.pointee.personNumber { return try apply(at: event, ids: ids, person: nil, number: number) }
        guard let person = ids?.person else { return }
        if let last = lastPerson, last.id == person { return try apply(at: event, ids: ids, person: person, number: last.number) }
        let number: UInt32
        if let known = numbers[person] {
            number = known
        } else {
            guard let entry = try ledger.personEntry(person, in: transaction) else { return }
            if numbers.count >= Projector.cachedNumbersLimit { numbers.removeAll(keepingCapacity: true) }
            numbers[person] = entry.number
            number = entry.number
        }
        lastPerson = (person, number)
        try apply(at: event, ids: ids, person: person, number: number)
    }

    /// Bounds the number cache: a few tens of bytes a person.
    static var cachedNumbersLimit: Int { 4_000_000 }

    /// Applies an event of `person`, whose number the caller already knows (the appender has just
    /// indexed it), without looking the person up again.
    mutating func apply(_ event: Event, person: String, number: UInt32) throws {
        var ids = FoldedIDs()
        let folded = FoldedEvent(event, personNumber: number, ids: &ids)
        try withUnsafePointer(to: folded) { try apply(at: $0, ids: ids, person: person, number: number) }
    }

    /// Applies an event of person `number`, whose id is `person` when the caller knows it.
    private mutating func apply(at event: UnsafePointer<FoldedEvent>, ids: FoldedIDs?, person: String?, number: UInt32) throws {
        let type = event.pointee.type
        if type == .personMerged {
            try merge(number, into: ids?.survivor)
            return
        }
        // What a new accumulator needs, taken out of `self` while the store changes; the ledger
        // unretained (`self` holds it), as this runs for every event.
        unowned(unsafe) let ledger = ledger
        let (transaction, idsLater) = (transaction, personIDsLater)
        func made(_ year: Int) throws -> Accumulator {
            try Projector.newAccumulator(person, number, year, idsLater: idsLater, ledger: ledger, transaction: transaction)
        }
        if type == .settlementReversed {
            // The reversed claim's year; nothing for a claim the ledger does not hold.
            guard let claim = try settlement(of: ids?.reversedClaim), let year = claim.settledOn?.year else { return }
            try store.update(AccumulatorKey(person: number, year: year), make: { try made(year) }) { $0.reverse(claim) }
            return
        }
        guard let year = event.pointee.year else { return }
        try store.update(AccumulatorKey(person: number, year: year), make: { try made(year) }) { $0.apply(event.pointee) }
    }

    /// A new accumulator of person `number`'s `year`, with the person's id: `person` when the caller
    /// knows it; else empty, when the store's writer fills it in (`idsLater`, ``personIDsLater``);
    /// else the id `personNumbers` holds.
    private static func newAccumulator(_ person: String?, _ number: UInt32, _ year: Int, idsLater: Bool, ledger: Ledger,
                                       transaction: Transaction) throws -> Accumulator
    {
        if let person { return Accumulator(person: person, year: year) }
        if idsLater { return Accumulator(person: "", year: year) }
        guard let id = try ledger.personID(number, in: transaction) else {
            throw LedgerError.noPersonID(number, while: "making its accumulator")
        }
        return Accumulator(person: id, year: year)
    }

    private func settlement(of claim: String?) throws -> FoldedEvent? {
        guard let claim, let bytes = try transaction.get(ledger.claims, key: Array(claim.utf8)),
            let entry = ClaimEntry(bytes)
        else { return nil }
        return try ledger.event(at: entry.settlement, in: transaction).map { FoldedEvent($0.event) }
    }

    /// A merged person's years are added into the survivor's, and leave the merged person.
    private mutating func merge(_ merged: UInt32, into survivor: String?) throws {
        guard let survivor, let survivorEntry = try ledger.personEntry(survivor, in: transaction) else { return }
        for key in try store.keys(ofPerson: merged) {
            guard let from = try store.accumulator(key) else { continue }
            let target = AccumulatorKey(person: survivorEntry.number, year: from.year)
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
