/// What a projection reads of an event: its type, its person and the figures an accumulator adds
/// up (docs/FORMAT.md § The fold), each in a field of its own type.
///
/// Two ways give one: ``init(_:)`` from an ``Event`` (the live projection, as each event is
/// appended), and ``EventCodec/decodeFolded(_:)`` straight from a stored record, without building
/// an `Event`'s field array, its source or its hash (a rebuild, which reads every event of the
/// log). For the same record both give the same value: a test holds them to it.
public struct FoldedEvent: Hashable, Sendable {
    public var type: EventType
    public var person: String?
    /// 36: the claim a settlement, a reversal or a decision on a claim is about.
    public var claim: String?
    /// 23: the survivor of a merge.
    public var into: String?
    public var claimKind: ClaimKind?
    /// 95: what an adjustment adjusts.
    public var subjectKind: SubjectKind?
    public var settledOn: CivilDate?
    public var appliedOn: CivilDate?
    /// 48: the year an application is for.
    public var applicationYear: Int64?
    public var insuranceYear: Int64?
    /// 96: the application or enrolment a decision is about.
    public var subjectSequence: Int64?
    // The figures are zero when absent: the fold adds nothing for them (or, for the remaining gap,
    // sets zero). Only the standard's absence means something: the year's standard stays.
    public var amount = Money.zero
    public var totalCost = Money.zero
    public var inListCost = Money.zero
    public var basicPaid = Money.zero
    public var criticalPaid = Money.zero
    public var baseDelta = Money.zero
    public var inpatientAmount = Money.zero
    public var outpatientAmount = Money.zero
    public var remainingGap = Money.zero
    public var standard: Money?

    public init(type: EventType, person: String?) {
        self.type = type
        self.person = person
    }

    /// The fields a fold reads; ``EventCodec/decodeFolded(_:)`` steps over every other.
    public static let readFields: [Field] = [
        .into, .insuranceYear, .amount, .claim, .claimKind, .settledOn, .totalCost, .inListCost, .basicPaid,
        .criticalPaid, .year, .appliedOn, .baseDelta, .inpatientAmount, .outpatientAmount, .remainingGap, .standard,
        .subject, .subjectSequence,
    ]

    /// The folded fields of `event`.
    public init(_ event: Event) {
        self.init(type: event.type, person: event.person)
        for entry in event.orderedFields { take(entry.field, entry.value) }
    }

    /// Sets the slot of `field` from its value; a field the fold does not read, or a value of
    /// another kind than its field's, is left out.
    mutating func take(_ field: Field, _ value: FieldValue) {
        switch (field, value) {
        case (.into, .text(let text)): into = text
        case (.claim, .text(let text)): claim = text
        case (.insuranceYear, .integer(let number)): insuranceYear = number
        case (.year, .integer(let number)): applicationYear = number
        case (.subjectSequence, .integer(let number)): subjectSequence = number
        case (.settledOn, .date(let date)): settledOn = date
        case (.appliedOn, .date(let date)): appliedOn = date
        case (.claimKind, .symbol(let code)): claimKind = UInt8(exactly: code).flatMap(ClaimKind.init(rawValue:))
        case (.subject, .symbol(let code)): subjectKind = UInt8(exactly: code).flatMap(SubjectKind.init(rawValue:))
        case (.amount, .money(let money)): amount = money
        case (.totalCost, .money(let money)): totalCost = money
        case (.inListCost, .money(let money)): inListCost = money
        case (.basicPaid, .money(let money)): basicPaid = money
        case (.criticalPaid, .money(let money)): criticalPaid = money
        case (.baseDelta, .money(let money)): baseDelta = money
        case (.inpatientAmount, .money(let money)): inpatientAmount = money
        case (.outpatientAmount, .money(let money)): outpatientAmount = money
        case (.remainingGap, .money(let money)): remainingGap = money
        case (.standard, .money(let money)): standard = money
        default: break
        }
    }

    /// The kind of subject a decision is about, when it names one (as `PersonHistory.subject(of:)`
    /// finds it): a claim by its id, an application or an enrolment by its sequence.
    public var subject: SubjectKind? {
        switch type {
        case .assistanceGranted: return claim == nil ? nil : .claim
        case .tiltedGranted: return subjectSequence == nil ? nil : .application
        case .contributionSubsidized: return subjectSequence == nil ? nil : .enrollment
        case .assistanceAdjusted:
            switch subjectKind {
            case .claim?: return claim == nil ? nil : .claim
            case .application?: return subjectSequence == nil ? nil : .application
            case .enrollment?: return subjectSequence == nil ? nil : .enrollment
            case nil: return nil
            }
        default: return nil
        }
    }

    /// The year the event belongs to, if it belongs to one.
    public var year: Int? {
        switch type {
        case .settlementRecorded, .assistanceGranted: return settledOn?.year
        case .assistanceApplied, .tiltedGranted: return applicationYear.map(Int.init)
        case .contributionPaid, .contributionRefunded, .contributionSubsidized, .enrollmentRegistered:
            return insuranceYear.map(Int.init)
        case .assistanceAdjusted:
            return settledOn?.year ?? applicationYear.map(Int.init) ?? insuranceYear.map(Int.init)
        default: return nil
        }
    }
}
