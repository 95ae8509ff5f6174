import LedgerCore
import LedgerModel
import LedgerRules

extension LedgerSnapshot {
    /// The live accumulators (optionally of one person or one year), each as the JSON object of
    /// INTERCHANGE.md with the category of its person-year.
    public func accumulatorAnswers(person: String? = nil, year: Int? = nil) throws -> [String] {
        var histories: [String: PersonHistory] = [:]
        return try accumulators(person: person, year: year).map { accumulator in
            let history = try histories[accumulator.person] ?? self.history(of: accumulator.person)
            histories[accumulator.person] = history
            return Render.accumulatorJSON(accumulator, category: Render.category(history, year: accumulator.year))
        }
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
