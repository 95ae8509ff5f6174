import LedgerModel
import LedgerRules
import LedgerStorage

/// Decides what an input event changes: re-adjudicates the person-years it touches from the log as
/// it stands up to a sequence, and returns the decision events still to be written.
///
/// The same engine serves the append path (the limit is the event just written) and `replay
/// --verify` (the limit is each event of the log in turn), so a replay re-decides exactly as the
/// append decided.
struct DecisionEngine {
    let ledger: Ledger
    let transaction: Transaction
    var parameters: ParameterSet
    /// Histories already folded, kept current by ``observe(_:sequence:)`` as events are written or
    /// replayed in log order, so each event folds only itself instead of its person's whole stream.
    /// The append path hands them from one transaction to the next (``Ledger/warmHistories``).
    /// Those not in use are held frozen, so their memory is bounded (``HistoryCache``).
    private(set) var histories: HistoryCache
    /// The persons whose cached history this engine folded from the log (itself or, adopted, a
    /// piece ahead) or changed: what a run that fails must not hand on. A set: a whole file may be
    /// one transaction, and its persons are far fewer than its lines.
    private var touched: Set<String> = []
    /// The person last added to `touched`: a line and its decisions touch the same one several times.
    private var lastTouched: String?
    /// In a replay from sequence 1: how many persons are registered so far. Person numbers follow
    /// registration order, so a person-year of a higher number has no fact yet and no decision to
    /// revisit. Nil where the engine starts mid-log (the append path), which filters nothing.
    var registeredPersons: UInt32?
    /// On the append path, the `persons` entries its transaction has moved and not yet written:
    /// newer than the stored ones.
    var pending: PendingPersonEntries?

    init(ledger: Ledger, transaction: Transaction, upTo limit: UInt64 = .max, histories: HistoryCache? = nil) throws {
        self.ledger = ledger
        self.transaction = transaction
        self.histories = histories ?? HistoryCache(workingLimit: ledger.historiesInUse)
        parameters = try ledger.parameters(upTo: limit, in: transaction)
    }

    /// Records that `person`'s cached history changed in this run. A replay from sequence 1
    /// (``registeredPersons`` set) hands no histories on, and records nothing.
    private mutating func markTouched(_ person: String) {
        if registeredPersons == nil && lastTouched != person {
            touched.insert(person)
            lastTouched = person
        }
    }

    /// The cached histories, moved out of the engine (which keeps none), so that no copy is made.
    mutating func takeHistories() -> HistoryCache {
        defer { histories = HistoryCache(workingLimit: histories.workingLimit, frozenByteLimit: histories.frozenByteLimit) }
        return histories
    }

    /// The cached histories as they were before this engine ran: those it folded or changed (in
    /// use or frozen since) are left out.
    mutating func takeUntouchedHistories() -> HistoryCache {
        var untouched = takeHistories()
        for person in touched { untouched.remove(person) }
        touched = []
        lastTouched = nil
        return untouched
    }

    /// The decisions caused by `event`, appended at `sequence`; nothing after `sequence` is read.
    /// Folds an event just written (or replayed) into the cached history it belongs to.
    mutating func observe(_ event: Event, sequence: UInt64) {
        guard let person = event.person else { return }
        if event.type == .personRegistered, let registered = registeredPersons {
            registeredPersons = registered + 1
            // A replay from sequence 1 meets each person first at its registration: its history
            // starts here, as a fold of its stream would, instead of being read back later.
            if !histories.contains(person) { histories.insert(PersonHistory(person: person), for: person) }
        }
        if event.type == .personMerged {
            // The survivor's history now spans two streams: fold it again when next needed.
            histories.remove(person)
            if let survivor = event.text(.into) { histories.remove(survivor) }
            return
        }
        if let index = histories.index(thawing: person) {
            markTouched(person)
            histories.update(at: index) { $0.apply(event, sequence: sequence) }
        }
    }

    mutating func decisions(after event: Event, sequence: UInt64) throws -> [Event] {
        switch event.type {
        case .policyPublished:
            if let parameter = Parameter(event, sequence: sequence) { parameters.add(parameter) }
            return try decisionsAfterPolicy(event, sequence: sequence)
        case .personRegistered, .contributionPaid, .contributionRefunded, .regionRegistered:
            // Coverage follows enrolment, not payment (I-9): a payment changes no decision.
            return []
        case .contributionSubsidized, .assistanceGranted, .assistanceAdjusted, .tiltedGranted, .accessRecorded:
            return []
        default:
            guard let person = event.person else { return [] }
            let survivor = event.type == .personMerged ? (event.text(.into) ?? person) : person
            return try decide(survivor, cause: sequence) { history in
                switch event.type {
                case .settlementRecorded, .settlementReversed:
                    let claim = event.text(.claim).flatMap { history.claims[$0] }
                    return (claim.map { [$0.year] } ?? [], event.type == .settlementRecorded ? claim : nil)
                case .enrollmentRegistered: return (event.integer(.insuranceYear).map { [Int($0)] } ?? [], nil)
                case .assistanceApplied: return (event.integer(.year).map { [Int($0)] } ?? [], nil)
                default: return (history.years, nil)
                }
            }
        }
    }

    typealias YearsTotals = [(year: Int, totals: YearTotals)]

    /// The decisions on `person`'s history at `cause` of the years `choose` picks from it, each
    /// year adjudicated whole or, for the claim `choose` names as the latest, incrementally. The
    /// history is read where the cache holds it, and the totals each year leaves are recorded on it
    /// after the read, for the next claim: so no copy of the history is made.
    private mutating func decide(_ person: String, cause: UInt64,
                                 _ choose: (borrowing PersonHistory) -> (years: [Int], latest: Claim?)) throws -> [Event] {
        let index = try cachedIndex(of: person, upTo: cause)
        // Taken out of `self`: the read below holds the cache, which the closure must not reach.
        let (parameters, incrementally) = (parameters, ledger.decidesIncrementally)
        let (events, totals) = histories.withHistory(at: index) { history in
            let (years, latest) = choose(history)
            return Self.decisions(of: history, years: years, cause: cause, latest: latest, parameters: parameters, incrementally: incrementally)
        }
        if !totals.isEmpty {
            markTouched(person)
            histories.update(at: index) { history in
                for (year, yearTotals) in totals { history.record(yearTotals, year: year) }
            }
        }
        return events
    }

    /// The decision events `years` of `history` need, each year adjudicated whole, or only `latest`
    /// (a claim just recorded) where that gives the same (I-1 order; RULES.md § 9), and the totals
    /// each year leaves. Every year is decided on the history as it is before any of them is recorded.
    private static func decisions(of history: borrowing PersonHistory, years: [Int], cause: UInt64, latest: Claim?,
                                  parameters: ParameterSet, incrementally: Bool) -> (events: [Event], totals: YearsTotals)
    {
        var events: [Event] = []
        var totals: YearsTotals = []
        for year in years {
            let adjudication: YearAdjudication
            let lastSettled: CivilDate?
            if incrementally, let latest, latest.year == year,
                let decided = Adjudicator.adjudicateLatest(latest, history: history, parameters: parameters)
            {
                adjudication = decided
                lastSettled = latest.settledOn
            } else {
                adjudication = Adjudicator.adjudicate(history, year: year, parameters: parameters)
                lastSettled = adjudication.claims.last?.claim.settledOn
            }
            events += DecisionEvents.pending(adjudication, history: history, cause: cause)
            totals.append((year, Adjudicator.totals(after: adjudication, history: history, parameters: parameters, lastSettled: lastSettled)))
        }
        return (events, totals)
    }

    /// A published parameter re-adjudicates every person-year it may change (RULES.md § 8).
    private mutating func decisionsAfterPolicy(_ event: Event, sequence: UInt64) throws -> [Event] {
        guard let from = event.date(.validFrom) else { return [] }
        let lastYear = event.date(.validTo)?.year
        var events: [Event] = []
        try transaction.withCursor(ledger.personYears) { cursor in
            var entry = try cursor.seek(atLeast: Keys.bigEndian(UInt16(clamping: from.year)))
            var seen: Set<String> = []
            while let current = entry, current.key.count == 6 {
                let year = Int(Keys.uint16(current.key))
                if let lastYear, year > lastYear { break }
                if let registeredPersons, Keys.uint32(current.key, at: 2) > registeredPersons {
                    // The rest of this year is persons registered later: on to the next year.
                    guard year < Int(UInt16.max) else { break }
                    entry = try cursor.seek(atLeast: Keys.bigEndian(UInt16(year + 1)))
                    continue
                }
                let person = try ledger.survivor(of: String(decoding: current.value, as: UTF8.self), upTo: sequence, in: transaction)
                entry = try cursor.next()
                guard seen.insert("\(year)/\(person)").inserted else { continue }
                events += try decide(person, cause: sequence) { history in (history.years.contains(year) ? [year] : [], nil) }
            }
        }
        return events
    }

    /// `body` of the history of `person` as the log stands at `limit`, through the cache, read
    /// where the cache holds it: a check of a line makes no copy of the history.
    mutating func withHistory<Result>(ofPerson person: String, upTo limit: UInt64, _ body: (borrowing PersonHistory) throws -> Result)
        throws -> Result
    {
        // The index first: it may put a history in use, which the read must see.
        let index = try cachedIndex(of: person, upTo: limit)
        return try histories.withHistory(at: index, body)
    }

    /// Where the cache holds the history of `person` up to `limit`, folded from the log first if
    /// the cache has none. `limit` must be the sequence being decided: the cache holds exactly the
    /// events written before it.
    private mutating func cachedIndex(of person: String, upTo limit: UInt64) throws -> Int {
        if let index = histories.index(thawing: person) {
            assert(histories.withHistory(at: index) { $0.lastSequence } <= limit, "the cache runs ahead of the event decided")
            return index
        }
        let history = try self.history(of: person, upTo: limit)
        markTouched(person)
        return histories.insert(history, for: person)
    }

    /// The person's history folded from its stream and those merged into it, up to `limit`.
    func history(of person: String, upTo limit: UInt64) throws -> PersonHistory {
        try ledger.foldHistory(of: person, upTo: limit, in: transaction, pending: pending) ?? PersonHistory(person: person)
    }

    /// Whether the cache holds a history of `person`, in use or frozen.
    func holds(_ person: String) -> Bool { histories.contains(person) }

    /// Puts in use the histories folded ahead (``HistoryPrefolder``) of persons the cache does not
    /// hold; returns how many. Each must be the fold of the log as this transaction found it, of a
    /// person none of whose events this transaction has written: then it is what
    /// ``history(of:upTo:)`` would fold now.
    mutating func adopt(_ folded: [String: PersonHistory]) -> Int {
        var adopted = 0
        for (person, history) in folded where !histories.contains(person) {
            markTouched(person)
            histories.insert(history, for: person)
            adopted += 1
        }
        return adopted
    }
}

extension Ledger {
    /// The history of `person` folded from its stream and those merged into it, up to `limit`; nil
    /// when the person is not registered.
    func foldHistory(of person: String, upTo limit: UInt64, in transaction: Transaction,
                     pending: PendingPersonEntries?) throws -> PersonHistory? {
        guard let entry = try personEntry(person, in: transaction, pending: pending) else { return nil }
        return try foldHistory(of: person, entry: entry, upTo: limit, in: transaction, pending: pending)
    }

    /// The history of `person`, whose `persons` entry the caller has read, folded up to `limit`.
    func foldHistory(of person: String, entry: PersonEntry, upTo limit: UInt64, in transaction: Transaction,
                     pending: PendingPersonEntries?) throws -> PersonHistory {
        var history = PersonHistory(person: person)
        let merged = try mergedPersons(into: entry.number, upTo: limit, in: transaction)
        for recorded in try streamEvents(of: entry, merged: merged, upTo: limit, in: transaction, pending: pending) {
            history.apply(recorded.event, sequence: recorded.sequence)
        }
        return history
    }

    /// The parameters published up to `limit`, from the `policies` index. The whole set is cached
    /// with the sequence of the last policy it holds: a later append of a policy changes that key.
    func parameters(upTo limit: UInt64, in transaction: Transaction) throws -> ParameterSet {
        let lastPolicy: UInt64 = try transaction.withCursor(policies) { cursor in
            try cursor.last().map { try Keys.stored($0.key, "the last policies key") } ?? 0
        }
        if limit >= lastPolicy, let cached = parameterCache.withLock({ $0 }), cached.lastPolicy == lastPolicy {
            return cached.parameters
        }
        let set = try loadParameters(upTo: limit, in: transaction)
        if limit >= lastPolicy { parameterCache.withLock { $0 = (lastPolicy, set) } }
        return set
    }

    private func loadParameters(upTo limit: UInt64, in transaction: Transaction) throws -> ParameterSet {
        var set = ParameterSet()
        try transaction.withCursor(policies) { cursor in
            var entry = try cursor.first()
            while let current = entry, current.key.count == 8 {
                let sequence = Keys.uint64(current.key)
                if sequence > limit { break }
                guard let recorded = try event(at: sequence, in: transaction), let parameter = Parameter(recorded.event, sequence: sequence) else {
                    throw LedgerError.damaged(sequence: sequence, reason: "the policies index names no valid policy.published event")
                }
                set.add(parameter)
                entry = try cursor.next()
            }
        }
        return set
    }
}
