import LedgerModel

/// One published value of a policy parameter (a `policy.published` event).
public struct Parameter: Hashable, Sendable {
    public let name: ParameterName
    public let value: ParameterValue
    public let validFrom: CivilDate
    public let validTo: CivilDate?
    /// A division code narrowing the parameter to a city (or a district within it); `nil` for the whole region.
    public let region: Int64?
    public let clause: String
    /// The ledger sequence of the `policy.published` event; decisions cite it.
    public let sequence: UInt64

    public init(name: ParameterName, value: ParameterValue, validFrom: CivilDate, validTo: CivilDate?, region: Int64?,
                clause: String, sequence: UInt64) {
        self.name = name
        self.value = value
        self.validFrom = validFrom
        self.validTo = validTo
        self.region = region
        self.clause = clause
        self.sequence = sequence
    }

    /// Reads a `policy.published` event.
    public init?(_ event: Event, sequence: UInt64) {
        guard event.type == .policyPublished, let text = event.text(.parameter), let name = ParameterName(rawValue: text),
            let value = event.text(.value), case .success(let value) = PolicyCatalogue.parse(value, for: text), let from = event.date(.validFrom),
            let clause = event.text(.clause)
        else { return nil }
        self.init(name: name, value: value, validFrom: from, validTo: event.date(.validTo), region: event.integer(.region),
                  clause: clause, sequence: sequence)
    }

    public func covers(_ date: CivilDate) -> Bool { validFrom <= date && (validTo.map { date <= $0 } ?? true) }

    /// Whether the parameter applies to division `code`: the same code, or the city that contains it.
    public func applies(to code: Int64?) -> Bool {
        guard let region else { return true }
        guard let code else { return false }
        return code == region || (region % 100 == 0 && code / 100 == region / 100)
    }

    public var money: Money? { if case .money(let money) = value { return money } else { return nil } }
    public var rate: BasisPoints? { if case .rate(let rate) = value { return rate } else { return nil } }
    public var count: Int64? { if case .count(let count) = value { return count } else { return nil } }
}

/// The parameters as recorded in the ledger, in publication order (RULES.md § 8).
public struct ParameterSet: Sendable {
    private var byName: [ParameterName: [Parameter]] = [:]
    /// The sequence of the latest parameter added: parameters are published in ledger order, so it
    /// names the whole set.
    public private(set) var latestSequence: UInt64 = 0

    public init(_ parameters: [Parameter] = []) {
        for parameter in parameters { add(parameter) }
    }

    public mutating func add(_ parameter: Parameter) {
        byName[parameter.name, default: []].append(parameter)
        latestSequence = max(latestSequence, parameter.sequence)
    }

    public var all: [Parameter] { byName.values.flatMap { $0 }.sorted { $0.sequence < $1.sequence } }

    /// Every parameter by the sequence of its `policy.published` event, as decisions cite them.
    public var bySequence: [UInt64: Parameter] {
        Dictionary(all.map { ($0.sequence, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The value in force for `name` on `date` in `region`: a parameter narrowed to the region wins
    /// over one for the whole region; among equals, the later publication supersedes the earlier.
    public func find(_ name: ParameterName, on date: CivilDate, region: Int64? = nil) -> Parameter? {
        guard let candidates = byName[name] else { return nil }
        var best: Parameter?
        for candidate in candidates where candidate.covers(date) && candidate.applies(to: region) {
            guard let current = best else { best = candidate; continue }
            let candidateNarrow = candidate.region != nil
            let currentNarrow = current.region != nil
            if candidateNarrow != currentNarrow {
                if candidateNarrow { best = candidate }
            } else if candidate.sequence > current.sequence {
                best = candidate
            }
        }
        return best
    }

    /// The parameters in force on `date` (for `params --on`), sorted by name, whole-region first:
    /// for each name and region, only the latest publication covering the date, because a later
    /// `policy.published` supersedes an earlier one from its `validFrom` (RULES.md § 8).
    public func inForce(on date: CivilDate) -> [Parameter] {
        byName.keys.sorted().flatMap { name in
            var latest: [Int64: Parameter] = [:]
            for candidate in byName[name, default: []] where candidate.covers(date) {
                let scope = candidate.region ?? -1
                if let current = latest[scope], current.sequence > candidate.sequence { continue }
                latest[scope] = candidate
            }
            return latest.keys.sorted().compactMap { latest[$0] }
        }
    }
}
