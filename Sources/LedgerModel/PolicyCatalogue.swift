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

/// The catalogue of parameter names: the public interface of RULES.md § 8. A `policy.published`
/// event names one of these or is refused; the rules ask for them by case, never by a string.
public enum ParameterName: String, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    case contributionStandard = "contribution.standard"
    case contributionSubsidyJC = "contribution.subsidy.JC"
    case contributionSubsidyTP = "contribution.subsidy.TP"
    case contributionSubsidyTPExit = "contribution.subsidy.TP-exit"
    case contributionSubsidyTK = "contribution.subsidy.TK"
    case contributionSubsidyDB = "contribution.subsidy.DB"
    case contributionSubsidyPoor2018 = "contribution.subsidy.poor2018"
    case waitingMonths = "waiting.months"
    case financingCentral = "financing.central"
    case financingRegionCity = "financing.region.city"
    case financingRegionCounty = "financing.region.county"
    case financingRegionPoorCounty = "financing.region.poor-county"
    case financingLocalCity = "financing.local.city"
    case financingLocalCounty = "financing.local.county"
    case financingLocalPoorCounty = "financing.local.poor-county"
    case financingStudents = "financing.students"
    case assistanceThreshold = "assistance.threshold"
    case assistanceCap = "assistance.cap"
    case assistanceRateJC = "assistance.rate.JC"
    case assistanceRateTP = "assistance.rate.TP"
    case tiltedEligibility = "tilted.eligibility"
    case tiltedCap = "tilted.cap"
    case tiltedTargetInpatient = "tilted.target.inpatient"
    case tiltedTargetOutpatient = "tilted.target.outpatient"
    case riskBurdenPoor = "risk.burden.poor"
    case riskBurdenRural = "risk.burden.rural"
    case inlistShareMin = "inlist.share.min"
    case criticalThreshold = "critical.threshold"
    case criticalRate = "critical.rate"
    case criticalCap = "critical.cap"
    case criticalTiltThresholdJC = "critical.tilt.threshold.JC"
    case criticalTiltThresholdTP = "critical.tilt.threshold.TP"
    case criticalTiltRateJC = "critical.tilt.rate.JC"
    case criticalTiltRateTP = "critical.tilt.rate.TP"
    /// A public holiday, an interval (RULES.md § 14).
    case calendarHoliday = "calendar.holiday"
    /// A weekend day worked instead (调休, RULES.md § 14).
    case calendarWorkday = "calendar.workday"

    public var description: String { rawValue }

    public static func < (lhs: ParameterName, rhs: ParameterName) -> Bool { lhs.rawValue < rhs.rawValue }

    public var unit: ParameterUnit {
        switch self {
        case .contributionStandard, .contributionSubsidyDB, .assistanceThreshold, .assistanceCap, .tiltedEligibility, .tiltedCap,
            .riskBurdenPoor, .riskBurdenRural, .criticalThreshold, .criticalCap, .financingCentral, .financingRegionCity,
            .financingRegionCounty, .financingRegionPoorCounty, .financingLocalCity, .financingLocalCounty,
            .financingLocalPoorCounty, .financingStudents:
            return .money
        case .contributionSubsidyJC, .contributionSubsidyTP, .contributionSubsidyTPExit, .contributionSubsidyTK,
            .contributionSubsidyPoor2018, .assistanceRateJC, .assistanceRateTP, .tiltedTargetInpatient, .tiltedTargetOutpatient,
            .inlistShareMin, .criticalRate, .criticalTiltThresholdJC, .criticalTiltThresholdTP, .criticalTiltRateJC,
            .criticalTiltRateTP:
            return .rate
        case .waitingMonths: return .count
        case .calendarHoliday, .calendarWorkday: return .name
        }
    }

    /// The assistance rate of an assisted category (RULES.md § 6); nil for the others.
    public static func assistanceRate(_ category: Category) -> ParameterName? {
        guard category.isAssisted else { return nil }
        return category == .JC ? .assistanceRateJC : .assistanceRateTP
    }

    /// The critical-illness tilt of an assisted category (RULES.md § 12): its threshold share and its extra rate.
    public static func criticalTilt(_ category: Category) -> (threshold: ParameterName, rate: ParameterName)? {
        guard category.isAssisted else { return nil }
        return category == .JC ? (.criticalTiltThresholdJC, .criticalTiltRateJC) : (.criticalTiltThresholdTP, .criticalTiltRateTP)
    }
}

/// Parsing a published value by its parameter's unit.
public enum PolicyCatalogue {
    /// Parses `text` as a value of parameter `name`, or says why not.
    public static func parse(_ text: String, for name: String) -> Result<ParameterValue, Interchange.Reason> {
        guard let name = ParameterName(rawValue: name) else {
            return .failure(Interchange.Reason("unknown parameter; the catalogue of RULES.md § 8 names \(ParameterName.allCases.count)"))
        }
        switch name.unit {
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
