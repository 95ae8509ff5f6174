import LedgerModel

/// What the critical-illness insurance owed on one claim, re-computed from the ledger (RULES.md § 12).
/// An audit: it decides nothing and changes no grant.
public struct CriticalCheck: Hashable, Sendable {
    public enum Result: Hashable, Sendable {
        /// Checked: `expected` is what the tier owed.
        case checked
        /// A parameter the check needs is not published for the claim's date.
        case pending(parameter: ParameterName, on: CivilDate)
    }

    public let claim: Claim
    /// The category whose tilted terms applied on the settlement date, JC or TP; nil: the ordinary terms.
    public let category: Category?
    /// In-list cost − basic paid (I-10).
    public let criticalBase: Money
    /// The year's critical base before this claim.
    public let baseBefore: Money
    public let threshold: Money
    public let rate: BasisPoints
    /// `nil`: no cap (JC and TP, 002 § 三(一)).
    public let cap: Money?
    public let expected: Money
    public let outcome: Result

    /// expected − the recorded `criticalPaid`: positive when the tier paid less than it owed.
    public var difference: Money { expected - claim.criticalPaid }

    /// Checks every effective inpatient and special chronic claim of `year` (I-1, I-2), in settlement
    /// order (ties by sequence), annual cumulative as § 6: one base C and one paid total per person-year.
    public static func check(_ history: PersonHistory, year: Int, parameters: ParameterSet) -> [CriticalCheck] {
        var checks: [CriticalCheck] = []
        var base = Money.zero
        var paid = Money.zero
        for claim in history.claims(in: year) where claim.reversal == nil && claim.qualifies {
            let criticalBase = claim.inListCost - claim.basicPaid
            let held = history.assistanceCategory(on: claim.settledOn)?.category
            let terms = Terms.on(claim.settledOn, category: held, region: history.region, parameters: parameters)
            switch terms {
            case .failure(let missing):
                checks.append(CriticalCheck(claim: claim, category: held, criticalBase: criticalBase, baseBefore: base,
                                            threshold: .zero, rate: BasisPoints(0), cap: nil, expected: .zero,
                                            outcome: .pending(parameter: missing.name, on: claim.settledOn)))
            case .success(let terms):
                let eligible = max(.zero, (base + criticalBase) - max(base, terms.threshold))
                var expected = pct(eligible, terms.rate)
                if let cap = terms.cap { expected = min(expected, max(.zero, cap - paid)) }
                checks.append(CriticalCheck(claim: claim, category: held, criticalBase: criticalBase, baseBefore: base,
                                            threshold: terms.threshold, rate: terms.rate, cap: terms.cap, expected: expected,
                                            outcome: .checked))
                paid += expected
            }
            // The base accumulates whether or not the claim could be checked, as the tier's own would.
            base += criticalBase
        }
        return checks
    }

    /// The threshold, rate and cap that applied on one date to one category.
    struct Terms {
        let threshold: Money
        let rate: BasisPoints
        let cap: Money?

        /// The terms, or the name of the first parameter not published for `date`.
        static func on(_ date: CivilDate, category: Category?, region: Int64?, parameters: ParameterSet)
            -> Swift.Result<Terms, MissingParameter>
        {
            func find(_ name: ParameterName) -> Swift.Result<Parameter, MissingParameter> {
                parameters.find(name, on: date, region: region).map { .success($0) } ?? .failure(MissingParameter(name))
            }
            do {
                let threshold = try find(.criticalThreshold).get().money ?? .zero
                let rate = try find(.criticalRate).get().rate ?? BasisPoints(0)
                guard let tilt = category.flatMap(ParameterName.criticalTilt) else {
                    return .success(Terms(threshold: threshold, rate: rate, cap: try find(.criticalCap).get().money))
                }
                let share = try find(tilt.threshold).get().rate ?? BasisPoints(10_000)
                let points = try find(tilt.rate).get().rate ?? BasisPoints(0)
                // I-11: "提高10%" is ten percentage points, added to the rate; a sum above 100% is 100%.
                let raised = BasisPoints(min(10_000, rate.value + points.value))
                return .success(Terms(threshold: pct(threshold, share), rate: raised, cap: nil))
            } catch {
                return .failure(error)
            }
        }
    }

    struct MissingParameter: Error {
        let name: ParameterName
        init(_ name: ParameterName) { self.name = name }
    }
}
