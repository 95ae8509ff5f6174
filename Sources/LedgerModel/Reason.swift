/// Why a decision grants nothing, is capped or waits (the `reason` of a decision event), as a code
/// and the numbers it names. The words are rendered when the reason is read (``text``), so a
/// record stores a few bytes where its words take about a hundred (docs/FORMAT.md § Reasons).
///
/// The codes are stored: each case keeps its code for ever (`ReasonTests` pins them), a new case
/// takes a new code, and a case's words may be reworded only together with that pin, since a
/// replay compares the reasons it derives with the recorded ones by their codes and numbers.
/// A reason recorded as words (a record of format version 1, or words no case renders) is
/// ``words(_:)``. Two reasons are equal when their codes and numbers are; as field values
/// (``FieldValue/reason(_:)``), words equal any reason that renders them (``sameWords(_:_:)``).
public enum Reason: Hashable, Sendable, CustomStringConvertible {
    /// Words recorded as they are: a reason of a version-1 record, read as it was written.
    case words(String)
    /// A reversed settlement (RULES.md § 9): the reversal's sequence.
    case reversed(reversal: UInt64)
    /// An ordinary outpatient claim (I-2).
    case ordinaryOutpatient
    /// No medical assistance policy in force on the settlement date (I-3).
    case noAssistancePolicy(on: CivilDate)
    /// Neither JC nor TP on the settlement date: the categories held then.
    case notAssisted(on: CivilDate, held: [Category])
    /// Not enrolled for the claim's insurance year (RULES.md § 5).
    case notEnrolled(year: Int)
    /// Settled before coverage starts (RULES.md § 5).
    case beforeCoverage(settledOn: CivilDate, start: CivilDate, enrolledOn: CivilDate, exempt: Bool)
    /// The waiting period needs a parameter no published value gives (RULES.md § 6).
    case pendingWaiting(parameter: ParameterName, on: CivilDate)
    /// A rate parameter with no published value on the settlement date.
    case pendingParameter(parameter: ParameterName, on: CivilDate)
    /// The year's base after the claim has not passed the threshold.
    case belowThreshold(base: Money, threshold: Money)
    /// The annual cap was reached before the claim.
    case capReached(cap: Money)
    /// The annual cap was reached inside the claim.
    case cappedInsideClaim(cap: Money)
    /// No tilted assistance policy in force on the application date.
    case noTiltedPolicy(on: CivilDate)
    /// Not JC on the application date (I-8).
    case tiltedNotJC(on: CivilDate)
    /// In-list self-pay after three tiers below the eligibility amount.
    case selfPayBelow(selfPay: Money, eligibility: Money)
    /// Reimbursement already at the targets.
    case targetsReached
    /// The tilted assistance cap was reached before the application (I-4).
    case tiltedCapReached(cap: Money)
    /// Capped by the tilted assistance cap, with the gap that remains.
    case tiltedCapped(cap: Money, remaining: Money)
    /// A second enrolment for the insurance year (重复参保): the first's sequence.
    case secondEnrolment(year: Int, first: UInt64)
    /// No contribution standard published for the insurance year (RULES.md § 4).
    case pendingStandard(year: Int)
    /// A subsidy parameter with no published value for the insurance year.
    case pendingSubsidy(parameter: ParameterName, year: Int)
    /// No subsidised identity on the date the enrolment takes effect.
    case noSubsidisedIdentity(on: CivilDate)

    /// The stored code of each case (``words(_:)`` is 0).
    public var code: UInt8 {
        switch self {
        case .words: 0
        case .reversed: 1
        case .ordinaryOutpatient: 2
        case .noAssistancePolicy: 3
        case .notAssisted: 4
        case .notEnrolled: 5
        case .beforeCoverage: 6
        case .pendingWaiting: 7
        case .pendingParameter: 8
        case .belowThreshold: 9
        case .capReached: 10
        case .cappedInsideClaim: 11
        case .noTiltedPolicy: 12
        case .tiltedNotJC: 13
        case .selfPayBelow: 14
        case .targetsReached: 15
        case .tiltedCapReached: 16
        case .tiltedCapped: 17
        case .secondEnrolment: 18
        case .pendingStandard: 19
        case .pendingSubsidy: 20
        case .noSubsidisedIdentity: 21
        }
    }

    /// The reason in words, as every reader shows it.
    public var text: String {
        switch self {
        case .words(let words):
            return words
        case .reversed(let reversal):
            return "the settlement was reversed at sequence \(reversal); a reversed claim neither accumulates nor gets assistance (RULES.md § 9)"
        case .ordinaryOutpatient:
            return "an ordinary outpatient claim gets no medical assistance; only inpatient and the five outpatient special chronic diseases do (002 § 三(二); I-2)"
        case .noAssistancePolicy(let date):
            return "no medical assistance policy in force on \(date): the claim is recorded, it neither accumulates nor gets assistance (002 § 三(二), in force from 2022-08-01; I-3)"
        case .notAssisted(let date, let held):
            let categories = held.isEmpty ? "no identity" : held.map(\.word).joined(separator: ", ")
            return "not JC or TP on the settlement date \(date) (held: \(categories)); medical assistance under 002 § 三(二) is for JC and TP"
        case .notEnrolled(let year):
            return "not enrolled for insurance year \(year): a claim outside coverage gets no assistance (RULES.md § 5)"
        case .beforeCoverage(let settledOn, let start, let enrolledOn, let exempt):
            return "settled on \(settledOn), before coverage starts on \(start) (enrolled \(enrolledOn), \(exempt ? "no waiting period" : "waiting period applies"); RULES.md § 5)"
        case .pendingWaiting(let parameter, let date):
            return "pending: the waiting period needs parameter \(parameter) in force on \(date), which no published value gives (RULES.md § 6)"
        case .pendingParameter(let parameter, let date):
            return "pending: parameter \(parameter) has no published value on \(date)"
        case .belowThreshold(let base, let threshold):
            return "the year's base \(base) has not passed the threshold \(threshold) (annual cumulative, 002 § 三(二))"
        case .capReached(let cap):
            return "the annual cap \(cap) was already reached (002 § 三(二))"
        case .cappedInsideClaim(let cap):
            return "capped: the annual cap \(cap) was reached inside this claim"
        case .noTiltedPolicy(let date):
            return "no tilted assistance policy in force on the application date \(date) (002 § 三(三))"
        case .tiltedNotJC(let date):
            return "not JC on the application date \(date): tilted assistance is for monitoring objects (002 § 三(三); I-8)"
        case .selfPayBelow(let selfPay, let eligibility):
            return "in-list self-pay after three tiers is \(selfPay), below \(eligibility) (002 § 三(三))"
        case .targetsReached:
            return "the year's reimbursement already reaches 90% inpatient and 80% special chronic (002 § 三(三))"
        case .tiltedCapReached(let cap):
            return "the tilted assistance cap \(cap) was already reached (002 § 三(三); I-4)"
        case .tiltedCapped(let cap, let remaining):
            return "capped at \(cap): \(remaining) of the gap to target remains; listed for social assistance referral (002 § 三(三))"
        case .secondEnrolment(let year, let first):
            return "a second enrolment for insurance year \(year); the first is sequence \(first) (重复参保, 000 § 七(二))"
        case .pendingStandard(let year):
            return "pending: no contribution standard is published for insurance year \(year) (RULES.md § 4)"
        case .pendingSubsidy(let parameter, let year):
            return "pending: parameter \(parameter) has no published value for insurance year \(year)"
        case .noSubsidisedIdentity(let date):
            return "no subsidised identity on \(date), when the enrolment takes effect"
        }
    }

    public var description: String { text }

    /// Whether `lhs` and `rhs` say the same: by their codes and numbers, or by their words where
    /// either is ``words(_:)``, so that a decision of a version-1 record compares equal to the same
    /// decision derived again.
    public static func sameWords(_ lhs: Reason, _ rhs: Reason) -> Bool {
        switch (lhs, rhs) {
        case (.words(let words), _): return words == rhs.text
        case (_, .words(let words)): return lhs.text == words
        default: return lhs == rhs
        }
    }
}

// MARK: The stored form (docs/FORMAT.md § Reasons)

extension Reason {
    /// code ‖ its arguments in the order of the case: sequences as varints, dates (days since
    /// 1970-01-01), amounts (fen), years and the flag as zigzag varints, categories as a count and
    /// their codes, a parameter's name (one of the catalogue's) and ``words(_:)``'s text as a length and UTF-8.
    public var stored: [UInt8] {
        var bytes: [UInt8] = [code]
        func unsigned(_ value: UInt64) { Varints.append(unsigned: value, to: &bytes) }
        func signed(_ value: Int64) { Varints.append(value, to: &bytes) }
        func date(_ value: CivilDate) { signed(Int64(value.daysSinceEpoch)) }
        func text(_ value: String) {
            unsigned(UInt64(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }
        switch self {
        case .words(let words): text(words)
        case .reversed(let reversal): unsigned(reversal)
        case .ordinaryOutpatient, .targetsReached: break
        case .noAssistancePolicy(let on), .noTiltedPolicy(let on), .tiltedNotJC(let on), .noSubsidisedIdentity(let on): date(on)
        case .notAssisted(let on, let held):
            date(on)
            unsigned(UInt64(held.count))
            for category in held { unsigned(UInt64(category.rawValue)) }
        case .notEnrolled(let year), .pendingStandard(let year): signed(Int64(year))
        case .beforeCoverage(let settledOn, let start, let enrolledOn, let exempt):
            date(settledOn)
            date(start)
            date(enrolledOn)
            unsigned(exempt ? 1 : 0)
        case .pendingWaiting(let parameter, let on), .pendingParameter(let parameter, let on):
            text(parameter.rawValue)
            date(on)
        case .belowThreshold(let first, let second), .selfPayBelow(let first, let second), .tiltedCapped(let first, let second):
            signed(first.fen)
            signed(second.fen)
        case .capReached(let cap), .cappedInsideClaim(let cap), .tiltedCapReached(let cap): signed(cap.fen)
        case .secondEnrolment(let year, let first):
            signed(Int64(year))
            unsigned(first)
        case .pendingSubsidy(let parameter, let year):
            text(parameter.rawValue)
            signed(Int64(year))
        }
        return bytes
    }

    /// The reason ``stored`` wrote, from exactly those bytes. Text that is not UTF-8 is refused as
    /// ``DecodeError/invalidText(_:)``, anything else wrong (an unknown code, a value out of range,
    /// a varint cut short or not minimal, bytes left over) as ``DecodeError/valueOutOfRange(_:)``,
    /// both naming `field`.
    public init(stored bytes: UnsafeRawBufferPointer, field: Int) throws(DecodeError) {
        do {
            self = try Reason.read(bytes, field: field)
        } catch {
            throw error == .invalidText(field) ? error : .valueOutOfRange(field)
        }
    }

    private static func read(_ bytes: UnsafeRawBufferPointer, field: Int) throws(DecodeError) -> Reason {
        var arguments = Arguments(reader: WireReader(bytes: bytes), field: field)
        let reason = try read(&arguments)
        guard arguments.reader.isAtEnd else { throw .valueOutOfRange(field) }
        return reason
    }

    private static func read(_ a: inout Arguments) throws(DecodeError) -> Reason {
        let code = try a.unsigned()
        switch code {
        case 0: return .words(try a.text())
        case 1: return .reversed(reversal: try a.unsigned())
        case 2: return .ordinaryOutpatient
        case 3: return .noAssistancePolicy(on: try a.date())
        case 4:
            let on = try a.date()
            return .notAssisted(on: on, held: try a.categories())
        case 5: return .notEnrolled(year: try a.year())
        case 6:
            let settledOn = try a.date(), start = try a.date(), enrolledOn = try a.date()
            return .beforeCoverage(settledOn: settledOn, start: start, enrolledOn: enrolledOn, exempt: try a.flag())
        case 7, 8:
            let parameter = try a.parameter()
            let on = try a.date()
            return code == 7 ? .pendingWaiting(parameter: parameter, on: on) : .pendingParameter(parameter: parameter, on: on)
        case 9, 14, 17:
            let first = try a.money(), second = try a.money()
            switch code {
            case 9: return .belowThreshold(base: first, threshold: second)
            case 14: return .selfPayBelow(selfPay: first, eligibility: second)
            default: return .tiltedCapped(cap: first, remaining: second)
            }
        case 10: return .capReached(cap: try a.money())
        case 11: return .cappedInsideClaim(cap: try a.money())
        case 12: return .noTiltedPolicy(on: try a.date())
        case 13: return .tiltedNotJC(on: try a.date())
        case 15: return .targetsReached
        case 16: return .tiltedCapReached(cap: try a.money())
        case 18:
            let year = try a.year()
            return .secondEnrolment(year: year, first: try a.unsigned())
        case 19: return .pendingStandard(year: try a.year())
        case 20:
            let parameter = try a.parameter()
            return .pendingSubsidy(parameter: parameter, year: try a.year())
        case 21: return .noSubsidisedIdentity(on: try a.date())
        default: throw .valueOutOfRange(a.field)
        }
    }

    /// Reads a stored reason's arguments, each of the kind docs/FORMAT.md § Reasons gives it.
    private struct Arguments {
        var reader: WireReader
        let field: Int

        mutating func unsigned() throws(DecodeError) -> UInt64 { try reader.varint() }
        mutating func signed() throws(DecodeError) -> Int64 { EventCodec.unzigzag(try reader.varint()) }
        mutating func money() throws(DecodeError) -> Money { Money(fen: try signed()) }
        mutating func text() throws(DecodeError) -> String { try reader.text(field: field) }

        /// A parameter's name, which must be one of the catalogue's.
        mutating func parameter() throws(DecodeError) -> ParameterName {
            guard let name = ParameterName(rawValue: try text()) else { throw .valueOutOfRange(field) }
            return name
        }

        mutating func year() throws(DecodeError) -> Int {
            guard let year = Int(exactly: try signed()), (0...9999).contains(year) else { throw .valueOutOfRange(field) }
            return year
        }

        mutating func date() throws(DecodeError) -> CivilDate {
            guard let days = Int32(exactly: try signed()) else { throw .valueOutOfRange(field) }
            return CivilDate(daysSinceEpoch: days)
        }

        mutating func flag() throws(DecodeError) -> Bool {
            switch try unsigned() {
            case 0: return false
            case 1: return true
            default: throw .valueOutOfRange(field)
            }
        }

        mutating func categories() throws(DecodeError) -> [Category] {
            let count = try unsigned()
            guard count <= UInt64(Category.words.count) else { throw .valueOutOfRange(field) }
            var held: [Category] = []
            for _ in 0..<count {
                let code = try unsigned()
                guard code <= UInt64(UInt8.max), let category = Category(rawValue: UInt8(code)) else { throw .valueOutOfRange(field) }
                held.append(category)
            }
            return held
        }
    }
}
