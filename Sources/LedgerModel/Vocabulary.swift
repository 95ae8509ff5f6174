/// The domain's closed word lists as types. Each word is stored as a one-byte code (its `rawValue`)
/// that is its index in the list the stored format has always used (docs/FORMAT.md § Word lists):
/// a test pins every code, so a reordered case can never re-read an existing ledger differently.
/// Words are strings only where they cross a boundary — the interchange, an answer, a page.
public protocol StoredWord: RawRepresentable, CaseIterable, Hashable, Sendable, CustomStringConvertible
where RawValue == UInt8, AllCases == [Self] {
    /// The words in code order: the list the stored format indexes (docs/FORMAT.md § Word lists).
    static var words: [String] { get }
}

extension StoredWord {
    /// The word in the interchange and in every answer.
    public var word: String { Self.words[Int(rawValue)] }

    public init?(word: String) {
        guard let found = Self.allCases.first(where: { $0.word == word }) else { return nil }
        self = found
    }

    /// The code as a symbol field stores it.
    public var symbol: FieldValue { .symbol(Int(rawValue)) }

    public var description: String { word }
}

/// An identity of RULES.md § 2. The cases are the codes the departments and the policy documents use.
public enum Category: UInt8, StoredWord {
    /// 特困人员: extremely poor persons supported by the state.
    case TK = 0
    /// 孤儿: orphans.
    case GE = 1
    /// 事实无人抚养儿童: children with no one in fact to raise them.
    case SW = 2
    /// 低保对象: recipients of the minimum living allowance.
    case DB = 3
    /// 低保边缘: on the margin of the minimum living allowance.
    case DBBY = 4
    /// 防返贫监测对象: monitoring objects against a return to poverty.
    case JC = 5
    /// 脱贫人口: persons lifted out of poverty.
    case TP = 6

    public static let words = ["TK", "GE", "SW", "DB", "DBBY", "JC", "TP"]

    /// The department that recognises it (INTERCHANGE.md): civil affairs, or rural revitalisation for JC and TP.
    public var department: Department { self == .JC || self == .TP ? .ruralRevitalization : .civilAffairs }

    /// Whether its holders get medical assistance and tilted assistance (RULES.md §§ 6, 7): JC and TP.
    public var isAssisted: Bool { self == .JC || self == .TP }

    /// Whether its holders enrol without a waiting period (RULES.md § 5, 001 § 二(二)).
    public var isExemptFromWaiting: Bool { self != .TP }
}

/// The kind of a settlement (INTERCHANGE.md `kind`).
public enum ClaimKind: UInt8, StoredWord {
    case inpatient = 0, outpatientSpecialChronic = 1, outpatient = 2

    public static let words = ["inpatient", "outpatient-special-chronic", "outpatient"]

    /// Inpatient and the five special chronic diseases accumulate; ordinary outpatient claims do not (I-2).
    public var accumulates: Bool { self != .outpatient }
}

/// The five outpatient special chronic diseases of I-2.
public enum Disease: UInt8, StoredWord {
    case dialysis = 0, malignantTumour = 1, antiRejection = 2, thalassaemia = 3, haemophilia = 4

    public static let words = ["dialysis", "malignant-tumour", "anti-rejection", "thalassaemia", "haemophilia"]
}

/// What a decision came to.
public enum Outcome: UInt8, StoredWord {
    case granted = 0, none = 1
    /// A parameter it needs is unpublished: nothing is granted until it is.
    case pending = 2

    public static let words = ["granted", "none", "pending"]
}

/// What an adjustment is about (the `subject` field of `assistance.adjusted`).
public enum SubjectKind: UInt8, StoredWord {
    case claim = 0, application = 1, enrollment = 2

    public static let words = ["claim", "application", "enrollment"]
}

/// Who may do what on the server, and who a read was by (`access.recorded`).
public enum Role: UInt8, StoredWord {
    /// Appends only.
    case ingest = 0
    /// Reports and rebuild status.
    case ops = 1
    /// Everything read-only, full identity numbers.
    case auditor = 2
    /// Timelines and years, identity numbers and names masked.
    case investigator = 3

    public static let words = ["ingest", "ops", "auditor", "investigator"]
}

/// Who pays a grant or a subsidy.
public enum Funder: UInt8, StoredWord {
    case assistanceFund = 0, cityCountyFinance = 1, civilAffairs = 2, regionCityCounty = 3

    public static let words = ["assistance-fund", "city-county-finance", "civil-affairs", "region-city-county"]
}

/// The department that recognises an identity and sends its list (RULES.md § 14).
public enum Department: UInt8, StoredWord {
    case civilAffairs = 0, ruralRevitalization = 1

    public static let words = ["civil-affairs", "rural-revitalization"]
}

public enum Residence: UInt8, StoredWord {
    case rural = 0, urban = 1

    public static let words = ["rural", "urban"]
}

/// How a person enrolled: in the concentrated period, or otherwise (RULES.md § 5).
public enum Channel: UInt8, StoredWord {
    case concentrated = 0, other = 1

    public static let words = ["concentrated", "other"]
}

/// Why an enrolment outside the concentrated period has no waiting period (RULES.md § 5).
public enum Exemption: UInt8, StoredWord {
    case newborn = 0, employeeLapse = 1

    public static let words = ["newborn", "employee-lapse"]
}

/// The kind of an administrative division (RULES.md § 3).
public enum RegionKind: UInt8, StoredWord {
    case cityDistrict = 0, county = 1, poorCounty = 2, developmentZone = 3, university = 4

    public static let words = ["city-district", "county", "poor-county", "development-zone", "university"]
}

/// The judgement calls of RULES.md, named where the code decides them and recorded in the
/// `rules` field of each decision that rests on one.
public enum JudgementCall: String, CaseIterable, Sendable {
    case I1 = "I-1", I2 = "I-2", I3 = "I-3", I4 = "I-4", I5 = "I-5", I6 = "I-6"
    case I7 = "I-7", I8 = "I-8", I9 = "I-9", I10 = "I-10", I11 = "I-11"

    /// The `rules` field's text: the calls joined by spaces, as stored.
    public static func text(_ calls: [JudgementCall]) -> String { calls.map(\.rawValue).joined(separator: " ") }

    /// The calls of a stored `rules` text; a word that names none is skipped.
    public static func calls(in text: String) -> [JudgementCall] {
        text.split(separator: " ").compactMap { JudgementCall(rawValue: String($0)) }
    }
}

extension Event {
    /// The word of a symbol field as its type, e.g. `event.word(.category, Category.self)`.
    public func word<Word: StoredWord>(_ field: Field, _ type: Word.Type = Word.self) -> Word? {
        guard case .symbol(let code)? = self[field], let byte = UInt8(exactly: code) else { return nil }
        return Word(rawValue: byte)
    }
}
