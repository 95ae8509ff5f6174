import LedgerCore
import LedgerModel
import LedgerRules

/// A report: a title, column names and rows of text cells, written as a table, JSON lines or CSV.
public struct Report: Sendable {
    public let title: String
    public let columns: [String]
    public var rows: [[String]] = []

    public init(title: String, columns: [String]) {
        self.title = title
        self.columns = columns
    }

    public var table: String {
        var widths = columns.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { Render.column($1, widths[$0]) }.joined(separator: "  ")
                .replacingTrailingSpaces()
        }
        var text = title + "\n" + line(columns) + "\n"
        for row in rows { text += line(row) + "\n" }
        text += "\(rows.count) row\(rows.count == 1 ? "" : "s")\n"
        return text
    }

    public var jsonLines: String {
        rows.map { row in
            var writer = JSONWriter()
            writer.beginObject()
            for (column, cell) in zip(columns, row) { writer.member(column, cell) }
            writer.endObject()
            return writer.text + "\n"
        }.joined()
    }

    public var csv: String {
        func escape(_ cell: String) -> String {
            cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + cell.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" : cell
        }
        return ([columns] + rows).map { $0.map(escape).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}

extension String {
    func replacingTrailingSpaces() -> String {
        var copy = self
        while copy.hasSuffix(" ") { copy.removeLast() }
        return copy
    }
}

extension LedgerSnapshot {
    /// The year's totals: claims, assistance granted, persons at the annual cap, tilted grants.
    public func totalsReport(year: Int) throws -> Report {
        let accumulators = try accumulators(year: year)
        let parameters = try parameters()
        let cap = parameters.find(.assistanceCap, on: CivilDate.lastOf(year: year))?.money
        var report = Report(title: "Year \(year) totals", columns: ["figure", "value"])
        let claims = accumulators.reduce(0) { $0 + $1.claims }
        let granted = accumulators.reduce(Money.zero) { $0 + $1.assistanceGranted }
        let tilted = accumulators.reduce(Money.zero) { $0 + $1.tiltedGranted }
        let atCap = cap.map { cap in accumulators.filter { $0.assistanceGranted >= cap }.count }
        let tiltedPersons = accumulators.filter { $0.tiltedGranted > .zero }.count
        report.rows = [
            ["person-years", String(accumulators.count)],
            ["claims", String(claims)],
            ["total cost", accumulators.reduce(Money.zero) { $0 + $1.totalCost }.yuanString],
            ["medical assistance granted", granted.yuanString],
            ["persons at the annual cap" + (cap.map { " (\($0.yuanString))" } ?? ""), atCap.map(String.init) ?? "no cap in force"],
            ["tilted assistance granted", tilted.yuanString],
            ["persons granted tilted assistance", String(tiltedPersons)],
            ["contribution subsidies", accumulators.reduce(Money.zero) { $0 + $1.contributionSubsidy }.yuanString],
        ]
        return report
    }

    /// Monthly risk list (002 § 三(四)): TP and JC whose year-to-date personal burden reaches
    /// `risk.burden.poor`, other rural residents reaching `risk.burden.rural`, with the month first crossed.
    public func riskReport(year: Int, month: Int) throws -> Report {
        var report = Report(title: "Risk list \(year)-\(month < 10 ? "0" : "")\(month): personal burden year to date",
                            columns: ["person", "category", "residence", "burden", "threshold", "firstCrossed"])
        let parameters = try parameters()
        guard let monthEnd = CivilDate(year: year, month: month, day: CivilDate.daysIn(month: month, year: year)) else { return report }
        let poor = parameters.find(.riskBurdenPoor, on: monthEnd)
        let rural = parameters.find(.riskBurdenRural, on: monthEnd)
        let lowest = [poor?.money, rural?.money].compactMap { $0 }.min()
        guard let lowest else { return report }
        for accumulator in try accumulators(year: year) {
            let cumulative = accumulator.cumulativeBurden
            guard cumulative[month - 1] >= lowest else { continue }
            let history = try history(of: accumulator.person)
            guard let (group, threshold) = ReportRules.riskLine(categories: history.identities(on: monthEnd).map(\.category),
                                                               residence: history.residence, poor: poor?.money, rural: rural?.money),
                cumulative[month - 1] >= threshold, let first = cumulative.firstIndex(where: { $0 >= threshold })
            else { continue }
            let groupWord: String
            switch group {
            case .assisted(let category): groupWord = category.word
            case .rural: groupWord = Residence.rural.word
            }
            report.rows.append([accumulator.person, groupWord, history.residence?.word ?? "-", cumulative[month - 1].yuanString,
                                threshold.yuanString, "\(year)-\(first + 1 < 10 ? "0" : "")\(first + 1)"])
        }
        return report
    }

    /// In-list share per hospital (002 § 三(五)): for claims of TK, GE, SW, DB, TP and JC, the
    /// out-of-list excess over 10% of total cost that the hospital bears (I-5).
    public func hospitalsReport(year: Int) throws -> Report {
        var report = Report(title: "In-list share \(year): claims of TK, GE, SW, DB, TP, JC per hospital (I-5)",
                            columns: ["hospital", "claims", "totalCost", "inListCost", "inListShare", "belowMinimum", "hospitalBears"])
        let parameters = try parameters()
        struct Row { var claims = 0; var total = Money.zero; var inList = Money.zero; var below = 0; var borne = Money.zero }
        var rows: [String: Row] = [:]
        var histories: [String: PersonHistory] = [:]
        var settlements: [(String, Claim)] = []
        try forEachEvent { recorded in
            guard recorded.event.type == .settlementRecorded, recorded.event.date(.settledOn)?.year == year,
                let person = recorded.event.person, let claim = Claim(recorded.event, sequence: recorded.sequence) else { return }
            settlements.append((person, claim))
        }
        for (person, claim) in settlements {
            if histories[person] == nil { histories[person] = try history(of: person) }
            guard let history = histories[person], history.claims[claim.id]?.reversal == nil,
                let minimum = parameters.find(.inlistShareMin, on: claim.settledOn)?.rate,
                let share = InListShare.assess(claim, categories: history.identities(on: claim.settledOn).map(\.category),
                                               minimum: minimum)
            else { continue }
            var row = rows[claim.hospital] ?? Row()
            row.claims += 1
            row.total += claim.totalCost
            row.inList += claim.inListCost
            if share.isBelowMinimum { row.below += 1 }
            row.borne += share.hospitalBears
            rows[claim.hospital] = row
        }
        for (hospital, row) in rows.sorted(by: { $0.key < $1.key }) {
            let share = row.total.fen > 0 ? BasisPoints(min(10_000, row.inList.fen * 10_000 / row.total.fen)).percentString : "-"
            report.rows.append([hospital, String(row.claims), row.total.yuanString, row.inList.yuanString, share,
                                String(row.below), row.borne.yuanString])
        }
        return report
    }

    /// The critical-illness tier check (RULES.md § 12): per claim of `year`, what the critical tier
    /// owed and what it paid; then per hospital, the totals. An audit: it decides nothing.
    public func criticalReport(year: Int) throws -> Report {
        var report = Report(title: "Critical-illness tier check \(year): what the tier owed against what it paid (RULES.md § 12, I-10, I-11)",
                            columns: ["claim", "person", "hospital", "settledOn", "category", "criticalBase", "threshold", "rate",
                                      "expected", "criticalPaid", "difference", "status"])
        let parameters = try parameters()
        var persons: [String] = []
        var seen: Set<String> = []
        try forEachEvent { recorded in
            guard recorded.event.type == .settlementRecorded, recorded.event.date(.settledOn)?.year == year,
                let person = recorded.event.person, seen.insert(person).inserted else { return }
            persons.append(person)
        }
        struct Total { var checked = 0; var pending = 0; var base = Money.zero; var expected = Money.zero; var paid = Money.zero }
        var totals: [String: Total] = [:]
        var survivors: Set<String> = []
        for person in persons {
            let history = try history(of: person)
            // A merged person's claims are its survivor's: checked once, under the survivor.
            guard survivors.insert(history.person).inserted else { continue }
            for check in CriticalCheck.check(history, year: year, parameters: parameters) {
                let claim = check.claim
                var total = totals[claim.hospital] ?? Total()
                var row = [claim.id, history.person, claim.hospital, claim.settledOn.description, check.category?.word ?? "ordinary",
                           check.criticalBase.yuanString]
                switch check.outcome {
                case .checked:
                    row += [check.threshold.yuanString, check.rate.percentString, check.expected.yuanString,
                            claim.criticalPaid.yuanString, check.difference.yuanString, check.cap == nil ? "checked, no cap" : "checked"]
                    total.checked += 1
                    total.expected += check.expected
                case .pending(let parameter, let on):
                    row += ["-", "-", "-", claim.criticalPaid.yuanString, "-", "pending: \(parameter) not published for \(on)"]
                    total.pending += 1
                }
                total.base += check.criticalBase
                total.paid += claim.criticalPaid
                totals[claim.hospital] = total
                report.rows.append(row)
            }
        }
        for (hospital, total) in totals.sorted(by: { $0.key < $1.key }) {
            report.rows.append(["total", "-", hospital, "-", "-", total.base.yuanString, "-", "-", total.expected.yuanString,
                                total.paid.yuanString, total.pending == 0 ? (total.expected - total.paid).yuanString : "-",
                                "\(total.checked) checked, \(total.pending) pending"])
        }
        return report
    }

    /// One-stop settlement reconciliation (RULES.md § 13): for each claim of `year` (and `month`,
    /// when given) that carries `platformAssistance`, what the platform's window paid from the
    /// assistance fund against the ledger's net grant on the claim (first decision plus every
    /// adjustment), with the reason of the ledger's decision; then totals per hospital and month.
    /// It changes no decision.
    public func oneStopReport(year: Int, month: Int? = nil) throws -> Report {
        let period = Reports.period(year, month)
        var report = Report(title: "One-stop settlement reconciliation \(period): the platform's maf_pay against the ledger's net grant (RULES.md § 13)",
                            columns: ["claim", "person", "hospital", "settledOn", "platformAssistance", "granted", "difference", "decision"])
        struct Settled { let person: String; let claim: String; let hospital: String; let settledOn: CivilDate; let platform: Money }
        var settled: [Settled] = []
        try forEachEvent { recorded in
            let event = recorded.event
            guard event.type == .settlementRecorded, let platform = event.money(.platformAssistance),
                let on = event.date(.settledOn), on.year == year, month.map({ $0 == on.month }) ?? true,
                let person = event.person, let claim = event.text(.claim) else { return }
            settled.append(Settled(person: person, claim: claim, hospital: event.text(.hospital) ?? "-", settledOn: on, platform: platform))
        }
        var net: [String: NetDecision] = [:]
        for decision in NetDecision.fold(try decisionEvents()) {
            if case .claim(let claim) = decision.subject { net[claim] = decision }
        }
        struct Total { var claims = 0; var platform = Money.zero; var granted = Money.zero }
        var totals: [String: Total] = [:]
        for row in settled {
            let decision = net[row.claim]
            let granted = decision?.grant ?? .zero
            let outcome = decision?.latest.symbol(.outcome) ?? "undecided"
            let why = decision?.latest.text(.reason).map { "\(outcome): \($0)" } ?? outcome
            report.rows.append([row.claim, decision?.person ?? row.person, row.hospital, row.settledOn.description,
                                row.platform.yuanString, granted.yuanString, (granted - row.platform).yuanString, why])
            let key = "\(row.hospital)\t\(row.settledOn.description.prefix(7))"
            var total = totals[key] ?? Total()
            total.claims += 1
            total.platform += row.platform
            total.granted += granted
            totals[key] = total
        }
        for (key, total) in totals.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\t")
            report.rows.append(["total \(parts[1])", "-", String(parts[0]), "-", total.platform.yuanString, total.granted.yuanString,
                                (total.granted - total.platform).yuanString, "\(total.claims) claims"])
        }
        return report
    }

    /// One measured data-sharing lag (RULES.md § 14).
    struct Lag {
        let sequence: UInt64
        let type: String
        let person: String
        let department: String
        let due: CivilDate
        let arrived: CivilDate
        let lag: Int
    }

    /// The facts the policy times whose due date falls in `year` (and `month`), with their lags, and
    /// the calendar note the title carries.
    func lags(year: Int, month: Int?) throws -> (lags: [Lag], note: String) {
        let calendar = WorkingCalendar(try parameters())
        var lags: [Lag] = []
        try forEachEvent { recorded in
            let event = recorded.event
            guard let due = Deadline.due(of: event, calendar: calendar), due.year == year, month.map({ $0 == due.month }) ?? true
            else { return }
            // Arrival: when the source delivered the line, else when the ledger recorded it; a date in UTC+8.
            let arrival = (event.text(.receivedAt).flatMap(Timestamp.init(offsetTime:)) ?? recorded.recordedAt).chinaDate
            let department = Deadline.department(of: event)
            lags.append(Lag(sequence: recorded.sequence, type: event.type.name, person: event.person ?? "-", department: department,
                            due: due, arrived: arrival, lag: calendar.lag(due: due, arrived: arrival)))
        }
        let note = calendar.publishedYears.contains(year)
            ? "working days from the published calendar"
            : "no calendar published for \(year): working days are Monday to Friday alone"
        return (lags, note)
    }

    /// Data-sharing deadlines (RULES.md § 14): one row per measured event.
    public func lagsReport(year: Int, month: Int? = nil) throws -> Report {
        let (lags, note) = try lags(year: year, month: month)
        var report = Report(title: "Data-sharing lags, due in \(Reports.period(year, month)) (RULES.md § 14; \(note))",
                            columns: ["sequence", "type", "person", "department", "due", "arrived", "lagWorkingDays"])
        for lag in lags {
            report.rows.append([String(lag.sequence), lag.type, lag.person, lag.department, lag.due.description,
                                lag.arrived.description, String(lag.lag)])
        }
        return report
    }

    /// Data-sharing deadlines per department and month of the due date: count, on time, late, and the
    /// 50th / 90th percentile (nearest rank) and maximum of the lag in working days.
    public func lagsSummaryReport(year: Int, month: Int? = nil) throws -> Report {
        let (lags, note) = try lags(year: year, month: month)
        var report = Report(title: "Data-sharing lags per department and month, \(Reports.period(year, month)) (RULES.md § 14; \(note))",
                            columns: ["department", "month", "count", "onTime", "late", "p50", "p90", "max"])
        var groups: [String: [Int]] = [:]
        for lag in lags { groups["\(lag.department)\t\(lag.due.description.prefix(7))", default: []].append(lag.lag) }
        for (key, values) in groups.sorted(by: { $0.key < $1.key }) {
            let sorted = values.sorted()
            func rank(_ percent: Int) -> Int { sorted[max(0, (percent * sorted.count + 99) / 100 - 1)] }
            let parts = key.split(separator: "\t")
            let late = sorted.filter { $0 > 0 }.count
            report.rows.append([String(parts[0]), String(parts[1]), String(sorted.count), String(sorted.count - late), String(late),
                                String(rank(50)), String(rank(90)), String(sorted.last ?? 0)])
        }
        return report
    }

    /// JC whose in-list self-pay after three tiers reaches the tilted eligibility line but who have
    /// not applied (应享尽享): a list for outreach.
    public func tiltedUnappliedReport(year: Int) throws -> Report {
        var report = Report(title: "Eligible for tilted assistance in \(year) but not applied",
                            columns: ["person", "selfPayAfterThreeTiers", "eligibility"])
        let parameters = try parameters()
        guard let line = parameters.find(.tiltedEligibility, on: CivilDate.lastOf(year: year))?.money
            ?? parameters.all.last(where: { $0.name == .tiltedEligibility && $0.validFrom.year <= year })?.money
        else { return report }
        for accumulator in try accumulators(year: year) where accumulator.applications == 0 && accumulator.selfPayAfterThreeTiers >= line {
            let history = try history(of: accumulator.person)
            guard ReportRules.heldJC(history, in: year) else { continue }
            report.rows.append([accumulator.person, accumulator.selfPayAfterThreeTiers.yuanString, line.yuanString])
        }
        return report
    }

    /// Applicants still below the 90% / 80% targets after the tilted cap, or whose burden stays
    /// heavy: referrals to social assistance (综合性保障) — a list, not money.
    public func referralsReport(year: Int) throws -> Report {
        var report = Report(title: "Referrals to social assistance \(year)",
                            columns: ["person", "tiltedGranted", "gapLeft", "personalBurden", "why"])
        let heavy = try parameters().find(.riskBurdenPoor, on: CivilDate.lastOf(year: year))?.money
        for accumulator in try accumulators(year: year) where accumulator.applications > 0 {
            var why: [String] = []
            if accumulator.tiltedShortfall > .zero { why.append("below target after the tilted cap") }
            if let heavy, accumulator.personalBurden >= heavy { why.append("burden at or above \(heavy.yuanString)") }
            guard !why.isEmpty else { continue }
            report.rows.append([accumulator.person, accumulator.tiltedGranted.yuanString, accumulator.tiltedShortfall.yuanString,
                                accumulator.personalBurden.yuanString, why.joined(separator: "; ")])
        }
        return report
    }

    /// Decisions waiting for a parameter no published value gives (RULES.md § 6).
    public func pendingReport() throws -> Report {
        var report = Report(title: "Pending decisions", columns: ["person", "subject", "year", "parameter", "needed on", "since"])
        for decision in NetDecision.fold(try decisionEvents()) where decision.latest.word(.outcome, Outcome.self) == .pending {
            let subject: String
            switch decision.subject {
            case .claim(let claim): subject = "claim \(claim)"
            case .application(let sequence): subject = "application \(sequence)"
            case .enrollment(let sequence): subject = "enrolment \(sequence)"
            }
            report.rows.append([decision.person, subject, String(decision.year), decision.latest.text(.pendingParameter) ?? "-",
                                decision.latest.date(.pendingDate)?.description ?? "-", String(decision.latestSequence)])
        }
        return report
    }
}

extension LedgerSnapshot {
    /// What each level of government owes for the persons enrolled in fiscal year `year`, per region
    /// (RULES.md § 3), exact to the fen.
    public func financingReport(year: Int) throws -> Report {
        var report = Report(title: "Financing \(year): fiscal subsidy owed for the persons enrolled (RULES.md § 3)",
                            columns: ["region", "name", "kind", "persons", "central", "region", "city", "county", "total", "note"])
        let parameters = try parameters()
        var regions: [Int64: RegionInfo] = [:]
        var enrolled: [Int64: Set<String>] = [:]
        var enrolments: [(person: String, region: Int64)] = []
        try forEachEvent { recorded in
            let event = recorded.event
            if let region = RegionInfo(event), region.validFrom <= CivilDate.lastOf(year: year) { regions[region.code] = region }
            if event.type == .enrollmentRegistered, event.integer(.insuranceYear) == Int64(year), let person = event.person,
                let region = event.integer(.region) {
                enrolments.append((person, region))
            }
        }
        // One person counts once, under its survivor's first enrolment of the year.
        var counted: Set<String> = []
        for (person, region) in enrolments {
            let survivor = try survivor(of: person)
            guard counted.insert(survivor).inserted else { continue }
            enrolled[region, default: []].insert(survivor)
        }
        var totals = FinancingShare()
        var persons = 0
        for (code, members) in enrolled.sorted(by: { $0.key < $1.key }) {
            let region = regions[code]
            let share = Financing.share(for: region, year: year, parameters: parameters)
            let count = Int64(members.count)
            func times(_ money: Money) -> Money { Money(fen: money.fen * count) }
            persons += members.count
            totals.central += times(share.central)
            totals.region += times(share.region)
            totals.city += times(share.city)
            totals.county += times(share.county)
            report.rows.append([String(code), region?.name ?? "-", region?.kind.word ?? "unregistered", String(count),
                                times(share.central).yuanString, times(share.region).yuanString, times(share.city).yuanString,
                                times(share.county).yuanString, times(share.total).yuanString, share.note ?? ""])
        }
        report.rows.append(["all", "", "", String(persons), totals.central.yuanString, totals.region.yuanString,
                            totals.city.yuanString, totals.county.yuanString, totals.total.yuanString, ""])
        return report
    }
}

enum Reports {
    /// `2024` or `2024-05`.
    static func period(_ year: Int, _ month: Int?) -> String {
        month.map { "\(year)-\($0 < 10 ? "0" : "")\($0)" } ?? String(year)
    }
}
