import LedgerCore
import LedgerModel

/// The ledger's reports by the name the command line and the HTTP API both give them: one list,
/// one check of the period each takes, one dispatch.
public enum ReportName: String, CaseIterable, Sendable {
    case totals, risk, hospitals
    case tiltedUnapplied = "tilted-unapplied"
    case referrals, pending, financing, critical
    case oneStop = "one-stop"
    case lags
    case lagsSummary = "lags-summary"

    /// The period a report is asked for.
    public enum Period: Sendable {
        case none, year, month
        /// A year, or one month of it.
        case yearOrMonth
    }

    public var period: Period {
        switch self {
        case .pending: return .none
        case .risk: return .month
        case .totals, .hospitals, .tiltedUnapplied, .referrals, .financing, .critical: return .year
        case .oneStop, .lags, .lagsSummary: return .yearOrMonth
        }
    }

    /// Whether its rows name persons: reading it is then a read of each person listed.
    public var listsPersons: Bool {
        switch self {
        case .risk, .tiltedUnapplied, .referrals, .pending, .critical, .oneStop, .lags: return true
        case .totals, .hospitals, .financing, .lagsSummary: return false
        }
    }

    /// "totals, risk, …, lags or lags-summary", for help and refusals.
    public static let spokenList: String = {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }()

    /// The year and month the report covers, or why `year` and `month` do not say it. `year` and
    /// `month` are as given (either may be absent); a year is 1900 to 2199.
    public func period(year: Int?, month: YearMonth?) -> Result<(year: Int, month: Int?), PeriodProblem> {
        if let year, !(CivilDate.earliestYear...CivilDate.latestYear).contains(year) { return .failure(.yearOutOfRange) }
        switch period {
        case .none: return .success((0, nil))
        case .year: return year.map { .success(($0, nil)) } ?? .failure(.needsYear(self))
        case .month: return month.map { .success(($0.year, $0.month)) } ?? .failure(.needsMonth(self))
        case .yearOrMonth:
            if let month { return .success((month.year, month.month)) }
            return year.map { .success(($0, nil)) } ?? .failure(.needsYearOrMonth(self))
        }
    }

    /// Why a report's period is missing or wrong.
    public enum PeriodProblem: Error, CustomStringConvertible, Sendable {
        case needsYear(ReportName), needsMonth(ReportName), needsYearOrMonth(ReportName), yearOutOfRange

        public var description: String {
            switch self {
            case .needsYear(let name): return "report \(name.rawValue) needs a year (YYYY)"
            case .needsMonth(let name): return "report \(name.rawValue) needs a month (YYYY-MM)"
            case .needsYearOrMonth(let name): return "report \(name.rawValue) needs a year (YYYY) or a month (YYYY-MM)"
            case .yearOutOfRange: return "a year is \(CivilDate.earliestYear) to \(CivilDate.latestYear)"
            }
        }
    }
}

/// How a report, a listing or a summary is printed.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// Aligned columns for a terminal.
    case table
    /// One JSON object per row (JSON Lines), or one object for a summary.
    case json
    /// Comma-separated values with a header row.
    case csv
    /// A Markdown table.
    case markdown
}

extension Report {
    /// The report printed in `format`.
    public func rendered(_ format: OutputFormat) -> String {
        switch format {
        case .table: return table
        case .json: return jsonLines
        case .csv: return csv
        case .markdown: return markdown
        }
    }

    /// The title as a heading, then the rows as a Markdown table.
    public var markdown: String {
        func row(_ cells: [String]) -> String { "| " + cells.map { $0.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }.joined(separator: " | ") + " |" }
        return "### \(title)\n\n" + ([row(columns), row(columns.map { _ in "---" })] + rows.map(row)).joined(separator: "\n") + "\n"
    }
}

extension LedgerSnapshot {
    /// Report `name` for the period `ReportName.period(year:month:)` gave.
    public func report(_ name: ReportName, year: Int, month: Int?) throws -> Report {
        switch name {
        case .totals: return try totalsReport(year: year)
        case .risk: return try riskReport(year: year, month: month ?? 12)
        case .hospitals: return try hospitalsReport(year: year)
        case .tiltedUnapplied: return try tiltedUnappliedReport(year: year)
        case .referrals: return try referralsReport(year: year)
        case .pending: return try pendingReport()
        case .financing: return try financingReport(year: year)
        case .critical: return try criticalReport(year: year)
        case .oneStop: return try oneStopReport(year: year, month: month)
        case .lags: return try lagsReport(year: year, month: month)
        case .lagsSummary: return try lagsSummaryReport(year: year, month: month)
        }
    }
}

extension Ledger {
    /// Report `name` for the period `ReportName.period(year:month:)` gave, read in one snapshot.
    public func report(_ name: ReportName, year: Int, month: Int?) throws(LedgerError) -> Report {
        try snapshot { try $0.report(name, year: year, month: month) }
    }
}
