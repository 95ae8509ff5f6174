import LedgerModel

/// A person-year's accumulator (INTERCHANGE.md § What the ledger answers): a fold of the year's
/// facts and decisions with no rules in it — the rules already spoke in the decision events.
public struct Accumulator: Hashable, Sendable {
    public var person: String
    public var year: Int
    /// The year's accumulated assistance base B (RULES.md § 6).
    public var assistanceBase = Money.zero
    public var assistanceGranted = Money.zero
    public var tiltedGranted = Money.zero
    /// Index 0 inpatient, 1 outpatient special chronic.
    public var inListCost = ByKind()
    public var basicPaid = ByKind()
    public var criticalPaid = ByKind()
    public var assistancePaid = ByKind()
    /// Over every claim of the year, ordinary outpatient included.
    public var totalCost = Money.zero
    public var basicPaidAll = Money.zero
    public var criticalPaidAll = Money.zero
    /// The change of personal burden in each month, January first.
    public var monthlyBurden = Months()
    public var claims = 0
    public var applications = 0
    /// Gap to the tilted targets left by the latest tilted decision (referral to social assistance).
    public var tiltedShortfall = Money.zero
    public var contributionStandard: Money?
    public var contributionSubsidy = Money.zero
    public var contributionPaid = Money.zero
    public var contributionRefunded = Money.zero

    public init(person: String, year: Int) {
        self.person = person
        self.year = year
    }

    /// In-list self-pay after basic, critical-illness and medical assistance, over qualifying claims.
    public var selfPayAfterThreeTiers: Money {
        (0..<2).reduce(Money.zero) { $0 + inListCost[$1] - basicPaid[$1] - criticalPaid[$1] - assistancePaid[$1] }
    }

    /// Total cost less every payment of the year (RULES.md § 10).
    public var personalBurden: Money { totalCost - basicPaidAll - criticalPaidAll - assistanceGranted - tiltedGranted }

    /// What is still owed on the contribution (欠费), when the standard is known.
    public var contributionOwed: Money? {
        contributionStandard.map { $0 - contributionSubsidy - contributionPaid + contributionRefunded }
    }

    /// The year-to-date burden at the end of each month.
    public var cumulativeBurden: [Money] {
        var running = Money.zero
        return monthlyBurden.map { running += $0; return running }
    }

    /// The slot of the per-kind totals: 0 inpatient, 1 special chronic; ordinary outpatient has none.
    static func kindIndex(_ kind: ClaimKind?) -> Int? {
        switch kind {
        case .inpatient?: return 0
        case .outpatientSpecialChronic?: return 1
        case .outpatient?, nil: return nil
        }
    }

    /// Folds one event of this person-year. `reversedClaim` is the settlement a reversal undoes.
    public mutating func apply(_ event: Event, reversedClaim: Event? = nil) {
        apply(FoldedEvent(event), reversedClaim: reversedClaim.map(FoldedEvent.init))
    }

    /// Folds what the projection reads of one event of this person-year. `reversedClaim` is the
    /// settlement a reversal undoes.
    public mutating func apply(_ event: FoldedEvent, reversedClaim: FoldedEvent? = nil) {
        if event.type == .settlementReversed {
            reverse(reversedClaim)
        } else {
            apply(event)
        }
    }

    /// Takes a reversed claim, the settlement `claim`, out of the year (nil: a reversal of a claim
    /// the ledger does not hold counts, and takes nothing).
    public mutating func reverse(_ claim: FoldedEvent?) {
        if let claim { add(claim: claim, sign: -1) }
        claims -= 1
    }

    /// Folds what the projection reads of one event of this person-year other than a reversal
    /// (``reverse(_:)``). Without the reversed claim's place: a folded event is a couple of hundred
    /// bytes, even when absent.
    public mutating func apply(_ event: FoldedEvent) {
        switch event.type {
        case .settlementRecorded:
            add(claim: event, sign: 1)
            claims += 1
        case .settlementReversed:
            reverse(nil)
        case .assistanceApplied:
            applications += 1
        case .contributionPaid:
            contributionPaid += event.amount
        case .contributionRefunded:
            contributionRefunded += event.amount
        case .contributionSubsidized, .assistanceGranted, .tiltedGranted, .assistanceAdjusted:
            applyDecision(event)
        default:
            break
        }
    }

    private mutating func add(claim: FoldedEvent, sign: Int64) {
        func signed(_ money: Money) -> Money { Money(fen: money.fen * sign) }
        let total = signed(claim.totalCost), basic = signed(claim.basicPaid), critical = signed(claim.criticalPaid)
        totalCost += total
        basicPaidAll += basic
        criticalPaidAll += critical
        if let index = Accumulator.kindIndex(claim.claimKind) {
            inListCost[index] += signed(claim.inListCost)
            basicPaid[index] += basic
            criticalPaid[index] += critical
        }
        if let month = claim.settledOn?.month { monthlyBurden[month - 1] += total - basic - critical }
    }

    private mutating func applyDecision(_ event: FoldedEvent) {
        let amount = event.amount
        switch event.subject {
        case .claim?:
            assistanceGranted += amount
            assistanceBase += event.baseDelta
            if let index = Accumulator.kindIndex(event.claimKind) { assistancePaid[index] += amount }
            if let month = event.settledOn?.month { monthlyBurden[month - 1] -= amount }
        case .application?:
            tiltedGranted += amount
            assistancePaid[0] += event.inpatientAmount
            assistancePaid[1] += event.outpatientAmount
            tiltedShortfall = event.remainingGap
            let applied = event.appliedOn
            let month = applied.map { $0.year == year ? $0.month : 12 } ?? 12
            monthlyBurden[month - 1] -= amount
        case .enrollment?:
            contributionStandard = event.standard ?? contributionStandard
            contributionSubsidy += amount
        case nil:
            break
        }
    }

    /// Adds another person-year's figures into this one (a merge of duplicate persons).
    public mutating func absorb(_ other: Accumulator) {
        assistanceBase += other.assistanceBase
        assistanceGranted += other.assistanceGranted
        tiltedGranted += other.tiltedGranted
        for index in 0..<2 {
            inListCost[index] += other.inListCost[index]
            basicPaid[index] += other.basicPaid[index]
            criticalPaid[index] += other.criticalPaid[index]
            assistancePaid[index] += other.assistancePaid[index]
        }
        totalCost += other.totalCost
        basicPaidAll += other.basicPaidAll
        criticalPaidAll += other.criticalPaidAll
        for month in 0..<12 { monthlyBurden[month] += other.monthlyBurden[month] }
        claims += other.claims
        applications += other.applications
        tiltedShortfall += other.tiltedShortfall
        contributionStandard = contributionStandard ?? other.contributionStandard
        contributionSubsidy += other.contributionSubsidy
        contributionPaid += other.contributionPaid
        contributionRefunded += other.contributionRefunded
    }

    /// The year an event of a person belongs to, if it belongs to one.
    public static func year(of event: Event) -> Int? { FoldedEvent(event).year }
}

extension Accumulator {
    /// The stored form: the person id, then every figure as a zigzag varint in a fixed order
    /// (docs/FORMAT.md § Projections).
    public var encoded: [UInt8] { Varints.encode(capacity: encodedCapacity) { write(to: &$0) } }

    /// The most bytes ``encoded`` takes: its person's id, its length, and a varint of the most
    /// bytes for each figure.
    public var encodedCapacity: Int { Accumulator.encodedCapacity(personBytes: person.utf8.count) }

    /// The most bytes the stored form takes with a person's id of `personBytes` bytes.
    public static func encodedCapacity(personBytes: Int) -> Int {
        personBytes + Varints.Writer.maximumLength * (1 + Accumulator.encodedCount)
    }

    /// Writes ``encoded``'s bytes, which take at most ``encodedCapacity``.
    public func write(to writer: inout Varints.Writer) {
        writer.text(person)
        writeFigures(to: &writer)
    }

    /// Writes the stored form with `person`, the UTF-8 bytes of the person's id, in place of
    /// ``person`` (an accumulator a rebuild folded without it): at most
    /// ``encodedCapacity(personBytes:)`` bytes.
    public func write(to writer: inout Varints.Writer, person: UnsafeRawBufferPointer) {
        writer.text(utf8: person)
        writeFigures(to: &writer)
    }

    /// The figures after the person's id.
    private func writeFigures(to writer: inout Varints.Writer) {
        writer.signed(Int64(year))
        writer.signed(assistanceBase.fen)
        writer.signed(assistanceGranted.fen)
        writer.signed(tiltedGranted.fen)
        for index in 0..<2 {
            writer.signed(inListCost[index].fen)
            writer.signed(basicPaid[index].fen)
            writer.signed(criticalPaid[index].fen)
            writer.signed(assistancePaid[index].fen)
        }
        writer.signed(totalCost.fen)
        writer.signed(basicPaidAll.fen)
        writer.signed(criticalPaidAll.fen)
        for month in 0..<12 { writer.signed(monthlyBurden[month].fen) }
        writer.signed(Int64(claims))
        writer.signed(Int64(applications))
        writer.signed(tiltedShortfall.fen)
        writer.signed(contributionStandard?.fen ?? -1)
        writer.signed(contributionSubsidy.fen)
        writer.signed(contributionPaid.fen)
        writer.signed(contributionRefunded.fen)
    }

    /// Figures after the person: the year and 33 amounts and counts.
    static let encodedCount = 4 + 8 + 3 + 12 + 7

    /// The accumulator `encoded` wrote, or nil for anything else: a malformed varint, or other
    /// than exactly ``encodedCount`` numbers after the person.
    public init?(encoded bytes: UnsafeRawBufferPointer) {
        guard let (person, rest) = Varints.decodeText(bytes) else { return nil }
        var reader = Varints.Reader(rest)
        var complete = true
        func next() -> Int64 {
            guard let number = reader.next() else {
                complete = false
                return 0
            }
            return number
        }
        func money() -> Money { Money(fen: next()) }
        self.init(person: person, year: Int(next()))
        assistanceBase = money()
        assistanceGranted = money()
        tiltedGranted = money()
        for index in 0..<2 {
            inListCost[index] = money()
            basicPaid[index] = money()
            criticalPaid[index] = money()
            assistancePaid[index] = money()
        }
        totalCost = money()
        basicPaidAll = money()
        criticalPaidAll = money()
        for month in 0..<12 { monthlyBurden[month] = money() }
        claims = Int(next())
        applications = Int(next())
        tiltedShortfall = money()
        let standard = next()
        contributionStandard = standard < 0 ? nil : Money(fen: standard)
        contributionSubsidy = money()
        contributionPaid = money()
        contributionRefunded = money()
        guard complete, reader.isAtEnd else { return nil }
    }
}

/// A figure for each kind of qualifying claim: index 0 inpatient, 1 outpatient special chronic.
/// Held inline, so an accumulator is one value with no arrays to allocate.
public struct ByKind: Hashable, Sendable, ExpressibleByArrayLiteral {
    public var inpatient = Money.zero
    public var outpatientSpecialChronic = Money.zero

    public init() {}

    /// Exactly two figures: inpatient, then outpatient special chronic.
    public init(arrayLiteral elements: Money...) {
        precondition(elements.count == 2, "a figure for each of the two kinds")
        inpatient = elements[0]
        outpatientSpecialChronic = elements[1]
    }

    public subscript(index: Int) -> Money {
        get { index == 0 ? inpatient : outpatientSpecialChronic }
        set {
            precondition(index == 0 || index == 1, "kind index \(index)")
            if index == 0 { inpatient = newValue } else { outpatientSpecialChronic = newValue }
        }
    }
}

/// A figure for each month of the year, January first, held inline.
public struct Months: Hashable, Sendable, RandomAccessCollection, MutableCollection {
    private var storage = InlineArray<12, Money>(repeating: .zero)

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { 12 }

    public subscript(month: Int) -> Money {
        get { storage[month] }
        set { storage[month] = newValue }
    }

    public static func == (lhs: Months, rhs: Months) -> Bool { lhs.elementsEqual(rhs) }

    public func hash(into hasher: inout Hasher) {
        for month in 0..<12 { hasher.combine(storage[month]) }
    }
}
