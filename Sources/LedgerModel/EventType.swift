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
        }
    }

    public static let byName: [String: EventType] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

    /// Whether departments send it (as opposed to the ledger writing it).
    public var isInput: Bool { true }

    /// Whether the event belongs to a person's stream (region and policy events do not).
    public var hasPerson: Bool { self != .regionRegistered && self != .policyPublished }

    /// The fields of this type in stored order, each required or optional (INTERCHANGE.md § Input types).
    public var schema: [(field: Field, required: Bool)] {
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
                    (.basicPaid, true), (.criticalPaid, true)]
        case .settlementReversed:
            return [(.claim, true), (.reversedOn, true)]
        case .assistanceApplied:
            return [(.year, true), (.appliedOn, true)]
        case .regionRegistered:
            return [(.name, true), (.region, true), (.validFrom, true), (.regionKind, true), (.parent, true)]
        case .policyPublished:
            return [(.region, false), (.validFrom, true), (.validTo, false), (.parameter, true), (.value, true),
                    (.clause, true)]
        }
    }

    /// The field that gives the event's effective date, if the type has one.
    public var effectiveField: Field? {
        switch self {
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
