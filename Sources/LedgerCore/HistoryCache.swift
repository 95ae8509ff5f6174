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
struct HistoryCache {
    /// The histories in use, folded in place as events are written or replayed.
    private(set) var working: [String: PersonHistory] = [:]
    private var frozen: [String: FrozenHistory] = [:]
    /// The persons in the order their histories were put in use, from `nextOut`; a person removed
    /// or put in use again since is passed over (or frozen a little early) when its turn comes.
    private var order: [String] = []
    private var nextOut = 0
    /// What ``frozen`` holds, by ``FrozenHistory/footprint`` and ``frozenEntryOverhead`` each.
    private(set) var frozenBytes = 0
    /// How many histories stay in use before all are frozen.
    let workingLimit: Int

    /// The histories in use before the cache freezes them all: about 0.35 GB of histories of ten
    /// lines a person. Every person of a city of up to this many stays in use.
    static let defaultWorkingLimit = 1 << 17
    /// The most histories in use in a replay from sequence 1, which keeps twice the append path's
    /// (``Ledger/historiesInUse``) up to this: a city of up to this many persons replays without
    /// freezing a history. A replay is one run, whose memory is given back at its end, where the
    /// append path keeps its histories between requests; at a million persons replay's peak is
    /// about 1.5 GB this way (its accumulators, the chain check's maps and 262 144 histories in use).
    static let replayWorkingLimit = 1 << 18
    /// The bytes of frozen histories past which the cache starts again empty (about three million
    /// persons of ten lines); their histories are folded again from the log when next needed.
    static let frozenByteLimit = 1 << 30
    /// A frozen entry's memory beyond its bytes: the dictionary's slot at its load and the
    /// allocator's header.
    static let frozenEntryOverhead = 48

    init(workingLimit: Int = HistoryCache.defaultWorkingLimit) {
        precondition(workingLimit > 0, "a history cache must hold at least one history in use")
        self.workingLimit = workingLimit
    }

    var count: Int { working.count + frozen.count }
    var frozenCount: Int { frozen.count }

    func contains(_ person: String) -> Bool { working[person] != nil || frozen[person] != nil }

    /// Where `person`'s history is in ``working``, thawed first if it was frozen; nil if the cache has none.
    mutating func index(thawing person: String) -> Dictionary<String, PersonHistory>.Index? {
        if let index = working.index(forKey: person) { return index }
        guard let ice = frozen.removeValue(forKey: person) else { return nil }
        frozenBytes -= ice.footprint + HistoryCache.frozenEntryOverhead
        putInUse(PersonHistory(thawing: ice, person: person), for: person)
        return working.index(forKey: person)
    }

    /// `person`'s history, thawed if it was frozen.
    mutating func history(of person: String) -> PersonHistory? {
        index(thawing: person).map { working.values[$0] }
    }

    /// Folds into the history at `index` (from ``index(thawing:)``) in place.
    mutating func update(at index: Dictionary<String, PersonHistory>.Index, _ body: (inout PersonHistory) -> Void) {
        body(&working.values[index])
    }

    /// Puts `history` in use for `person`, freezing the one in use longest first when ``workingLimit`` are.
    /// The cache must hold no frozen history of `person`: its callers have just found none.
    mutating func insert(_ history: PersonHistory, for person: String) {
        assert(frozen[person] == nil, "a history put in use over a frozen one")
        if working[person] == nil { putInUse(history, for: person) } else { working[person] = history }
    }

    /// Puts the history of a person not in use in use, last in the order of freezing.
    private mutating func putInUse(_ history: PersonHistory, for person: String) {
        makeRoom()
        working[person] = history
        order.append(person)
    }

    /// Freezes histories in use, longest in use first, until one more fits. Each person in use has
    /// an entry in `order` from `nextOut` on (put there when it was put in use), so room is found.
    private mutating func makeRoom() {
        while working.count >= workingLimit && nextOut < order.count {
            let person = order[nextOut]
            nextOut += 1
            if let history = working.removeValue(forKey: person) { freeze(history, of: person) }
        }
        if nextOut > 4_096 && nextOut * 2 > order.count {
            order.removeFirst(nextOut)
            nextOut = 0
        }
    }

    private mutating func freeze(_ history: PersonHistory, of person: String) {
        let ice = history.frozen()
        frozenBytes += ice.footprint + HistoryCache.frozenEntryOverhead
        if let replaced = frozen.updateValue(ice, forKey: person) {
            frozenBytes -= replaced.footprint + HistoryCache.frozenEntryOverhead
        }
        if frozenBytes > HistoryCache.frozenByteLimit {
            frozen = [:]
            frozenBytes = 0
        }
    }

    /// Forgets `person`'s history in both tiers.
    mutating func remove(_ person: String) {
        working[person] = nil
        removeFrozen(person)
    }

    private mutating func removeFrozen(_ person: String) {
        if let ice = frozen.removeValue(forKey: person) { frozenBytes -= ice.footprint + HistoryCache.frozenEntryOverhead }
    }
}
