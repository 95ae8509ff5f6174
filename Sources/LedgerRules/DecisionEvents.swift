import LedgerModel

/// Turns a re-adjudicated person-year into the decision events still to be written: a first
/// decision for each new subject, an adjustment (± difference) for each subject whose grant,
/// outcome or counting toward the threshold changed (RULES.md § 9). Nothing written is changed.
public enum DecisionEvents {
    public static func pending(_ adjudication: YearAdjudication, history: PersonHistory, cause: UInt64) -> [Event] {
        var events: [Event] = []
        for decision in adjudication.subsidies {
            let subject = Subject.enrollment(decision.enrollment.sequence)
            let recorded = history.decisions[subject]
            guard changed(recorded, grant: decision.subsidy, counted: false, outcome: decision.outcome) else { continue }
            var fields = subsidyFields(decision)
            events.append(make(subject: subject, recorded: recorded, grant: decision.subsidy, outcome: decision.outcome,
                               first: .contributionSubsidized, person: history.person, cause: cause, fields: &fields))
        }
        for decision in adjudication.claims {
            let subject = Subject.claim(decision.claim.id)
            let recorded = history.decisions[subject]
            guard changed(recorded, grant: decision.grant, counted: decision.counted, outcome: decision.outcome) else { continue }
            var fields = claimFields(decision)
            let base = decision.claim.base
            fields[.baseDelta] = .money((decision.counted ? base : .zero) - ((recorded?.counted ?? false) ? base : .zero))
            events.append(make(subject: subject, recorded: recorded, grant: decision.grant, outcome: decision.outcome,
                               first: .assistanceGranted, person: history.person, cause: cause, fields: &fields))
        }
        for decision in adjudication.tilted {
            let subject = Subject.application(decision.application.sequence)
            let recorded = history.decisions[subject]
            guard changed(recorded, grant: decision.grant, counted: false, outcome: decision.outcome) else { continue }
            var fields = tiltedFields(decision)
            fields[.inpatientAmount] = .money(decision.inpatientPart - (recorded?.inpatientPart ?? .zero))
            fields[.outpatientAmount] = .money(decision.outpatientPart - (recorded?.outpatientPart ?? .zero))
            events.append(make(subject: subject, recorded: recorded, grant: decision.grant, outcome: decision.outcome,
                               first: .tiltedGranted, person: history.person, cause: cause, fields: &fields))
        }
        return events
    }

    /// Whether a subject needs a decision event: it has none yet, or its grant, outcome or counting
    /// toward the threshold changed.
    private static func changed(_ recorded: RecordedDecision?, grant: Money, counted: Bool, outcome: Outcome) -> Bool {
        guard let recorded else { return true }
        return recorded.grant != grant || recorded.counted != counted || recorded.outcome != outcome
    }

    private static func make(subject: Subject, recorded: RecordedDecision?, grant: Money, outcome: Outcome,
                             first: EventType, person: String, cause: UInt64, fields: inout DecisionFields) -> Event {
        fields[.cause] = .integer(Int64(cause))
        fields[.grant] = .money(grant)
        fields[.outcome] = outcome.symbol
        guard let recorded else {
            fields[.amount] = .money(grant)
            return Event(type: first, source: nil, person: person, orderedFields: fields.ordered)
        }
        fields[.amount] = .money(grant - recorded.grant)
        fields[.adjusts] = .integer(Int64(recorded.sequence))
        switch subject {
        case .claim: fields[.subject] = SubjectKind.claim.symbol
        case .application: fields[.subject] = SubjectKind.application.symbol
        case .enrollment: fields[.subject] = SubjectKind.enrollment.symbol
        }
        return Event(type: .assistanceAdjusted, source: nil, person: person, orderedFields: fields.ordered)
    }

    static func common(reason: Reason?, rules: [JudgementCall], parameters: [UInt64], identityEvent: UInt64?,
                       pending: (parameter: ParameterName, date: CivilDate)?) -> DecisionFields {
        var fields = DecisionFields()
        if let reason { fields[.reason] = .reason(reason) }
        if !rules.isEmpty { fields[.rules] = .text(JudgementCall.text(rules)) }
        if !parameters.isEmpty { fields[.parameters] = .integers(parameters.map { Int64($0) }) }
        if let identityEvent { fields[.identityEvent] = .integer(Int64(identityEvent)) }
        if let pending {
            fields[.pendingParameter] = .text(pending.parameter.rawValue)
            fields[.pendingDate] = .date(pending.date)
        }
        return fields
    }

    static func claimFields(_ decision: ClaimDecision) -> DecisionFields {
        var fields = common(reason: decision.why, rules: decision.rules, parameters: decision.parameters,
                            identityEvent: decision.identityEvent, pending: decision.pending)
        let claim = decision.claim
        fields[.claim] = .text(claim.id)
        fields[.claimKind] = claim.kind.symbol
        fields[.settledOn] = .date(claim.settledOn)
        fields[.base] = .money(claim.base)
        fields[.baseBefore] = .money(decision.baseBefore)
        fields[.baseAfter] = .money(decision.baseAfter)
        fields[.grantedBefore] = .money(decision.grantedBefore)
        fields[.grantedAfter] = .money(decision.grantedAfter)
        fields[.eligible] = .money(decision.eligible)
        fields[.counted] = .integer(decision.counted ? 1 : 0)
        if let category = decision.category { fields[.category] = category.symbol }
        if !decision.held.isEmpty { fields[.held] = .text(decision.held.map(\.word).joined(separator: " ")) }
        if let threshold = decision.threshold { fields[.threshold] = .money(threshold) }
        if let rate = decision.rate { fields[.rate] = .integer(rate.value) }
        if let cap = decision.cap { fields[.cap] = .money(cap) }
        if let funder = decision.fundedBy { fields[.fundedBy] = funder.symbol }
        return fields
    }

    static func tiltedFields(_ decision: TiltedDecision) -> DecisionFields {
        var fields = common(reason: decision.why, rules: decision.rules, parameters: decision.parameters,
                            identityEvent: decision.identityEvent, pending: nil)
        fields[.subjectSequence] = .integer(Int64(decision.application.sequence))
        fields[.year] = .integer(Int64(decision.application.year))
        fields[.appliedOn] = .date(decision.application.appliedOn)
        fields[.selfPay] = .money(decision.selfPay)
        fields[.inpatientGap] = .money(decision.inpatientGap)
        fields[.outpatientGap] = .money(decision.outpatientGap)
        fields[.remainingGap] = .money(decision.remainingGap)
        fields[.grantedBefore] = .money(decision.tiltedBefore)
        fields[.grantedAfter] = .money(decision.tiltedAfter)
        fields[.eligible] = .money(decision.inpatientGap + decision.outpatientGap)
        if let eligibility = decision.eligibility { fields[.threshold] = .money(eligibility) }
        if let cap = decision.cap { fields[.cap] = .money(cap) }
        if decision.identityEvent != nil { fields[.fundedBy] = Funder.assistanceFund.symbol }
        return fields
    }

    static func subsidyFields(_ decision: SubsidyDecision) -> DecisionFields {
        var fields = common(reason: decision.why, rules: decision.rules, parameters: decision.parameters,
                            identityEvent: decision.identityEvent, pending: decision.pending)
        fields[.subjectSequence] = .integer(Int64(decision.enrollment.sequence))
        fields[.insuranceYear] = .integer(Int64(decision.enrollment.insuranceYear))
        fields[.enrolledOn] = .date(decision.enrollment.enrolledOn)
        if let category = decision.category { fields[.category] = category.symbol }
        if let rate = decision.rate { fields[.rate] = .integer(rate.value) }
        if let standard = decision.standard { fields[.standard] = .money(standard) }
        if let owed = decision.owed { fields[.owed] = .money(owed) }
        if let funder = decision.fundedBy { fields[.fundedBy] = funder.symbol }
        return fields
    }
}

/// A decision's fields while they are being set: a short array, each field at most once, kept in
/// the stored order (ascending field number) as it is set. A decision has about twenty fields; a
/// dictionary would hash each of them twice, on every decision of every append and replay. Which
/// fields are set is a bit per field number, so a field's place is the count of set fields below
/// it: no search and no sort.
struct DecisionFields {
    private var entries: [FieldEntry] = []
    /// Bit n is set when the field numbered n is in `entries` (every field number is below 128).
    private var present: UInt128 = 0

    init() { entries.reserveCapacity(28) }

    /// Where `field` is, or would go, in `entries`, and whether it is there.
    private func place(of field: Field) -> (index: Int, found: Bool) {
        precondition(field.rawValue >= 0 && field.rawValue < 128, "a field number fits DecisionFields' bits")
        let bit = UInt128(1) << field.rawValue
        return ((present & (bit - 1)).nonzeroBitCount, present & bit != 0)
    }

    subscript(field: Field) -> FieldValue? {
        get {
            let (index, found) = place(of: field)
            return found ? entries[index].value : nil
        }
        set {
            let (index, found) = place(of: field)
            let bit = UInt128(1) << field.rawValue
            switch (found, newValue) {
            case (true, let value?): entries[index] = FieldEntry(field, value)
            case (true, nil): entries.remove(at: index); present &= ~bit
            case (false, let value?):
                // Most fields are set in ascending order: an append then, not the general insert.
                if index == entries.count { entries.append(FieldEntry(field, value)) } else { entries.insert(FieldEntry(field, value), at: index) }
                present |= bit
            case (false, nil): break
            }
        }
    }

    /// The fields in ascending field number, as an event stores them.
    var ordered: [FieldEntry] { entries }
}
