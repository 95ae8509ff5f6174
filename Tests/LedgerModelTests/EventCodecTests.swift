import Foundation
import Testing

@testable import LedgerModel

// MARK: - Fixtures shared with InterchangeTests

/// One event of every input type, each with every field of its schema filled with a valid value
/// that also passes the interchange's cross-field checks.
enum Fixtures {
    static func date(_ text: String) -> FieldValue { .date(CivilDate(text)!) }
    static func money(_ fen: Int64) -> FieldValue { .money(Money(fen: fen)) }
    /// The index of `word` in the field's closed list (the lists are INTERCHANGE.md's).
    static func symbol(_ field: Field, _ word: String) -> FieldValue {
        guard case .symbol(let words) = field.kind, let index = words.firstIndex(of: word) else {
            fatalError("\(word) is not a word of \(field)")
        }
        return .symbol(index)
    }

    static let source = Source(system: "minzheng-450100", key: "2024/000123")
    static let idNumber = validResidentID("45010219900101123")  // …1231

    /// An event of `type` with every field of its schema: the type's own, the delivery time every
    /// input may carry, and a settlement's platform payment.
    static func full(_ type: EventType) -> Event {
        let event = own(type)
        guard type.isInput else { return event }
        var fields = event.fields
        fields[.receivedAt] = .text("2024-03-05T09:30:00+08:00")
        if type == .settlementRecorded { fields[.platformAssistance] = money(210_000) }
        return Event(type: type, source: event.source, person: event.person, fields: fields)
    }

    static func own(_ type: EventType) -> Event {
        switch type {
        case .personRegistered:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .idNumber: .text(idNumber), .name: .text("张三 Zhang San"), .birthDate: date("1990-01-01"),
                .region: .integer(450_102), .household: .text("HH_450102-77"), .residence: symbol(.residence, "urban"),
            ])
        case .personAmended:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .idNumber: .text("11010519491231002X"), .name: .text("李四"), .region: .integer(450_103),
                .on: date("2024-05-06"),
            ])
        case .personMerged:
            return Event(type: type, source: source, person: "P-0002", fields: [
                .on: date("2024-06-01"), .into: .text("P-0001"),
            ])
        case .identityRecognized:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .category: symbol(.category, "TP"), .validFrom: date("2024-01-01"), .validTo: date("2024-12-31"),
                .exitYear: .integer(2016), .department: symbol(.department, "rural-revitalization"),
            ])
        case .identityRevoked:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .category: symbol(.category, "JC"), .validTo: date("2024-10-31"),
            ])
        case .enrollmentRegistered:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .region: .integer(450_102), .insuranceYear: .integer(2024), .enrolledOn: date("2023-11-15"),
                .channel: symbol(.channel, "concentrated"), .exemption: symbol(.exemption, "employee-lapse"),
            ])
        case .contributionPaid:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .insuranceYear: .integer(2025), .amount: money(38_000), .paidOn: date("2024-12-01"),
            ])
        case .contributionRefunded:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .insuranceYear: .integer(2025), .amount: money(38_050), .refundedOn: date("2025-01-10"),
            ])
        case .settlementRecorded:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .claim: .text("CLM-2024-000123"), .claimKind: symbol(.claimKind, "outpatient-special-chronic"),
                .disease: symbol(.disease, "malignant-tumour"), .hospital: .text("H450102001"),
                .admittedOn: date("2024-05-01"), .dischargedOn: date("2024-05-15"), .settledOn: date("2024-05-20"),
                .totalCost: money(3_200_055), .inListCost: money(3_000_055), .basicPaid: money(2_100_000),
                .criticalPaid: money(100_000),
            ])
        case .settlementReversed:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .claim: .text("CLM-2024-000123"), .reversedOn: date("2024-06-02"),
            ])
        case .assistanceApplied:
            return Event(type: type, source: source, person: "P-0001", fields: [
                .year: .integer(2024), .appliedOn: date("2024-09-01"),
            ])
        case .regionRegistered:
            return Event(type: type, source: source, person: nil, fields: [
                .name: .text("邕宁区"), .region: .integer(450_109), .validFrom: date("2020-01-01"),
                .regionKind: symbol(.regionKind, "poor-county"), .parent: .integer(450_100),
            ])
        case .policyPublished:
            return Event(type: type, source: source, person: nil, fields: [
                .region: .integer(450_100), .validFrom: date("2022-08-01"), .validTo: date("2025-12-31"),
                .parameter: .text("assistance.rate.JC"), .value: .text("70%"), .clause: .text("002 § 三(二)"),
            ])
        default:
            return generic(type)
        }
    }

    /// An event with every field of the type's schema, each a valid value of its kind; the ledger's
    /// own decisions carry no source, and their money may be negative.
    static func generic(_ type: EventType) -> Event {
        var fields: [Field: FieldValue] = [:]
        for (field, _) in type.storedSchema { fields[field] = sampleValue(field) }
        return Event(type: type, source: type.isInput ? source : nil, person: type.hasPerson ? "P-0001" : nil, fields: fields)
    }

    static func sampleValue(_ field: Field) -> FieldValue {
        let number = Int64(field.rawValue)
        switch field.kind {
        case .text: return .text("text \(number) 文")
        case .identifier: return .text("ID-\(number)")
        case .residentID: return .text(idNumber)
        case .date: return .date(CivilDate(daysSinceEpoch: Int32(19_700 + number)))
        case .money: return .money(Money(fen: number.isMultiple(of: 2) ? number * 101 : -number * 10_001))
        case .year: return .integer(2024)
        case .regionCode: return .integer(450_100)
        case .symbol(let words): return .symbol(words.count - 1)
        case .count: return .integer(number * 1_000)
        case .counts: return .integers([1, 2, number * 1_000])
        }
    }

    /// The same event with only its required fields.
    static func minimal(_ type: EventType) -> Event {
        let event = full(type)
        var fields: [Field: FieldValue] = [:]
        for (field, required) in type.schema where required { fields[field] = event[field] }
        if type == .personAmended { fields[.name] = event[.name] }  // an amendment must change something
        if type == .settlementRecorded {  // without a disease the claim must not be special chronic
            fields[.claimKind] = symbol(.claimKind, "inpatient")
        }
        return Event(type: type, source: event.source, person: event.person, fields: fields)
    }

    /// A copy of `event` with some fields replaced (`nil` removes).
    static func with(_ event: Event, _ changes: [Field: FieldValue?]) -> Event {
        var fields = event.fields
        for (field, value) in changes { fields[field] = value }
        return Event(type: event.type, source: event.source, person: event.person, fields: fields)
    }
}

// MARK: - Helpers

let sampleHash: [UInt8] = (0..<32).map { UInt8($0 * 7 + 1) }

/// `record` as stored: with ``sampleHash`` after its body in versions 1 to 3, as it is from version 4.
func withHash(_ record: [UInt8]) -> [UInt8] { record + (record.first.map { $0 <= 3 } == true ? sampleHash : []) }

/// The bytes of `record` before the hash it holds, if any.
func bodyLength(_ record: [UInt8]) -> Int { record.count - EventCodec.storedHashBytes(version: record[0]) }

func decodeRecord(_ bytes: [UInt8]) -> Result<RecordedEvent, DecodeError> {
    bytes.withUnsafeBytes { buffer in
        do throws(DecodeError) { return .success(try EventCodec.decode(buffer)) } catch { return .failure(error) }
    }
}

func decodeFoldedRecord(_ bytes: [UInt8], folds: (EventType) -> Bool = { _ in true })
    -> Result<(sequence: UInt64, folded: FoldedEvent, ids: FoldedIDs)?, DecodeError>
{
    bytes.withUnsafeBytes { buffer in
        do throws(DecodeError) { return .success(try EventCodec.decodeFolded(buffer, folds: folds)) } catch { return .failure(error) }
    }
}

/// Answers every read with a value of the kind asked for, and notes a field stepped over.
struct ProbeReader: FoldedFieldReader {
    var skipped = false
    func text() -> String { "x" }
    func checkText() {}
    func integer() -> Int64 { 1 }
    func money() -> Money { .zero }
    func date() -> CivilDate { CivilDate(daysSinceEpoch: 0) }
    func word<Word: StoredWord>(_: Word.Type) -> Word { Word.allCases[0] }
    mutating func skip() { skipped = true }
}

/// Writes protobuf wire format by hand (tag = field << 3 | wire type), independently of `WireWriter`.
struct HandBody {
    var bytes: [UInt8] = [1]  // format version

    static func varintBytes(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            out.append(byte)
        } while value != 0
        return out
    }

    mutating func tag(_ field: Int, _ wireType: Int) { bytes += HandBody.varintBytes(UInt64(field << 3 | wireType)) }
    mutating func varint(_ field: Int, _ value: UInt64) {
        tag(field, 0)
        bytes += HandBody.varintBytes(value)
    }
    mutating func sint(_ field: Int, _ value: Int64) {
        varint(field, value >= 0 ? UInt64(value) * 2 : UInt64(-(value + 1)) * 2 + 1)
    }
    mutating func text(_ field: Int, _ text: String) { raw(field, Array(text.utf8)) }
    mutating func raw(_ field: Int, _ content: [UInt8]) {
        tag(field, 2)
        bytes += HandBody.varintBytes(UInt64(content.count))
        bytes += content
    }

    /// The header of a settlement.reversed (type 10) for person "p".
    static func header(type: UInt64 = 10, person: String? = "p") -> HandBody {
        var body = HandBody()
        body.varint(1, 5)
        body.varint(2, 1000)
        body.varint(3, type)
        body.text(4, "s")
        body.text(5, "k")
        if let person { body.text(6, person) }
        return body
    }

    var record: [UInt8] { bytes + sampleHash }
}

// MARK: - Tests

@Suite("EventCodec")
struct EventCodecTests {
    @Test("the fixtures fill every field of every schema")
    func fixturesAreFull() {
        for type in EventType.allCases {
            let event = Fixtures.full(type)
            #expect(Set(event.fields.keys) == Set(type.schema.map(\.field)), "\(type.name)")
            #expect((event.person != nil) == type.hasPerson, "\(type.name)")
        }
    }

    @Test("every type round-trips", arguments: EventType.allCases)
    func roundTrip(type: EventType) throws {
        for event in [Fixtures.full(type), Fixtures.minimal(type)] {
            let body = EventCodec.encode(event, sequence: 42, recordedAt: Timestamp(millisecondsSinceEpoch: 1_795_458_771_123))
            let decoded = try decodeRecord(withHash(body)).get()
            #expect(decoded.event == event)
            #expect(decoded.sequence == 42)
            #expect(decoded.recordedAt == Timestamp(millisecondsSinceEpoch: 1_795_458_771_123))
            #expect(decoded.hash == nil, "a record of version 4 holds no hash")
            #expect(decoded == RecordedEvent(sequence: 42, recordedAt: decoded.recordedAt, event: event, hash: nil))
            // Re-encoding the decoded event gives the same bytes.
            #expect(EventCodec.encode(decoded.event, sequence: 42, recordedAt: decoded.recordedAt) == body)
        }
    }

    /// A rebuild decodes what the fold reads straight from the record; for every type, with every
    /// field and with only the required ones, it is what the fold reads of the decoded event, and a
    /// record cut anywhere is refused by both decodings alike.
    @Test("the folded decoding is what the fold reads of the event", arguments: EventType.allCases)
    func foldedDecoding(type: EventType) throws {
        for event in [Fixtures.full(type), Fixtures.minimal(type)] {
            let record = withHash(EventCodec.encode(event, sequence: 42, recordedAt: Timestamp(millisecondsSinceEpoch: 1_795_458_771_123)))
            let folded = try #require(try decodeFoldedRecord(record).get())
            #expect(folded.sequence == 42)
            #expect(folded.folded == FoldedEvent(try decodeRecord(record).get().event))
            var ids = FoldedIDs()
            #expect(folded.folded == FoldedEvent(event, personNumber: nil, ids: &ids))
            #expect(folded.ids == ids)
            // A record without the person's number gives the person, for the fold to look up; a
            // reversal its claim, a merge its survivor; nothing else makes a string.
            #expect(ids.person == event.person)
            #expect(ids.reversedClaim == (type == .settlementReversed ? event.text(.claim) : nil))
            #expect(ids.survivor == (type == .personMerged ? event.text(.into) : nil))
            #expect(folded.folded.namesClaim == (event.text(.claim) != nil))
            if event.person != nil {
                // With the number, the person is left to the number.
                let numbered = withHash(EventCodec.encode(event, sequence: 42, recordedAt: Timestamp(millisecondsSinceEpoch: 1_795_458_771_123),
                                                          personNumber: 77))
                let withNumber = try #require(try decodeFoldedRecord(numbered).get())
                var numberedIDs = FoldedIDs()
                #expect(withNumber.folded == FoldedEvent(event, personNumber: 77, ids: &numberedIDs))
                #expect(withNumber.ids == numberedIDs && numberedIDs.person == nil)
                for length in 1..<bodyLength(numbered) {
                    let cut = withHash(Array(numbered.prefix(length)))
                    #expect(decodeFoldedRecord(cut).failure == decodeRecord(cut).failure, "\(type.name) with its number cut at \(length)")
                }
            }
            #expect(try decodeFoldedRecord(record, folds: { $0 != type }).get() == nil, "a type not folded")
            for length in 1..<bodyLength(record) {
                let cut = withHash(Array(record.prefix(length)))
                #expect(decodeFoldedRecord(cut).failure == decodeRecord(cut).failure, "\(type.name) cut at \(length)")
            }
        }
        let settlement = Fixtures.full(.settlementRecorded)
        let claim = FoldedEvent(settlement)
        #expect(claim.namesClaim && claim.settledOn == settlement.date(.settledOn)
                    && claim.claimKind == settlement.word(.claimKind, ClaimKind.self),
                "the fixture's claim reaches the folded event")
        #expect(claim.totalCost != .zero && claim.totalCost == settlement.money(.totalCost), "the fixture's total reaches the folded event")
    }

    /// Every byte of every type's full record set to each of a few values: the folded decoding
    /// reads it as the full decoding does, and refuses it with the same error, but for a wrong wire
    /// type or value in a field the fold does not read, which it steps over unchecked (as `skipping`
    /// does). The bytes inside the texts and lists it steps over (and inside the source) are left
    /// out: only their length is checked.
    @Test("a damaged record is refused by the folded decoding as by the full one", arguments: EventType.allCases)
    func foldedDecodingOfDamagedRecords(type: EventType) throws {
        // The fields the fold reads (docs/FORMAT.md § The fold), and only those.
        let read: Set<Int> = [23, 29, 33, 36, 37, 42, 43, 44, 45, 46, 48, 49, 83, 87, 88, 89, 90, 95, 96]
        #expect(Set(Field.allCases.filter { field in
            var probe = ProbeReader()
            var folded = FoldedEvent(type: type)
            var ids = FoldedIDs()
            try? folded.read(field, from: &probe, ids: &ids)
            return !probe.skipped
        }.map(\.rawValue)) == read)
        // The header (1–7) is checked alike by both, but for the source's texts (4, 5), whose bytes
        // the folded decoding steps over; so is every field the fold reads.
        func steppedOver(_ error: DecodeError) -> Bool {
            switch error {
            case .wrongWireType(let number), .valueOutOfRange(let number), .invalidText(let number):
                return number == 4 || number == 5 || (number > 7 && !read.contains(number))
            default: return false
            }
        }
        // A record without the person's number, one of version 2 that holds it (whose person the
        // folded decoding checks without making a string of it), one of version 3 that holds it and
        // the link to the previous event of the person's stream, and one of version 1.
        let event = Fixtures.full(type)
        let at = Timestamp(millisecondsSinceEpoch: 1_795_458_771_123)
        var records = [("without the person's number", withHash(EventCodec.encode(event, sequence: 300, recordedAt: at))),
                       ("version 1", withHash(EventCodec.encode(event, sequence: 300, recordedAt: at, version: 1)))]
        if event.person != nil {
            records.append(("version 2 with the person's number",
                            withHash(EventCodec.encode(event, sequence: 300, recordedAt: at, personNumber: 300, version: 2))))
            records.append(("with the person's number and its link",
                            withHash(EventCodec.encode(event, sequence: 300, recordedAt: at, personNumber: 300, previousInStream: 297))))
        }
        for (form, record) in records {
            // The bytes inside the length-delimited values the folded decoding steps over: the source,
            // and the texts and lists the fold does not read.
            var steppedOverBytes = IndexSet()
            var position = 1
            func varint() -> Int {
                var value = 0, shift = 0
                while true {
                    let byte = record[position]
                    position += 1
                    value |= Int(byte & 0x7F) << shift
                    if byte & 0x80 == 0 { return value }
                    shift += 7
                }
            }
            while position < bodyLength(record) {
                let tag = varint()
                let length = tag & 7 == 2 ? varint() : 0
                if tag & 7 == 2 && (tag >> 3 == 4 || tag >> 3 == 5 || tag >> 3 > 6 && !read.contains(tag >> 3)) {
                    steppedOverBytes.insert(integersIn: position..<position + length)
                }
                if tag & 7 == 2 { position += length } else { _ = varint() }
            }
            var refused = 0
            for position in 1..<bodyLength(record) where !steppedOverBytes.contains(position) {
                for byte: UInt8 in [0x00, 0x02, 0x05, 0x7F, 0x80, 0xFF] where record[position] != byte {
                    var damaged = record
                    damaged[position] = byte
                    let full = decodeRecord(damaged), folded = decodeFoldedRecord(damaged)
                    switch (full, folded) {
                    case (.success(let recorded), .success(let result)):
                        var ids = FoldedIDs()
                        let expected = FoldedEvent(recorded.event, personNumber: recorded.personNumber, ids: &ids)
                        #expect(result?.folded == expected && result?.ids == ids, "\(type.name) (\(form)) byte \(position) = \(byte)")
                    case (.failure(let error), .failure(let foldedError)):
                        refused += 1
                        #expect(error == foldedError || steppedOver(error), "\(type.name) (\(form)) byte \(position) = \(byte)")
                    case (.failure(let error), .success):
                        #expect(steppedOver(error), "\(type.name) (\(form)) byte \(position) = \(byte): \(error)")
                    case (.success, .failure(let error)):
                        Issue.record("\(type.name) (\(form)) byte \(position) = \(byte): only the folded decoding refuses it: \(error)")
                    }
                }
            }
            #expect(refused > 0 && !steppedOverBytes.isEmpty)
        }
    }

    /// The check of a text without making a string of it (what the folded decoding does with a
    /// text it does not keep) agrees with the decoding to a string, ASCII or not, valid or not.
    @Test func checkingUTF8AgreesWithDecodingIt() {
        // Of one to four bytes, up to U+10FFFF.
        let valid: [[UInt8]] = [[], Array("P0000001".utf8), [0xC3, 0xA9], Array("居民1".utf8), [0xF0, 0x9F, 0x98, 0x80],
                                [0xF4, 0x8F, 0xBF, 0xBF]]
        // A lone continuation byte, a cut sequence, a surrogate, a code point past U+10FFFF, overlong
        // forms of two and three bytes, a byte never in UTF-8.
        let invalid: [[UInt8]] = [[0x80], [0x41, 0xE5, 0xB1], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF],
                                  [0xE0, 0x80, 0xAF], [0x41, 0xFF]]
        for bytes in valid + invalid {
            bytes.withUnsafeBufferPointer { buffer in
                #expect(isValidUTF8(buffer) == valid.contains(bytes), "\(bytes)")
                #expect(isValidUTF8(buffer) == (validUTF8(buffer) != nil), "\(bytes)")
            }
            // The reader's check and its text: the same refusal, naming the field, or the same bytes.
            let field = [UInt8(bytes.count)] + bytes
            field.withUnsafeBytes { buffer in
                var checking = WireReader(bytes: buffer), reading = WireReader(bytes: buffer)
                let checked = Result { () throws(DecodeError) in try checking.checkedText(field: 36) }
                let read = Result { () throws(DecodeError) in try reading.text(field: 36) }
                switch (checked, read) {
                case (.success(let slice), .success(let text)):
                    #expect(Array(slice) == Array(text.utf8) && checking.position == reading.position, "\(bytes)")
                case (.failure(let error), .failure(let other)):
                    #expect(error == other && error == .invalidText(36), "\(bytes)")
                default:
                    Issue.record("\(bytes): the check and the text disagree")
                }
            }
        }
    }

    @Test("extreme header values and an event without a source round-trip")
    func extremes() throws {
        let event = Event(type: .assistanceApplied, source: nil, person: "x", fields: [
            .year: .integer(2024), .appliedOn: Fixtures.date("1900-01-01"),
        ])
        for (sequence, milliseconds) in [(UInt64.max, Int64.min), (0, -1), (1, Int64.max), (UInt64(1) << 63, 0)] {
            let body = EventCodec.encode(event, sequence: sequence, recordedAt: Timestamp(millisecondsSinceEpoch: milliseconds))
            let decoded = try decodeRecord(withHash(body)).get()
            #expect(decoded.sequence == sequence)
            #expect(decoded.recordedAt.millisecondsSinceEpoch == milliseconds)
            #expect(decoded.event == event)
            #expect(decoded.event.source == nil)
        }
    }

    @Test("negative money (the ledger's own decisions) and odd texts round-trip")
    func negativeMoneyAndTexts() throws {
        let event = Fixtures.with(Fixtures.full(.contributionRefunded), [.amount: Fixtures.money(-1_194_961)])
        let decoded = try decodeRecord(withHash(EventCodec.encode(event, sequence: 1, recordedAt: .init(millisecondsSinceEpoch: 0)))).get()
        #expect(decoded.event.money(.amount) == Money(fen: -1_194_961))
        let texts = Fixtures.with(Fixtures.full(.policyPublished), [.clause: .text(String(repeating: "条", count: 85)), .value: .text("3000")])
        let decodedTexts = try decodeRecord(withHash(EventCodec.encode(texts, sequence: 1, recordedAt: .init(millisecondsSinceEpoch: 0)))).get()
        #expect(decodedTexts.event == texts)
        let withSource = Event(type: .regionRegistered, source: Source(system: "", key: "😀\u{0}"), person: nil, fields: Fixtures.full(.regionRegistered).fields)
        let decodedSource = try decodeRecord(withHash(EventCodec.encode(withSource, sequence: 1, recordedAt: .init(millisecondsSinceEpoch: 0)))).get()
        #expect(decodedSource.event.source == Source(system: "", key: "😀\u{0}"))
    }

    @Test("encoding is canonical: same event, same bytes; the first byte is the format version")
    func canonical() {
        let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
        for type in EventType.allCases {
            let event = Fixtures.full(type)
            let first = EventCodec.encode(event, sequence: 7, recordedAt: time)
            let second = EventCodec.encode(event, sequence: 7, recordedAt: time)
            #expect(first == second)
            #expect(first.first == 4)
            #expect(EventCodec.formatVersion == 4)
            // The same fields inserted in the reverse order.
            var reversed: [Field: FieldValue] = [:]
            for entry in event.orderedFields.reversed() { reversed[entry.field] = entry.value }
            let rebuilt = Event(type: type, source: event.source, person: event.person, fields: reversed)
            #expect(EventCodec.encode(rebuilt, sequence: 7, recordedAt: time) == first)
            // Different content or header gives different bytes.
            #expect(EventCodec.encode(event, sequence: 8, recordedAt: time) != first)
            if Fixtures.minimal(type) != event {
                #expect(EventCodec.encode(Fixtures.minimal(type), sequence: 7, recordedAt: time) != first)
            }
            #expect(EventCodec.encode(event, sequence: 7, recordedAt: Timestamp(millisecondsSinceEpoch: 1)) != first)
        }
    }

    @Test("orderedFields are by field number")
    func orderedFields() {
        for type in EventType.allCases {
            let numbers = Fixtures.full(type).orderedFields.map(\.field.rawValue)
            #expect(numbers == numbers.sorted())
            #expect(Set(numbers).count == numbers.count)
        }
    }

    @Test("known byte layout of a settlement.reversed")
    func layoutSettlementReversed() throws {
        let event = Event(type: .settlementReversed, source: Source(system: "s", key: "k"), person: "p1", fields: [
            .claim: .text("c1"), .reversedOn: Fixtures.date("2024-03-01"),
        ])
        let expected: [UInt8] = [
            0x04,  // format version (4: no hash after the body)
            0x08, 0x01,  // 1 sequence: 1
            0x10, 0xE8, 0x07,  // 2 recordedAt: 1000 = 0b111_1101000
            0x18, 0x0A,  // 3 type: 10
            0x22, 0x01, 0x73,  // 4 source.system: "s"
            0x2A, 0x01, 0x6B,  // 5 source.key: "k"
            0x32, 0x02, 0x70, 0x31,  // 6 person: "p1"
            0xA2, 0x02, 0x02, 0x63, 0x31,  // 36 claim (36 << 3 | 2 = 290): "c1"
            0xF8, 0x02, 0x8E, 0xB5, 0x02,  // 47 reversedOn (376): day 19 783, zigzag 39 566
        ]
        #expect(EventCodec.encode(event, sequence: 1, recordedAt: Timestamp(millisecondsSinceEpoch: 1000)) == expected)
        #expect(try decodeRecord(withHash(expected)).get().event == event)
    }

    @Test("known byte layout of a contribution.paid: money, a year, a date before 1970, a negative time")
    func layoutContributionPaid() {
        let event = Event(type: .contributionPaid, source: Source(system: "a", key: "b"), person: "p", fields: [
            .paidOn: Fixtures.date("1969-12-31"), .amount: Fixtures.money(32_000), .insuranceYear: .integer(2024),
        ])
        let expected: [UInt8] = [
            0x04,
            0x08, 0x2A,  // sequence 42
            0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,  // recordedAt -1 as 64-bit two's complement
            0x18, 0x07,  // type 7
            0x22, 0x01, 0x61,
            0x2A, 0x01, 0x62,
            0x32, 0x01, 0x70,
            0xE8, 0x01, 0xD0, 0x1F,  // 29 insuranceYear (232): zigzag 2024 = 4048
            0x88, 0x02, 0x80, 0xF4, 0x03,  // 33 amount (264): 32 000 fen, zigzag 64 000
            0x90, 0x02, 0x01,  // 34 paidOn (272): day -1, zigzag 1
        ]
        #expect(EventCodec.encode(event, sequence: 42, recordedAt: Timestamp(millisecondsSinceEpoch: -1)) == expected)
        let decoded = decodeRecord(withHash(expected))
        #expect(decoded == .success(RecordedEvent(sequence: 42, recordedAt: Timestamp(millisecondsSinceEpoch: -1), event: event, hash: nil)))
    }

    @Test("known byte layout of a person.registered: two-byte tags, symbols, a region code")
    func layoutPersonRegistered() throws {
        let event = Event(type: .personRegistered, source: nil, person: "q", fields: [
            .idNumber: .text("11010519491231002X"), .name: .text("张"), .birthDate: Fixtures.date("1949-12-31"),
            .region: .integer(450_100), .residence: Fixtures.symbol(.residence, "urban"),
        ])
        var expected: [UInt8] = [0x04, 0x08, 0x00, 0x10, 0x00, 0x18, 0x01, 0x32, 0x01, 0x71]
        expected += [0x82, 0x01, 0x12] + Array("11010519491231002X".utf8)  // 16 idNumber (130), 18 bytes
        expected += [0x8A, 0x01, 0x03, 0xE5, 0xBC, 0xA0]  // 17 name (138): "张" in UTF-8
        expected += [0x90, 0x01, 0x93, 0x72]  // 18 birthDate (144): day -7306, zigzag 14 611
        expected += [0x98, 0x01, 0xE8, 0xF8, 0x36]  // 19 region (152): zigzag 450 100 = 900 200
        expected += [0xA8, 0x01, 0x01]  // 21 residence (168): index 1, "urban"
        #expect(EventCodec.encode(event, sequence: 0, recordedAt: Timestamp(millisecondsSinceEpoch: 0)) == expected)
        #expect(try decodeRecord(withHash(expected)).get().event == event)
    }

    /// Version 3: after the person's number, the distance back to the previous event of the
    /// person's stream (field 8), absent for the first; only in a record that holds the number, and
    /// never in a merge's, which `streamLinks` links in its two streams.
    @Test("known byte layout of a version-3 record: the person's number and the link in its stream")
    func layoutStreamLink() throws {
        let event = Event(type: .contributionRefunded, source: Source(system: "a", key: "b"), person: "p", fields: [
            .refundedOn: Fixtures.date("1970-01-02"), .amount: Fixtures.money(1), .insuranceYear: .integer(2024),
        ])
        let at = Timestamp(millisecondsSinceEpoch: 0)
        let header: [UInt8] = [0x03, 0x08, 0x2A, 0x10, 0x00, 0x18, 0x08, 0x22, 0x01, 0x61, 0x2A, 0x01, 0x62, 0x32, 0x01, 0x70]
        let content = Array(EventCodec.encode(event, sequence: 42, recordedAt: at).dropFirst(header.count))
        let linked = header + [0x38, 0x05] + [0x40, 0x02] + content  // 7 number: 5; 8 link: 42 - 40 = 2 back
        #expect(EventCodec.encode(event, sequence: 42, recordedAt: at, personNumber: 5, previousInStream: 40, version: 3) == linked)
        #expect(EventCodec.encode(event, sequence: 42, recordedAt: at, personNumber: 5, previousInStream: 40) == [0x04] + linked.dropFirst(),
                "version 4 is version 3's body")
        let decoded = try decodeRecord(withHash(linked)).get()
        #expect(decoded.event == event && decoded.personNumber == 5 && decoded.previousInStream == 40)
        #expect(decoded.hash == sampleHash, "a record of version 3 holds its hash after its body")
        // A walk back along the stream reads the header alone.
        let step = try (withHash(linked)).withUnsafeBytes { try EventCodec.streamStep($0) }
        #expect(step.version == 3 && step.personNumber == 5 && step.previousInStream == 40)
        // The first of its stream holds no link, and reads back as 0.
        let first = header + [0x38, 0x05] + content
        #expect(EventCodec.encode(event, sequence: 42, recordedAt: at, personNumber: 5, version: 3) == first)
        #expect(try decodeRecord(withHash(first)).get().previousInStream == 0)
        // Version 2 and a merge hold none; a record of either, or of version 3 without the number, that holds one is refused.
        #expect(EventCodec.encode(event, sequence: 42, recordedAt: at, personNumber: 5, previousInStream: 40, version: 2)
                    == [0x02] + header.dropFirst() + [0x38, 0x05] + content)
        #expect(try decodeRecord(withHash([0x02] + header.dropFirst() + [0x38, 0x05] + content)).get().previousInStream == nil)
        #expect(decodeRecord(withHash([0x02] + header.dropFirst() + [0x38, 0x05, 0x40, 0x02] + content)).failure == .unknownField(8))
        #expect(decodeRecord(withHash(header + [0x40, 0x02] + content)).failure == .unknownField(8))
        let merge = Event(type: .personMerged, source: Source(system: "a", key: "b"), person: "p", fields: [
            .into: .text("q"), .on: Fixtures.date("2024-01-01"),
        ])
        let mergeRecord = EventCodec.encode(merge, sequence: 42, recordedAt: at, personNumber: 5, previousInStream: 40, version: 3)
        #expect(try decodeRecord(withHash(mergeRecord)).get().previousInStream == nil)
        var linkedMerge = mergeRecord
        linkedMerge.insert(contentsOf: [0x40, 0x02], at: header.count + 2)
        #expect(decodeRecord(withHash(linkedMerge)).failure == .unknownField(8))
        // A link of 0 (which the absent field says) or back past the first sequence is out of range.
        for distance: UInt8 in [0x00, 0x2A, 0x2B] {
            #expect(decodeRecord(withHash(header + [0x38, 0x05, 0x40, distance] + content)).failure == .valueOutOfRange(8))
        }
        // The folded decoding reads the same record alike.
        var ids = FoldedIDs()
        #expect(try decodeFoldedRecord(withHash(linked)).get()?.folded == FoldedEvent(event, personNumber: 5, ids: &ids))
    }

    @Test("known byte layout of a decision: negative money, a count, a symbol, a packed list")
    func layoutDecision() throws {
        let event = Event(type: .assistanceGranted, source: nil, person: "p", fields: [
            .amount: Fixtures.money(-1205), .cause: .integer(7), .outcome: Fixtures.symbol(.outcome, "pending"),
            .parameters: .integers([1, 300]), .grant: Fixtures.money(0),
        ])
        let expected: [UInt8] = [
            0x04, 0x08, 0x02, 0x10, 0x00,
            0x18, 0x21,  // type 33
            0x32, 0x01, 0x70,  // person "p"; no source
            0x88, 0x02, 0xE9, 0x12,  // 33 amount: -1205 fen, zigzag 2409
            0x80, 0x04, 0x0E,  // 64 cause (512): 7, zigzag 14
            0x88, 0x04, 0x02,  // 65 outcome (520): index 2, "pending"
            0xA2, 0x04, 0x03, 0x02, 0xD8, 0x04,  // 68 parameters (546), packed: zigzag 1 = 2, zigzag 300 = 600
            0x80, 0x05, 0x00,  // 80 grant (640): 0
        ]
        #expect(EventCodec.encode(event, sequence: 2, recordedAt: Timestamp(millisecondsSinceEpoch: 0)) == expected)
        #expect(try decodeRecord(withHash(expected)).get().event == event)
        let empty = Fixtures.with(event, [.parameters: .integers([])])
        #expect(try decodeRecord(withHash(EventCodec.encode(empty, sequence: 2, recordedAt: .init(millisecondsSinceEpoch: 0)))).get().event == empty)
    }

    @Test("the hand-written wire writer matches the codec on a crafted body")
    func handBodyMatches() throws {
        var body = HandBody.header()
        body.text(36, "c1")
        body.sint(47, 19_783)
        let decoded = try decodeRecord(body.record).get()
        #expect(decoded.sequence == 5)
        #expect(decoded.recordedAt.millisecondsSinceEpoch == 1000)
        #expect(decoded.event == Event(type: .settlementReversed, source: Source(system: "s", key: "k"), person: "p", fields: [
            .claim: .text("c1"), .reversedOn: Fixtures.date("2024-03-01"),
        ]))
    }

    @Test("an unknown format byte is refused")
    func unknownFormat() {
        let body = EventCodec.encode(Fixtures.full(.contributionPaid), sequence: 1, recordedAt: .init(millisecondsSinceEpoch: 0))
        for version: UInt8 in [0, 5, 0xFF] {
            var record = withHash(body)
            record[0] = version
            #expect(decodeRecord(record).failure == .unknownFormat(version))
        }
    }

    @Test("records shorter than a header and a hash are refused")
    func tooShort() {
        #expect(decodeRecord([]).failure == .tooShort(0))
        #expect(decodeRecord([1]).failure == .tooShort(1))
        #expect(decodeRecord(withHash([1])).failure == .tooShort(33))
        #expect(decodeRecord([4]).failure == .tooShort(1), "a record of version 4 holds no hash, but a header")
    }

    @Test("truncated records are refused")
    func truncated() {
        // A text that claims more bytes than the body holds.
        var body = HandBody.header()
        body.tag(36, 2)
        body.bytes += [0x0A, 0x63, 0x31]  // length 10, two bytes follow
        #expect(decodeRecord(body.record).failure == .truncated)
        // A varint whose continuation bit runs off the end of the body.
        var varint = HandBody.header()
        varint.tag(47, 0)
        varint.bytes += [0x8E, 0xB5]
        #expect(decodeRecord(varint.record).failure == .truncated)
        // A tag that runs off the end.
        var tagOnly = HandBody.header()
        tagOnly.bytes += [0xA2]
        #expect(decodeRecord(tagOnly.record).failure == .truncated)
        // A real record with its body cut inside the last field, hash kept.
        let full = EventCodec.encode(Fixtures.full(.policyPublished), sequence: 3, recordedAt: .init(millisecondsSinceEpoch: 5))
        #expect(decodeRecord(withHash(Array(full.dropLast(2)))).failure == .truncated)
        // A header cut short: the person field's text is incomplete.
        var header = HandBody()
        header.varint(1, 5)
        header.varint(2, 1000)
        header.varint(3, 10)
        header.tag(6, 2)
        header.bytes += [0x05, 0x70]
        #expect(decodeRecord(header.record).failure == .truncated)
    }

    @Test("fields out of ascending order, or repeated, are refused")
    func outOfOrder() {
        var body = HandBody.header()
        body.sint(47, 19_783)  // reversedOn before claim
        body.text(36, "c1")
        #expect(decodeRecord(body.record).failure == .fieldOutOfOrder(36))

        var repeated = HandBody.header()
        repeated.text(36, "c1")
        repeated.text(36, "c2")
        repeated.sint(47, 19_783)
        #expect(decodeRecord(repeated.record).failure == .fieldOutOfOrder(36))

        var headerAfterPerson = HandBody.header()
        headerAfterPerson.text(4, "again")
        #expect(decodeRecord(headerAfterPerson.record).failure == .fieldOutOfOrder(4))

        var keyWithoutSystem = HandBody()
        keyWithoutSystem.varint(1, 5)
        keyWithoutSystem.varint(2, 1000)
        keyWithoutSystem.varint(3, 10)
        keyWithoutSystem.text(6, "p")
        keyWithoutSystem.text(5, "k")
        #expect(decodeRecord(keyWithoutSystem.record).failure == .fieldOutOfOrder(5))
    }

    @Test("the header fields must come first and in order")
    func headerOrder() {
        var swapped = HandBody()
        swapped.varint(2, 1000)
        swapped.varint(1, 5)
        swapped.varint(3, 10)
        #expect(decodeRecord(swapped.record).failure == .unexpectedField(expected: 1, found: 2))

        var noType = HandBody()
        noType.varint(1, 5)
        noType.varint(2, 1000)
        #expect(decodeRecord(noType.record).failure == .unexpectedField(expected: 3, found: nil))

        var systemWithoutKey = HandBody()
        systemWithoutKey.varint(1, 5)
        systemWithoutKey.varint(2, 1000)
        systemWithoutKey.varint(3, 10)
        systemWithoutKey.text(4, "s")
        systemWithoutKey.text(6, "p")
        #expect(decodeRecord(systemWithoutKey.record).failure == .unexpectedField(expected: 5, found: 6))
    }

    @Test("a non-minimal varint is refused")
    func nonMinimalVarint() {
        // sequence 1 written as 0x81 0x00
        var body = HandBody()
        body.tag(1, 0)
        body.bytes += [0x81, 0x00]
        body.varint(2, 1000)
        body.varint(3, 10)
        #expect(decodeRecord(body.record).failure == .nonCanonicalVarint)
        // reversedOn 0 written as 0x80 0x00
        var value = HandBody.header()
        value.text(36, "c1")
        value.tag(47, 0)
        value.bytes += [0x80, 0x00]
        #expect(decodeRecord(value.record).failure == .nonCanonicalVarint)
        // a claim whose length is padded: 0x82 0x00 for 2
        var length = HandBody.header()
        length.tag(36, 2)
        length.bytes += [0x82, 0x00, 0x63, 0x31]
        length.sint(47, 1)
        #expect(decodeRecord(length.record).failure == .nonCanonicalVarint)
        // a padded tag: field 36, wire type 2 = 290 = 0xA2 0x02, written 0xA2 0x82 0x00
        var tag = HandBody.header()
        tag.bytes += [0xA2, 0x82, 0x00, 0x02, 0x63, 0x31]
        tag.sint(47, 1)
        #expect(decodeRecord(tag.record).failure == .nonCanonicalVarint)
        // a ten-byte varint whose last byte carries more than the 64th bit would silently lose bits
        var overlong = HandBody()
        overlong.tag(1, 0)
        overlong.bytes += [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02]
        overlong.varint(2, 1000)
        overlong.varint(3, 10)
        #expect(decodeRecord(overlong.record).failure == .nonCanonicalVarint)
        // padded to three bytes and more: 1 as 0x81 0x80 0x00, 0x81 0x80 0x80 0x00, … up to ten bytes
        for length in 3...10 {
            let padding: [UInt8] = [0x81] + Array(repeating: 0x80, count: length - 2) + [0x00]
            var padded = HandBody()
            padded.tag(1, 0)
            padded.bytes += padding
            padded.varint(2, 1000)
            padded.varint(3, 10)
            #expect(decodeRecord(padded.record).failure == .nonCanonicalVarint, "\(padding)")
            #expect(decodeFoldedRecord(padded.record).failure == .nonCanonicalVarint, "\(padding)")
        }
    }

    /// Varints of one to ten bytes, at each length's edges, read back as written, and a varint cut
    /// short after each of its bytes is refused as truncated, by both decodings.
    @Test func varintsAtTheEdgesOfTheirLengths() throws {
        var edges: [UInt64] = [1, 127, 128, 129, 255, 16_383, 16_384, 16_385, 2_097_151, 2_097_152, 268_435_455, 268_435_456]
        for bits: UInt64 in [35, 42, 49, 56, 63] { edges += [(1 << bits) - 1, 1 << bits, (1 << bits) + 1] }
        edges += [UInt64.max - 1, UInt64.max, 0x0123_4567_89AB_CDEF]
        for sequence in edges {
            var body = HandBody.header()
            body.bytes.replaceSubrange(1..<3, with: [0x08] + HandBody.varintBytes(sequence))
            body.text(36, "c1")
            body.sint(47, 1)
            let decoded = try decodeRecord(body.record).get()
            #expect(decoded.sequence == sequence)
            #expect(try decodeFoldedRecord(body.record).get()?.sequence == sequence)
            // The body cut inside the sequence's varint (the hash after it is not read as body).
            let varint = HandBody.varintBytes(sequence)
            for kept in 1..<varint.count {
                let cut = [1, 0x08] + Array(varint.prefix(kept))
                #expect(decodeRecord(withHash(cut)).failure == .truncated, "\(sequence) cut after \(kept) bytes")
                #expect(decodeFoldedRecord(withHash(cut)).failure == .truncated, "\(sequence) cut after \(kept) bytes")
            }
        }
    }

    @Test("unknown field numbers, and fields of another type, are refused")
    func unknownField() {
        for number in [7, 15, 55, 99, 1000] {
            var body = HandBody.header()
            body.text(36, "c1")
            body.sint(47, 1)
            body.varint(number, 1)
            let expected: DecodeError = number > 47 ? .unknownField(number) : .fieldOutOfOrder(number)
            #expect(decodeRecord(body.record).failure == expected, "field \(number)")
        }
        for number in [7, 15] {
            var body = HandBody.header()
            body.varint(number, 1)
            #expect(decodeRecord(body.record).failure == .unknownField(number))
        }
        // cause (64) is a decision field, not one of settlement.reversed.
        var decisionField = HandBody.header()
        decisionField.text(36, "c1")
        decisionField.sint(47, 1)
        decisionField.sint(64, 1)
        #expect(decodeRecord(decisionField.record).failure == .unknownField(64))
        // amount (33) is a field, but not of settlement.reversed.
        var body = HandBody.header()
        body.sint(33, 100)
        #expect(decodeRecord(body.record).failure == .unknownField(33))
    }

    @Test("an unknown event type is refused")
    func unknownType() {
        for code: UInt64 in [0, 14, 31, 36, 255, 256, 300] {
            var body = HandBody.header(type: code)
            body.text(36, "c1")
            #expect(decodeRecord(body.record).failure == .unknownType(code))
        }
    }

    @Test("a required field missing is refused")
    func missingRequired() {
        var body = HandBody.header()
        body.text(36, "c1")
        #expect(decodeRecord(body.record).failure == .missingField(47))
        let event = Fixtures.with(Fixtures.full(.settlementRecorded), [.settledOn: nil])
        let bytes = EventCodec.encode(event, sequence: 1, recordedAt: .init(millisecondsSinceEpoch: 0))
        #expect(decodeRecord(withHash(bytes)).failure == .missingField(Field.settledOn.rawValue))
    }

    @Test("wrong wire types are refused")
    func wrongWireType() {
        var header = HandBody()
        header.text(1, "5")
        #expect(decodeRecord(header.record).failure == .wrongWireType(1))

        var person = HandBody()
        person.varint(1, 5)
        person.varint(2, 1000)
        person.varint(3, 10)
        person.varint(6, 7)
        #expect(decodeRecord(person.record).failure == .wrongWireType(6))

        var text = HandBody.header()
        text.varint(36, 1)
        #expect(decodeRecord(text.record).failure == .wrongWireType(36))

        var date = HandBody.header()
        date.text(36, "c1")
        date.text(47, "2024-03-01")
        #expect(decodeRecord(date.record).failure == .wrongWireType(47))
    }

    @Test("values out of range are refused")
    func outOfRange() {
        // category index 7: the list has 7 words (0…6).
        var symbol = HandBody.header(type: 5)
        symbol.varint(24, 7)
        symbol.sint(26, 1)
        #expect(decodeRecord(symbol.record).failure == .valueOutOfRange(24))
        var lastSymbol = HandBody.header(type: 5)
        lastSymbol.varint(24, 6)
        lastSymbol.sint(26, 1)
        #expect((try? decodeRecord(lastSymbol.record).get().event.symbol(.category)) == "TP")
        // A date beyond Int32 days.
        var date = HandBody.header()
        date.text(36, "c1")
        date.sint(47, Int64(Int32.max) + 1)
        #expect(decodeRecord(date.record).failure == .valueOutOfRange(47))
    }

    @Test("invalid UTF-8 in a text is refused")
    func invalidText() {
        var body = HandBody.header()
        body.raw(36, [0x63, 0xFF])
        body.sint(47, 1)
        #expect(decodeRecord(body.record).failure == .invalidText(36), "the error names the field")

        var person = HandBody()
        person.varint(1, 5)
        person.varint(2, 1000)
        person.varint(3, 10)
        person.raw(6, [0xC0, 0xAF])
        #expect(decodeRecord(person.record).failure == .invalidText(6), "the person header field is number 6")
    }

    @Test("zigzag maps signed to unsigned and back")
    func zigzag() {
        let pairs: [(Int64, UInt64)] = [(0, 0), (-1, 1), (1, 2), (-2, 3), (2, 4), (2024, 4048), (-7306, 14_611),
                                        (Int64.max, UInt64.max - 1), (Int64.min, UInt64.max)]
        for (signed, unsigned) in pairs {
            #expect(EventCodec.zigzag(signed) == unsigned)
            #expect(EventCodec.unzigzag(unsigned) == signed)
        }
    }

    @Test("wire writer varints are minimal, whether appended to an array or written at a pointer")
    func wireVarints() {
        var values: [UInt64] = [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max]
        for bits: UInt64 in stride(from: 14, through: 63, by: 7) { values += [(1 << bits) - 1, 1 << bits] }
        for value in values {
            var writer = WireWriter()
            writer.rawVarint(value)
            #expect(writer.bytes == HandBody.varintBytes(value), "\(value)")
            // After bytes already there, which stay as they were.
            var bytes: [UInt8] = [0xEE]
            Varints.append(unsigned: value, to: &bytes)
            #expect(bytes == [0xEE] + HandBody.varintBytes(value), "\(value)")
            let signed = Int64(bitPattern: value)
            let written = Varints.encode(capacity: 2 * Varints.Writer.maximumLength) {
                $0.unsigned(value)
                $0.signed(signed)
            }
            // The signed one by hand: zigzag, then the plain varint.
            let zigzag = UInt64(bitPattern: (signed << 1) ^ (signed >> 63))
            #expect(zigzag == (signed >= 0 ? UInt64(signed) * 2 : UInt64(-(signed + 1)) * 2 + 1))
            #expect(written == HandBody.varintBytes(value) + HandBody.varintBytes(zigzag), "\(value)")
        }
        #expect(Varints.encode(capacity: 8) { $0.text("居民") } == Varints.encode(text: "居民"))
        var writer = WireWriter()
        writer.rawVarint(300)
        #expect(writer.bytes == [0xAC, 0x02])
        writer = WireWriter()
        writer.rawVarint(.max)
        #expect(writer.bytes == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test("error descriptions name what is wrong")
    func descriptions() {
        #expect(DecodeError.unknownFormat(2).description.contains("2"))
        #expect(DecodeError.fieldOutOfOrder(36).description.contains("36"))
        #expect(DecodeError.unknownField(99).description.contains("99"))
        #expect(DecodeError.missingField(47).description.contains("47"))
        #expect(DecodeError.unexpectedField(expected: 3, found: nil).description == "expected field 3, found the end")
        #expect(DecodeError.unexpectedField(expected: 1, found: 2).description == "expected field 1, found 2")
    }
}

@Suite("Hex")
struct HexTests {
    @Test("hexString and bytes(hex:)")
    func hex() {
        #expect(hexString([0x00, 0x01, 0xAB, 0xFF, 0x10]) == "0001abff10")
        #expect(hexString([]) == "")
        #expect(bytes(hex: "0001abff10") == [0x00, 0x01, 0xAB, 0xFF, 0x10])
        #expect(bytes(hex: "") == [])
        #expect(bytes(hex: hexString(sampleHash)) == sampleHash)
        #expect(bytes(hex: "abc") == nil)  // odd length
        #expect(bytes(hex: "ABCD") == nil)  // upper case is not the ledger's form
        #expect(bytes(hex: "0g") == nil)
        #expect(bytes(hex: "0 ") == nil)
        let all = (0...255).map { UInt8($0) }
        #expect(bytes(hex: hexString(all)) == all)
        #expect(hexString(all).count == 512)
    }
}

@Suite("Event accessors")
struct EventAccessorTests {
    @Test("typed accessors and the effective date")
    func accessors() {
        let claim = Fixtures.full(.settlementRecorded)
        #expect(claim.money(.inListCost) == Money(fen: 3_000_055))
        #expect(claim.date(.settledOn) == CivilDate("2024-05-20"))
        #expect(claim.text(.claim) == "CLM-2024-000123")
        #expect(claim.symbol(.claimKind) == "outpatient-special-chronic")
        #expect(claim.symbol(.disease) == "malignant-tumour")
        #expect(claim.money(.claim) == nil)
        #expect(claim.date(.totalCost) == nil)
        #expect(claim.integer(.claim) == nil)
        #expect(claim.effectiveDate == CivilDate("2024-05-20"))
        #expect(Fixtures.full(.personRegistered).effectiveDate == nil)
        #expect(Fixtures.full(.identityRevoked).effectiveDate == CivilDate("2024-10-31"))
        #expect(Fixtures.full(.policyPublished).effectiveDate == CivilDate("2022-08-01"))
        #expect(Fixtures.full(.personMerged).effectiveDate == CivilDate("2024-06-01"))
        #expect(Fixtures.full(.enrollmentRegistered).integer(.insuranceYear) == 2024)
        #expect(Fixtures.full(.identityRecognized).symbol(.category) == "TP")
        #expect(Fixtures.full(.regionRegistered).symbol(.regionKind) == "poor-county")
        for type in EventType.allCases where type != .personRegistered && type != .accessRecorded {
            #expect(Fixtures.full(type).effectiveDate != nil, "\(type.name)")
        }
        #expect(Fixtures.full(.accessRecorded).effectiveDate == nil, "a read is recorded, it takes effect on no date")
    }

    @Test("a decision takes effect on the date of its subject")
    func decisionEffectiveDates() {
        let adjusted = Fixtures.full(.assistanceAdjusted)
        #expect(adjusted.effectiveDate == adjusted.date(.settledOn))
        let application = Fixtures.with(adjusted, [.settledOn: nil])
        #expect(application.effectiveDate == adjusted.date(.appliedOn))
        let enrollment = Fixtures.with(adjusted, [.settledOn: nil, .appliedOn: nil])
        #expect(enrollment.effectiveDate == adjusted.date(.enrolledOn))
        #expect(Fixtures.with(adjusted, [.settledOn: nil, .appliedOn: nil, .enrolledOn: nil]).effectiveDate == nil)
        let subsidized = Fixtures.full(.contributionSubsidized)
        #expect(subsidized.effectiveDate == subsidized.date(.enrolledOn))
        let granted = Fixtures.full(.assistanceGranted)
        #expect(granted.effectiveDate == granted.date(.settledOn))
        let tilted = Fixtures.full(.tiltedGranted)
        #expect(tilted.effectiveDate == tilted.date(.appliedOn))
    }

    @Test("storedSchema: each field once, ascending, required if any mention requires it")
    func storedSchema() {
        for type in EventType.allCases {
            let stored = type.storedSchema
            let numbers = stored.map(\.field.rawValue)
            #expect(numbers == numbers.sorted(), "\(type.name)")
            #expect(Set(numbers).count == numbers.count, "\(type.name)")
            #expect(Set(stored.map(\.field)) == Set(type.schema.map(\.field)))
            for (field, required) in stored {
                #expect(required == type.schema.contains { $0.field == field && $0.required }, "\(type.name) \(field)")
            }
        }
        // assistance.adjusted names cap in two groups, optional in both.
        #expect(EventType.assistanceAdjusted.storedSchema.first { $0.field == .cap }?.required == false)
        #expect(EventType.assistanceAdjusted.storedSchema.first { $0.field == .amount }?.required == true)
    }

    @Test("type names and lookup: the inputs of INTERCHANGE.md and the ledger's own decisions")
    func typeNames() {
        let inputs: Set = ["person.registered", "person.amended", "person.merged", "identity.recognized", "identity.revoked",
                           "enrollment.registered", "contribution.paid", "contribution.refunded", "settlement.recorded",
                           "settlement.reversed", "assistance.applied", "region.registered", "policy.published"]
        let decisions: Set = ["contribution.subsidized", "assistance.granted", "assistance.adjusted", "tilted.granted"]
        #expect(Set(EventType.allCases.filter(\.isInput).map(\.name)) == inputs)
        #expect(Set(EventType.allCases.filter(\.isDecision).map(\.name)) == decisions)
        #expect(Set(EventType.allCases.filter { !$0.isInput && !$0.isDecision }.map(\.name)) == ["access.recorded"])
        for type in EventType.allCases { #expect(EventType.byName[type.name] == type) }
        #expect(EventType.byName["settlement.recorded"] == .settlementRecorded)
        #expect(EventType.regionRegistered.hasPerson == false)
        #expect(EventType.policyPublished.hasPerson == false)
        #expect(EventType.settlementRecorded.hasPerson)
        #expect(Field.claimKind.jsonName == "kind")
        #expect(Field.regionKind.jsonName == "kind")
        #expect(Field.inListCost.jsonName == "inListCost")
        #expect(Set(Field.allCases.map(\.rawValue)).count == Field.allCases.count)
        #expect(Field.allCases.allSatisfy { $0.rawValue > 6 })  // above the header's numbers
    }
}
