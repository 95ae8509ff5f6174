import Foundation
import LedgerModel
@testable import LedgerRules
import LedgerSimulation
import Testing

@testable import LedgerCore

extension HistoryCache {
    /// `person`'s history, thawed if it was frozen; nil when the cache holds none.
    mutating func history(of person: String) -> PersonHistory? {
        guard let index = index(thawing: person) else { return nil }
        return withHistory(at: index) { copy $0 }
    }
}

/// Frozen histories (``FrozenHistory``) thaw to the histories frozen, and which tier of the
/// ``HistoryCache`` a history is in never changes a decision.
@Suite struct HistoryCacheTests {
    static func lines(persons: Int, seed: UInt64) -> [String] {
        var generator = ScenarioGenerator(.init(persons: persons, seed: seed))
        return generator.events().map { Interchange.render($0) }
    }

    /// The histories a ledger's engine left in use after appending `lines`, with their year totals.
    static func warmHistories(_ lines: [String]) throws -> [String: PersonHistory] {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        _ = try ledger.append(submissions(lines), recordedAt: fixedTime)
        return ledger.warmHistories.withLock { $0?.histories.working } ?? [:]
    }

    /// The warm histories of a 40-person city, and its persons in order: the cache's own tests.
    static func smallCity() throws -> (histories: [String: PersonHistory], persons: [String]) {
        let histories = try warmHistories(lines(persons: 40, seed: 3))
        return (histories, histories.keys.sorted())
    }

    /// What a frozen `history` counts for in ``HistoryCache/frozenBytes``.
    static func footprint(of history: PersonHistory) -> Int { history.frozen().footprint + HistoryCache.frozenEntryOverhead }

    @Test(arguments: [(UInt64(9), 300), (UInt64(3), 40)])
    func everyHistoryOfAGeneratedCityThawsToItself(seed: UInt64, persons: Int) throws {
        let histories = try HistoryCacheTests.warmHistories(HistoryCacheTests.lines(persons: persons, seed: seed))
        #expect(histories.count >= persons - persons / 10, "most persons' histories are warm after one batch")
        var frozenBytes = 0
        var seen = (reversals: 0, diseases: 0, closedIdentities: 0, mergedFacts: 0, totals: 0, decisions: 0, sharedHospitals: 0)
        for (person, history) in histories {
            let frozen = history.frozen()
            frozenBytes += frozen.bytes.count
            let thawed = PersonHistory(thawing: frozen, person: person)
            #expect(thawed == history, "the history of \(person)")
            let claims = history.claims.values
            seen.reversals += claims.filter { $0.reversal != nil }.count
            seen.diseases += claims.filter { $0.disease != nil }.count
            seen.sharedHospitals += zip(claims, claims.dropFirst()).filter { $0.hospital == $1.hospital }.count
            seen.closedIdentities += history.identities.filter { $0.validTo != nil }.count
            seen.mergedFacts += history.enrollments.filter { !$0.isOwn }.count + history.identities.filter { !$0.isOwn }.count
            seen.totals += history.totals.count
            seen.decisions += history.decisions.count
        }
        // The corpus holds every optional part of a history, so the round trip above is not vacuous.
        #expect(seen.reversals > 0 && seen.diseases > 0 && seen.sharedHospitals > 0)
        #expect(seen.totals > 0 && seen.decisions > 0)
        // Compact: a generated person of about a dozen events freezes to a few hundred bytes.
        #expect(frozenBytes / histories.count < 400, "\(frozenBytes / histories.count) bytes a history")
        if persons >= 300 { #expect(seen.closedIdentities > 0 && seen.mergedFacts > 0) }
    }

    /// What a generated city may not hold: texts that share no prefix or are not ASCII, a decision
    /// about a claim the history does not hold, no residence or region, a claim reversed.
    @Test func aHandBuiltHistoryThawsToItself() throws {
        func settlement(_ claim: String, hospital: String, disease: Int?, on day: Int) -> Event {
            var fields: [Field: FieldValue] = [
                .claim: .text(claim), .claimKind: .symbol(disease == nil ? 0 : 1), .settledOn: .date(CivilDate(year: 2024, month: 3, day: day)!),
                .totalCost: .money(Money(fen: 1_234_567)), .inListCost: .money(Money(fen: 1_000_000)),
                .basicPaid: .money(Money(fen: 600_000)), .criticalPaid: .money(Money(fen: -1)), .hospital: .text(hospital),
            ]
            if let disease { fields[.disease] = .symbol(disease) }
            return Event(type: .settlementRecorded, source: nil, person: "人员甲", fields: fields)
        }
        var history = PersonHistory(person: "人员甲")
        history.apply(settlement("理赔-0001", hospital: "医院甲", disease: nil, on: 2), sequence: 10)
        history.apply(settlement("理赔-0002", hospital: "医院甲", disease: 4, on: 3), sequence: 300)
        history.apply(settlement("Z9", hospital: "", disease: 0, on: 4), sequence: UInt64(Int64.max))
        history.apply(Event(type: .settlementReversed, source: nil, person: "人员甲", fields: [.claim: .text("理赔-0002")]), sequence: 301)
        history.apply(Event(type: .assistanceGranted, source: nil, person: "人员甲", fields: [
            .claim: .text("不在此史"), .outcome: .symbol(2), .grant: .money(Money(fen: -7)), .counted: .integer(1),
            .inpatientAmount: .money(Money(fen: 1 << 40)),
        ]), sequence: 302)
        history.apply(Event(type: .assistanceGranted, source: nil, person: "人员甲", fields: [
            .claim: .text("Z9"), .outcome: .symbol(0), .grant: .money(Money(fen: 500)),
        ]), sequence: 303)
        history.record(YearTotals(facts: 4, parameters: 0, base: Money(fen: Int64.min / 4), granted: .zero, lastSettled: nil), year: 1900)
        #expect(history.residence == nil && history.region == nil)
        #expect(history.claims.count == 3 && history.decisions.count == 2 && history.claims["理赔-0002"]?.reversal == 301)
        #expect(PersonHistory(thawing: history.frozen(), person: "人员甲") == history)
    }

    @Test func theCacheFreezesWhatIsNotInUseAndThawsItBack() throws {
        let (histories, persons) = try HistoryCacheTests.smallCity()
        var cache = HistoryCache(workingLimit: 2)
        cache.insert(histories[persons[0]]!, for: persons[0])
        cache.insert(histories[persons[1]]!, for: persons[1])
        #expect(cache.working.count == 2 && cache.frozenCount == 0 && cache.frozenBytes == 0)
        func footprint(_ number: Int) -> Int { HistoryCacheTests.footprint(of: histories[persons[number]]!) }
        // A third in use freezes the one in use longest.
        cache.insert(histories[persons[2]]!, for: persons[2])
        #expect(cache.working.keys.sorted() == [persons[1], persons[2]].sorted() && cache.frozenCount == 1)
        #expect(cache.frozenBytes == footprint(0))
        #expect(cache.contains(persons[0]) && cache.contains(persons[2]) && !cache.contains(persons[3]))
        // Thawed on use: the same history, in use again, and no longer counted as frozen; the
        // longest in use after it is frozen to make room.
        #expect(cache.history(of: persons[0]) == histories[persons[0]])
        #expect(cache.working.keys.sorted() == [persons[0], persons[2]].sorted() && cache.frozenCount == 1)
        #expect(cache.frozenBytes == footprint(1))
        // A person removed is passed over when its turn to be frozen comes.
        cache.remove(persons[2])
        cache.insert(histories[persons[3]]!, for: persons[3])
        #expect(cache.working.keys.sorted() == [persons[0], persons[3]].sorted())
        cache.insert(histories[persons[4]]!, for: persons[4])
        #expect(cache.working.keys.sorted() == [persons[3], persons[4]].sorted() && cache.frozenCount == 2)
        #expect(cache.frozenBytes == footprint(0) + footprint(1))
        // Removed from whichever tier holds it.
        cache.remove(persons[0])
        cache.remove(persons[1])
        #expect(cache.frozenBytes == 0 && cache.count == 2 && cache.history(of: persons[1]) == nil)
    }

    /// A person removed and held again many times below the limit leaves entries in the order of
    /// freezing that no longer count; they are dropped as they pile up, and the order of the rest holds.
    @Test func manyRemovalsBelowTheLimitKeepTheOrderOfFreezing() throws {
        let (histories, persons) = try HistoryCacheTests.smallCity()
        var cache = HistoryCache(workingLimit: 3)
        cache.insert(histories[persons[1]]!, for: persons[1])
        cache.insert(histories[persons[0]]!, for: persons[0])
        for _ in 0..<10_000 {
            cache.remove(persons[0])
            cache.insert(histories[persons[0]]!, for: persons[0])
        }
        cache.insert(histories[persons[2]]!, for: persons[2])
        #expect(cache.frozenCount == 0 && cache.count == 3)
        // Person 1 has been in use longest: it is the one frozen to make room.
        cache.insert(histories[persons[3]]!, for: persons[3])
        #expect(cache.working.keys.sorted() == [persons[0], persons[2], persons[3]].sorted() && cache.frozenCount == 1)
        #expect(cache.history(of: persons[1]) == histories[persons[1]])
        #expect(cache.working.keys.sorted() == [persons[1], persons[2], persons[3]].sorted())
    }

    /// The cache remembers the slot it found last. A person removed, whose slot another then
    /// takes, is not found; and when forgetting the frozen tier renumbers the slots, a person
    /// found just before is found again with its own history.
    @Test func aPersonFoundLastIsFoundWhereTheCacheHoldsItNow() throws {
        let (histories, persons) = try HistoryCacheTests.smallCity()
        var cache = HistoryCache(workingLimit: 4)
        cache.insert(histories[persons[0]]!, for: persons[0])
        #expect(cache.history(of: persons[0]) == histories[persons[0]])
        cache.remove(persons[0])
        cache.insert(histories[persons[1]]!, for: persons[1])
        #expect(cache.history(of: persons[0]) == nil)
        #expect(cache.history(of: persons[1]) == histories[persons[1]])

        func footprint(_ number: Int) -> Int { HistoryCacheTests.footprint(of: histories[persons[number]]!) }
        // Room for the first frozen, not for a second: the fourth person's arrival forgets both.
        var tight = HistoryCache(workingLimit: 2, frozenByteLimit: footprint(0) + footprint(1) - 1)
        for number in 0..<3 { tight.insert(histories[persons[number]]!, for: persons[number]) }
        #expect(tight.history(of: persons[2]) == histories[persons[2]] && tight.frozenCount == 1)
        tight.insert(histories[persons[3]]!, for: persons[3])
        #expect(tight.frozenCount == 0 && tight.count == 2)
        #expect(tight.history(of: persons[2]) == histories[persons[2]])
        #expect(tight.history(of: persons[3]) == histories[persons[3]])
        #expect(tight.history(of: persons[1]) == nil)
    }

    /// Past its byte limit the frozen tier is forgotten whole: the histories in use stay, the
    /// frozen ones are no longer held (their persons are folded from the log when next needed), and
    /// the persons held afterwards are kept apart from those forgotten.
    @Test func theFrozenTierPastItsLimitIsForgottenAndTheRestKept() throws {
        let (histories, persons) = try HistoryCacheTests.smallCity()
        func footprint(_ number: Int) -> Int { HistoryCacheTests.footprint(of: histories[persons[number]]!) }
        // Room for the first two frozen, not for a third.
        var cache = HistoryCache(workingLimit: 2, frozenByteLimit: footprint(0) + footprint(1) + footprint(2) - 1)
        for number in 0..<4 { cache.insert(histories[persons[number]]!, for: persons[number]) }
        #expect(cache.frozenCount == 2 && cache.frozenBytes == footprint(0) + footprint(1))
        cache.insert(histories[persons[4]]!, for: persons[4])
        #expect(cache.frozenCount == 0 && cache.frozenBytes == 0 && cache.count == 2)
        #expect(cache.working.keys.sorted() == [persons[3], persons[4]].sorted())
        #expect((0..<3).allSatisfy { !cache.contains(persons[$0]) && cache.history(of: persons[$0]) == nil })
        // A person held afterwards takes a forgotten one's place, and each keeps its own history
        // (one frozen at a time from here, below the limit).
        cache.insert(histories[persons[5]]!, for: persons[5])
        #expect(cache.count == 3 && cache.frozenCount == 1 && cache.frozenBytes == footprint(3))
        for number in [3, 4, 5, 3] { #expect(cache.history(of: persons[number]) == histories[persons[number]]) }
        #expect(cache.count == 3 && cache.frozenCount == 1 && (0..<3).allSatisfy { !cache.contains(persons[$0]) })
    }

    /// The same city in batches of several sizes, with every history in use and with one or
    /// thirteen in use (the rest frozen and thawed again at almost every event): the same events,
    /// decisions and hashes, and a replay keeping so few in use (twice as many: two or 26)
    /// re-derives them.
    @Test(arguments: [1, 13])
    func frozenAndUnfrozenHistoriesDecideTheSame(inUse: Int) throws {
        let lines = HistoryCacheTests.lines(persons: 300, seed: 7)
        let roomy = try Ledger.open(at: temporaryDirectory(), create: true)
        let tight = try Ledger.open(at: temporaryDirectory(), create: true)
        tight.historiesInUse = inUse
        try appendInBatchesOfSeveralSizes(lines, to: [roomy, tight])
        let frozen = tight.warmHistories.withLock { $0?.histories.frozenCount } ?? 0
        #expect(frozen > 250, "the tight ledger holds most histories frozen")
        #expect(try tight.head() == roomy.head())
        let decided = try roomy.decisionEvents()
        #expect(decided.count > 300)
        #expect(try decided == tight.decisionEvents())
        #expect(try tight.replayVerify().isClean)
        #expect(try roomy.replayVerify().rebuiltDigest == tight.replayVerify().rebuiltDigest)
    }
}
