/// Who sent an event and its key in that system; the pair is unique in the ledger.
public struct Source: Hashable, Sendable {
    public let system: String
    public let key: String

    public init(system: String, key: String) {
        self.system = system
        self.key = key
    }
}

/// One field of an event and its value.
public struct FieldEntry: Hashable, Sendable {
    public let field: Field
    public let value: FieldValue

    public init(_ field: Field, _ value: FieldValue) {
        self.field = field
        self.value = value
    }
}

/// An event's content: everything but what the ledger adds when it appends (sequence, recorded
/// time, hash). Two events with equal content are the same fact.
///
/// The fields are a short array in ascending field number, the order they are stored in: an event
/// has at most a dozen fields, so a scan finds one faster than hashing would, and the array is the
/// canonical form, so equal events have equal arrays.
public struct Event: Hashable, Sendable {
    public let type: EventType
    public let source: Source?
    public let person: String?
    /// The fields in ascending ``Field`` number, each at most once.
    public let orderedFields: [FieldEntry]

    public init(type: EventType, source: Source?, person: String?, fields: [Field: FieldValue]) {
        self.init(type: type, source: source, person: person,
                  orderedFields: fields.map { FieldEntry($0.key, $0.value) }.sorted { $0.field < $1.field })
    }

    /// An event from fields already in ascending field number, each at most once (a decoder's order).
    public init(type: EventType, source: Source?, person: String?, orderedFields: [FieldEntry]) {
        assert(zip(orderedFields, orderedFields.dropFirst()).allSatisfy { $0.field < $1.field }, "fields in ascending order, once each")
        self.type = type
        self.source = source
        self.person = person
        self.orderedFields = orderedFields
    }

    /// The fields as a dictionary, for code that edits or compares them as a set.
    public var fields: [Field: FieldValue] {
        Dictionary(uniqueKeysWithValues: orderedFields.map { ($0.field, $0.value) })
    }

    @inlinable
    public subscript(field: Field) -> FieldValue? {
        for entry in orderedFields where entry.field == field { return entry.value }
        return nil
    }

    public func date(_ field: Field) -> CivilDate? {
        if case .date(let date)? = self[field] { return date }
        return nil
    }

    public func money(_ field: Field) -> Money? {
        if case .money(let money)? = self[field] { return money }
        return nil
    }

    /// The text of a field; a reason's words, whether it is stored as words or as a code.
    public func text(_ field: Field) -> String? {
        switch self[field] {
        case .text(let text)?: return text
        case .reason(let reason)?: return reason.text
        default: return nil
        }
    }

    public func integer(_ field: Field) -> Int64? {
        if case .integer(let value)? = self[field] { return value }
        return nil
    }

    /// The word of a symbol field, e.g. `"inpatient"` for ``Field/claimKind``.
    public func symbol(_ field: Field) -> String? {
        guard case .symbol(let index)? = self[field], case .symbol(let words) = field.kind else { return nil }
        return words[index]
    }

    /// The date the event takes effect, from the field its type names (RULES.md § 1).
    public var effectiveDate: CivilDate? { type.effectiveFields.lazy.compactMap { date($0) }.first }
}

/// An event as the log holds it: its content and what the ledger added when appending it.
public struct RecordedEvent: Hashable, Sendable {
    public let sequence: UInt64
    public let recordedAt: Timestamp
    public let event: Event
    /// SHA-256 of the previous event's hash and this event's stored bytes (docs/FORMAT.md): as the
    /// record holds it (versions 1 to 3), or as a reader of the chain worked it out
    /// (`Ledger.chainHash(at:)`); nil for a record of version 4 read on its own.
    public let hash: [UInt8]?
    /// The number the ledger gave the event's person, where the record holds it (a record of
    /// version 2 or 3 with a person); nil in a record of version 1.
    public let personNumber: UInt32?
    /// The sequence of the previous event of the person's stream (0: none), where the record holds
    /// it (version 3 or 4, an event of a person other than a merge); nil where it does not.
    public let previousInStream: UInt64?

    public init(sequence: UInt64, recordedAt: Timestamp, event: Event, hash: [UInt8]?, personNumber: UInt32? = nil,
                previousInStream: UInt64? = nil) {
        self.sequence = sequence
        self.recordedAt = recordedAt
        self.event = event
        self.hash = hash
        self.personNumber = personNumber
        self.previousInStream = previousInStream
    }

    /// The same event with its chain hash, as a reader of the chain worked it out.
    public func chained(_ hash: [UInt8]) -> RecordedEvent {
        RecordedEvent(sequence: sequence, recordedAt: recordedAt, event: event, hash: hash, personNumber: personNumber,
                      previousInStream: previousInStream)
    }
}

/// Lower-case hexadecimal.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var result: [UInt8] = []
    for byte in bytes {
        result.append(digits[Int(byte >> 4)])
        result.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: result, as: UTF8.self)
}

/// The bytes of a hexadecimal string, or `nil`.
public func bytes(hex: String) -> [UInt8]? {
    let characters = Array(hex.utf8)
    guard characters.count % 2 == 0 else { return nil }
    func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
    var result: [UInt8] = []
    result.reserveCapacity(characters.count / 2)
    var index = 0
    while index < characters.count {
        guard let high = nibble(characters[index]), let low = nibble(characters[index + 1]) else { return nil }
        result.append(high << 4 | low)
        index += 2
    }
    return result
}
