import LedgerRules

/// The folded histories a decision engine keeps, in two tiers: the persons in use as
/// ``PersonHistory`` values (at most ``workingLimit`` of them), the others frozen
/// (``FrozenHistory``, a few hundred bytes each) until next needed. A city of a million persons is
/// held in a fraction of the memory its histories take unfrozen.
///
/// With ``workingLimit`` in use, each history put in use freezes the one put in use longest ago
/// (first in, first out): a cost per history, never a pause to freeze them all in one request.
///
/// Which tier a history is in never changes a decision: thawing gives back the history frozen.
///
/// Each person held has a slot, found by one look-up of its id; the slot says which tier holds the
/// history and where. Moving a history between the tiers, and choosing the one to freeze, then
/// hashes no id: a city larger than the histories in use moves one history each way at nearly
/// every person it touches.
struct HistoryCache {
    /// A person held: its id, its history frozen, or the position of its history in use.
    private struct Slot {
        var person: String
        var frozen: FrozenHistory?
        /// In ``inUse``; -1 when the history is frozen, or the slot is free.
        var position: Int32 = -1
        /// The ticket of its latest entry in ``order``.
        var ticket = 0
    }

    /// The slot of each person held, in either tier.
    private var slotOf: [String: Int32] = [:]
    /// The person whose slot was looked up last, and that slot: a line, its checks and its
    /// decisions ask for the same person several times in a row. Cleared where slots move.
    private var recent: (person: String, slot: Int32)?
    private var slots: [Slot] = []
    private var freeSlots: [Int32] = []
    /// The histories in use, each at a position, folded in place as events are written or replayed.
    private var inUse: [PersonHistory] = []
    /// The slot whose history is at each position of ``inUse``; -1 for a free position.
    private var owners: [Int32] = []
    private var freePositions: [Int32] = []
    private var inUseCount: Int { inUse.count - freePositions.count }
    /// Slots in the order their histories were put in use, from `nextOut`, each with the ticket it
    /// was given then: an entry whose slot holds another ticket now (its history was frozen, removed
    /// or put in use again since, or the slot went to another person) is passed over when its turn
    /// comes.
    private var order: [(slot: Int32, ticket: Int)] = []
    private var nextOut = 0
    private var tickets = 0
    /// Set when the frozen histories passed ``frozenByteLimit``.
    private var forgetting = false
    private(set) var frozenCount = 0
    /// What the frozen histories hold, by ``FrozenHistory/footprint`` and ``frozenEntryOverhead`` each.
    private(set) var frozenBytes = 0
    /// How many histories stay in use before all are frozen.
    let workingLimit: Int
    /// The bytes of frozen histories past which they are all forgotten (``defaultFrozenByteLimit``).
    let frozenByteLimit: Int

    /// The histories in use before the cache freezes them all: about 0.35 GB of histories of ten
    /// lines a person. Every person of a city of up to this many stays in use.
    static let defaultWorkingLimit = 1 << 17
    /// The most histories in use in a replay from sequence 1, which keeps twice the append path's
    /// (``Ledger/historiesInUse``) up to this: a city of up to this many persons replays without
    /// freezing a history. A replay is one run, whose memory is given back at its end, where the
    /// append path keeps its histories between requests. Its accumulators, the chain check's maps
    /// and 262 144 histories in use took 1.48 GB at a million persons (13.3 M events); the bench's
    /// peak at a million persons and 10 M input lines is 1.82–1.84 GiB, against the 2 GiB of the
    /// performance target (docs/PERFORMANCE.md, item 43).
    static let replayWorkingLimit = 1 << 18
    /// The bytes of frozen histories past which the frozen tier starts again empty (about three
    /// million persons of ten lines); their histories are folded again from the log when next needed.
    static let defaultFrozenByteLimit = 1 << 30
    /// A frozen history's memory beyond its bytes (``FrozenHistory/footprint`` counts its array's
    /// header): its person's slot (40 bytes), the slot's entry in the map by id at its load (about
    /// 27), and the allocator's header (16).
    static let frozenEntryOverhead = 83

    init(workingLimit: Int = HistoryCache.defaultWorkingLimit, frozenByteLimit: Int = HistoryCache.defaultFrozenByteLimit) {
        precondition(workingLimit > 0, "a history cache must hold at least one history in use")
        self.workingLimit = workingLimit
        self.frozenByteLimit = frozenByteLimit
    }

    var count: Int { slotOf.count }

    func contains(_ person: String) -> Bool { slotOf[person] != nil }

    /// The histories in use, by person (for tests: it copies them).
    var working: [String: PersonHistory] {
        var working: [String: PersonHistory] = [:]
        for (position, slot) in owners.enumerated() where slot >= 0 { working[slots[Int(slot)].person] = inUse[position] }
        return working
    }

    /// Where `person`'s history is in use, thawed first if it was frozen; nil if the cache has none.
    mutating func index(thawing person: String) -> Int? {
        let slot: Int32
        if let recent, recent.person == person {
            slot = recent.slot
        } else {
            guard let found = slotOf[person] else { return nil }
            slot = found
            recent = (person, found)
        }
        let position = slots[Int(slot)].position
        if position >= 0 { return Int(position) }
        guard let ice = takeFrozen(slot) else { preconditionFailure("a slot held without a history") }
        return putInUse(PersonHistory(thawing: ice, person: person), slot: slot)
    }

    /// `body` of the history in use at `index` (``index(thawing:)``), read in place. A mutating
    /// access, so that `body` borrows the history: a read through the array's getter, or through an
    /// unsafe buffer, hands it a copy (a retain and a release of each of the history's arrays).
    /// Like ``update(at:_:)``, it needs the cache's storage unshared, as the ledger keeps it (moved
    /// from one run to the next, never copied); `body` must not reach the cache.
    mutating func withHistory<Result>(at index: Int, _ body: (borrowing PersonHistory) throws -> Result) rethrows -> Result {
        try Self.lend(&inUse[index], to: body)
    }

    /// Passes on, borrowed, what an in-place access lends.
    private static func lend<Result>(_ history: inout PersonHistory, to body: (borrowing PersonHistory) throws -> Result) rethrows -> Result {
        try body(history)
    }

    /// Folds into the history at `index` (from ``index(thawing:)``) in place.
    mutating func update(at index: Int, _ body: (inout PersonHistory) -> Void) {
        body(&inUse[index])
    }

    /// Puts `history` in use for `person`, freezing the one in use longest first when ``workingLimit`` are.
    /// The cache must hold no frozen history of `person`: its callers have just found none.
    /// Returns where it is in use (``index(thawing:)``).
    @discardableResult
    mutating func insert(_ history: PersonHistory, for person: String) -> Int {
        if let slot = slotOf[person] {
            let position = slots[Int(slot)].position
            assert(position >= 0, "a history put in use over a frozen one")
            if position >= 0 {
                inUse[Int(position)] = history
                return Int(position)
            }
            _ = takeFrozen(slot)
            return putInUse(history, slot: slot)
        }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = Slot(person: person)
        } else {
            slot = Int32(slots.count)
            slots.append(Slot(person: person))
        }
        slotOf[person] = slot
        return putInUse(history, slot: slot)
    }

    /// Puts the history of `slot`, which is not in use, in use, last in the order of freezing;
    /// returns its position.
    private mutating func putInUse(_ history: PersonHistory, slot: Int32) -> Int {
        makeRoom()
        let position: Int
        if let free = freePositions.popLast() {
            position = Int(free)
            inUse[position] = history
            owners[position] = slot
        } else {
            position = inUse.count
            inUse.append(history)
            owners.append(slot)
        }
        slots[Int(slot)].position = Int32(position)
        tickets += 1
        slots[Int(slot)].ticket = tickets
        order.append((slot, tickets))
        if forgetting {
            forgetting = false
            forgetFrozen()
        } else if order.count - nextOut > 2 * max(inUseCount, 2_048) {
            compactOrder()
        }
        return position
    }

    /// Freezes histories in use, longest in use first, until one more fits. Each slot in use has
    /// an entry in `order` from `nextOut` on (put there when it was put in use), so room is found.
    private mutating func makeRoom() {
        while inUseCount >= workingLimit && nextOut < order.count {
            let (slot, ticket) = order[nextOut]
            nextOut += 1
            if slots[Int(slot)].ticket == ticket && slots[Int(slot)].position >= 0 { freeze(slot) }
        }
        if nextOut > 4_096 && nextOut * 2 > order.count {
            order.removeFirst(nextOut)
            nextOut = 0
        }
    }

    /// Freezes the history in use of `slot`.
    private mutating func freeze(_ slot: Int32) {
        let position = Int(slots[Int(slot)].position)
        let ice = inUse[position].frozen()
        releasePosition(position, of: slot)
        slots[Int(slot)].frozen = ice
        frozenCount += 1
        frozenBytes += ice.footprint + HistoryCache.frozenEntryOverhead
        // Forgotten once the history being put in use has its position: its slot is kept then.
        if frozenBytes > frozenByteLimit { forgetting = true }
    }

    /// Takes the frozen history of `slot` out of the frozen tier, if it holds one.
    private mutating func takeFrozen(_ slot: Int32) -> FrozenHistory? {
        guard let ice = slots[Int(slot)].frozen else { return nil }
        slots[Int(slot)].frozen = nil
        frozenCount -= 1
        frozenBytes -= ice.footprint + HistoryCache.frozenEntryOverhead
        return ice
    }

    /// Frees `position` in use, which `slot`'s history held.
    private mutating func releasePosition(_ position: Int, of slot: Int32) {
        inUse[position] = PersonHistory(person: "")
        owners[position] = -1
        freePositions.append(Int32(position))
        slots[Int(slot)].position = -1
    }

    /// Keeps only the entries of `order` still to come that hold their slot's ticket: with persons
    /// removed and put in use again below ``workingLimit``, no history is frozen and the stale
    /// entries would pile up.
    private mutating func compactOrder() {
        order = order[nextOut...].filter { slots[Int($0.slot)].ticket == $0.ticket && slots[Int($0.slot)].position >= 0 }
        nextOut = 0
    }

    /// Forgets every frozen history and keeps those in use: the slots are made again for them
    /// alone, so the memory of the forgotten ones' goes too.
    private mutating func forgetFrozen() {
        compactOrder()
        var renumbered = [Int32](repeating: -1, count: slots.count)
        var kept: [Slot] = []
        kept.reserveCapacity(inUseCount)
        slotOf = Dictionary(minimumCapacity: inUseCount)
        recent = nil
        for position in owners.indices where owners[position] >= 0 {
            let old = Int(owners[position])
            renumbered[old] = Int32(kept.count)
            owners[position] = Int32(kept.count)
            slotOf[slots[old].person] = Int32(kept.count)
            kept.append(slots[old])
        }
        slots = kept
        freeSlots = []
        order = order.map { (renumbered[Int($0.slot)], $0.ticket) }
        frozenCount = 0
        frozenBytes = 0
    }

    /// Forgets the person of `slot`, whose history is not in use.
    private mutating func freeSlot(_ slot: Int32) {
        slotOf[slots[Int(slot)].person] = nil
        recent = nil
        slots[Int(slot)] = Slot(person: "")
        freeSlots.append(slot)
    }

    /// Forgets `person`'s history in both tiers.
    mutating func remove(_ person: String) {
        guard let slot = slotOf[person] else { return }
        let position = slots[Int(slot)].position
        if position >= 0 {
            releasePosition(Int(position), of: slot)
        } else {
            _ = takeFrozen(slot)
        }
        freeSlot(slot)
    }
}
