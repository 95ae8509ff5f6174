import LedgerModel
import Testing

/// A decision's reason is stored as a code and its numbers (docs/FORMAT.md § Reasons). Each case's
/// code and words are pinned here: a ledger stores the codes, and every reader renders these words
/// from them, so a case renumbered or reworded must fail this test rather than change what old
/// ledgers say.
@Suite struct ReasonTests {
    static func date(_ text: String) -> CivilDate { CivilDate(text)! }
    static func yuan(_ fen: Int64) -> Money { Money(fen: fen) }

    /// Every case, with its code and its words written out by hand.
    static let pinned: [(Reason, UInt8, String)] = [
        (.words("any words at all"), 0, "any words at all"),
        (.reversed(reversal: 4_021), 1,
         "the settlement was reversed at sequence 4021; a reversed claim neither accumulates nor gets assistance (RULES.md § 9)"),
        (.ordinaryOutpatient, 2,
         "an ordinary outpatient claim gets no medical assistance; only inpatient and the five outpatient special chronic diseases do (002 § 三(二); I-2)"),
        (.noAssistancePolicy(on: date("2022-07-31")), 3,
         "no medical assistance policy in force on 2022-07-31: the claim is recorded, it neither accumulates nor gets assistance (002 § 三(二), in force from 2022-08-01; I-3)"),
        (.notAssisted(on: date("2024-03-05"), held: [.DB, .TK]), 4,
         "not JC or TP on the settlement date 2024-03-05 (held: DB, TK); medical assistance under 002 § 三(二) is for JC and TP"),
        (.notAssisted(on: date("2024-03-05"), held: []), 4,
         "not JC or TP on the settlement date 2024-03-05 (held: no identity); medical assistance under 002 § 三(二) is for JC and TP"),
        (.notEnrolled(year: 2024), 5,
         "not enrolled for insurance year 2024: a claim outside coverage gets no assistance (RULES.md § 5)"),
        (.beforeCoverage(settledOn: date("2024-05-20"), start: date("2024-06-01"), enrolledOn: date("2024-03-10"), exempt: false), 6,
         "settled on 2024-05-20, before coverage starts on 2024-06-01 (enrolled 2024-03-10, waiting period applies; RULES.md § 5)"),
        (.beforeCoverage(settledOn: date("2023-12-31"), start: date("2024-01-01"), enrolledOn: date("2023-11-02"), exempt: true), 6,
         "settled on 2023-12-31, before coverage starts on 2024-01-01 (enrolled 2023-11-02, no waiting period; RULES.md § 5)"),
        (.pendingWaiting(parameter: .waitingMonths, on: date("2024-03-10")), 7,
         "pending: the waiting period needs parameter waiting.months in force on 2024-03-10, which no published value gives (RULES.md § 6)"),
        (.pendingParameter(parameter: .assistanceRateTP, on: date("2024-08-01")), 8,
         "pending: parameter assistance.rate.TP has no published value on 2024-08-01"),
        (.belowThreshold(base: yuan(150_000), threshold: yuan(300_000)), 9,
         "the year's base 1500.00 has not passed the threshold 3000.00 (annual cumulative, 002 § 三(二))"),
        (.capReached(cap: yuan(2_000_000)), 10, "the annual cap 20000.00 was already reached (002 § 三(二))"),
        (.cappedInsideClaim(cap: yuan(2_000_000)), 11, "capped: the annual cap 20000.00 was reached inside this claim"),
        (.noTiltedPolicy(on: date("2022-01-15")), 12,
         "no tilted assistance policy in force on the application date 2022-01-15 (002 § 三(三))"),
        (.tiltedNotJC(on: date("2024-11-01")), 13,
         "not JC on the application date 2024-11-01: tilted assistance is for monitoring objects (002 § 三(三); I-8)"),
        (.selfPayBelow(selfPay: yuan(1_234_567), eligibility: yuan(2_000_000)), 14,
         "in-list self-pay after three tiers is 12345.67, below 20000.00 (002 § 三(三))"),
        (.targetsReached, 15,
         "the year's reimbursement already reaches 90% inpatient and 80% special chronic (002 § 三(三))"),
        (.tiltedCapReached(cap: yuan(10_000_000)), 16,
         "the tilted assistance cap 100000.00 was already reached (002 § 三(三); I-4)"),
        (.tiltedCapped(cap: yuan(10_000_000), remaining: yuan(55_005)), 17,
         "capped at 100000.00: 550.05 of the gap to target remains; listed for social assistance referral (002 § 三(三))"),
        (.secondEnrolment(year: 2025, first: 17), 18,
         "a second enrolment for insurance year 2025; the first is sequence 17 (重复参保, 000 § 七(二))"),
        (.pendingStandard(year: 2026), 19,
         "pending: no contribution standard is published for insurance year 2026 (RULES.md § 4)"),
        (.pendingSubsidy(parameter: .contributionSubsidyTK, year: 2026), 20,
         "pending: parameter contribution.subsidy.TK has no published value for insurance year 2026"),
        (.noSubsidisedIdentity(on: date("2025-01-01")), 21,
         "no subsidised identity on 2025-01-01, when the enrolment takes effect"),
    ]

    static func decode(_ bytes: [UInt8]) -> Result<Reason, DecodeError> {
        bytes.withUnsafeBytes { buffer in
            do throws(DecodeError) { return .success(try Reason(stored: buffer, field: 66)) } catch { return .failure(error) }
        }
    }

    /// A reason is held in every decoded decision's fields: it is no larger than a field's other values.
    @Test func aReasonIsNoLargerThanAText() {
        #expect(MemoryLayout<Reason>.size <= MemoryLayout<String>.size + 1)
        #expect(MemoryLayout<FieldValue>.stride == MemoryLayout<String>.stride + 8)
    }

    @Test func everyCaseKeepsItsCodeAndItsWords() {
        #expect(Set(Self.pinned.map(\.1)) == Set(0...21), "every code from 0 to 21 is pinned")
        for (reason, code, words) in Self.pinned {
            #expect(reason.code == code, "\(words)")
            #expect(reason.text == words)
            #expect(reason.stored.first == code)
        }
    }

    @Test func theStoredFormReadsBackAsTheSameReasonAndTheSameBytes() throws {
        for (reason, _, words) in Self.pinned {
            let read = try Self.decode(reason.stored).get()
            #expect(read == reason, "\(words)")
            #expect(read.stored == reason.stored)
            #expect(read.text == words)
        }
    }

    /// A version-1 record holds the words: they equal the coded reason that renders them, and hash
    /// alike, so a replay of an old ledger compares its recorded decisions with those derived again.
    @Test func wordsEqualTheCodedReasonWithTheSameWordsOnly() {
        for (reason, code, words) in Self.pinned {
            #expect(Reason.sameWords(.words(words), reason))
            #expect(Reason.sameWords(reason, .words(words)))
            #expect((Reason.words(words) == reason) == (code == 0), "as reasons, words equal words only")
            #expect(FieldValue.reason(.words(words)) == .reason(reason))
            #expect(FieldValue.reason(.words(words)).hashValue == FieldValue.reason(reason).hashValue)
            #expect(FieldValue.text(words) == .reason(reason))
            #expect(FieldValue.reason(reason) == .text(words))
            #expect(FieldValue.text(words).hashValue == FieldValue.reason(reason).hashValue)
        }
        #expect(Reason.capReached(cap: Money(fen: 1)) != .capReached(cap: Money(fen: 2)))
        #expect(Reason.capReached(cap: Money(fen: 1)) != .cappedInsideClaim(cap: Money(fen: 1)))
        #expect(!Reason.sameWords(.words("the annual cap 0.01 was already reached"), .capReached(cap: Money(fen: 1))))
        #expect(FieldValue.reason(.capReached(cap: Money(fen: 1))) != .reason(.capReached(cap: Money(fen: 2))))
        #expect(FieldValue.text("x") != .integer(0))
    }

    /// Stored bytes that are not one reason are refused, naming the field.
    @Test func malformedStoredReasonsAreRefused() {
        let threshold = Reason.belowThreshold(base: Money(fen: 150_000), threshold: Money(fen: 300_000)).stored
        let cases: [([UInt8], DecodeError)] = [
            ([], .valueOutOfRange(66)),  // no code
            ([22], .valueOutOfRange(66)),  // an unknown code
            ([0x80, 0x00], .valueOutOfRange(66)),  // a code not in its shortest form
            (threshold + [0], .valueOutOfRange(66)),  // a byte left over
            (Array(threshold.dropLast()), .valueOutOfRange(66)),  // cut inside the threshold
            ([6, 2, 2, 2, 2], .valueOutOfRange(66)),  // a flag of 2
            ([4, 2, 1, 7], .valueOutOfRange(66)),  // a category code past the list
            ([4, 2, 8], .valueOutOfRange(66)),  // more categories than there are
            ([5, 0xA0, 0x9C, 0x01], .valueOutOfRange(66)),  // year 10 000
            ([0, 2, 0xC3, 0x28], .invalidText(66)),  // words that are not UTF-8
            ([0, 3, 0x61], .valueOutOfRange(66)),  // words longer than the bytes
            ([8, 1, 0x78, 2], .valueOutOfRange(66)),  // a parameter the catalogue does not name
        ]
        for (bytes, error) in cases {
            #expect(Self.decode(bytes).failure == error, "\(bytes)")
        }
    }

    /// In a record of version 2 the reason takes its code and numbers; the record of version 1 that
    /// holds the same decision with the words decodes to an equal event.
    @Test func aDecisionsReasonIsStoredAsItsCodeAndAVersionOneRecordsWordsAreReadAsTheyWere() throws {
        let reason = Reason.belowThreshold(base: Money(fen: 150_000), threshold: Money(fen: 300_000))
        let event = Event(type: .assistanceGranted, source: nil, person: "p", fields: [
            .amount: .money(.zero), .cause: .integer(7), .outcome: .symbol(1), .reason: .reason(reason), .grant: .money(.zero),
        ])
        let header: [UInt8] = [0x08, 0x02, 0x10, 0x00, 0x18, 0x21, 0x32, 0x01, 0x70]
        let before: [UInt8] = [0x88, 0x02, 0x00, 0x80, 0x04, 0x0E, 0x88, 0x04, 0x01]  // amount 0, cause 7, outcome "none"
        let after: [UInt8] = [0x80, 0x05, 0x00]  // grant 0
        let coded: [UInt8] = [0x03] + header + before
            + [0x92, 0x04, 0x07,  // 66 reason (530), 7 bytes:
               0x09,  // code 9, the threshold not passed
               0xE0, 0xA7, 0x12,  // base: 150 000 fen, zigzag 300 000
               0xC0, 0xCF, 0x24]  // threshold: 300 000 fen, zigzag 600 000
            + after
        #expect(EventCodec.encode(event, sequence: 2, recordedAt: Timestamp(millisecondsSinceEpoch: 0), version: 3) == coded)
        let decoded = try decodeRecord(coded + sampleHash).get().event
        #expect(decoded[.reason] == .reason(reason))
        #expect(decoded.text(.reason) == reason.text)

        let words = Array(reason.text.utf8)
        let versionOne: [UInt8] = [0x01] + header + before + [0x92, 0x04, UInt8(words.count)] + words + after
        let old = try decodeRecord(versionOne + sampleHash).get().event
        #expect(old[.reason] == .text(reason.text), "read as the words it holds")
        #expect(old == event)
        #expect(old.text(.reason) == decoded.text(.reason))
        #expect(Interchange.render(old) == Interchange.render(decoded), "exported alike")

        // The person's number goes after the person, in a record of version 2 or 3 only.
        let numbered = EventCodec.encode(event, sequence: 2, recordedAt: Timestamp(millisecondsSinceEpoch: 0), personNumber: 300, version: 3)
        let numberedHeader: [UInt8] = [0x03] + header + [0x38, 0xAC, 0x02]  // field 7 (56), varint 300
        #expect(Array(numbered.prefix(numberedHeader.count)) == numberedHeader)
        let recorded = try decodeRecord(numbered + sampleHash).get()
        #expect(recorded.personNumber == 300 && recorded.event == event)
        #expect(try decodeFoldedRecord(numbered + sampleHash).get()?.folded.personNumber == 300)
        #expect(try decodeRecord(coded + sampleHash).get().personNumber == nil)
        var numberedVersionOne = numbered
        numberedVersionOne[0] = 1
        #expect(decodeRecord(numberedVersionOne + sampleHash).failure == .unknownField(7), "a version-1 record holds no number")
        let tooLargeHeader: [UInt8] = [0x02] + header + [0x38, 0x80, 0x80, 0x80, 0x80, 0x10]  // 2^32
        let tooLarge: [UInt8] = tooLargeHeader + before + after
        #expect(decodeRecord(tooLarge + sampleHash).failure == .valueOutOfRange(7))

        // Words given as text are stored as the words' reason (code 0) in a record of version 2 to 4.
        let asText = Fixtures.with(event, [.reason: .text("held for review")])
        let stored = EventCodec.encode(asText, sequence: 2, recordedAt: Timestamp(millisecondsSinceEpoch: 0))
        let reread = try decodeRecord(stored).get().event
        #expect(reread[.reason] == .reason(.words("held for review")))
        #expect(reread == asText)
    }
}
