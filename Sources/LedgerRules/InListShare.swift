import LedgerModel

/// The in-list share of one claim (RULES.md § 10, 002 § 三(五)): for claims of TK, GE, SW, DB, TP
/// and JC, in-list cost must be at least `inlist.share.min` of total cost, and the hospital bears
/// what lies out of the list beyond the allowed rest.
public struct InListShare: Equatable, Sendable {
    /// In-list cost is below `pct(total, minimum)`.
    public let isBelowMinimum: Bool
    /// What the hospital bears (I-5): `max(0, (total − in-list) − pct(total, 100% − minimum))`.
    public let hospitalBears: Money

    /// The identity groups the in-list share rule watches.
    public static let watchedCategories: Set<Category> = [.TK, .GE, .SW, .DB, .TP, .JC]

    /// Assesses `claim` for a person holding `categories` on its settlement date; `nil` when the
    /// rule does not watch any of them.
    ///
    /// I-5: 002 § 三(五) says "超出部分由医疗机构自行承担" without saying what the excess is measured
    /// against. The ledger reads it as the out-of-list cost beyond the share the rule allows out of the
    /// list (10% of total at a 90% minimum), each side rounded once by `pct`, so a claim can fall
    /// below the minimum by less than a fen of excess and the hospital bear 0.
    public static func assess(_ claim: Claim, categories: [Category], minimum: BasisPoints) -> InListShare? {
        guard categories.contains(where: watchedCategories.contains) else { return nil }
        let allowedOutOfList = pct(claim.totalCost, BasisPoints(10_000 - minimum.value))
        let outOfList = claim.totalCost - claim.inListCost
        return InListShare(isBelowMinimum: claim.inListCost < pct(claim.totalCost, minimum),
                           hospitalBears: max(.zero, outOfList - allowedOutOfList))
    }
}
