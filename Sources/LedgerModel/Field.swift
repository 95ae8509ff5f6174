/// What a field holds, and so how it is checked, stored and written.
public enum FieldKind: Sendable, Equatable {
    /// Free text (a name, a hospital, a clause), at most `maximumBytes` of UTF-8, not empty.
    case text(maximumBytes: Int)
    /// An identifier: 1 to `maximumBytes` of `A-Z a-z 0-9 _ -`.
    case identifier(maximumBytes: Int)
    /// An 18-character resident identity number with a valid GB 11643 check digit.
    case residentID
    /// A civil date, `YYYY-MM-DD`.
    case date
    /// Money: a yuan string on input, fen in storage. Negative only in the ledger's own decisions.
    case money
    /// A four-digit year.
    case year
    /// A 6-digit administrative division code (e.g. 450100).
    case regionCode
    /// One word of a closed list; stored as its index in the list.
    case symbol([String])
    /// A whole number the ledger writes itself (a sequence, a count, basis points).
    case count
    /// A list of whole numbers the ledger writes itself (the sequences of the parameters a decision used).
    case counts
}

/// One field's value, checked against its ``FieldKind``.
public enum FieldValue: Hashable, Sendable {
    case text(String)
    case date(CivilDate)
    case money(Money)
    /// Years, region codes, counts, sequences.
    case integer(Int64)
    /// The index of a word in the field's ``FieldKind/symbol(_:)`` list.
    case symbol(Int)
    case integers([Int64])
    /// A decision's reason as its code and numbers (a record of format version 2); its words are
    /// ``Reason/text``. It equals `.text` of the same words, which is how a version-1 record holds it.
    case reason(Reason)

    public static func == (lhs: FieldValue, rhs: FieldValue) -> Bool {
        switch (lhs, rhs) {
        case (.text(let left), .text(let right)): left == right
        case (.date(let left), .date(let right)): left == right
        case (.money(let left), .money(let right)): left == right
        case (.integer(let left), .integer(let right)): left == right
        case (.symbol(let left), .symbol(let right)): left == right
        case (.integers(let left), .integers(let right)): left == right
        case (.reason(let left), .reason(let right)): Reason.sameWords(left, right)
        case (.reason(let reason), .text(let words)), (.text(let words), .reason(let reason)): reason.text == words
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        // A reason hashes as its words, which it equals.
        case .text(let text): hasher.combine(0); hasher.combine(text)
        case .reason(let reason): hasher.combine(0); hasher.combine(reason.text)
        case .date(let date): hasher.combine(1); hasher.combine(date)
        case .money(let money): hasher.combine(2); hasher.combine(money)
        case .integer(let integer): hasher.combine(3); hasher.combine(integer)
        case .symbol(let index): hasher.combine(4); hasher.combine(index)
        case .integers(let integers): hasher.combine(5); hasher.combine(integers)
        }
    }
}

/// Every field of every event, with its number in the stored encoding (docs/FORMAT.md).
///
/// A field has one number, one kind and one JSON name everywhere; where the interchange uses one
/// JSON name for two meanings (`kind` of a claim, `kind` of a region) they are two fields.
public enum Field: Int, CaseIterable, Sendable, Comparable {
    // Inputs (interchange fields).
    case idNumber = 16
    case name = 17
    case birthDate = 18
    case region = 19
    case household = 20
    case residence = 21
    case on = 22
    case into = 23
    case category = 24
    case validFrom = 25
    case validTo = 26
    case exitYear = 27
    case department = 28
    case insuranceYear = 29
    case enrolledOn = 30
    case channel = 31
    case exemption = 32
    case amount = 33
    case paidOn = 34
    case refundedOn = 35
    case claim = 36
    case claimKind = 37
    case disease = 38
    case hospital = 39
    case admittedOn = 40
    case dischargedOn = 41
    case settledOn = 42
    case totalCost = 43
    case inListCost = 44
    case basicPaid = 45
    case criticalPaid = 46
    case reversedOn = 47
    case year = 48
    case appliedOn = 49
    case regionKind = 50
    case parent = 51
    case parameter = 52
    case value = 53
    case clause = 54
    /// What the platform's one-stop settlement paid from the assistance fund (`maf_pay`, RULES.md § 13).
    case platformAssistance = 55
    /// When the source delivered the line (RULES.md § 14), as it wrote it.
    case receivedAt = 56

    // Decisions (written by the ledger).
    case cause = 64
    case outcome = 65
    case reason = 66
    case rules = 67
    case parameters = 68
    case held = 69
    case identityEvent = 70
    case base = 71
    case baseBefore = 72
    case baseAfter = 73
    case threshold = 74
    case rate = 75
    case cap = 76
    case grantedBefore = 77
    case grantedAfter = 78
    case eligible = 79
    case grant = 80
    case adjusts = 81
    case counted = 82
    case baseDelta = 83
    case selfPay = 84
    case inpatientGap = 85
    case outpatientGap = 86
    case inpatientAmount = 87
    case outpatientAmount = 88
    case remainingGap = 89
    case standard = 90
    case owed = 91
    case fundedBy = 92
    case pendingParameter = 93
    case pendingDate = 94
    case subject = 95
    case subjectSequence = 96

    // Access records (written by the server).
    case reader = 100
    case role = 101
    case route = 102

    public static func < (lhs: Field, rhs: Field) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The member name in interchange JSON.
    public var jsonName: String { Field.jsonNames[self] ?? "" }

    private static let jsonNames: [Field: String] = Dictionary(uniqueKeysWithValues: Field.allCases.map { field in
        switch field {
        case .claimKind, .regionKind: return (field, "kind")
        default: return (field, String(describing: field))
        }
    })

    public var kind: FieldKind {
        switch self {
        case .idNumber: return .residentID
        case .name: return .text(maximumBytes: 128)
        case .household: return .identifier(maximumBytes: 64)
        case .hospital: return .identifier(maximumBytes: 64)
        case .claim: return .identifier(maximumBytes: 64)
        case .into: return .identifier(maximumBytes: 64)
        case .parameter: return .text(maximumBytes: 64)
        case .value: return .text(maximumBytes: 32)
        case .clause: return .text(maximumBytes: 256)
        case .birthDate, .on, .validFrom, .validTo, .enrolledOn, .paidOn, .refundedOn, .admittedOn, .dischargedOn,
            .settledOn, .reversedOn, .appliedOn:
            return .date
        case .amount, .totalCost, .inListCost, .basicPaid, .criticalPaid, .platformAssistance: return .money
        // Checked as an RFC 3339 time with an offset (Interchange.crossFieldProblems); kept as written.
        case .receivedAt: return .text(maximumBytes: 25)
        case .exitYear, .insuranceYear, .year: return .year
        case .region, .parent: return .regionCode
        case .residence: return .symbol(Residence.words)
        case .category: return .symbol(Category.words)
        case .department: return .symbol(Department.words)
        case .channel: return .symbol(Channel.words)
        case .exemption: return .symbol(Exemption.words)
        case .claimKind: return .symbol(ClaimKind.words)
        case .disease: return .symbol(Disease.words)
        case .regionKind: return .symbol(RegionKind.words)
        case .cause, .identityEvent, .rate, .adjusts, .counted, .subjectSequence: return .count
        case .parameters: return .counts
        case .held: return .text(maximumBytes: 64)
        case .outcome: return .symbol(Outcome.words)
        case .subject: return .symbol(SubjectKind.words)
        case .fundedBy: return .symbol(Funder.words)
        case .reason: return .text(maximumBytes: 1024)
        case .rules: return .text(maximumBytes: 128)
        case .pendingParameter: return .text(maximumBytes: 64)
        case .pendingDate: return .date
        case .reader: return .text(maximumBytes: 64)
        case .role: return .symbol(Role.words)
        case .route: return .text(maximumBytes: 256)
        case .base, .baseBefore, .baseAfter, .threshold, .cap, .grantedBefore, .grantedAfter, .eligible, .grant,
            .baseDelta, .selfPay, .inpatientGap, .outpatientGap, .inpatientAmount, .outpatientAmount, .remainingGap,
            .standard, .owed:
            return .money
        }
    }
}
