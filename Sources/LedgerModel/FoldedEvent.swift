/// What a projection reads of an event: its type, its person and the figures an accumulator adds
/// up (docs/FORMAT.md § The fold), each in a field of its own type.
///
/// Two ways give one: ``init(_:)`` from an ``Event`` (the live projection, as each event is
/// appended), and ``EventCodec/decodeFolded(_:)`` straight from a stored record, without building
/// an `Event`'s field array, its source or its hash (a rebuild, which reads every event of the
/// log). For the same record both give the same value but for ``personNumber``, which only the
/// record holds: a test holds them to it.
public struct FoldedEvent: Hashable, Sendable {
    public var type: EventType
    public var person: String?
    /// The person's number, where the record holds it (version 2); a projection then folds the
    /// event without looking the person up.
    public var personNumber: UInt32?
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

    /// The folded fields of `event`; a value of another kind than its field's is left out.
    public init(_ event: Event) {
        self.init(type: event.type, person: event.person)
        for entry in event.orderedFields {
            var value = FieldValueReader(field: entry.field, value: entry.value)
            try? read(entry.field, from: &value)
        }
    }

    /// Sets the slot of `field` from `reader` when the fold reads it, and steps over it when not:
    /// the one list of what the fold reads, for both ways to a folded event.
    @inline(__always)
    mutating func read<Reader: FoldedFieldReader>(_ field: Field, from reader: inout Reader) throws(DecodeError) {
        switch field {
        case .into: into = try reader.text()
        case .claim: claim = try reader.text()
        case .insuranceYear: insuranceYear = try reader.integer()
        case .year: applicationYear = try reader.integer()
        case .subjectSequence: subjectSequence = try reader.integer()
        case .settledOn: settledOn = try reader.date()
        case .appliedOn: appliedOn = try reader.date()
        case .claimKind: claimKind = try reader.word(ClaimKind.self)
        case .subject: subjectKind = try reader.word(SubjectKind.self)
        case .amount: amount = try reader.money()
        case .totalCost: totalCost = try reader.money()
        case .inListCost: inListCost = try reader.money()
        case .basicPaid: basicPaid = try reader.money()
        case .criticalPaid: criticalPaid = try reader.money()
        case .baseDelta: baseDelta = try reader.money()
        case .inpatientAmount: inpatientAmount = try reader.money()
        case .outpatientAmount: outpatientAmount = try reader.money()
        case .remainingGap: remainingGap = try reader.money()
        case .standard: standard = try reader.money()
        default: try reader.skip()
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
    @inlinable
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

/// The value of one field as a folded event reads it: from an event's `FieldValue`
/// (``FieldValueReader``) or from the stored bytes (`EventCodec`'s reader). Each refuses a value of
/// another kind than asked for.
protocol FoldedFieldReader {
    mutating func text() throws(DecodeError) -> String
    mutating func integer() throws(DecodeError) -> Int64
    mutating func money() throws(DecodeError) -> Money
    mutating func date() throws(DecodeError) -> CivilDate
    mutating func word<Word: StoredWord>(_: Word.Type) throws(DecodeError) -> Word
    /// Steps over a field the fold does not read.
    mutating func skip() throws(DecodeError)
}

/// A field's value in an `Event`.
struct FieldValueReader: FoldedFieldReader {
    let field: Field
    let value: FieldValue

    func text() throws(DecodeError) -> String {
        guard case .text(let text) = value else { throw .wrongWireType(field.rawValue) }
        return text
    }

    func integer() throws(DecodeError) -> Int64 {
        guard case .integer(let integer) = value else { throw .wrongWireType(field.rawValue) }
        return integer
    }

    func money() throws(DecodeError) -> Money {
        guard case .money(let money) = value else { throw .wrongWireType(field.rawValue) }
        return money
    }

    func date() throws(DecodeError) -> CivilDate {
        guard case .date(let date) = value else { throw .wrongWireType(field.rawValue) }
        return date
    }

    func word<Word: StoredWord>(_: Word.Type) throws(DecodeError) -> Word {
        guard case .symbol(let code) = value, let byte = UInt8(exactly: code), let word = Word(rawValue: byte) else {
            throw .valueOutOfRange(field.rawValue)
        }
        return word
    }

    func skip() {}
}
