import LedgerModel

/// A small, fast, seeded random source (SplitMix64): the same seed gives the same scenario on
/// every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `0..<bound`.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "a bound is positive")
        return Int(next() % UInt64(bound))
    }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    /// An amount in fen between `low` and `high` yuan.
    public mutating func yuan(_ low: Int, _ high: Int) -> Money {
        Money(fen: Int64(low) * 100 + Int64(below((high - low) * 100 + 1)))
    }
}

/// Generates a deterministic synthetic city: persons, identities recognised and revoked,
/// enrolments, payments, inpatient, special-chronic and outpatient claims, reversals,
/// applications for tilted assistance, merges of duplicate persons, and re-pushed duplicates.
public struct ScenarioGenerator {
    public struct Options: Sendable {
        public var persons: Int
        public var year: Int
        /// Average claims per person-year.
        public var claimsPerPerson: Int
        public var seed: UInt64

        public init(persons: Int, year: Int = 2024, claimsPerPerson: Int = 4, seed: UInt64 = 1) {
            self.persons = persons
            self.year = year
            self.claimsPerPerson = claimsPerPerson
            self.seed = seed
        }
    }

    public let options: Options
    private var random: SeededRandom
    private var lines: [Event] = []
    private var claimCounter = 0
    private var merged: Set<Int> = []
    /// The first 17 digits of every ID number given, so no two persons hold one (a platform message
    /// finds its person by ID number).
    private var givenIDs: Set<UInt64> = []

    public init(_ options: Options) {
        self.options = options
        random = SeededRandom(seed: options.seed)
    }

    static let districts: [Int64] = [450102, 450103, 450105, 450107, 450108, 450109, 450110, 450123, 450124, 450125]
    static let hospitals = ["H450100001", "H450100002", "H450102003", "H450103004", "H450105005", "H450123006"]

    public static func personID(_ index: Int) -> String { "P" + pad(index, 7) }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// The whole scenario as events in the order departments would send them.
    public mutating func events() -> [Event] {
        publishParameters()
        var dated: [(CivilDate, Int, Event)] = []
        for index in 1...max(1, options.persons) {
            for (date, event) in person(index) { dated.append((date, dated.count, event)) }
        }
        dated.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        return lines + arrivalOrder(dated.map(\.2)) { $0.type == .settlementRecorded }
    }

    /// The scenario's parameters, the first lines of both forms.
    private mutating func publishParameters() {
        lines = []
        let year = options.year
        publish("contribution.standard", "380", "\(year)-01-01", "\(year)-12-31", "generated scenario: city notice for \(year)")
        publish("waiting.months", "3", "\(year - 1)-01-01", nil, "generated scenario: city waiting period")
    }

    /// Facts in date order as departments send them: a few late claims come out of order, and a
    /// department sends a few lines again (re-pushed duplicates).
    private mutating func arrivalOrder<Item>(_ dated: [Item], isSettlement: (Item) -> Bool) -> [Item] {
        var ordered = dated
        for _ in 0..<(ordered.count / 200) {
            let from = random.below(ordered.count)
            let to = min(ordered.count - 1, from + random.below(50))
            if from != to, isSettlement(ordered[from]), isSettlement(ordered[to]) { ordered.swapAt(from, to) }
        }
        for _ in 0..<(ordered.count / 100) where !ordered.isEmpty {
            ordered.append(ordered[random.below(ordered.count)])
        }
        return ordered
    }

    /// The same scenario as ``events()``, rendered as interchange lines (without the newline) and
    /// handed to `body` in order, byte for byte what rendering `events()` gives.
    ///
    /// It holds the lines in one buffer with 24 bytes of order each instead of an `Event` per line,
    /// so a city of a million persons and ten million lines generates in a few gigabytes.
    public mutating func renderedLines(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try renderedLines(platform: false) { line, _ in try body(line) }
    }

    /// The scenario in the order of ``events()``; with `platform`, its settlements and cancellations
    /// are rendered as the national platform's messages (PLATFORM.md) and flagged `true`, every other
    /// line as interchange. A settlement's `msgid` is its interchange source key, so a re-pushed line
    /// is a re-sent message; `maf_pay` is what a hospital window would pay on the claim alone (see
    /// ``windowAssistance(_:rate:)``).
    public mutating func renderedLines(platform: Bool, _ body: (UnsafeBufferPointer<UInt8>, Bool) throws -> Void) rethrows {
        struct Placed {
            var day: Int32
            var isSettlement: Bool
            var isPlatform: Bool
            var length: Int32
            var offset: Int
        }
        publishParameters()
        var text: [UInt8] = []
        var placed: [Placed] = []
        for index in 1...max(1, options.persons) {
            let events = person(index)
            let context = platform ? PlatformContext(events.map(\.1)) : nil
            for (date, event) in events {
                let message = context.flatMap { ScenarioGenerator.platformMessage(event, context: $0) }
                let line = (message ?? Interchange.render(event)).utf8
                placed.append(Placed(day: date.daysSinceEpoch, isSettlement: event.type == .settlementRecorded, isPlatform: message != nil,
                                     length: Int32(line.count), offset: text.count))
                text.append(contentsOf: line)
            }
        }
        // The order of `events()`: by date, ties in generation order (the offsets grow with it).
        placed.sort { ($0.day, $0.offset) < ($1.day, $1.offset) }
        placed = arrivalOrder(placed) { $0.isSettlement }
        for event in lines {
            let line = Array(Interchange.render(event).utf8)
            try line.withUnsafeBufferPointer { try body($0, false) }
        }
        try text.withUnsafeBufferPointer { all in
            for line in placed {
                try body(UnsafeBufferPointer(rebasing: all[line.offset..<line.offset + Int(line.length)]), line.isPlatform)
            }
        }
    }

    /// What rendering one person's settlements as platform messages needs of the person's other events.
    struct PlatformContext {
        var certno = ""
        /// The assistance rate of the person's identity, in percent (0: none).
        var rate: Int64 = 0
        var inpatientClaims: Set<String> = []

        init(_ events: [Event]) {
            for event in events {
                switch event.type {
                case .personRegistered: certno = event.text(.idNumber) ?? ""
                case .identityRecognized:
                    switch event.word(.category, Category.self) {
                    case .JC?: rate = 70
                    case .TP?: rate = 50
                    default: break
                    }
                case .settlementRecorded where event.word(.claimKind, ClaimKind.self) == .inpatient:
                    if let claim = event.text(.claim) { inpatientClaims.insert(claim) }
                default: break
                }
            }
        }
    }

    /// `event` as a platform message, when it is a settlement or its cancellation.
    static func platformMessage(_ event: Event, context: PlatformContext) -> String? {
        guard let msgid = event.source?.key else { return nil }
        switch event.type {
        case .settlementRecorded:
            var settlement = event
            if let assistance = windowAssistance(event, rate: context.rate) {
                var fields = event.fields
                fields[.platformAssistance] = .money(assistance)
                settlement = Event(type: event.type, source: event.source, person: event.person, fields: fields)
            }
            return PlatformMessages.render(settlement: settlement, certno: context.certno, msgid: msgid)
        case .settlementReversed:
            guard let claim = event.text(.claim), let on = event.date(.reversedOn) else { return nil }
            return PlatformMessages.render(cancellationOf: claim, inpatient: context.inpatientClaims.contains(claim), on: on, msgid: msgid)
        default:
            return nil
        }
    }

    /// What a hospital window pays from the assistance fund on one inpatient or special chronic claim,
    /// seeing that claim alone: `rate` of the in-list burden above the annual threshold of 3 000 yuan,
    /// rounded half-up to the fen. The ledger applies the threshold to the year's cumulative burden,
    /// so the window pays less on a person's later claims: what the one-stop report is for.
    static func windowAssistance(_ event: Event, rate: Int64) -> Money? {
        guard rate > 0, event.word(.claimKind, ClaimKind.self)?.accumulates == true else { return nil }
        let burden = (event.money(.inListCost) ?? .zero) - (event.money(.basicPaid) ?? .zero) - (event.money(.criticalPaid) ?? .zero)
        let above = max(0, burden.fen - Money.yuan(3_000).fen)
        return Money(fen: (above * rate + 50) / 100)
    }

    private mutating func publish(_ name: String, _ value: String, _ from: String, _ to: String?, _ clause: String) {
        var fields: [Field: FieldValue] = [.parameter: .text(name), .value: .text(value), .clause: .text(clause)]
        if let date = CivilDate(from) { fields[.validFrom] = .date(date) }
        if let to, let date = CivilDate(to) { fields[.validTo] = .date(date) }
        lines.append(Event(type: .policyPublished, source: Source(system: "city-policy", key: "\(name)/\(from)"),
                           person: nil, fields: fields))
    }

    /// One person's facts, dated, in the order they are drawn.
    struct PersonFacts {
        let id: String
        var out: [(CivilDate, Event)] = []

        mutating func emit(_ date: CivilDate, _ type: EventType, _ system: String, _ key: String, _ fields: [Field: FieldValue]) {
            out.append((date, Event(type: type, source: Source(system: system, key: key), person: id, fields: fields)))
        }
    }

    /// One person's facts, drawn from the seeded stream in a fixed order: registration, identities,
    /// enrolment and payment, claims, a reversal, an application, a merge.
    private mutating func person(_ index: Int) -> [(CivilDate, Event)] {
        let year = options.year
        var facts = PersonFacts(id: ScenarioGenerator.personID(index))
        let region = ScenarioGenerator.districts[random.below(ScenarioGenerator.districts.count)]
        let birth = CivilDate(year: 1940 + random.below(80), month: 1 + random.below(12), day: 1 + random.below(28))!
        let rural = random.chance(60)
        let idNumber = residentID(region: region, birth: birth, serial: index)
        facts.emit(CivilDate(year: year - 1, month: 1, day: 1)!, .personRegistered, "civil-registry", "r-\(facts.id)", [
            .idNumber: .text(idNumber),
            .name: .text("居民\(index)"), .birthDate: .date(birth), .region: .integer(region),
            .residence: (rural ? Residence.rural : .urban).symbol,
        ])
        let category = identities(&facts)
        enrolment(&facts, region: region, category: category)
        let highBurden = claims(&facts, category: category)
        if category == .JC && highBurden && random.chance(70) {
            let on = CivilDate(year: year, month: 12, day: 1 + random.below(20))!
            facts.emit(on, .assistanceApplied, "civil-affairs", "a-\(facts.id)-\(year)", [.year: .integer(Int64(year)), .appliedOn: .date(on)])
        }
        // A duplicate record of the same human, merged later (重复参保).
        if random.chance(1) && index > 1 && !merged.contains(index - 1) {
            merged.insert(index)
            let other = ScenarioGenerator.personID(index - 1)
            // On 31 December, or on the day of the person's last fact when that is later (a
            // reversal in January): a merged person's stream takes no more facts.
            let on = facts.out.map(\.0).reduce(CivilDate(year: year, month: 12, day: 31)!, max)
            facts.out.append((on, Event(type: .personMerged, source: Source(system: "medical-insurance", key: "m-\(facts.id)"),
                                        person: facts.id, fields: [.on: .date(on), .into: .text(other)])))
        }
        return facts.out
    }

    /// Identities: monitoring objects, poverty-alleviated, civil-affairs groups; a few revoked, a
    /// few TP later also JC. Returns the person's first category.
    private mutating func identities(_ facts: inout PersonFacts) -> Category? {
        let year = options.year
        let id = facts.id
        let roll = random.below(100)
        var category: Category?
        if roll < 12 { category = .JC } else if roll < 32 { category = .TP } else if roll < 36 { category = .DB } else if roll < 37 { category = .TK }
        guard let category else { return nil }
        let from = random.chance(80) ? CivilDate(year: year - 1, month: 6, day: 1)! : CivilDate(year: year, month: 1 + random.below(9), day: 1)!
        var fields: [Field: FieldValue] = [
            .category: category.symbol, .validFrom: .date(from), .department: category.department.symbol,
        ]
        if category == .TP { fields[.exitYear] = .integer(Int64(2016 + random.below(5))) }
        facts.emit(from, .identityRecognized, category.department.word, "i-\(id)", fields)
        if random.chance(5) {
            let to = max(from, CivilDate(year: year, month: 4 + random.below(6), day: 15)!).adding(days: 30)
            facts.emit(to, .identityRevoked, category.department.word, "v-\(id)", [.category: category.symbol, .validTo: .date(to)])
        }
        if category == .TP && random.chance(10) {
            let from = CivilDate(year: year, month: 3 + random.below(6), day: 1)!
            facts.emit(from, .identityRecognized, "rural-revitalization", "j-\(id)", [
                .category: Category.JC.symbol, .validFrom: .date(from), .department: Department.ruralRevitalization.symbol,
            ])
        }
        return category
    }

    /// Enrolment, most in the concentrated period of the year before; the payment; a few refunds.
    private mutating func enrolment(_ facts: inout PersonFacts, region: Int64, category: Category?) {
        let year = options.year
        let id = facts.id
        let concentrated = random.chance(90)
        let enrolledOn = concentrated ? CivilDate(year: year - 1, month: 10 + random.below(3), day: 1 + random.below(28))!
            : CivilDate(year: year, month: 1 + random.below(6), day: 1 + random.below(28))!
        facts.emit(enrolledOn, .enrollmentRegistered, "medical-insurance", "e-\(id)-\(year)", [
            .region: .integer(region), .insuranceYear: .integer(Int64(year)), .enrolledOn: .date(enrolledOn),
            .channel: (concentrated ? Channel.concentrated : .other).symbol,
        ])
        let paidOn = enrolledOn.adding(days: 3)
        facts.emit(paidOn, .contributionPaid, "tax", "p-\(id)-\(year)", [
            .insuranceYear: .integer(Int64(year)), .amount: .money(Money.yuan(category == nil ? 380 : 152)), .paidOn: .date(paidOn),
        ])
        if random.chance(2) {
            facts.emit(paidOn.adding(days: 20), .contributionRefunded, "tax", "f-\(id)-\(year)", [
                .insuranceYear: .integer(Int64(year)), .amount: .money(Money.yuan(50)), .refundedOn: .date(paidOn.adding(days: 20)),
            ])
        }
    }

    /// Claims — sick persons have several, the poorest more often — and a few reversals. Returns
    /// whether a claim left a burden above 8 000 yuan.
    private mutating func claims(_ facts: inout PersonFacts, category: Category?) -> Bool {
        let claimCount = random.below(options.claimsPerPerson * 2 + 1) + (category == nil ? 0 : 1)
        var claimIDs: [(String, CivilDate)] = []
        var highBurden = false
        for _ in 0..<claimCount {
            claimCounter += 1
            let claim = "C" + ScenarioGenerator.pad(claimCounter, 9)
            let settled = CivilDate(year: options.year, month: 1 + random.below(12), day: 1 + random.below(28))!
            let fields = claimFields(claim, settled: settled, highBurden: &highBurden)
            facts.emit(settled, .settlementRecorded, "hospital-settlement", claim, fields)
            claimIDs.append((claim, settled))
        }
        if let (claim, settled) = claimIDs.first, random.chance(3) {
            let on = settled.adding(days: 2 + random.below(10))
            facts.emit(on, .settlementReversed, "hospital-settlement", "rev-\(claim)", [.claim: .text(claim), .reversedOn: .date(on)])
        }
        return highBurden
    }

    /// One claim's amounts, kind, hospital and dates.
    private mutating func claimFields(_ claim: String, settled: CivilDate, highBurden: inout Bool) -> [Field: FieldValue] {
        let kindRoll = random.below(100)
        let kind: ClaimKind = kindRoll < 45 ? .inpatient : kindRoll < 60 ? .outpatientSpecialChronic : .outpatient
        let total: Money = kind == .inpatient ? random.yuan(2_000, random.chance(10) ? 250_000 : 40_000)
            : kind == .outpatientSpecialChronic ? random.yuan(1_000, 30_000) : random.yuan(50, 1_500)
        let inList = Money(fen: total.fen - total.fen * Int64(random.below(16)) / 100)
        let basicRate = Int64(kind == .outpatient ? 50 : 55 + random.below(26))
        let basic = Money(fen: inList.fen * basicRate / 100)
        let critical = kind == .inpatient && inList.fen > 2_000_000 ? Money(fen: (inList.fen - basic.fen) * Int64(random.below(50)) / 100) : .zero
        if inList - basic - critical > Money.yuan(8_000) { highBurden = true }
        var fields: [Field: FieldValue] = [
            .claim: .text(claim), .claimKind: kind.symbol, .hospital: .text(ScenarioGenerator.hospitals[random.below(ScenarioGenerator.hospitals.count)]),
            .settledOn: .date(settled), .totalCost: .money(total), .inListCost: .money(inList), .basicPaid: .money(basic),
            .criticalPaid: .money(critical),
        ]
        if kind == .inpatient {
            fields[.admittedOn] = .date(settled.adding(days: -(3 + random.below(20))))
            fields[.dischargedOn] = .date(settled)
        }
        if kind == .outpatientSpecialChronic { fields[.disease] = Disease.allCases[random.below(Disease.allCases.count)].symbol }
        return fields
    }

    /// An ID number of region, birth date and sequence code `serial` mod 1000; the next free sequence
    /// code when another person of the same region and birth date holds that one.
    mutating func residentID(region: Int64, birth: CivilDate, serial: Int) -> String {
        let prefix = UInt64(region) * 100_000_000_000 + UInt64(birth.year * 10_000 + birth.month * 100 + birth.day) * 1_000
        var code = serial % 1000
        for _ in 0..<1000 where givenIDs.contains(prefix + UInt64(code)) { code = (code + 1) % 1000 }
        givenIDs.insert(prefix + UInt64(code))
        let first17 = String(region) + ScenarioGenerator.pad(birth.year, 4) + ScenarioGenerator.pad(birth.month, 2)
            + ScenarioGenerator.pad(birth.day, 2) + ScenarioGenerator.pad(code, 3)
        return first17 + String(ResidentID.checkCharacter(forFirst17: Array(first17.utf8)))
    }
}
