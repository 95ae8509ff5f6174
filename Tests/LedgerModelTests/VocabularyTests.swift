import LedgerModel
import Testing

/// The stored code of every word is pinned here: a ledger written before stores these bytes, so a
/// case reordered or inserted in the middle must fail this test rather than re-read old ledgers.
@Suite struct VocabularyTests {
    static func pinned<Word: StoredWord>(_ type: Word.Type) -> [(UInt8, String)] { Word.allCases.map { ($0.rawValue, $0.word) } }

    @Test func storedCodesAreTheFormatsWordLists() {
        let expected: [(String, [String], [(UInt8, String)])] = [
            ("category", ["TK", "GE", "SW", "DB", "DBBY", "JC", "TP"], Self.pinned(Category.self)),
            ("kind", ["inpatient", "outpatient-special-chronic", "outpatient"], Self.pinned(ClaimKind.self)),
            ("disease", ["dialysis", "malignant-tumour", "anti-rejection", "thalassaemia", "haemophilia"], Self.pinned(Disease.self)),
            ("outcome", ["granted", "none", "pending"], Self.pinned(Outcome.self)),
            ("subject", ["claim", "application", "enrollment"], Self.pinned(SubjectKind.self)),
            ("role", ["ingest", "ops", "auditor", "investigator"], Self.pinned(Role.self)),
            ("fundedBy", ["assistance-fund", "city-county-finance", "civil-affairs", "region-city-county"], Self.pinned(Funder.self)),
            ("department", ["civil-affairs", "rural-revitalization"], Self.pinned(Department.self)),
            ("residence", ["rural", "urban"], Self.pinned(Residence.self)),
            ("channel", ["concentrated", "other"], Self.pinned(Channel.self)),
            ("exemption", ["newborn", "employee-lapse"], Self.pinned(Exemption.self)),
            ("region kind", ["city-district", "county", "poor-county", "development-zone", "university"], Self.pinned(RegionKind.self)),
        ]
        for (name, words, pinned) in expected {
            #expect(pinned.map(\.0) == Array(0..<UInt8(words.count)), "\(name): codes are 0, 1, 2… in list order")
            #expect(pinned.map(\.1) == words, "\(name)")
        }
    }

    @Test func eachSymbolFieldUsesItsTypesWords() {
        let fields: [(Field, [String])] = [
            (.category, Category.words), (.claimKind, ClaimKind.words), (.disease, Disease.words), (.outcome, Outcome.words),
            (.subject, SubjectKind.words), (.role, Role.words), (.fundedBy, Funder.words), (.department, Department.words),
            (.residence, Residence.words), (.channel, Channel.words), (.exemption, Exemption.words), (.regionKind, RegionKind.words),
        ]
        for (field, words) in fields {
            #expect(field.kind == .symbol(words), "\(field)")
        }
        #expect(Field.allCases.filter { if case .symbol = $0.kind { return true } else { return false } }.count == fields.count)
    }

    @Test func wordsReadBackAndUnknownWordsAreRefused() {
        #expect(Category(word: "JC") == .JC && Category(word: "jc") == nil)
        #expect(ClaimKind(word: "outpatient-special-chronic") == .outpatientSpecialChronic)
        #expect(Role(word: "root") == nil)
        let event = Event(type: .identityRecognized, source: nil, person: "P1", fields: [.category: Category.TP.symbol])
        #expect(event.word(.category, Category.self) == .TP)
        #expect(event.word(.department, Department.self) == nil)
    }

    @Test func categoriesKnowTheirDepartmentAndTheirRules() {
        #expect(Category.allCases.filter { $0.department == .ruralRevitalization } == [.JC, .TP])
        #expect(Category.allCases.filter(\.isAssisted) == [.JC, .TP])
        #expect(Category.allCases.filter { !$0.isExemptFromWaiting } == [.TP])
        #expect(ClaimKind.allCases.filter(\.accumulates) == [.inpatient, .outpatientSpecialChronic])
    }

    /// The catalogue of RULES.md § 8, its names and units.
    @Test func theParameterCatalogue() {
        #expect(ParameterName.allCases.count == 36)
        #expect(Set(ParameterName.allCases.map(\.rawValue)).count == 36)
        #expect(ParameterName(rawValue: "assistance.rate.JC")?.unit == .rate)
        #expect(ParameterName.assistanceRate(.TP) == .assistanceRateTP && ParameterName.assistanceRate(.DB) == nil)
        #expect(ParameterName.criticalTilt(.JC)! == (.criticalTiltThresholdJC, .criticalTiltRateJC))
        #expect(JudgementCall.calls(in: "I-1 I-6 I-11") == [.I1, .I6, .I11])
        #expect(JudgementCall.text([.I4, .I7]) == "I-4 I-7")
    }
}
