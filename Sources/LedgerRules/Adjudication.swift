import LedgerModel

/// The decision on one claim (RULES.md § 6), with the breakdown that produced it.
public struct ClaimDecision: Hashable, Sendable {
    public let claim: Claim
    public var outcome = Outcome.none
    /// Why it grants nothing, is capped or waits; nil when none of these.
    public var why: Reason?
    /// ``why`` in words.
    public var reason: String? { why?.text }
    /// The judgement calls of RULES.md this decision rests on, e.g. [.I1, .I6].
    public var rules: [JudgementCall] = []
    /// Sequences of the `policy.published` events used.
    public var parameters: [UInt64] = []
    /// JC or TP on the settlement date, or nil.
    public var category: Category?
    /// Every category held on the settlement date.
    public var held: [Category] = []
    /// The `identity.recognized` event that made the category apply.
    public var identityEvent: UInt64?
    public var counted = false
    public var baseBefore = Money.zero
    public var baseAfter = Money.zero
    public var threshold: Money?
    public var rate: BasisPoints?
    public var cap: Money?
    public var grantedBefore = Money.zero
    public var grantedAfter = Money.zero
    public var eligible = Money.zero
    public var grant = Money.zero
    public var pending: (parameter: ParameterName, date: CivilDate)?
    public var fundedBy: Funder?

    public static func == (lhs: ClaimDecision, rhs: ClaimDecision) -> Bool {
        lhs.claim == rhs.claim && lhs.outcome == rhs.outcome && lhs.grant == rhs.grant && lhs.counted == rhs.counted
            && lhs.why == rhs.why
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(claim.id) }
}

/// The decision on one application for tilted assistance (RULES.md § 7).
public struct TiltedDecision: Hashable, Sendable {
    public let application: Application
    public var outcome = Outcome.none
    /// Why it grants nothing, is capped or waits; nil when none of these.
    public var why: Reason?
    /// ``why`` in words.
    public var reason: String? { why?.text }
    public var rules: [JudgementCall] = []
    public var parameters: [UInt64] = []
    public var identityEvent: UInt64?
    public var selfPay = Money.zero
    public var eligibility: Money?
    public var inpatientGap = Money.zero
    public var outpatientGap = Money.zero
    public var inpatientPart = Money.zero
    public var outpatientPart = Money.zero
    public var grant = Money.zero
    public var tiltedBefore = Money.zero
    public var tiltedAfter = Money.zero
    public var cap: Money?
    public var remainingGap = Money.zero
}

/// The decision on one enrolment's contribution subsidy (RULES.md § 4).
public struct SubsidyDecision: Hashable, Sendable {
    public let enrollment: Enrollment
    public var outcome = Outcome.none
    /// Why it grants nothing, is capped or waits; nil when none of these.
    public var why: Reason?
    /// ``why`` in words.
    public var reason: String? { why?.text }
    public var rules: [JudgementCall] = []
    public var parameters: [UInt64] = []
    public var identityEvent: UInt64?
    public var category: Category?
    public var rate: BasisPoints?
    public var standard: Money?
    public var subsidy = Money.zero
    public var owed: Money?
    public var fundedBy: Funder?
    public var pending: (parameter: ParameterName, date: CivilDate)?

    public static func == (lhs: SubsidyDecision, rhs: SubsidyDecision) -> Bool {
        lhs.enrollment == rhs.enrollment && lhs.outcome == rhs.outcome && lhs.subsidy == rhs.subsidy && lhs.why == rhs.why
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(enrollment.sequence) }
}

/// Every decision of one person-year, re-derived from the facts as now known.
public struct YearAdjudication: Sendable {
    public let year: Int
    public var claims: [ClaimDecision] = []
    public var tilted: [TiltedDecision] = []
    public var subsidies: [SubsidyDecision] = []
    /// The year's assistance base B and regular assistance granted, after every claim.
    public var assistanceBase = Money.zero
    public var assistanceGranted = Money.zero
    public var tiltedGranted = Money.zero
}

/// The rules of RULES.md as pure functions of a person's history and the recorded parameters.
public enum Adjudicator {
    /// Re-adjudicates `year` of `history` from scratch (RULES.md § 9).
    public static func adjudicate(_ history: PersonHistory, year: Int, parameters: ParameterSet) -> YearAdjudication {
        var result = YearAdjudication(year: year)
        var base = Money.zero
        var granted = Money.zero
        for claim in history.claims(in: year) {
            let decision = decide(claim, history: history, parameters: parameters, base: &base, granted: &granted)
            result.claims.append(decision)
        }
        result.assistanceBase = base
        result.assistanceGranted = granted
        var tiltedGranted = Money.zero
        var tiltedIn = Money.zero
        var tiltedOut = Money.zero
        // Applications in ledger order (RULES.md § 7).
        for application in history.applications.filter({ $0.year == year }).sorted(by: { $0.sequence < $1.sequence }) {
            let decision = decideTilted(application, history: history, parameters: parameters, claims: result.claims,
                                        tiltedBefore: tiltedGranted, tiltedIn: tiltedIn, tiltedOut: tiltedOut)
            tiltedGranted += decision.grant
            tiltedIn += decision.inpatientPart
            tiltedOut += decision.outpatientPart
            result.tilted.append(decision)
        }
        result.tiltedGranted = tiltedGranted
        let enrollments = history.enrollments.filter { $0.insuranceYear == year }.sorted { $0.sequence < $1.sequence }
        for (index, enrollment) in enrollments.enumerated() {
            result.subsidies.append(decideSubsidy(enrollment, history: history, parameters: parameters,
                                                  duplicateOf: index > 0 ? enrollments[0].sequence : nil))
        }
        return result
    }

    /// The year of `claim` decided incrementally, or nil where only a full adjudication may decide it.
    ///
    /// A claim that arrives after the last claim of its year (settled on that day or later; the
    /// latest sequence breaks ties) with no other fact and no parameter new since the year was
    /// last adjudicated leaves every earlier decision of the year as it was: claims are decided in
    /// settlement order from B and the granted total before them (§ 6), subsidies do not read claims
    /// (§ 4). So it is decided alone, from the totals the last adjudication left. A year with an
    /// application for tilted assistance is adjudicated whole (§ 7 reads every claim of the year).
    /// `adjudicate` gives the same decisions; `IncrementalDecisionTests` holds the two to that, and
    /// `IncrementalTests` works each case by hand.
    public static func adjudicateLatest(_ claim: Claim, history: PersonHistory, parameters: ParameterSet) -> YearAdjudication? {
        let year = claim.year
        guard let totals = history.totals[year], totals.facts == history.facts - 1,
            totals.parameters == parameters.latestSequence, claim.reversal == nil,
            totals.lastSettled.map({ claim.settledOn >= $0 }) ?? true,
            history.claims[claim.id]?.sequence == claim.sequence,
            !history.applications.contains(where: { $0.year == year })
        else { return nil }
        var result = YearAdjudication(year: year)
        var base = totals.base
        var granted = totals.granted
        result.claims = [decide(claim, history: history, parameters: parameters, base: &base, granted: &granted)]
        result.assistanceBase = base
        result.assistanceGranted = granted
        return result
    }

    /// What `adjudication` of `history` leaves for the next claim of its year.
    public static func totals(after adjudication: YearAdjudication, history: PersonHistory, parameters: ParameterSet,
                              lastSettled: CivilDate?) -> YearTotals {
        YearTotals(facts: history.facts, parameters: parameters.latestSequence, base: adjudication.assistanceBase,
                   granted: adjudication.assistanceGranted, lastSettled: lastSettled)
    }

    // MARK: Medical assistance per claim (RULES.md § 6)

    static func decide(_ claim: Claim, history: PersonHistory, parameters: ParameterSet, base: inout Money,
                       granted: inout Money) -> ClaimDecision {
        var decision = ClaimDecision(claim: claim)
        let date = claim.settledOn
        decision.rules = [.I1]
        decision.held = history.identities(on: date).map(\.category)
        decision.baseBefore = base
        decision.baseAfter = base
        decision.grantedBefore = granted
        decision.grantedAfter = granted
        if let reversal = claim.reversal {
            decision.why = .reversed(reversal: reversal)
            return decision
        }
        guard claim.qualifies else {
            decision.rules.append(.I2)
            decision.why = .ordinaryOutpatient
            return decision
        }
        if claim.kind == .outpatientSpecialChronic { decision.rules.append(.I2) }
        let region = enrollment(for: claim, in: history)?.region ?? history.region
        guard let threshold = parameters.find(.assistanceThreshold, on: date, region: region),
            let cap = parameters.find(.assistanceCap, on: date, region: region)
        else {
            decision.rules.append(.I3)
            decision.why = .noAssistancePolicy(on: date)
            return decision
        }
        guard let interval = history.assistanceCategory(on: date) else {
            decision.why = .notAssisted(on: date, held: decision.held)
            return decision
        }
        decision.category = interval.category
        decision.identityEvent = interval.sequence
        decision.fundedBy = interval.category == .JC ? .assistanceFund : .cityCountyFinance
        switch coverage(of: claim, history: history, parameters: parameters) {
        case .covered(let rules, let used):
            decision.rules += rules
            decision.parameters += used
        case .notCovered(let reason):
            decision.rules.append(.I9)
            decision.why = reason
            return decision
        case .pending(let parameter, let on):
            decision.outcome = .pending
            decision.pending = (parameter, on)
            decision.why = .pendingWaiting(parameter: parameter, on: on)
            return decision
        }
        // assistanceCategory gives JC or TP, each of which has its rate.
        let rateName = ParameterName.assistanceRate(interval.category) ?? .assistanceRateTP
        guard let rate = parameters.find(rateName, on: date, region: region) else {
            decision.outcome = .pending
            decision.pending = (rateName, date)
            decision.why = .pendingParameter(parameter: rateName, on: date)
            return decision
        }
        decision.rules.append(.I6)
        decision.parameters += [threshold.sequence, cap.sequence, rate.sequence]
        grant(&decision, threshold: threshold.money ?? .zero, cap: cap.money ?? .zero, rate: rate.rate ?? BasisPoints(0),
              base: &base, granted: &granted)
        return decision
    }

    /// The grant on a claim that qualifies, annual cumulative (RULES.md § 6): the part of the year's
    /// base above the threshold that this claim adds, at `rate`, within what the cap leaves.
    static func grant(_ decision: inout ClaimDecision, threshold: Money, cap: Money, rate: BasisPoints, base: inout Money,
                      granted: inout Money) {
        decision.threshold = threshold
        decision.cap = cap
        decision.rate = rate
        // eligible = max(0, (B + base) − max(B, threshold)); grant = min(pct(eligible, rate), cap − granted).
        let eligible = max(.zero, (base + decision.claim.base) - max(base, threshold))
        let grant = min(pct(eligible, rate), max(.zero, cap - granted))
        decision.counted = true
        decision.eligible = eligible
        decision.grant = grant
        base += decision.claim.base
        granted += grant
        decision.baseAfter = base
        decision.grantedAfter = granted
        decision.outcome = grant > .zero ? .granted : .none
        if grant == .zero {
            if eligible == .zero {
                decision.why = .belowThreshold(base: base, threshold: threshold)
            } else {
                decision.why = .capReached(cap: cap)
            }
        } else if grant < pct(eligible, rate) {
            decision.why = .cappedInsideClaim(cap: cap)
        }
    }

    enum Coverage {
        case covered(rules: [JudgementCall], parameters: [UInt64])
        case notCovered(Reason)
        case pending(ParameterName, CivilDate)
    }

    static func enrollment(for claim: Claim, in history: PersonHistory) -> Enrollment? {
        history.enrollments.filter { $0.insuranceYear == claim.year }.min { $0.sequence < $1.sequence }
    }

    /// Coverage and waiting period (RULES.md § 5). Coverage follows enrolment, not payment (I-9).
    static func coverage(of claim: Claim, history: PersonHistory, parameters: ParameterSet) -> Coverage {
        guard let enrollment = enrollment(for: claim, in: history) else {
            return .notCovered(.notEnrolled(year: claim.year))
        }
        let heldOnEnrolment = history.identities(on: enrollment.enrolledOn).map(\.category)
        let exempt = enrollment.channel == .concentrated || enrollment.exemption != nil
            || heldOnEnrolment.contains(where: \.isExemptFromWaiting)
        let on = enrollment.enrolledOn
        var start = CivilDate(year: on.year, month: on.month, day: 1) ?? on
        var used: [UInt64] = []
        if !exempt {
            guard let waiting = parameters.find(.waitingMonths, on: on, region: enrollment.region), let months = waiting.count else {
                return .pending(.waitingMonths, on)
            }
            used.append(waiting.sequence)
            let monthIndex = on.year * 12 + (on.month - 1) + Int(months)
            start = CivilDate(year: monthIndex / 12, month: monthIndex % 12 + 1, day: 1) ?? start
        }
        start = max(start, CivilDate.firstOf(year: claim.year))
        guard claim.settledOn >= start else {
            return .notCovered(.beforeCoverage(settledOn: claim.settledOn, start: start, enrolledOn: on, exempt: exempt))
        }
        return .covered(rules: [.I9], parameters: used)
    }

    // MARK: Tilted assistance (RULES.md § 7)

    static func decideTilted(_ application: Application, history: PersonHistory, parameters: ParameterSet,
                             claims: [ClaimDecision], tiltedBefore: Money, tiltedIn: Money, tiltedOut: Money) -> TiltedDecision {
        var decision = TiltedDecision(application: application)
        let date = application.appliedOn
        decision.rules = [.I8]
        decision.tiltedBefore = tiltedBefore
        decision.tiltedAfter = tiltedBefore
        let region = history.enrollments.first { $0.insuranceYear == application.year }?.region ?? history.region
        guard let eligibility = parameters.find(.tiltedEligibility, on: date, region: region),
            let cap = parameters.find(.tiltedCap, on: date, region: region),
            let targetIn = parameters.find(.tiltedTargetInpatient, on: date, region: region),
            let targetOut = parameters.find(.tiltedTargetOutpatient, on: date, region: region)
        else {
            decision.why = .noTiltedPolicy(on: date)
            return decision
        }
        decision.parameters = [eligibility.sequence, cap.sequence, targetIn.sequence, targetOut.sequence]
        decision.eligibility = eligibility.money
        decision.cap = cap.money
        guard let jc = history.identities(on: date).last(where: { $0.category == .JC }) else {
            decision.why = .tiltedNotJC(on: date)
            return decision
        }
        decision.identityEvent = jc.sequence
        // The year's qualifying claims settled on or before the application, inside the policy's
        // period, whatever the person's category on each claim's own date (I-8).
        let qualifying = claims.filter { decision in
            let claim = decision.claim
            return claim.reversal == nil && claim.qualifies && claim.settledOn <= date
                && parameters.find(.tiltedEligibility, on: claim.settledOn, region: region) != nil
        }
        var costIn = Money.zero, costOut = Money.zero, paidIn = tiltedIn, paidOut = tiltedOut
        var selfPay = Money.zero
        for claimDecision in qualifying {
            let claim = claimDecision.claim
            let paid = claim.basicPaid + claim.criticalPaid + claimDecision.grant
            if claim.isInpatient { costIn += claim.inListCost; paidIn += paid } else { costOut += claim.inListCost; paidOut += paid }
            selfPay += claim.inListCost - paid
        }
        decision.selfPay = selfPay
        let eligibilityAmount = eligibility.money ?? .zero
        guard selfPay >= eligibilityAmount else {
            decision.why = .selfPayBelow(selfPay: selfPay, eligibility: eligibilityAmount)
            return decision
        }
        let gapIn = max(.zero, pct(costIn, targetIn.rate ?? BasisPoints(0)) - paidIn)
        let gapOut = max(.zero, pct(costOut, targetOut.rate ?? BasisPoints(0)) - paidOut)
        let room = max(.zero, (cap.money ?? .zero) - tiltedBefore)
        let grant = min(gapIn + gapOut, room)
        // I-7: taken first from the inpatient gap, then from the outpatient one. I-4: its own cap.
        decision.rules += [.I4, .I7]
        decision.inpatientGap = gapIn
        decision.outpatientGap = gapOut
        decision.inpatientPart = min(grant, gapIn)
        decision.outpatientPart = grant - decision.inpatientPart
        decision.grant = grant
        decision.tiltedAfter = tiltedBefore + grant
        decision.remainingGap = gapIn + gapOut - grant
        decision.outcome = grant > .zero ? .granted : .none
        if grant == .zero {
            decision.why = gapIn + gapOut == .zero ? .targetsReached : .tiltedCapReached(cap: cap.money ?? .zero)
        } else if decision.remainingGap > .zero {
            decision.why = .tiltedCapped(cap: cap.money ?? .zero, remaining: decision.remainingGap)
        }
        return decision
    }

    // MARK: Contribution subsidy (RULES.md § 4)

    typealias Subsidy = (amount: Money, category: Category, rate: BasisPoints?, parameter: UInt64, identity: UInt64)

    /// The highest subsidy any of `identities` gives, and the first parameter one of them needs that
    /// is not published. The subsidy is by insurance year (RULES.md § 4): `identities` are those held
    /// when the enrolment takes effect — the enrolment date, or the first day of the insurance year
    /// for an enrolment made in the concentrated period before it.
    static func bestSubsidy(_ identities: [IdentityInterval], standard: Money, on yearStart: CivilDate, region: Int64,
                            parameters: ParameterSet) -> (best: Subsidy?, missing: (ParameterName, CivilDate)?) {
        var best: Subsidy?
        var missing: (ParameterName, CivilDate)?
        for interval in identities {
            let names: [ParameterName]
            switch interval.category {
            case .JC: names = [.contributionSubsidyJC, .contributionSubsidyPoor2018]
            case .TP:
                names = (interval.exitYear == 2014 || interval.exitYear == 2015)
                    ? [.contributionSubsidyTPExit] : [.contributionSubsidyTP, .contributionSubsidyPoor2018]
            case .TK: names = [.contributionSubsidyTK]
            case .GE, .SW, .DB, .DBBY: names = [.contributionSubsidyDB]
            }
            guard let parameter = names.lazy.compactMap({ parameters.find($0, on: yearStart, region: region) }).first else {
                missing = missing ?? (names[0], yearStart)
                continue
            }
            let amount: Money
            switch parameter.value {
            case .rate(let rate): amount = pct(standard, rate)
            case .money(let fixed): amount = min(fixed, standard)
            case .count, .name: continue
            }
            if best == nil || amount > best!.amount {
                best = (amount, interval.category, parameter.rate, parameter.sequence, interval.sequence)
            }
        }
        return (best, missing)
    }

    static func decideSubsidy(_ enrollment: Enrollment, history: PersonHistory, parameters: ParameterSet,
                              duplicateOf first: UInt64?) -> SubsidyDecision {
        var decision = SubsidyDecision(enrollment: enrollment)
        if let first {
            decision.why = .secondEnrolment(year: enrollment.insuranceYear, first: first)
            return decision
        }
        let yearStart = CivilDate.firstOf(year: enrollment.insuranceYear)
        guard let standard = parameters.find(.contributionStandard, on: yearStart, region: enrollment.region),
            let standardAmount = standard.money
        else {
            decision.outcome = .pending
            decision.pending = (.contributionStandard, yearStart)
            decision.why = .pendingStandard(year: enrollment.insuranceYear)
            return decision
        }
        decision.standard = standardAmount
        decision.parameters = [standard.sequence]
        let identityDate = max(enrollment.enrolledOn, yearStart)
        let (best, missing) = bestSubsidy(history.identities(on: identityDate), standard: standardAmount, on: yearStart,
                                          region: enrollment.region, parameters: parameters)
        // The single highest subsidy, never a sum (002 § 一(一)(二)). A missing parameter could be
        // the highest, so the decision waits for it unless the best known already covers it all.
        if let missing, (best?.amount ?? .zero) < standardAmount {
            decision.outcome = .pending
            decision.pending = missing
            decision.why = .pendingSubsidy(parameter: missing.0, year: enrollment.insuranceYear)
            return decision
        }
        guard let best else {
            decision.owed = standardAmount
            decision.why = .noSubsidisedIdentity(on: identityDate)
            return decision
        }
        decision.category = best.category
        decision.rate = best.rate
        decision.identityEvent = best.identity
        decision.parameters.append(best.parameter)
        decision.subsidy = best.amount
        decision.owed = standardAmount - best.amount
        decision.outcome = best.amount > .zero ? .granted : .none
        decision.fundedBy = best.category == .JC ? .assistanceFund : best.category == .TP ? .cityCountyFinance : .civilAffairs
        return decision
    }
}
