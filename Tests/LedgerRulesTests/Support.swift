import LedgerModel
@testable import LedgerRules
import Testing

// Helpers for the rules tests: facts as `Event` values, the default parameter set, and a small
// in-memory "book" that records facts (and, when asked, the decisions they cause) in ledger order.

/// Money from a yuan string, exactly: `yuan("30000.55")` is 3 000 055 fen.
func yuan(_ text: String) -> Money {
    do { return try Money(yuan: text) } catch { preconditionFailure("bad test amount \(text): \(error)") }
}

func day(_ text: String) -> CivilDate {
    guard let date = CivilDate(text) else { preconditionFailure("bad test date \(text)") }
    return date
}

/// The stored form of a symbol field's word.
func word(_ field: Field, _ text: String) -> FieldValue {
    guard case .symbol(let words) = field.kind, let index = words.firstIndex(of: text) else {
        preconditionFailure("\(text) is not a word of \(field)")
    }
    return .symbol(index)
}

/// Input facts, built directly as events (the interchange parser is tested elsewhere).
enum Fact {
    static let region: Int64 = 450102

    static func registered(_ person: String = "P1", residence: String = "rural") -> Event {
        Event(type: .personRegistered, source: nil, person: person, fields: [
            .idNumber: .text("450102199001011234"), .name: .text("测试"), .birthDate: .date(day("1990-01-01")),
            .region: .integer(region), .residence: word(.residence, residence),
        ])
    }

    static func identity(_ category: String, from: String, to: String? = nil, exitYear: Int64? = nil) -> Event {
        identity("P1", category, from: from, to: to, exitYear: exitYear)
    }

    static func identity(_ person: String, _ category: String, from: String, to: String? = nil,
                         exitYear: Int64? = nil) -> Event {
        let civil = ["TK", "GE", "SW", "DB", "DBBY"].contains(category)
        var fields: [Field: FieldValue] = [
            .category: word(.category, category), .validFrom: .date(day(from)),
            .department: word(.department, civil ? "civil-affairs" : "rural-revitalization"),
        ]
        if let to { fields[.validTo] = .date(day(to)) }
        if let exitYear { fields[.exitYear] = .integer(exitYear) }
        return Event(type: .identityRecognized, source: nil, person: person, fields: fields)
    }

    static func revoked(_ category: String, to: String) -> Event { revoked("P1", category, to: to) }

    static func revoked(_ person: String, _ category: String, to: String) -> Event {
        Event(type: .identityRevoked, source: nil, person: person, fields: [
            .category: word(.category, category), .validTo: .date(day(to)),
        ])
    }

    static func enrolled(_ person: String = "P1", year: Int = 2024, on: String = "2023-11-15",
                         channel: String = "concentrated", exemption: String? = nil) -> Event {
        var fields: [Field: FieldValue] = [
            .region: .integer(region), .insuranceYear: .integer(Int64(year)), .enrolledOn: .date(day(on)),
            .channel: word(.channel, channel),
        ]
        if let exemption { fields[.exemption] = word(.exemption, exemption) }
        return Event(type: .enrollmentRegistered, source: nil, person: person, fields: fields)
    }

    static func paid(_ person: String = "P1", year: Int = 2024, amount: String, on: String) -> Event {
        Event(type: .contributionPaid, source: nil, person: person, fields: [
            .insuranceYear: .integer(Int64(year)), .amount: .money(yuan(amount)), .paidOn: .date(day(on)),
        ])
    }

    static func refunded(_ person: String = "P1", year: Int = 2024, amount: String, on: String) -> Event {
        Event(type: .contributionRefunded, source: nil, person: person, fields: [
            .insuranceYear: .integer(Int64(year)), .amount: .money(yuan(amount)), .refundedOn: .date(day(on)),
        ])
    }

    /// A settlement; `total` defaults to the in-list cost.
    static func claim(_ id: String, on: String, kind: String = "inpatient", disease: String? = nil, inList: String,
                      basic: String, critical: String = "0", total: String? = nil, admitted: String? = nil) -> Event {
        claim("P1", id, on: on, kind: kind, disease: disease, inList: inList, basic: basic, critical: critical, total: total,
              admitted: admitted)
    }

    static func claim(_ person: String, _ id: String, on: String, kind: String = "inpatient",
                      disease: String? = nil, inList: String, basic: String, critical: String = "0",
                      total: String? = nil, admitted: String? = nil) -> Event {
        var fields: [Field: FieldValue] = [
            .claim: .text(id), .claimKind: word(.claimKind, kind), .hospital: .text("H1"), .settledOn: .date(day(on)),
            .totalCost: .money(yuan(total ?? inList)), .inListCost: .money(yuan(inList)), .basicPaid: .money(yuan(basic)),
            .criticalPaid: .money(yuan(critical)),
        ]
        if kind == "outpatient-special-chronic" { fields[.disease] = word(.disease, disease ?? "malignant-tumour") }
        if let admitted {
            fields[.admittedOn] = .date(day(admitted))
            fields[.dischargedOn] = .date(day(on))
        }
        return Event(type: .settlementRecorded, source: nil, person: person, fields: fields)
    }

    static func reversed(_ id: String, on: String) -> Event { reversed("P1", id, on: on) }

    static func reversed(_ person: String, _ id: String, on: String) -> Event {
        Event(type: .settlementReversed, source: nil, person: person, fields: [.claim: .text(id), .reversedOn: .date(day(on))])
    }

    static func applied(_ person: String = "P1", year: Int = 2024, on: String) -> Event {
        Event(type: .assistanceApplied, source: nil, person: person, fields: [.year: .integer(Int64(year)), .appliedOn: .date(day(on))])
    }

    static func merged(_ person: String, into survivor: String, on: String = "2024-12-31") -> Event {
        Event(type: .personMerged, source: nil, person: person, fields: [.on: .date(day(on)), .into: .text(survivor)])
    }

    static func policy(_ name: String, _ value: String, from: String, to: String? = nil) -> Event {
        var fields: [Field: FieldValue] = [
            .parameter: .text(name), .value: .text(value), .validFrom: .date(day(from)), .clause: .text("test notice"),
        ]
        if let to { fields[.validTo] = .date(day(to)) }
        return Event(type: .policyPublished, source: Source(system: "test", key: "\(name)/\(from)"), person: nil, fields: fields)
    }
}

/// The seeds' default parameters with sequences 1...n, then `extra` publications with sequences
/// 60, 61, … (all before any person event, which start at 101).
func defaultParameters(_ extra: [Event] = []) -> ParameterSet {
    var list: [Parameter] = []
    for (offset, event) in DefaultParameters.events.enumerated() {
        guard let parameter = Parameter(event, sequence: UInt64(offset + 1)) else { preconditionFailure("a default does not read") }
        list.append(parameter)
    }
    precondition(list.count < 60, "the defaults must leave room for the test's own publications")
    for (offset, event) in extra.enumerated() {
        guard let parameter = Parameter(event, sequence: UInt64(60 + offset)) else { preconditionFailure("a test policy does not read") }
        list.append(parameter)
    }
    return ParameterSet(list)
}

/// One person's facts and decisions in ledger order, as the ledger would hold them.
struct Book {
    var parameters: ParameterSet
    var history: PersonHistory
    var log: [(sequence: UInt64, event: Event)] = []
    var next: UInt64 = 101

    init(person: String = "P1", policies: [Event] = []) {
        parameters = defaultParameters(policies)
        history = PersonHistory(person: person)
    }

    /// Appends one event (a fact or a decision) at the next sequence; returns that sequence.
    @discardableResult
    mutating func add(_ event: Event) -> UInt64 {
        let sequence = next
        next += 1
        history.apply(event, sequence: sequence)
        log.append((sequence, event))
        return sequence
    }

    mutating func add(_ events: [Event]) { for event in events { add(event) } }

    /// Appends a fact and then the decisions it causes (every year of the person re-adjudicated,
    /// as the ledger's decision engine does), each at its own sequence. Returns the decisions written.
    @discardableResult
    mutating func record(_ event: Event) -> [(sequence: UInt64, event: Event)] {
        let cause = add(event)
        return decide(cause: cause)
    }

    mutating func record(_ events: [Event]) { for event in events { record(event) } }

    /// Writes what re-adjudication gives and the book does not hold yet.
    @discardableResult
    mutating func decide(cause: UInt64) -> [(sequence: UInt64, event: Event)] {
        var written: [(sequence: UInt64, event: Event)] = []
        for year in history.years {
            for decision in pending(year, cause: cause) { written.append((add(decision), decision)) }
        }
        return written
    }

    func adjudicate(_ year: Int = 2024) -> YearAdjudication {
        Adjudicator.adjudicate(history, year: year, parameters: parameters)
    }

    func pending(_ year: Int = 2024, cause: UInt64) -> [Event] {
        DecisionEvents.pending(adjudicate(year), history: history, cause: cause)
    }

    /// The sequence of the first decision written about claim `id`.
    func firstDecision(ofClaim id: String) -> UInt64? {
        log.first { $0.event.type == .assistanceGranted && $0.event.text(.claim) == id }?.sequence
    }

    /// Folds the book into the accumulator of `year`, as the projection does: facts and decisions
    /// of the year, a reversal counted in the year of the claim it undoes.
    func accumulator(_ year: Int = 2024) -> Accumulator {
        var accumulator = Accumulator(person: history.person, year: year)
        for (_, event) in log {
            if event.type == .settlementReversed {
                guard let claim = log.first(where: { $0.event.type == .settlementRecorded && $0.event.text(.claim) == event.text(.claim) })?.event,
                    claim.date(.settledOn)?.year == year
                else { continue }
                accumulator.apply(event, reversedClaim: claim)
            } else if Accumulator.year(of: event) == year {
                accumulator.apply(event)
            }
        }
        return accumulator
    }
}

extension YearAdjudication {
    func claim(_ id: String) -> ClaimDecision? { claims.first { $0.claim.id == id } }
}

/// A JC person for all of 2024 (recognised 2023-06-01), enrolled for 2024 in the concentrated period.
func jcPerson(_ person: String = "P1", from: String = "2023-06-01") -> [Event] {
    [Fact.registered(person), Fact.identity(person, "JC", from: from), Fact.enrolled(person)]
}

/// A TP person (poverty-alleviated 2019) for all of 2024, enrolled for 2024 in the concentrated period.
func tpPerson(_ person: String = "P1") -> [Event] {
    [Fact.registered(person), Fact.identity(person, "TP", from: "2020-01-01", exitYear: 2019), Fact.enrolled(person)]
}
