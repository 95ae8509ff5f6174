import LedgerModel

/// The rules behind the monitoring reports (RULES.md § 10): who is on the risk list and against
/// which line, which category names a person-year, who is due tilted assistance. Pure, like the
/// decisions: the reports only read the ledger and apply these.
public enum ReportRules {
    /// The group a person is watched in, and its line, for the monthly risk list (002 § 三(四)).
    public enum RiskGroup: Equatable, Sendable {
        /// JC or TP on the day: against `risk.burden.poor`.
        case assisted(Category)
        /// Any other rural resident: against `risk.burden.rural`.
        case rural
    }

    /// The group and the line of a person holding `categories` with `residence`, given the lines in
    /// force; nil when the person is watched by none (an urban resident without JC or TP, or no line
    /// published for the group).
    public static func riskLine(categories: [Category], residence: Residence?, poor: Money?, rural: Money?)
        -> (group: RiskGroup, line: Money)?
    {
        if let assisted = categories.contains(.JC) ? Category.JC : categories.contains(.TP) ? .TP : nil {
            return poor.map { (.assisted(assisted), $0) }
        }
        guard residence == .rural else { return nil }
        return rural.map { (.rural, $0) }
    }

    /// The order in which a report names one category for a person holding several: the assisted
    /// ones first (JC before TP, RULES.md § 2), then civil affairs' in list order.
    public static let categoryRanking: [Category] = [.JC, .TP, .TK, .GE, .SW, .DB, .DBBY]

    /// The category that describes a person-year: the highest ranked of those held on the year's last day.
    public static func rankedCategory(_ history: PersonHistory, year: Int) -> Category? {
        let held = history.identities(on: CivilDate.lastOf(year: year)).map(\.category)
        return categoryRanking.first(where: held.contains)
    }

    /// Whether the person held JC at some time in `year`: tilted assistance is for them (002 § 三(三)).
    public static func heldJC(_ history: PersonHistory, in year: Int) -> Bool {
        history.identities.contains { $0.category == .JC && $0.validFrom.year <= year && ($0.validTo.map { $0.year >= year } ?? true) }
    }
}
