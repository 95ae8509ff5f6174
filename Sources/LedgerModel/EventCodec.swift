/// The stored encoding of an event (docs/FORMAT.md): a format byte, a body in the protobuf wire
/// format restricted to one canonical form, and, in versions 1 to 3, the SHA-256 chain hash.
///
/// ```
/// record = formatVersion(1 byte) ‖ body ‖ hash(32 bytes, versions 1 to 3 only)
/// hash   = SHA-256(previous hash ‖ formatVersion ‖ body)
/// ```
/// Canonical: fields in ascending number, each at most once, varints minimal, no unknown fields,
/// so one event has exactly one byte string in each version, and any protobuf decoder
/// (`protoc --decode_raw`) reads it.
public enum EventCodec {
    /// The version this build writes: 4, version 3 without the chain hash after the body (the
    /// hash follows from the records before it; the ledger keeps it at every 64th sequence and at
    /// the head). Version 3's records of a person's event but a merge hold the link to the previous
    /// event of the person's stream (header field 8). Version 2 is the same without it; in version
    /// 1 the person's number is absent too, and a decision's reason is held as its words rather
    /// than as a code and its numbers (``Reason``). All four are read.
    public static let formatVersion: UInt8 = 4
    /// The versions this build reads.
    public static let readableVersions: ClosedRange<UInt8> = 1...4
    public static let hashBytes = 32

    /// The bytes after the body of a record of `version`: its chain hash in versions 1 to 3, none
    /// from version 4.
    @inline(__always)
    public static func storedHashBytes(version: UInt8) -> Int { storedHashVersions.contains(version) ? hashBytes : 0 }
    /// The versions whose records hold their chain hash after the body.
    public static let storedHashVersions: ClosedRange<UInt8> = 1...3

    /// The chain hash a record holds after its body (versions 1 to 3); nil from version 4, or for
    /// a record too short to hold one.
    public static func storedHash(_ record: UnsafeRawBufferPointer) -> [UInt8]? {
        guard record.count > 1 + hashBytes, storedHashBytes(version: record[0]) > 0 else { return nil }
        return Array(UnsafeRawBufferPointer(rebasing: record[(record.count - hashBytes)...]))
    }

    /// `formatVersion ‖ body`: the bytes the chain hash covers (the whole record from version 4).
    public static func hashed(_ record: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard record.count > 0 else { return record }
        let trailing = storedHashBytes(version: record[0])
        return UnsafeRawBufferPointer(rebasing: record[..<max(0, record.count - trailing)])
    }

    /// `formatVersion ‖ body`: the bytes the chain hash covers, before the hash is appended (in
    /// versions 1 to 3; from version 4 the whole record).
    /// - Parameters:
    ///   - personNumber: the number the ledger gave the event's person (docs/FORMAT.md § The event
    ///     record), stored after the person so that a projection folds the event without looking
    ///     the person up; only with a person, and from version 2.
    ///   - previousInStream: the sequence of the previous event of the person's stream, 0 for none;
    ///     stored from version 3, with the person's number, for any event but a merge (which
    ///     `streamLinks` links in both its streams), as its distance back (field 8, absent for 0).
    ///   - version: 4, or 3, 2 or 1 to write again a record an older build wrote (an export of a
    ///     ledger whose log holds such records, imported line by line), the writer then adding its
    ///     hash; in version 2 no link; in version 1 no person number either, and a reason as its words.
    public static func encode(_ event: Event, sequence: UInt64, recordedAt: Timestamp, personNumber: UInt32? = nil,
                              previousInStream: UInt64 = 0, version: UInt8 = formatVersion) -> [UInt8] {
        precondition(personNumber == nil || event.person != nil, "a person number is stored only with its person")
        precondition(readableVersions.contains(version), "a version this build reads")
        precondition(previousInStream == 0 || previousInStream < sequence, "a stream's previous event comes before it")
        let coded = version >= 2
        var writer = WireWriter()
        writer.bytes.append(version)
        writer.varint(field: Header.Number.sequence.rawValue, sequence)
        writer.varint(field: Header.Number.recordedAt.rawValue, UInt64(bitPattern: recordedAt.millisecondsSinceEpoch))
        writer.varint(field: Header.Number.type.rawValue, UInt64(event.type.rawValue))
        if let source = event.source {
            writer.text(field: Header.Number.sourceSystem.rawValue, source.system)
            writer.text(field: Header.Number.sourceKey.rawValue, source.key)
        }
        if let person = event.person { writer.text(field: Header.Number.person.rawValue, person) }
        if let personNumber, coded { writer.varint(field: Header.Number.personNumber.rawValue, UInt64(personNumber)) }
        if holdsStreamLink(version: version, type: event.type, hasPersonNumber: personNumber != nil), previousInStream != 0 {
            writer.varint(field: Header.Number.previousInStream.rawValue, sequence - previousInStream)
        }
        for entry in event.orderedFields {
            let number = entry.field.rawValue
            switch entry.value {
            // A reason given as words is stored as the words' reason, so every record of version 2 or 3 codes it.
            case .text(let text) where entry.field == .reason && coded: writer.bytes(field: number, Reason.words(text).stored)
            case .text(let text): writer.text(field: number, text)
            case .reason(let reason) where coded: writer.bytes(field: number, reason.stored)
            case .reason(let reason): writer.text(field: number, reason.text)
            case .date(let date): writer.varint(field: number, zigzag(Int64(date.daysSinceEpoch)))
            case .money(let money): writer.varint(field: number, zigzag(money.fen))
            case .integer(let integer): writer.varint(field: number, zigzag(integer))
            case .symbol(let index): writer.varint(field: number, UInt64(index))
            case .integers(let integers): writer.packed(field: number, integers.map(zigzag))
            }
        }
        return writer.bytes
    }

    /// Fields a reader does not need: a decode skips their bytes without building their values.
    public struct FieldMask: Sendable {
        private var low: UInt64 = 0
        private var high: UInt64 = 0

        public init(_ fields: [Field]) {
            for field in fields {
                if field.rawValue < 64 { low |= 1 << UInt64(field.rawValue) } else { high |= 1 << UInt64(field.rawValue - 64) }
            }
        }

        @inline(__always) func contains(_ number: Int) -> Bool {
            number < 64 ? low & (1 << UInt64(number)) != 0 : number < 128 && high & (1 << UInt64(number - 64)) != 0
        }

        /// Adds field `number` (below 128, as every field's is).
        @inline(__always) mutating func insert(_ number: Int) {
            if number < 64 { low |= 1 << UInt64(number) } else if number < 128 { high |= 1 << UInt64(number - 64) }
        }

        /// The lowest field number of this mask that `other` lacks, or nil when `other` has them all.
        func firstMissing(from other: FieldMask) -> Int? {
            let low = low & ~other.low
            if low != 0 { return low.trailingZeroBitCount }
            let high = high & ~other.high
            return high != 0 ? 64 + high.trailingZeroBitCount : nil
        }
    }

    /// The schema a record is checked against, in memory made once and never freed: read through
    /// pointers, a record's check reaches the lazily made global once rather than for each field.
    private struct Schema: @unchecked Sendable {
        /// Per type code: the fields the type may store, and those it must.
        let allowed: UnsafePointer<FieldMask>
        let required: UnsafePointer<FieldMask>
        /// The field of each number below 128 (every field's is), looked up once rather than through
        /// `Field(rawValue:)`'s search of the field numbers for each field of each record.
        let fieldsByNumber: UnsafePointer<Field?>

        static let shared = Schema()

        private init() {
            func table<Element>(_ elements: [Element]) -> UnsafePointer<Element> {
                let table = UnsafeMutablePointer<Element>.allocate(capacity: elements.count)
                table.initialize(from: elements, count: elements.count)
                return UnsafePointer(table)
            }
            allowed = table((0...UInt8.max).map { code in FieldMask(EventType(rawValue: code)?.storedSchema.map(\.field) ?? []) })
            required = table((0...UInt8.max).map { code in
                FieldMask(EventType(rawValue: code)?.storedSchema.filter(\.required).map(\.field) ?? [])
            })
            fieldsByNumber = table((0..<128).map { Field(rawValue: $0) })
        }
    }

    /// Decodes a stored record (`formatVersion ‖ body`, then the hash in versions 1 to 3), checking
    /// that it is canonical. The event's hash is the one the record holds: nil from version 4.
    /// - Parameter skipping: fields left out of the event (their bytes are stepped over, unchecked):
    ///   what a projection that needs none of them decodes.
    /// - Throws: ``DecodeError`` naming the first thing wrong.
    public static func decode(_ record: UnsafeRawBufferPointer, skipping: FieldMask = FieldMask([])) throws(DecodeError) -> RecordedEvent {
        // Every type is wanted, so a record always comes back.
        try decode(record, skipping: skipping, wanted: { _ in true })!
    }

    /// Decodes a stored record when its type is `wanted`; nil, after reading only the header, when not.
    public static func decode(_ record: UnsafeRawBufferPointer, skipping: FieldMask, wanted: (EventType) -> Bool)
        throws(DecodeError) -> RecordedEvent?
    {
        var fields: [FieldEntry] = []
        // Versions 2 and 3 store a reason as its code; `walk` refuses any version but 1 to 3.
        let codedReasons = record.count > 0 && record[0] >= 2
        guard let header = try walk(record, readingSource: true, readingPerson: true, wanted: wanted, header: { type, _, _ in
            fields.reserveCapacity(type.storedSchema.count)
        }, visit: { field, wireType, reader throws(DecodeError) in
            if skipping.contains(field.rawValue) {
                try reader.skip(wireType: wireType)
            } else {
                if codedReasons && field == .reason {
                    guard wireType == 2 else { throw .wrongWireType(field.rawValue) }
                    fields.append(FieldEntry(field, .reason(try Reason(stored: try reader.lengthDelimited(), field: field.rawValue))))
                } else {
                    fields.append(FieldEntry(field, try decodeValue(of: field, wireType: wireType, from: &reader)))
                }
            }
        }) else { return nil }
        let hash = storedHash(record)
        let event = Event(type: header.type, source: header.source, person: header.person, orderedFields: fields)
        return RecordedEvent(
            sequence: header.sequence, recordedAt: Timestamp(millisecondsSinceEpoch: header.recordedAt), event: event, hash: hash,
            personNumber: header.personNumber, previousInStream: header.previousInStream)
    }

    /// What a projection reads of a stored record of a type it folds, with the record's sequence
    /// and the ids the fold reads of it (``FoldedIDs``); nil, after reading only the header, for a
    /// type it does not fold (`folds`).
    ///
    /// The record is checked as ``decode(_:skipping:wanted:)`` checks it, but for the fields the
    /// fold does not read (and the source), whose bytes are stepped over unchecked, as `skipping`
    /// steps over them. For a record both decode, the value is
    /// ``FoldedEvent/init(_:personNumber:ids:)`` of the event and the person number the record holds.
    public static func decodeFolded(_ record: UnsafeRawBufferPointer, folds: (EventType) -> Bool)
        throws(DecodeError) -> (sequence: UInt64, folded: FoldedEvent, ids: FoldedIDs)?
    {
        var folded = FoldedEvent(type: .personMerged)
        var ids = FoldedIDs()
        guard let sequence = try decodeFolded(record, folds: folds, into: &folded, ids: &ids) else { return nil }
        return (sequence, folded, ids)
    }

    /// The same, decoded in place at the end of `piece`'s events (a folded event is a couple of
    /// hundred bytes: built where it is kept, it is not copied there), its ids, if it has any, at the
    /// end of the piece's ids; the record's sequence, or nil, with nothing appended, for a type the
    /// projection does not fold. A record that does not decode leaves `piece` as it was.
    public static func decodeFolded(_ record: UnsafeRawBufferPointer, folds: (EventType) -> Bool,
                                    appendingTo piece: inout FoldedPiece) throws(DecodeError) -> UInt64?
    {
        piece.events.append(FoldedEvent(type: .personMerged))
        var ids = FoldedIDs()
        do {
            guard let sequence = try decodeFolded(record, folds: folds, into: &piece.events[piece.events.count - 1], ids: &ids) else {
                piece.events.removeLast()
                return nil
            }
            if !ids.isEmpty { piece.ids.append(FoldedPiece.IndexedIDs(index: piece.events.count - 1, ids: ids)) }
            return sequence
        } catch {
            piece.events.removeLast()
            throw error
        }
    }

    private static func decodeFolded(_ record: UnsafeRawBufferPointer, folds: (EventType) -> Bool,
                                     into folded: inout FoldedEvent, ids: inout FoldedIDs) throws(DecodeError) -> UInt64?
    {
        try walk(record, readingSource: false, readingPerson: false, wanted: folds, header: { type, person, number in
            folded.type = type
            folded.personNumber = number
            ids.person = person
        }, visit: { field, wireType, reader throws(DecodeError) in
            var value = StoredValueReader(field: field, wireType: wireType, reader: reader)
            try folded.read(field, from: &value, ids: &ids)
            reader = value.reader
        })?.sequence
    }

    /// A field's stored value, checked as ``decodeValue(of:wireType:from:)`` checks it, with no
    /// `FieldValue` in between.
    private struct StoredValueReader: FoldedFieldReader {
        let field: Field
        let wireType: Int
        var reader: WireReader

        mutating func integer() throws(DecodeError) -> Int64 {
            guard wireType == 0 else { throw .wrongWireType(field.rawValue) }
            return unzigzag(try reader.varint())
        }

        mutating func money() throws(DecodeError) -> Money { Money(fen: try integer()) }

        mutating func date() throws(DecodeError) -> CivilDate {
            guard let days = Int32(exactly: try integer()) else { throw .valueOutOfRange(field.rawValue) }
            return CivilDate(daysSinceEpoch: days)
        }

        mutating func word<Word: StoredWord>(_: Word.Type) throws(DecodeError) -> Word {
            guard wireType == 0 else { throw .wrongWireType(field.rawValue) }
            let code = try reader.varint()
            // A word's code is its index in its list (VocabularyTests), so a code past the list has no word.
            guard code <= UInt64(UInt8.max), let word = Word(rawValue: UInt8(code)) else {
                throw .valueOutOfRange(field.rawValue)
            }
            return word
        }

        mutating func text() throws(DecodeError) -> String {
            guard wireType == 2 else { throw .wrongWireType(field.rawValue) }
            return try reader.text(field: field.rawValue)
        }

        mutating func checkText() throws(DecodeError) {
            guard wireType == 2 else { throw .wrongWireType(field.rawValue) }
            try reader.checkedText(field: field.rawValue)
        }

        mutating func skip() throws(DecodeError) { try reader.skip(wireType: wireType) }
    }

    /// A record's header.
    private struct Header {
        /// The header's field numbers.
        enum Number: Int {
            case sequence = 1
            case recordedAt = 2
            case type = 3
            case sourceSystem = 4
            case sourceKey = 5
            case person = 6
            /// From records of version 2.
            case personNumber = 7
            /// Records of version 3 and 4 only.
            case previousInStream = 8
        }

        let sequence: UInt64
        let recordedAt: Int64
        let type: EventType
        let source: Source?
        let person: String?
        let personNumber: UInt32?
        /// Where the record holds its link (version 3 or 4, a person's event but a merge): the sequence
        /// of the previous event of its person's stream, 0 for none.
        let previousInStream: UInt64?
    }

    /// Whether a record of `version` of an event of `type` holds the link to the previous event of
    /// its person's stream (header field 8; absent for the first): from version 3, in a record that
    /// holds its person's number, for any event but a merge (which `streamLinks` links in its two
    /// streams). Any other person event's link is in `streamLinks`.
    @inline(__always)
    public static func holdsStreamLink(version: UInt8, type: EventType, hasPersonNumber: Bool) -> Bool {
        version >= 3 && hasPersonNumber && type != .personMerged
    }

    /// What a walk back along a person's stream reads of a record: its version, its person's
    /// number, and the previous event of the stream where the record holds it (``Header``). The
    /// rest of the body is not read.
    public static func streamStep(_ record: UnsafeRawBufferPointer) throws(DecodeError)
        -> (version: UInt8, personNumber: UInt32?, previousInStream: UInt64?)
    {
        var reader = try bodyReader(record)
        let header = try readHeader(record, &reader, readingSource: false, readingPerson: false, wanted: { _ in true })!
        return (record[0], header.personNumber, header.previousInStream)
    }

    /// A reader of `record`'s body, once its length and version are checked.
    @inline(__always)
    private static func bodyReader(_ record: UnsafeRawBufferPointer) throws(DecodeError) -> WireReader {
        guard record.count > 1 else { throw .tooShort(record.count) }
        guard readableVersions.contains(record[0]) else { throw .unknownFormat(record[0]) }
        let trailing = storedHashBytes(version: record[0])
        guard record.count > 1 + trailing else { throw .tooShort(record.count) }
        return WireReader(bytes: UnsafeRawBufferPointer(rebasing: record[1..<(record.count - trailing)]))
    }

    /// Reads a record's header, then walks its content fields in ascending order, checking the
    /// canonical form and the type's schema (the fields it allows and those it requires). `header`
    /// is told the type, person and person number before the first field; `visit` reads each field's value from
    /// the reader or steps over it. Nil, after the type, when the type is not `wanted`. The source is
    /// read only `readingSource` (its bytes are stepped over otherwise), and a string made of the
    /// person only `readingPerson` or when the record holds no person number (it is checked either way).
    @inline(__always)
    private static func walk(
        _ record: UnsafeRawBufferPointer, readingSource: Bool, readingPerson: Bool, wanted: (EventType) -> Bool,
        header: (EventType, String?, UInt32?) -> Void,
        visit: (Field, Int, inout WireReader) throws(DecodeError) -> Void
    ) throws(DecodeError) -> Header? {
        var reader = try bodyReader(record)
        guard let read = try readHeader(record, &reader, readingSource: readingSource, readingPerson: readingPerson, wanted: wanted)
        else { return nil }
        header(read.type, read.person, read.personNumber)
        let schema = Schema.shared
        // A type's code is a byte: the tables have an entry for each.
        let allowed = schema.allowed[Int(read.type.rawValue)]
        var seen = FieldMask([])
        var lastNumber = Header.Number.person.rawValue
        while !reader.isAtEnd {
            let (number, wireType) = try reader.tag()
            guard number > lastNumber else { throw .fieldOutOfOrder(number) }
            lastNumber = number
            // `allowed` holds numbers below 128 only, the table's size.
            guard allowed.contains(number), let field = schema.fieldsByNumber[number] else { throw .unknownField(number) }
            seen.insert(number)
            try visit(field, wireType, &reader)
        }
        // The lowest-numbered required field missing, as the schema lists them.
        if let missing = schema.required[Int(read.type.rawValue)].firstMissing(from: seen) { throw .missingField(missing) }
        return read
    }

    /// Reads the header of `record` from `reader` (its body's), as ``walk(_:readingSource:readingPerson:wanted:header:visit:)``
    /// describes; nil, after the type, when the type is not `wanted`.
    @inline(__always)
    private static func readHeader(
        _ record: UnsafeRawBufferPointer, _ reader: inout WireReader, readingSource: Bool, readingPerson: Bool,
        wanted: (EventType) -> Bool
    ) throws(DecodeError) -> Header? {
        let sequence = try reader.expectVarint(field: Header.Number.sequence.rawValue)
        let recordedAt = Int64(bitPattern: try reader.expectVarint(field: Header.Number.recordedAt.rawValue))
        let typeCode = try reader.expectVarint(field: Header.Number.type.rawValue)
        guard typeCode <= UInt64(UInt8.max), let type = EventType(rawValue: UInt8(typeCode)) else {
            throw .unknownType(typeCode)
        }
        guard wanted(type) else { return nil }
        var source: Source?
        if reader.next(is: Header.Number.sourceSystem.rawValue) {
            if readingSource {
                let system = try reader.expectText(field: Header.Number.sourceSystem.rawValue)
                source = Source(system: system, key: try reader.expectText(field: Header.Number.sourceKey.rawValue))
            } else {
                try reader.expectLengthDelimited(field: Header.Number.sourceSystem.rawValue)
                try reader.expectLengthDelimited(field: Header.Number.sourceKey.rawValue)
            }
        }
        var personBytes: UnsafeRawBufferPointer?
        if reader.next(is: Header.Number.person.rawValue) {
            personBytes = try reader.expectCheckedText(field: Header.Number.person.rawValue)
        }
        var personNumber: UInt32?
        if record[0] >= 2, personBytes != nil, reader.next(is: Header.Number.personNumber.rawValue) {
            let number = try reader.expectVarint(field: Header.Number.personNumber.rawValue)
            guard let valid = UInt32(exactly: number) else { throw .valueOutOfRange(Header.Number.personNumber.rawValue) }
            personNumber = valid
        }
        // Only where a link may stand: field 8 anywhere else is not of the type's schema, and refused as such.
        var previousInStream: UInt64?
        if holdsStreamLink(version: record[0], type: type, hasPersonNumber: personNumber != nil) {
            previousInStream = 0
            if reader.next(is: Header.Number.previousInStream.rawValue) {
                let distance = try reader.expectVarint(field: Header.Number.previousInStream.rawValue)
                guard distance >= 1, distance < sequence else { throw .valueOutOfRange(Header.Number.previousInStream.rawValue) }
                previousInStream = sequence - distance
            }
        }
        // Checked as UTF-8 above.
        let person = personBytes.flatMap { bytes in
            readingPerson || personNumber == nil ? String(decoding: bytes, as: UTF8.self) : nil
        }
        return Header(
            sequence: sequence, recordedAt: recordedAt, type: type, source: source, person: person, personNumber: personNumber,
            previousInStream: previousInStream)
    }

    private static func decodeValue(of field: Field, wireType: Int, from reader: inout WireReader) throws(DecodeError)
        -> FieldValue
    {
        switch field.kind {
        case .text, .identifier, .residentID:
            guard wireType == 2 else { throw .wrongWireType(field.rawValue) }
            return .text(try reader.text(field: field.rawValue))
        case .date:
            guard wireType == 0 else { throw .wrongWireType(field.rawValue) }
            let days = unzigzag(try reader.varint())
            guard let days32 = Int32(exactly: days) else { throw .valueOutOfRange(field.rawValue) }
            return .date(CivilDate(daysSinceEpoch: days32))
        case .money:
            guard wireType == 0 else { throw .wrongWireType(field.rawValue) }
            return .money(Money(fen: unzigzag(try reader.varint())))
        case .year, .regionCode, .count:
            guard wireType == 0 else { throw .wrongWireType(field.rawValue) }
            return .integer(unzigzag(try reader.varint()))
        case .symbol(let words):
            guard wireType == 0 else { throw .wrongWireType(field.rawValue) }
            let index = try reader.varint()
            guard index < UInt64(words.count) else { throw .valueOutOfRange(field.rawValue) }
            return .symbol(Int(index))
        case .counts:
            guard wireType == 2 else { throw .wrongWireType(field.rawValue) }
            return .integers(try reader.packed().map(unzigzag))
        }
    }

    @inline(__always) static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    @inline(__always) static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}

/// Why stored bytes do not decode as an event.
public enum DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooShort(Int)
    case unknownFormat(UInt8)
    case truncated
    case nonCanonicalVarint
    case unexpectedField(expected: Int, found: Int?)
    case fieldOutOfOrder(Int)
    case unknownField(Int)
    case unknownType(UInt64)
    case wrongWireType(Int)
    case valueOutOfRange(Int)
    case invalidText(Int)
    case missingField(Int)

    public var description: String {
        switch self {
        case .tooShort(let count): return "record of \(count) bytes is shorter than a header (and a hash, before version 4)"
        case .unknownFormat(let version): return "unknown format version \(version)"
        case .truncated: return "record ends inside a field"
        case .nonCanonicalVarint: return "a varint is not in its shortest form"
        case .unexpectedField(let expected, let found):
            return "expected field \(expected), found \(found.map(String.init) ?? "the end")"
        case .fieldOutOfOrder(let number): return "field \(number) is out of ascending order or repeated"
        case .unknownField(let number): return "field \(number) does not belong to this event type"
        case .unknownType(let code): return "unknown event type \(code)"
        case .wrongWireType(let number): return "field \(number) has the wrong wire type"
        case .valueOutOfRange(let number): return "field \(number) holds a value out of range"
        case .invalidText(let number): return "field \(number) is not valid UTF-8"
        case .missingField(let number): return "required field \(number) is missing"
        }
    }
}

/// Appends protobuf wire-format fields (varint = wire type 0, length-delimited = wire type 2).
struct WireWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(192) }

    mutating func rawVarint(_ value: UInt64) { Varints.append(unsigned: value, to: &bytes) }

    mutating func varint(field: Int, _ value: UInt64) {
        rawVarint(UInt64(field << 3))
        rawVarint(value)
    }

    mutating func text(field: Int, _ text: String) {
        rawVarint(UInt64(field << 3 | 2))
        rawVarint(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func bytes(field: Int, _ value: [UInt8]) {
        rawVarint(UInt64(field << 3 | 2))
        rawVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func packed(field: Int, _ values: [UInt64]) {
        var inner = WireWriter()
        for value in values { inner.rawVarint(value) }
        rawVarint(UInt64(field << 3 | 2))
        rawVarint(UInt64(inner.bytes.count))
        bytes.append(contentsOf: inner.bytes)
    }
}

/// Reads protobuf wire-format fields, refusing anything that is not canonical.
struct WireReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    /// A varint; one byte below 0x80 (a tag, a symbol, a small count) without a call.
    @inline(__always)
    mutating func varint() throws(DecodeError) -> UInt64 {
        if position < bytes.count, bytes[position] < 0x80 {
            position += 1
            return UInt64(bytes[position - 1])
        }
        return try longVarint()
    }

    /// A varint whose first byte is not a whole one (or none is left).
    @inline(__always)
    private mutating func longVarint() throws(DecodeError) -> UInt64 {
        let available = bytes.count - position
        // Two or three bytes (a date, most amounts) without the loop; the last byte may not be 0.
        if available >= 2 {
            let low = UInt64(bytes[position] & 0x7F), second = bytes[position + 1]
            if second < 0x80 {
                guard second != 0 else { throw .nonCanonicalVarint }
                position += 2
                return low | UInt64(second) << 7
            }
            if available >= 3, bytes[position + 2] < 0x80 {
                let third = bytes[position + 2]
                guard third != 0 else { throw .nonCanonicalVarint }
                position += 3
                return low | UInt64(second & 0x7F) << 7 | UInt64(third) << 14
            }
        }
        // Four to eight bytes (a time, a large amount) from one load, without a loop: the
        // varint ends at the first byte whose high bit is clear, and may not end in a 0 byte.
        if available >= 8 {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            let ends = ~word & 0x8080_8080_8080_8080
            if ends != 0 {
                let length = ends.trailingZeroBitCount / 8 + 1
                guard length == 1 || (word >> UInt64(length * 8 - 8)) & 0xFF != 0 else { throw .nonCanonicalVarint }
                var value = length == 8 ? word : word & ((1 << UInt64(length * 8)) - 1)
                value &= 0x7F7F_7F7F_7F7F_7F7F
                // The 7-bit groups, gathered pairwise: 8 × 7 bits → 4 × 14 → 2 × 28 → 56.
                value = (value & 0x007F_007F_007F_007F) | (value & 0x7F00_7F00_7F00_7F00) >> 1
                value = (value & 0x0000_3FFF_0000_3FFF) | (value & 0x3FFF_0000_3FFF_0000) >> 2
                value = (value & 0x0000_0000_0FFF_FFFF) | (value & 0x0FFF_FFFF_0000_0000) >> 4
                position += length
                return value
            }
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count, shift < 64 else { throw .truncated }
            let byte = bytes[position]
            position += 1
            // The tenth byte holds only the 64th bit: anything more would be silently dropped.
            if shift == 63 && byte > 1 { throw .nonCanonicalVarint }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 { throw .nonCanonicalVarint }
                return result
            }
            shift += 7
        }
    }

    /// Whether the next tag is a one-byte tag of `field` (below 16), of any wire type (the field's
    /// reader refuses the wrong one). A tag of more bytes is never a header's: the loop over the
    /// content fields reads it, and refuses it if it does not read.
    @inline(__always)
    func next(is field: Int) -> Bool {
        position < bytes.count && bytes[position] < 0x80 && Int(bytes[position] >> 3) == field
    }

    @inline(__always)
    mutating func tag() throws(DecodeError) -> (number: Int, wireType: Int) {
        let key = try varint()
        guard key >> 3 <= UInt64(Int32.max) else { throw .valueOutOfRange(0) }
        return (Int(key >> 3), Int(key & 7))
    }

    /// Reads the tag of field `field` with `wireType`; the field found instead (nil for none or a
    /// tag that does not read) is named in the refusal, and the reader stays where it was.
    @inline(__always)
    private mutating func expectTag(field: Int, wireType: Int) throws(DecodeError) {
        // A header's tag is one byte (its field is below 16): compared as it is.
        let expected = field << 3 | wireType
        if expected < 0x80, position < bytes.count, Int(bytes[position]) == expected {
            position += 1
            return
        }
        try expectOtherTag(field: field, wireType: wireType)
    }

    /// ``expectTag(field:wireType:)`` when the next byte is not the expected tag.
    private mutating func expectOtherTag(field: Int, wireType: Int) throws(DecodeError) {
        let start = position
        let found = try? tag()
        guard let found, found.number == field else {
            position = start
            throw .unexpectedField(expected: field, found: found?.number)
        }
        guard found.wireType == wireType else { throw .wrongWireType(field) }
    }

    @inline(__always)
    mutating func expectVarint(field: Int) throws(DecodeError) -> UInt64 {
        try expectTag(field: field, wireType: 0)
        return try varint()
    }

    mutating func expectText(field: Int) throws(DecodeError) -> String {
        try expectTag(field: field, wireType: 2)
        return try text(field: field)
    }

    /// The bytes of field `field`'s text, checked as ``expectText(field:)`` checks them.
    mutating func expectCheckedText(field: Int) throws(DecodeError) -> UnsafeRawBufferPointer {
        try expectTag(field: field, wireType: 2)
        return try checkedText(field: field)
    }

    /// Steps over field `field`'s length-delimited value, unchecked but for its bounds.
    mutating func expectLengthDelimited(field: Int) throws(DecodeError) {
        try expectTag(field: field, wireType: 2)
        _ = try lengthDelimited()
    }

    /// Steps over one value of `wireType` (0 varint, 2 length-delimited).
    @inline(__always)
    mutating func skip(wireType: Int) throws(DecodeError) {
        switch wireType {
        case 0: _ = try varint()
        case 2: _ = try lengthDelimited()
        default: throw .truncated
        }
    }

    @inline(__always)
    mutating func lengthDelimited() throws(DecodeError) -> UnsafeRawBufferPointer {
        let length = try varint()
        guard length <= UInt64(bytes.count - position) else { throw .truncated }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<position + Int(length)])
        position += Int(length)
        return slice
    }

    mutating func text(field: Int) throws(DecodeError) -> String {
        let slice = try lengthDelimited()
        guard let text = validUTF8(slice.assumingMemoryBound(to: UInt8.self)) else {
            throw .invalidText(field)
        }
        return text
    }

    /// The bytes of a text, checked as ``text(field:)`` checks them, without keeping a string of
    /// them (an ASCII text, nearly every one, makes none).
    @discardableResult
    mutating func checkedText(field: Int) throws(DecodeError) -> UnsafeRawBufferPointer {
        let slice = try lengthDelimited()
        guard isValidUTF8(slice.assumingMemoryBound(to: UInt8.self)) else { throw .invalidText(field) }
        return slice
    }

    mutating func packed() throws(DecodeError) -> [UInt64] {
        var inner = WireReader(bytes: try lengthDelimited())
        var values: [UInt64] = []
        while !inner.isAtEnd { values.append(try inner.varint()) }
        return values
    }
}
