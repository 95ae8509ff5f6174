import LedgerModel

/// An identity held over an interval (RULES.md § 2), as now known.
public struct IdentityInterval: Hashable, Sendable {
    public let category: Category
    public let validFrom: CivilDate
    public var validTo: CivilDate?
    public let exitYear: Int64?
    /// The `identity.recognized` event that gave it.
    public let sequence: UInt64
    /// Whether it is the person's own, not one of a person merged into it.
    public var isOwn = true

    public func covers(_ date: CivilDate) -> Bool { validFrom <= date && (validTo.map { date <= $0 } ?? true) }
}

public struct Enrollment: Hashable, Sendable {
    public let insuranceYear: Int
    public let enrolledOn: CivilDate
    public let channel: Channel
    public let exemption: Exemption?
    public let region: Int64
    public let sequence: UInt64
    /// Whether it is the person's own, not one of a person merged into it.
    public var isOwn = true
}

public struct Claim: Hashable, Sendable {
    public let id: String
    public let kind: ClaimKind
    public let disease: Disease?
    public let hospital: String
    public let settledOn: CivilDate
    public let totalCost: Money
    public let inListCost: Money
    public let basicPaid: Money
    public let criticalPaid: Money
    public let sequence: UInt64
    public var reversal: UInt64?

    /// In-list self-pay after basic and critical-illness insurance (RULES.md § 6).
    public var base: Money { inListCost - basicPaid - criticalPaid }
    public var year: Int { settledOn.year }
    /// Inpatient and the five outpatient special chronic diseases (I-2).
    public var qualifies: Bool { kind.accumulates }
    public var isInpatient: Bool { kind == .inpatient }
}

public struct Application: Hashable, Sendable {
    public let year: Int
    public let appliedOn: CivilDate
    public let sequence: UInt64
}

/// What the adjudication of a person-year left: the year's base B and regular assistance granted
/// after its last claim, and the facts and parameters it was made from (RULES.md § 9).
public struct YearTotals: Hashable, Sendable {
    /// ``PersonHistory/facts`` when the year was adjudicated.
    public let facts: Int
    /// ``ParameterSet/latestSequence`` when the year was adjudicated.
    public let parameters: UInt64
    public let base: Money
    public let granted: Money
    /// The settlement date of the year's last claim in decision order, nil when it had none.
    public let lastSettled: CivilDate?
}

/// What a decision is about: a claim, an application for tilted assistance, or an enrolment.
public enum Subject: Hashable, Sendable, Comparable {
    case claim(String)
    case application(UInt64)
    case enrollment(UInt64)
}

/// The net of the decisions recorded for one subject.
public struct RecordedDecision: Hashable, Sendable {
    /// The first decision's sequence; adjustments cite it.
    public var sequence: UInt64
    public var grant: Money
    public var counted: Bool
    public var outcome: Outcome
    public var inpatientPart: Money
    public var outpatientPart: Money
}

/// Everything the rules need to know of one person, folded from its events and those of persons
/// merged into it, in ledger order. `apply` has no rules: it only records facts.
public struct PersonHistory: Sendable, Equatable {
    public let person: String
    public internal(set) var residence: Residence?
    public internal(set) var region: Int64?
    public internal(set) var identities: [IdentityInterval] = []
    public internal(set) var enrollments: [Enrollment] = []
    public internal(set) var claims = SmallMap<String, Claim>()
    public internal(set) var applications: [Application] = []
    public internal(set) var decisions = SmallMap<Subject, RecordedDecision>()
    /// The years this person has facts in, ascending.
    public internal(set) var years: [Int] = []
    public internal(set) var lastSequence: UInt64 = 0
    /// Facts folded so far (every event but decisions and access records).
    public internal(set) var facts = 0
    /// What the last adjudication of each year left, for deciding a next claim incrementally.
    public internal(set) var totals = SmallMap<Int, YearTotals>()

    public init(person: String) { self.person = person }

    public mutating func apply(_ event: Event, sequence: UInt64) {
        lastSequence = max(lastSequence, sequence)
        if !event.type.isDecision && event.type != .accessRecorded { facts += 1 }
        switch event.type {
        case .personRegistered:
            if event.person == person || residence == nil {
                residence = event.word(.residence, Residence.self)
                region = event.integer(.region)
            }
        case .personAmended:
            if let newRegion = event.integer(.region), event.person == person { region = newRegion }
        case .identityRecognized:
            guard let category = event.word(.category, Category.self), let from = event.date(.validFrom) else { return }
            identities.append(IdentityInterval(category: category, validFrom: from, validTo: event.date(.validTo),
                                               exitYear: event.integer(.exitYear), sequence: sequence, isOwn: event.person == person))
        case .identityRevoked:
            guard let category = event.word(.category, Category.self), let to = event.date(.validTo) else { return }
            // Closes the latest interval of that category (latest validFrom), INTERCHANGE.md.
            if let index = identities.indices.filter({ identities[$0].category == category })
                .max(by: { (identities[$0].validFrom, identities[$0].sequence) < (identities[$1].validFrom, identities[$1].sequence) }) {
                identities[index].validTo = to
            }
        case .enrollmentRegistered:
            guard let year = event.integer(.insuranceYear), let on = event.date(.enrolledOn) else { return }
            // The codec refuses an enrolment without a channel (docs/FORMAT.md § Event types).
            guard let channel = event.word(.channel, Channel.self) else { return }
            enrollments.append(Enrollment(insuranceYear: Int(year), enrolledOn: on, channel: channel,
                                          exemption: event.word(.exemption, Exemption.self), region: event.integer(.region) ?? 0,
                                          sequence: sequence, isOwn: event.person == person))
            insertYear(Int(year))
        case .settlementRecorded:
            // The codec refuses a settlement without any of the fields a Claim needs (docs/FORMAT.md
            // § Event types): only an event built in memory by hand can fail here.
            guard let claim = Claim(event, sequence: sequence) else { return }
            claims[claim.id] = claim
            insertYear(claim.year)
        case .settlementReversed:
            if let id = event.text(.claim) { claims[id]?.reversal = sequence }
        case .assistanceApplied:
            guard let year = event.integer(.year), let on = event.date(.appliedOn) else { return }
            applications.append(Application(year: Int(year), appliedOn: on, sequence: sequence))
            insertYear(Int(year))
        case .contributionSubsidized, .assistanceGranted, .tiltedGranted, .assistanceAdjusted:
            recordDecision(event, sequence: sequence)
        case .contributionPaid, .contributionRefunded, .personMerged, .regionRegistered, .policyPublished, .accessRecorded:
            break
        }
    }

    private mutating func insertYear(_ year: Int) {
        guard let at = years.lastIndex(where: { $0 <= year }) else { return years.insert(year, at: 0) }
        if years[at] != year { years.insert(year, at: at + 1) }
    }

    private mutating func recordDecision(_ event: Event, sequence: UInt64) {
        guard let subject = PersonHistory.subject(of: event) else { return }
        let counted = event.integer(.counted) == 1
        // The codec refuses a decision without its outcome (docs/FORMAT.md § Event types); `.none` is for one built by hand.
        let outcome = event.word(.outcome, Outcome.self) ?? .none
        let grant = event.money(.grant) ?? .zero
        var recorded = decisions[subject] ?? RecordedDecision(sequence: sequence, grant: .zero, counted: false,
                                                              outcome: outcome, inpatientPart: .zero, outpatientPart: .zero)
        recorded.grant = grant
        recorded.counted = counted
        recorded.outcome = outcome
        recorded.inpatientPart += event.money(.inpatientAmount) ?? .zero
        recorded.outpatientPart += event.money(.outpatientAmount) ?? .zero
        decisions[subject] = recorded
    }

    /// Records what an adjudication of `year` left (``Adjudicator/totals(after:history:parameters:lastSettled:)``).
    public mutating func record(_ totals: YearTotals, year: Int) { self.totals[year] = totals }

    /// The subject a decision event is about.
    public static func subject(of event: Event) -> Subject? {
        switch event.type {
        case .assistanceGranted: return event.text(.claim).map(Subject.claim)
        case .tiltedGranted: return event.integer(.subjectSequence).map { .application(UInt64($0)) }
        case .contributionSubsidized: return event.integer(.subjectSequence).map { .enrollment(UInt64($0)) }
        case .assistanceAdjusted:
            switch event.word(.subject, SubjectKind.self) {
            case .claim?: return event.text(.claim).map(Subject.claim)
            case .application?: return event.integer(.subjectSequence).map { .application(UInt64($0)) }
            case .enrollment?: return event.integer(.subjectSequence).map { .enrollment(UInt64($0)) }
            case nil: return nil
            }
        default: return nil
        }
    }

    /// The identities held on `date`.
    public func identities(on date: CivilDate) -> [IdentityInterval] {
        identities.filter { $0.covers(date) }.sorted { ($0.category.word, $0.sequence) < ($1.category.word, $1.sequence) }
    }

    /// The assistance category on `date`: JC before TP (RULES.md § 2), with the interval that gives it.
    public func assistanceCategory(on date: CivilDate) -> IdentityInterval? {
        let held = identities(on: date)
        return held.last { $0.category == .JC } ?? held.last { $0.category == .TP }
    }

    /// The claims settled in `year` (I-1), in settlement order, ties by ledger sequence.
    public func claims(in year: Int) -> [Claim] {
        claims.values(where: { $0.year == year }).sorted { ($0.settledOn, $0.sequence) < ($1.settledOn, $1.sequence) }
    }
}

extension Claim {
    public init?(_ event: Event, sequence: UInt64) {
        guard let id = event.text(.claim), let kind = event.word(.claimKind, ClaimKind.self), let settled = event.date(.settledOn),
            let total = event.money(.totalCost), let inList = event.money(.inListCost),
            let basic = event.money(.basicPaid), let critical = event.money(.criticalPaid)
        else { return nil }
        self.init(id: id, kind: kind, disease: event.word(.disease, Disease.self), hospital: event.text(.hospital) ?? "",
                  settledOn: settled, totalCost: total, inListCost: inList, basicPaid: basic, criticalPaid: critical,
                  sequence: sequence, reversal: nil)
    }
}

/// A map for the few entries one person holds (claims, decisions, years' totals): entries in the
/// order they were first set, found by a scan while few and through a hash index beyond
/// ``indexedFrom``. A person's history is held for every warm person, so this keeps one small array
/// where a dictionary would keep a hash table at least half empty, and stays linear-time for the
/// rare person with hundreds of claims.
public struct SmallMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var entries: [(key: Key, value: Value)] = []
    /// Position of each key in `entries`, kept once there are ``indexedFrom`` entries.
    private var index: [Key: Int]?

    /// The count of entries from which keys are found through a hash index.
    public static var indexedFrom: Int { 16 }

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// The values, in the order their keys were first set.
    public var values: [Value] { entries.map(\.value) }
    /// The values `isIncluded` keeps, in the order their keys were first set: the others are not copied.
    public func values(where isIncluded: (Value) throws -> Bool) rethrows -> [Value] {
        var kept: [Value] = []
        for position in entries.indices where try isIncluded(entries[position].value) { kept.append(entries[position].value) }
        return kept
    }
    /// `update` of `initial` with each value in turn, in the order their keys were first set: a
    /// count or a sum of some of them without collecting them.
    public func reduceValues<Result>(into initial: Result, _ update: (inout Result, Value) throws -> Void) rethrows -> Result {
        var result = initial
        for position in entries.indices { try update(&result, entries[position].value) }
        return result
    }
    /// The keys, in the order they were first set.
    public var keys: [Key] { entries.map(\.key) }
    /// The entry at `position` (from 0) in the order the keys were first set.
    func entry(at position: Int) -> (key: Key, value: Value) { entries[position] }
    /// Where `key` is in the order the keys were first set.
    func position(ofKey key: Key) -> Int? { position(of: key) }
    /// Makes room for `count` entries, so that a map rebuilt entry by entry allocates once.
    mutating func reserveCapacity(_ count: Int) { entries.reserveCapacity(count) }

    private func position(of key: Key) -> Int? {
        if let index { return index[key] }
        return entries.firstIndex { $0.key == key }
    }

    public subscript(key: Key) -> Value? {
        get { position(of: key).map { entries[$0].value } }
        set {
            switch (position(of: key), newValue) {
            case (let at?, let value?):
                entries[at].value = value
            case (nil, let value?):
                entries.append((key, value))
                if index != nil {
                    index?[key] = entries.count - 1
                } else if entries.count >= SmallMap.indexedFrom {
                    index = Dictionary(uniqueKeysWithValues: entries.indices.map { (entries[$0].key, $0) })
                }
            case (let at?, nil):
                entries.remove(at: at)
                index = entries.count >= SmallMap.indexedFrom
                    ? Dictionary(uniqueKeysWithValues: entries.indices.map { (entries[$0].key, $0) }) : nil
            case (nil, nil):
                break
            }
        }
    }
}

extension SmallMap: Equatable where Value: Equatable {
    /// The same entries in the same order (the hash index follows from them).
    public static func == (lhs: SmallMap, rhs: SmallMap) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }
}
