import LedgerModel
import LedgerRules
import LedgerStorage

extension Ledger {
    /// A person's history as the rules see it now (with everyone merged into it).
    public func history(of person: String, upTo limit: UInt64 = .max) throws(LedgerError) -> PersonHistory {
        try read { transaction in
            let engine = try DecisionEngine(ledger: self, transaction: transaction, upTo: 0)
            return try engine.history(of: try survivor(of: person, upTo: limit, in: transaction), upTo: limit)
        }
    }

    /// The parameters recorded in the ledger.
    public func parameters() throws(LedgerError) -> ParameterSet {
        try read { try parameters(upTo: .max, in: $0) }
    }

    /// Every decision event, optionally of one person (with the persons merged into it), in order.
    public func decisionEvents(person: String? = nil) throws(LedgerError) -> [RecordedEvent] {
        if let person {
            return try timeline(of: person).events.filter { !$0.event.type.isInput }
        }
        var events: [RecordedEvent] = []
        try forEachEvent { if !$0.event.type.isInput { events.append($0) } }
        return events
    }
}

/// One subject's decision, net of its adjustments, with the latest breakdown.
public struct NetDecision: Sendable {
    public let subject: Subject
    public var person: String
    public var year: Int
    /// The latest decision or adjustment: its fields are the current breakdown.
    public var latest: Event
    public var latestSequence: UInt64
    public var firstSequence: UInt64
    public var grant: Money
    public var adjustments: Int

    /// Folds decision events into one net decision per subject, in the order subjects were first decided.
    public static func fold(_ events: [RecordedEvent]) -> [NetDecision] {
        var order: [Subject] = []
        var bySubject: [Subject: NetDecision] = [:]
        for recorded in events {
            let event = recorded.event
            guard let subject = PersonHistory.subject(of: event) else { continue }
            if var existing = bySubject[subject] {
                existing.grant += event.money(.amount) ?? .zero
                existing.latest = event
                existing.latestSequence = recorded.sequence
                existing.adjustments += 1
                existing.person = event.person ?? existing.person
                bySubject[subject] = existing
            } else {
                order.append(subject)
                bySubject[subject] = NetDecision(subject: subject, person: event.person ?? "", year: Accumulator.year(of: event) ?? 0,
                                                 latest: event, latestSequence: recorded.sequence, firstSequence: recorded.sequence,
                                                 grant: event.money(.amount) ?? .zero, adjustments: 0)
            }
        }
        return order.compactMap { bySubject[$0] }
    }
}

extension Render {
    /// The category that describes a person-year: JC or TP if held on the last day of the year,
    /// else the first other category held then, else "none".
    public static func category(_ history: PersonHistory, year: Int) -> String {
        ReportRules.rankedCategory(history, year: year)?.word ?? "none"
    }

    /// An accumulator as the JSON object of INTERCHANGE.md § What the ledger answers.
    public static func accumulatorJSON(_ accumulator: Accumulator, category: String) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("person", accumulator.person)
        writer.member("year", integer: accumulator.year)
        writer.member("category", category)
        writer.member("assistanceBase", accumulator.assistanceBase.yuanString)
        writer.member("assistanceGranted", accumulator.assistanceGranted.yuanString)
        writer.member("tiltedGranted", accumulator.tiltedGranted.yuanString)
        for (name, values) in [("inListCost", accumulator.inListCost), ("basicPaid", accumulator.basicPaid),
                               ("criticalPaid", accumulator.criticalPaid), ("assistancePaid", accumulator.assistancePaid)] {
            writer.key(name)
            writer.beginObject()
            writer.member("inpatient", values[0].yuanString)
            writer.member("outpatientSpecialChronic", values[1].yuanString)
            writer.endObject()
        }
        writer.member("selfPayAfterThreeTiers", accumulator.selfPayAfterThreeTiers.yuanString)
        writer.member("personalBurden", accumulator.personalBurden.yuanString)
        writer.member("totalCost", accumulator.totalCost.yuanString)
        writer.member("claims", integer: accumulator.claims)
        writer.member("applications", integer: accumulator.applications)
        if let standard = accumulator.contributionStandard { writer.member("contributionStandard", standard.yuanString) }
        writer.member("contributionSubsidy", accumulator.contributionSubsidy.yuanString)
        writer.member("contributionPaid", (accumulator.contributionPaid - accumulator.contributionRefunded).yuanString)
        if let owed = accumulator.contributionOwed { writer.member("contributionOwed", owed.yuanString) }
        writer.endObject()
        return writer.text
    }

    /// A net decision as one JSON line: claim (or application / enrolment), person, year, eligible,
    /// grant net of adjustments, outcome, reason, rules.
    public static func decisionJSON(_ decision: NetDecision) -> String {
        let event = decision.latest
        var writer = JSONWriter()
        writer.beginObject()
        switch decision.subject {
        case .claim(let claim): writer.member("claim", claim)
        case .application(let sequence): writer.member("application", integer: sequence)
        case .enrollment(let sequence): writer.member("enrollment", integer: sequence)
        }
        writer.member("person", decision.person)
        writer.member("year", integer: decision.year)
        writer.member("type", decision.adjustments == 0 ? event.type.name : "\(event.type.name) (net of \(decision.adjustments) adjustment\(decision.adjustments == 1 ? "" : "s"))")
        if let eligible = event.money(.eligible) { writer.member("eligible", eligible.yuanString) }
        writer.member("grant", decision.grant.yuanString)
        writer.member("outcome", (event.word(.outcome, Outcome.self) ?? .none).word)
        if let reason = event.text(.reason) { writer.member("reason", reason) }
        if let rules = event.text(.rules) {
            writer.key("rules")
            writer.beginArray()
            for rule in rules.split(separator: " ") { writer.string(String(rule)) }
            writer.endArray()
        }
        if let parameters = event[.parameters], case .integers(let sequences) = parameters {
            writer.key("parameters")
            writer.beginArray()
            for sequence in sequences { writer.integer(sequence) }
            writer.endArray()
        }
        writer.member("decidedAt", integer: decision.firstSequence)
        writer.member("latestAt", integer: decision.latestSequence)
        writer.endObject()
        return writer.text
    }
}
