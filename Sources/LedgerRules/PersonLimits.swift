import LedgerModel

/// Bounds on what one person may accumulate, checked before an input fact is written.
///
/// Every decision re-adjudicates a person-year from its facts (RULES.md § 9), so the work of one
/// append grows with the facts of its person-year, and the year's sums grow with them. These bounds
/// keep both finite: no sum a person-year can reach overflows 64-bit fen, even through `pct`, and no
/// single append re-adjudicates more than ``claimsPerYear`` claims. They sit far above any real
/// person (a dialysis patient settles about 160 claims a year), so they refuse only hostile or
/// broken input, and name the line when they do.
public enum PersonLimits {
    /// Settlements (reversed ones included) of one person settled in one year.
    public static let claimsPerYear = 2_000
    /// Σ total cost of one person-year's settlements: 10 000 000 000 yuan, the most one field may hold.
    public static let totalCostPerYear = Money(fen: Money.maximumFen)
    /// Applications for tilted assistance of one person-year.
    public static let applicationsPerYear = 100
    /// Identity recognitions of one person, all years.
    public static let identities = 1_000

    /// What adding `event` to `history` would exceed, as (field, reason); empty when within bounds.
    public static func problems(adding event: Event, to history: PersonHistory) -> [(field: String, reason: String)] {
        switch event.type {
        case .settlementRecorded:
            guard let year = event.date(.settledOn)?.year, let cost = event.money(.totalCost) else { return [] }
            let (count, sum) = history.claims.reduceValues(into: (0, Money.zero)) { totals, claim in
                if claim.year == year { totals = (totals.0 + 1, totals.1 + claim.totalCost) }
            }
            if count >= claimsPerYear {
                return [("claim", "\(history.person) already has \(count) settlements in \(year), the most one person-year may hold")]
            }
            if sum + cost > totalCostPerYear {
                return [("totalCost", "would bring \(history.person)'s total cost in \(year) to \(sum + cost), above the bound of \(totalCostPerYear) a person-year may hold")]
            }
        case .assistanceApplied:
            guard let year = event.integer(.year) else { return [] }
            let count = history.applications.count { $0.year == Int(year) }
            if count >= applicationsPerYear {
                return [("year", "\(history.person) already applied \(count) times for \(year), the most one person-year may hold")]
            }
        case .identityRecognized:
            if history.identities.count >= identities {
                return [("category", "\(history.person) already holds \(history.identities.count) recognitions, the most one person may hold")]
            }
        default:
            break
        }
        return []
    }
}
