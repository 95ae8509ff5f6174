/// The unit of a policy parameter (RULES.md § 8).
public enum ParameterUnit: String, Sendable {
    /// Yuan, written `"3000"` or `"82.5"`.
    case money
    /// A percentage with at most two decimals, written `"70%"` or `"12.5%"`.
    case rate
    /// A whole number, written `"3"`.
    case count
    /// A name, such as a holiday's (`"春节"`): the calendar entries of RULES.md § 14.
    case name
}

/// A parameter's value, parsed by its unit.
public enum ParameterValue: Hashable, Sendable, CustomStringConvertible {
    case money(Money)
    case rate(BasisPoints)
    case count(Int64)
    case name(String)

    public var description: String {
        switch self {
        case .money(let money): return money.yuanString
        case .rate(let rate): return rate.percentString
        case .count(let count): return String(count)
        case .name(let name): return name
        }
    }
}

/// The catalogue of parameter names (the public interface of RULES.md § 8) and their units.
public enum PolicyCatalogue {
    public static let units: [String: ParameterUnit] = {
        var units: [String: ParameterUnit] = [:]
        for name in ["contribution.standard", "contribution.subsidy.DB", "assistance.threshold", "assistance.cap",
                     "tilted.eligibility", "tilted.cap", "risk.burden.poor", "risk.burden.rural", "critical.threshold", "critical.cap"] {
            units[name] = .money
        }
        for level in ["central", "region.city", "region.county", "region.poor-county", "local.city", "local.county",
                      "local.poor-county", "students"] {
            units["financing." + level] = .money
        }
        for name in ["contribution.subsidy.JC", "contribution.subsidy.TP", "contribution.subsidy.TP-exit",
                     "contribution.subsidy.TK", "contribution.subsidy.poor2018", "assistance.rate.JC", "assistance.rate.TP",
                     "tilted.target.inpatient", "tilted.target.outpatient", "inlist.share.min", "critical.rate",
                     "critical.tilt.threshold.JC", "critical.tilt.threshold.TP", "critical.tilt.rate.JC", "critical.tilt.rate.TP"] {
            units[name] = .rate
        }
        units["waiting.months"] = .count
        // Public holidays (an interval) and weekend days worked instead (调休), RULES.md § 14.
        units["calendar.holiday"] = .name
        units["calendar.workday"] = .name
        return units
    }()

    /// Parses `text` as a value of parameter `name`, or says why not.
    public static func parse(_ text: String, for name: String) -> Result<ParameterValue, Interchange.Reason> {
        guard let unit = units[name] else {
            return .failure(Interchange.Reason("unknown parameter; the catalogue of RULES.md § 8 names \(units.count)"))
        }
        switch unit {
        case .money:
            do { return .success(.money(try Money(yuan: text))) } catch {
                return .failure(Interchange.Reason("a money parameter is yuan such as \"3000\": \(error)"))
            }
        case .rate:
            guard let rate = BasisPoints(percent: text) else {
                return .failure(Interchange.Reason("a rate parameter is a percentage such as \"70%\" or \"12.5%\""))
            }
            return .success(.rate(rate))
        case .count:
            guard let count = Int64(text), count >= 0, count <= 120 else {
                return .failure(Interchange.Reason("a count parameter is a whole number from 0 to 120, such as \"3\""))
            }
            return .success(.count(count))
        case .name:
            guard !text.isEmpty else { return .failure(Interchange.Reason("a calendar entry is named, such as \"春节\"")) }
            return .success(.name(text))
        }
    }
}
