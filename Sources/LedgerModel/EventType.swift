/// Every kind of event in the log. Inputs come from departments through the interchange; decisions
/// are written by the ledger itself, in the same transaction as the event that caused them.
public enum EventType: UInt8, CaseIterable, Sendable, Comparable {
    case personRegistered = 1
    case personAmended = 2
    case personMerged = 3
    case identityRecognized = 4
    case identityRevoked = 5
    case enrollmentRegistered = 6
    case contributionPaid = 7
    case contributionRefunded = 8
    case settlementRecorded = 9
    case settlementReversed = 10
    case assistanceApplied = 11
    case regionRegistered = 12
    case policyPublished = 13
    // Decisions, written by the ledger in the transaction of the event that caused them.
    case contributionSubsidized = 32
    case assistanceGranted = 33
    case assistanceAdjusted = 34
    case tiltedGranted = 35
    // Written by the ledger's server: a read of a person's data, so that no one looks without a trace.
    case accessRecorded = 40

    public static func < (lhs: EventType, rhs: EventType) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The interchange name, e.g. `settlement.recorded`.
    public var name: String {
        switch self {
        case .personRegistered: return "person.registered"
        case .personAmended: return "person.amended"
        case .personMerged: return "person.merged"
        case .identityRecognized: return "identity.recognized"
        case .identityRevoked: return "identity.revoked"
        case .enrollmentRegistered: return "enrollment.registered"
        case .contributionPaid: return "contribution.paid"
        case .contributionRefunded: return "contribution.refunded"
        case .settlementRecorded: return "settlement.recorded"
        case .settlementReversed: return "settlement.reversed"
        case .assistanceApplied: return "assistance.applied"
        case .regionRegistered: return "region.registered"
        case .policyPublished: return "policy.published"
        case .contributionSubsidized: return "contribution.subsidized"
        case .assistanceGranted: return "assistance.granted"
        case .assistanceAdjusted: return "assistance.adjusted"
        case .tiltedGranted: return "tilted.granted"
        case .accessRecorded: return "access.recorded"
        }
    }

    public static let byName: [String: EventType] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

    /// Whether departments send it (as opposed to the ledger writing it).
    public var isInput: Bool { rawValue < 32 }

    /// Whether the rules wrote it (a decision or an adjustment).
    public var isDecision: Bool { (32...35).contains(rawValue) }

    /// Whether the event belongs to a person's stream (region and policy events do not).
    public var hasPerson: Bool { self != .regionRegistered && self != .policyPublished }

    /// The fields of this type in stored order, each required or optional (INTERCHANGE.md § Input types).
    public var schema: [(field: Field, required: Bool)] {
        // Every line a department sends may say when it was delivered (INTERCHANGE.md § Every line).
        isInput ? inputSchema + [(.receivedAt, false)] : inputSchema
    }

    private var inputSchema: [(field: Field, required: Bool)] {
        switch self {
        case .personRegistered:
            return [(.idNumber, true), (.name, true), (.birthDate, true), (.region, true), (.household, false),
                    (.residence, false)]
        case .personAmended:
            return [(.idNumber, false), (.name, false), (.region, false), (.on, true)]
        case .personMerged:
            return [(.on, true), (.into, true)]
        case .identityRecognized:
            return [(.category, true), (.validFrom, true), (.validTo, false), (.exitYear, false), (.department, true)]
        case .identityRevoked:
            return [(.category, true), (.validTo, true)]
        case .enrollmentRegistered:
            return [(.region, true), (.insuranceYear, true), (.enrolledOn, true), (.channel, true), (.exemption, false)]
        case .contributionPaid:
            return [(.insuranceYear, true), (.amount, true), (.paidOn, true)]
        case .contributionRefunded:
            return [(.insuranceYear, true), (.amount, true), (.refundedOn, true)]
        case .settlementRecorded:
            return [(.claim, true), (.claimKind, true), (.disease, false), (.hospital, true), (.admittedOn, false),
                    (.dischargedOn, false), (.settledOn, true), (.totalCost, true), (.inListCost, true),
                    (.basicPaid, true), (.criticalPaid, true), (.platformAssistance, false)]
        case .settlementReversed:
            return [(.claim, true), (.reversedOn, true)]
        case .assistanceApplied:
            return [(.year, true), (.appliedOn, true)]
        case .regionRegistered:
            return [(.name, true), (.region, true), (.validFrom, true), (.regionKind, true), (.parent, true)]
        case .policyPublished:
            return [(.region, false), (.validFrom, true), (.validTo, false), (.parameter, true), (.value, true),
                    (.clause, true)]
        case .contributionSubsidized:
            return EventType.decisionCommon + [(.insuranceYear, true), (.enrolledOn, true), (.category, false),
                (.rate, false), (.standard, false), (.owed, false), (.fundedBy, false)]
        case .assistanceGranted:
            return EventType.decisionCommon + EventType.claimDecision
        case .tiltedGranted:
            return EventType.decisionCommon + EventType.tiltedDecision
        case .accessRecorded:
            return [(.reader, true), (.role, true), (.route, true)]
        case .assistanceAdjusted:
            return EventType.decisionCommon + [(.subject, true), (.adjusts, true)] + EventType.claimDecision
                + EventType.tiltedDecision + [(.insuranceYear, false), (.enrolledOn, false), (.standard, false),
                (.owed, false)]
        }
    }

    static let decisionCommon: [(field: Field, required: Bool)] = [
        (.amount, true), (.cause, true), (.outcome, true), (.reason, false), (.rules, false), (.parameters, false),
        (.identityEvent, false), (.grant, true), (.pendingParameter, false), (.pendingDate, false),
        (.subjectSequence, false), (.fundedBy, false), (.category, false), (.held, false),
    ]

    static let claimDecision: [(field: Field, required: Bool)] = [
        (.claim, false), (.claimKind, false), (.settledOn, false), (.base, false), (.baseBefore, false),
        (.baseAfter, false), (.threshold, false), (.rate, false), (.cap, false), (.grantedBefore, false),
        (.grantedAfter, false), (.eligible, false), (.counted, false), (.baseDelta, false),
    ]

    static let tiltedDecision: [(field: Field, required: Bool)] = [
        (.year, false), (.appliedOn, false), (.cap, false), (.threshold, false), (.selfPay, false), (.inpatientGap, false),
        (.outpatientGap, false), (.inpatientAmount, false), (.outpatientAmount, false), (.remainingGap, false),
        (.grantedBefore, false), (.grantedAfter, false), (.eligible, false),
    ]

    /// The schema as stored: each field once, in field-number order.
    public var storedSchema: [(field: Field, required: Bool)] { EventType.storedSchemas[Int(rawValue)] }

    /// The fields of the type by interchange member name.
    public var fieldsByJSONName: [String: Field] { EventType.jsonFields[Int(rawValue)] }

    private static let storedSchemas: [[(field: Field, required: Bool)]] = (0...UInt8.max).map { code in
        EventType(rawValue: code)?.computeStoredSchema() ?? []
    }

    private static let jsonFields: [[String: Field]] = storedSchemas.map { schema in
        Dictionary(schema.map { ($0.field.jsonName, $0.field) }, uniquingKeysWith: { first, _ in first })
    }

    private func computeStoredSchema() -> [(field: Field, required: Bool)] {
        var seen: [Field: Bool] = [:]
        for (field, required) in schema { seen[field] = (seen[field] ?? false) || required }
        return seen.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The fields that give the event's effective date, the first present one counting.
    public var effectiveFields: [Field] {
        switch self {
        case .contributionSubsidized: return [.enrolledOn]
        case .assistanceGranted: return [.settledOn]
        case .tiltedGranted: return [.appliedOn]
        case .assistanceAdjusted: return [.settledOn, .appliedOn, .enrolledOn]
        default: return effectiveField.map { [$0] } ?? []
        }
    }

    /// The field that gives an input event's effective date, if the type has one.
    public var effectiveField: Field? {
        switch self {
        case .contributionSubsidized, .assistanceGranted, .assistanceAdjusted, .tiltedGranted, .accessRecorded: return nil
        case .personRegistered: return nil
        case .personAmended, .personMerged: return .on
        case .identityRecognized, .regionRegistered, .policyPublished: return .validFrom
        case .identityRevoked: return .validTo
        case .enrollmentRegistered: return .enrolledOn
        case .contributionPaid: return .paidOn
        case .contributionRefunded: return .refundedOn
        case .settlementRecorded: return .settledOn
        case .settlementReversed: return .reversedOn
        case .assistanceApplied: return .appliedOn
        }
    }
}
