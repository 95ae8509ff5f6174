/// What a projection reads of an event: its type, its person's number and the figures an
/// accumulator adds up (docs/FORMAT.md § The fold), each in a field of its own type. It holds no
/// text: a rebuild decodes pieces of thousands of folded events, copied as plain bytes with nothing
/// to count or release. The ids a fold needs now and then (a reversal's claim, a merge's survivor,
/// the person of a record without the person's number) travel beside it, in ``FoldedIDs``.
///
/// Two ways give one: ``init(_:personNumber:ids:)`` from an ``Event`` (the live projection, as
/// each event is appended), and ``EventCodec/decodeFolded(_:folds:)`` straight from a stored record,
/// without building an `Event`'s field array, its source, its hash, or a string for its ids (a
/// rebuild, which reads every event of the log). For the same record and person number both give
/// the same value and the same ids: a test holds them to it.
public struct FoldedEvent: Hashable, Sendable {
    public var type: EventType
    /// The person's number, where the record holds it (version 2); a projection then folds the
    /// event without looking the person up.
    public var personNumber: UInt32?
    /// 36: whether the event names a claim (a settlement, a reversal, a decision on a claim).
    public var namesClaim = false
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

    public init(type: EventType) {
        self.type = type
    }

    /// The folded fields of `event`; a value of another kind than its field's is left out.
    public init(_ event: Event) {
        var ids = FoldedIDs()
        self.init(event, personNumber: nil, ids: &ids)
    }

    /// The folded fields of `event`, whose person has `personNumber` where its record holds it,
    /// and in `ids` the ids the fold reads of it (``FoldedIDs``).
    public init(_ event: Event, personNumber: UInt32?, ids: inout FoldedIDs) {
        self.init(type: event.type)
        self.personNumber = personNumber
        ids = FoldedIDs()
        if personNumber == nil { ids.person = event.person }
        for entry in event.orderedFields {
            var value = FieldValueReader(field: entry.field, value: entry.value)
            try? read(entry.field, from: &value, ids: &ids)
        }
    }

    /// Sets the slot of `field` from `reader` when the fold reads it (or, for an id, its place in
    /// `ids`), and steps over it when not: the one list of what the fold reads, for both ways to a
    /// folded event.
    @inline(__always)
    mutating func read<Reader: FoldedFieldReader>(_ field: Field, from reader: inout Reader, ids: inout FoldedIDs)
        throws(DecodeError)
    {
        switch field {
        case .into: ids.survivor = try reader.text()
        case .claim:
            // Checked as text either way; a string is made only for the claim a reversal reverses.
            if type == .settlementReversed { ids.reversedClaim = try reader.text() } else { try reader.checkText() }
            namesClaim = true
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
        case .assistanceGranted: return namesClaim ? .claim : nil
        case .tiltedGranted: return subjectSequence == nil ? nil : .application
        case .contributionSubsidized: return subjectSequence == nil ? nil : .enrollment
        case .assistanceAdjusted:
            switch subjectKind {
            case .claim?: return namesClaim ? .claim : nil
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

/// The ids a fold reads of an event now and then, kept beside its ``FoldedEvent`` (only for the
/// events that have any) so that the folded event holds no text.
public struct FoldedIDs: Hashable, Sendable {
    /// The event's person, where its record does not hold the person's number (every record of
    /// version 1, and one of a later version written without it): the fold looks the number up.
    public var person: String?
    /// 36 of a reversal: the claim it reverses, whose settlement the fold takes out of its year.
    public var reversedClaim: String?
    /// 23 of a merge: the survivor, into whose years the merged person's are added.
    public var survivor: String?

    public init() {}

    public var isEmpty: Bool { person == nil && reversedClaim == nil && survivor == nil }
}

/// Folded events decoded in a row from the log (a piece of a rebuild), with the ids of those that
/// have any, by their index among the events.
public struct FoldedPiece: Sendable {
    public var events: [FoldedEvent] = []
    /// In ascending order of `index`.
    public var ids: [IndexedIDs] = []

    public struct IndexedIDs: Sendable, Equatable {
        public var index: Int
        public var ids: FoldedIDs
    }

    public init() {}

    /// Empties the piece and keeps its memory, for the next piece decoded into it.
    public mutating func removeAll() {
        events.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
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
    /// Checks a text as ``text()`` does, without keeping a string of it.
    mutating func checkText() throws(DecodeError)
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

    func checkText() throws(DecodeError) { _ = try text() }

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
