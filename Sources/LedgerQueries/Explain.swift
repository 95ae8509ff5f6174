import LedgerCore
import LedgerModel
import LedgerRules

/// Plain words for an appeals investigator: what each fact changed, and why each decision is what it is.
public enum Explain {

    /// What an input event changed, in words.
    public static func fact(_ event: Event) -> String? {
        switch event.type {
        case .settlementRecorded:
            guard let claim = Claim(event, sequence: 0) else { return nil }
            return "year \(claim.year): claim \(claim.id) (\(claim.kind)) adds total cost \(claim.totalCost), in-list \(claim.inListCost), "
                + "basic \(claim.basicPaid), critical \(claim.criticalPaid); base after two tiers \(claim.base)"
        case .settlementReversed:
            return "claim \(event.text(.claim) ?? "?") is reversed: it leaves its year's accumulators and is re-adjudicated"
        case .identityRecognized:
            return "\(event.symbol(.category) ?? "?") from \(event.date(.validFrom).map(String.init(describing:)) ?? "?")"
                + (event.date(.validTo).map { " to \($0)" } ?? ", open-ended") + "; the person's years are re-adjudicated"
        case .identityRevoked:
            return "\(event.symbol(.category) ?? "?") ends on \(event.date(.validTo).map(String.init(describing:)) ?? "?"); the person's years are re-adjudicated"
        case .enrollmentRegistered:
            return "enrolled for \(event.integer(.insuranceYear).map(String.init) ?? "?") (\(event.symbol(.channel) ?? "?")"
                + (event.symbol(.exemption).map { ", \($0)" } ?? "") + "): coverage follows enrolment (I-9)"
        case .contributionPaid:
            return "paid \(event.money(.amount)?.yuanString ?? "?") for \(event.integer(.insuranceYear).map(String.init) ?? "?")"
        case .contributionRefunded:
            return "refunded \(event.money(.amount)?.yuanString ?? "?") for \(event.integer(.insuranceYear).map(String.init) ?? "?")"
        case .assistanceApplied:
            return "applies for tilted assistance for \(event.integer(.year).map(String.init) ?? "?")"
        case .accessRecorded:
            return "read by \(event.text(.reader) ?? "?") (\(event.symbol(.role) ?? "?")) through \(event.text(.route) ?? "?")"
        case .personMerged:
            return "\(event.person ?? "?") is a duplicate record of \(event.text(.into) ?? "?"): its events count as the survivor's"
        default:
            return nil
        }
    }

    /// What to say under an event: a decision's breakdown, or what a fact changed.
    public static func lines(for event: Event, parameters: [UInt64: Parameter], causeType: (UInt64) -> String?) -> [String] {
        event.type.isDecision ? decision(event, parameters: parameters, causeType: causeType) : (fact(event).map { [$0] } ?? [])
    }

    /// A decision in words, one sentence per line.
    public static func decision(_ event: Event, parameters: [UInt64: Parameter], causeType: (UInt64) -> String?) -> [String] {
        var lines: [String] = []
        let grant = event.money(.grant) ?? .zero
        if event.type == .assistanceAdjusted {
            let amount = event.money(.amount) ?? .zero
            let cause = event.integer(.cause).map { UInt64($0) } ?? 0
            let kind = amount > .zero ? "补发 pays \(amount) more" : amount < .zero ? "追回 recovers \(-amount)" : "moves no money"
            lines.append("Adjusts the decision of sequence \(event.integer(.adjusts).map(String.init) ?? "?") after sequence \(cause)"
                + (causeType(cause).map { " (\($0))" } ?? "") + ": \(kind); the net grant is now \(grant).")
        }
        switch PersonHistory.subject(of: event) {
        case .claim(let claim)?: lines += claimWords(event, claim: claim)
        case .application?: lines += tiltedWords(event)
        case .enrollment?: lines += subsidyWords(event)
        case nil: break
        }
        if let reason = event.text(.reason) { lines.append("Reason: \(reason).") }
        if case .integers(let sequences)? = event[.parameters], !sequences.isEmpty {
            let cited = sequences.map { sequence -> String in
                guard let parameter = parameters[UInt64(sequence)] else { return "#\(sequence)" }
                return "#\(sequence) \(parameter.name) = \(parameter.value) (\(parameter.clause))"
            }
            lines.append("Parameters: " + cited.joined(separator: "; ") + ".")
        }
        if let rules = event.text(.rules) {
            lines.append("Rules: " + JudgementCall.calls(in: rules).map { "\($0.rawValue) \($0.sentence)" }.joined(separator: "; ") + ".")
        }
        return lines
    }

    private static func identity(_ event: Event, on date: String) -> String {
        let category = event.symbol(.category)
        let held = event.text(.held).map { " (held then: \($0))" } ?? ""
        guard let category else {
            let holds = event.text(.held).map { "Held on \(date): \($0)." } ?? "No identity held on \(date)."
            return holds + " No JC or TP category applies to this decision."
        }
        let source = event.integer(.identityEvent).map { ", recognised at sequence \($0)" } ?? ""
        return "\(category) on \(date)\(source)\(held)."
    }

    private static func claimWords(_ event: Event, claim: String) -> [String] {
        let settled = event.date(.settledOn).map(String.init(describing:)) ?? "?"
        var lines = ["Claim \(claim) (\(event.symbol(.claimKind) ?? "?"), settled \(settled)). " + identity(event, on: settled)]
        guard event.integer(.counted) == 1, let threshold = event.money(.threshold), let base = event.money(.base),
            let before = event.money(.baseBefore), let after = event.money(.baseAfter)
        else {
            lines.append(event.word(.outcome, Outcome.self) == .pending ? "Pending: nothing is granted until the parameter is published."
                         : "The claim does not count toward the year's base and gets no medical assistance.")
            return lines
        }
        let crossing = before >= threshold ? "the threshold \(threshold) was already passed"
            : after >= threshold ? "the threshold \(threshold) is crossed on this claim" : "still below the threshold \(threshold)"
        lines.append("Base \(base) takes the year's base from \(before) to \(after): \(crossing).")
        let rate = event.integer(.rate).map { BasisPoints($0) }
        let eligible = event.money(.eligible) ?? .zero
        let grant = event.money(.grant) ?? .zero
        if eligible > .zero, let rate {
            let full = pct(eligible, rate)
            lines.append("Eligible \(eligible) × \(rate) = \(full)" + (grant < full ? ", capped to \(grant)." : ", granted."))
        }
        if let cap = event.money(.cap) {
            lines.append("Granted this year \(event.money(.grantedBefore) ?? .zero) → \(event.money(.grantedAfter) ?? .zero) of the \(cap) cap"
                + (event.word(.fundedBy, Funder.self).map { "; paid by \($0.payer)" } ?? "") + ".")
        }
        return lines
    }

    private static func tiltedWords(_ event: Event) -> [String] {
        let applied = event.date(.appliedOn).map(String.init(describing:)) ?? "?"
        var lines = ["Tilted assistance applied for on \(applied) for \(event.integer(.year).map(String.init) ?? "?"). "
            + (event.integer(.identityEvent).map { "JC on that date, recognised at sequence \($0)." } ?? "")]
        if let selfPay = event.money(.selfPay), let line = event.money(.threshold) {
            lines.append("In-list self-pay after three tiers \(selfPay) \(selfPay >= line ? "≥" : "<") \(line): \(selfPay >= line ? "eligible" : "not eligible").")
        }
        let eligible = (event.money(.selfPay) ?? .zero) >= (event.money(.threshold) ?? .zero)
        if eligible, let gapIn = event.money(.inpatientGap), let gapOut = event.money(.outpatientGap), let cap = event.money(.cap) {
            lines.append("Gap to 90% inpatient \(gapIn), to 80% special chronic \(gapOut); grant \(event.money(.grant) ?? .zero); "
                + "tilted this year \(event.money(.grantedBefore) ?? .zero) → \(event.money(.grantedAfter) ?? .zero) of the \(cap) cap.")
        }
        return lines
    }

    private static func subsidyWords(_ event: Event) -> [String] {
        let year = event.integer(.insuranceYear).map(String.init) ?? "?"
        guard let standard = event.money(.standard) else { return ["Contribution subsidy for insurance year \(year)."] }
        var text = "Contribution subsidy for insurance year \(year): standard \(standard)"
        if let category = event.symbol(.category), let rate = event.integer(.rate) {
            text += ", \(category) \(BasisPoints(rate)) → \(event.money(.grant) ?? .zero)"
        } else if let category = event.symbol(.category) {
            text += ", \(category) → \(event.money(.grant) ?? .zero)"
        }
        if let owed = event.money(.owed) { text += "; the person owes \(owed)" }
        return [text + "."]
    }
}

extension Render {
    /// A timeline that explains itself: each fact with what it changed, each decision in words.
    public static func explainedTimeline(_ timeline: Timeline, parameters: ParameterSet) -> String {
        let bySequence = parameters.bySequence
        let types = timeline.typesBySequence
        var text = ""
        let table = Render.timeline(timeline).split(separator: "\n", omittingEmptySubsequences: false)
        // Header lines, then each event's row followed by its explanation.
        text += table.prefix(2).joined(separator: "\n") + "\n"
        for (index, recorded) in timeline.events.enumerated() {
            text += table[index + 2] + "\n"
            let lines = Explain.lines(for: recorded.event, parameters: bySequence, causeType: { types[$0] })
            for line in lines { text += String(repeating: " ", count: 10) + "· " + line + "\n" }
        }
        text += "\(timeline.events.count) event\(timeline.events.count == 1 ? "" : "s")\n"
        return text
    }
}

extension JudgementCall {
    /// The judgement call of RULES.md in a sentence, as an investigator reads it under a decision.
    public var sentence: String {
        switch self {
        case .I1: return "the year of a claim is the year of its settlement date"
        case .I2: return "special chronic outpatient claims share the inpatient threshold and cap"
        case .I3: return "claims settled where no assistance policy is in force (before 2022-08-01) get nothing and do not accumulate"
        case .I4: return "the 100 000 tilted cap is separate from the 20 000 annual cap"
        case .I5: return "the hospital bears the out-of-list excess over 10% of total cost"
        case .I6: return "JC and TP share one annual base and one cap"
        case .I7: return "tilted assistance is taken from the inpatient gap first, then the outpatient one"
        case .I8: return "tilted assistance counts the year's claims whatever the category on each; the applicant is JC on the application date"
        case .I9: return "coverage follows enrolment, not the arrival of the payment"
        case .I10: return "the critical-illness tier's base is the in-list self-pay after the basic tier"
        case .I11: return "a tilt of \"10%\" is ten percentage points added to the rate"
        }
    }
}

extension Funder {
    /// Who pays, in words.
    var payer: String {
        switch self {
        case .assistanceFund: return "the medical assistance fund (医疗救助基金)"
        case .cityCountyFinance: return "city and county finance (市县财政)"
        case .civilAffairs: return "civil affairs (民政)"
        case .regionCityCounty: return "the region, city and county"
        }
    }
}
