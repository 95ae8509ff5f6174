import Foundation
import Testing

@testable import LedgerModel

// INTERCHANGE.md: every line, the input types, and the checks beyond syntax.

/// A JSON string literal for simple text (no characters that need escaping).
private func q(_ text: String) -> String { "\"" + text + "\"" }

/// An interchange line as an ordered list of members with raw JSON values, easy to vary.
private struct Line {
    var members: [(key: String, raw: String)]

    init(_ members: [(String, String)]) { self.members = members.map { (key: $0.0, raw: $0.1) } }

    /// Replaces the member's value, or appends the member.
    func with(_ key: String, _ raw: String) -> Line {
        var copy = self
        if let index = copy.members.firstIndex(where: { $0.key == key }) {
            copy.members[index].raw = raw
        } else {
            copy.members.append((key: key, raw: raw))
        }
        return copy
    }

    func without(_ key: String) -> Line {
        var copy = self
        copy.members.removeAll { $0.key == key }
        return copy
    }

    var text: String { "{" + members.map { q($0.key) + ":" + $0.raw }.joined(separator: ",") + "}" }
}

private let source = #"{"system":"his-450100","key":"claim-0001"}"#

/// A valid line of every type.
private let baseLines: [EventType: Line] = [
    .personRegistered: Line([
        ("type", q("person.registered")), ("source", source), ("person", q("P1")),
        ("idNumber", q("11010519491231002X")), ("name", q("张三")), ("birthDate", q("1949-12-31")), ("region", q("450102")),
    ]),
    .personAmended: Line([
        ("type", q("person.amended")), ("source", source), ("person", q("P1")), ("on", q("2024-05-06")), ("name", q("李四")),
    ]),
    .personMerged: Line([
        ("type", q("person.merged")), ("source", source), ("person", q("P2")), ("into", q("P1")), ("on", q("2024-06-01")),
    ]),
    .identityRecognized: Line([
        ("type", q("identity.recognized")), ("source", source), ("person", q("P1")), ("category", q("TP")),
        ("validFrom", q("2024-01-01")), ("validTo", q("2024-12-31")), ("exitYear", "2016"),
        ("department", q("rural-revitalization")),
    ]),
    .identityRevoked: Line([
        ("type", q("identity.revoked")), ("source", source), ("person", q("P1")), ("category", q("JC")),
        ("validTo", q("2024-10-31")),
    ]),
    .enrollmentRegistered: Line([
        ("type", q("enrollment.registered")), ("source", source), ("person", q("P1")), ("insuranceYear", "2024"),
        ("region", q("450102")), ("enrolledOn", q("2023-11-15")), ("channel", q("concentrated")),
    ]),
    .contributionPaid: Line([
        ("type", q("contribution.paid")), ("source", source), ("person", q("P1")), ("insuranceYear", "2025"),
        ("amount", q("380")), ("paidOn", q("2024-12-01")),
    ]),
    .contributionRefunded: Line([
        ("type", q("contribution.refunded")), ("source", source), ("person", q("P1")), ("insuranceYear", "2025"),
        ("amount", q("380.5")), ("refundedOn", q("2025-01-10")),
    ]),
    .settlementRecorded: Line([
        ("type", q("settlement.recorded")), ("source", source), ("person", q("P1")), ("claim", q("C1")),
        ("kind", q("inpatient")), ("hospital", q("H1")), ("admittedOn", q("2024-05-01")),
        ("dischargedOn", q("2024-05-10")), ("settledOn", q("2024-05-12")), ("totalCost", q("12000")),
        ("inListCost", q("10000.50")), ("basicPaid", q("7500")), ("criticalPaid", q("0")),
    ]),
    .settlementReversed: Line([
        ("type", q("settlement.reversed")), ("source", source), ("person", q("P1")), ("claim", q("C1")),
        ("reversedOn", q("2024-06-02")),
    ]),
    .assistanceApplied: Line([
        ("type", q("assistance.applied")), ("source", source), ("person", q("P1")), ("year", "2024"),
        ("appliedOn", q("2024-09-01")),
    ]),
    .regionRegistered: Line([
        ("type", q("region.registered")), ("source", source), ("region", q("450109")), ("name", q("邕宁区")),
        ("kind", q("poor-county")), ("parent", q("450100")), ("validFrom", q("2020-01-01")),
    ]),
    .policyPublished: Line([
        ("type", q("policy.published")), ("source", source), ("parameter", q("assistance.rate.JC")), ("value", q("70%")),
        ("validFrom", q("2022-08-01")), ("validTo", q("2025-12-31")), ("region", q("450100")), ("clause", q("002 § 三(二)")),
    ]),
]

private func base(_ type: EventType) -> Line { baseLines[type]! }

private func submission(_ text: String, line: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) -> Submission? {
    switch Interchange.parse(line: text, number: line) {
    case .accepted(let submission): return submission
    case .refused(let problems):
        Issue.record("refused: \(problems)", sourceLocation: sourceLocation)
        return nil
    }
}

private func problems(_ text: String, line: Int = 1) -> [LineProblem] {
    switch Interchange.parse(line: text, number: line) {
    case .accepted: return []
    case .refused(let problems): return problems
    }
}

private func refusedFields(_ text: String, line: Int = 1) -> [String] { problems(text, line: line).map(\.field) }

@Suite("Interchange: valid lines")
struct InterchangeValidTests {
    @Test("a valid line of every input type is accepted", arguments: EventType.allCases.filter(\.isInput))
    func everyType(type: EventType) throws {
        let accepted = try #require(submission(base(type).text, line: 12))
        #expect(accepted.line == 12)
        #expect(accepted.event.type == type)
        #expect(accepted.event.source == Source(system: "his-450100", key: "claim-0001"))
        #expect(accepted.event.person == (type.hasPerson ? (type == .personMerged ? "P2" : "P1") : nil))
        #expect(accepted.stamp == nil)
    }

    @Test("a settlement's values are read exactly")
    func settlementValues() throws {
        let event = try #require(submission(base(.settlementRecorded).text)).event
        let expected = Event(type: .settlementRecorded, source: Source(system: "his-450100", key: "claim-0001"), person: "P1", fields: [
            .claim: .text("C1"), .claimKind: .symbol(0), .hospital: .text("H1"),
            .admittedOn: .date(CivilDate(year: 2024, month: 5, day: 1)!),
            .dischargedOn: .date(CivilDate(year: 2024, month: 5, day: 10)!),
            .settledOn: .date(CivilDate(year: 2024, month: 5, day: 12)!),
            .totalCost: .money(Money(fen: 1_200_000)), .inListCost: .money(Money(fen: 1_000_050)),
            .basicPaid: .money(Money(fen: 750_000)), .criticalPaid: .money(Money(fen: 0)),
        ])
        #expect(event == expected)
        #expect(event.symbol(.claimKind) == "inpatient")
    }

    @Test("a person's values are read exactly; years are numbers, region codes integers")
    func otherValues() throws {
        let person = try #require(submission(base(.personRegistered).text)).event
        #expect(person.text(.idNumber) == "11010519491231002X")
        #expect(person.text(.name) == "张三")
        #expect(person.date(.birthDate) == CivilDate(year: 1949, month: 12, day: 31))
        #expect(person.integer(.region) == 450_102)
        let enrollment = try #require(submission(base(.enrollmentRegistered).text)).event
        #expect(enrollment.integer(.insuranceYear) == 2024)
        #expect(enrollment.symbol(.channel) == "concentrated")
        let paid = try #require(submission(base(.contributionPaid).text)).event
        #expect(paid.money(.amount) == Money(fen: 38_000))
        let policy = try #require(submission(base(.policyPublished).text)).event
        #expect(policy.text(.value) == "70%")
        #expect(policy.person == nil)
        let region = try #require(submission(base(.regionRegistered).text)).event
        #expect(region.symbol(.regionKind) == "poor-county")
        #expect(region.integer(.parent) == 450_100)
        #expect(region.text(.name) == "邕宁区")
    }

    @Test("member order in the line does not matter")
    func memberOrder() throws {
        var line = base(.settlementRecorded)
        line.members.reverse()
        let reordered = try #require(submission(line.text)).event
        let original = try #require(submission(base(.settlementRecorded).text)).event
        #expect(reordered == original)
    }

    @Test("a lowercase x in an identity number is accepted and stored as X")
    func lowercaseX() throws {
        let event = try #require(submission(base(.personRegistered).with("idNumber", q("11010519491231002x")).text)).event
        #expect(event.text(.idNumber) == "11010519491231002X")
    }

    @Test("optional fields may be present")
    func optionalFields() throws {
        let person = base(.personRegistered).with("household", q("HH-1_a")).with("residence", q("rural"))
        let event = try #require(submission(person.text)).event
        #expect(event.text(.household) == "HH-1_a")
        #expect(event.symbol(.residence) == "rural")
        let enrollment = base(.enrollmentRegistered).with("exemption", q("newborn"))
        #expect(try #require(submission(enrollment.text)).event.symbol(.exemption) == "newborn")
        let chronic = base(.settlementRecorded).with("kind", q("outpatient-special-chronic")).with("disease", q("haemophilia"))
        #expect(try #require(submission(chronic.text)).event.symbol(.disease) == "haemophilia")
    }
}

@Suite("Interchange: every line")
struct InterchangeEveryLineTests {
    @Test("an unknown type")
    func unknownType() {
        let found = problems(base(.contributionPaid).with("type", q("person.born")).text, line: 3)
        #expect(found.count == 1)
        #expect(found.first?.field == "type")
        #expect(found.first?.line == 3)
        #expect(found.first?.reason.contains("person.born") == true)
        #expect(refusedFields(base(.contributionPaid).with("type", q("Contribution.Paid")).text) == ["type"])
        #expect(refusedFields(base(.contributionPaid).with("type", q("")).text) == ["type"])
    }

    @Test("a missing or non-string type")
    func missingType() {
        #expect(problems(base(.contributionPaid).without("type").text, line: 2) == [LineProblem(line: 2, field: "type", reason: "missing")])
        #expect(refusedFields(base(.contributionPaid).with("type", "7").text) == ["type"])
        #expect(refusedFields(base(.contributionPaid).with("type", "null").text) == ["type"])
    }

    @Test("source: missing, not an object, or members missing, empty, too long, extra")
    func sourceProblems() {
        let paid = base(.contributionPaid)
        #expect(problems(paid.without("source").text, line: 5) == [LineProblem(line: 5, field: "source", reason: "missing")])
        #expect(refusedFields(paid.with("source", q("his")).text) == ["source"])
        #expect(refusedFields(paid.with("source", "[]").text) == ["source"])
        #expect(refusedFields(paid.with("source", #"{"key":"k"}"#).text) == ["source.system"])
        #expect(refusedFields(paid.with("source", #"{"system":"s"}"#).text) == ["source.key"])
        #expect(refusedFields(paid.with("source", #"{}"#).text) == ["source.system", "source.key"])
        #expect(refusedFields(paid.with("source", #"{"system":"","key":"k"}"#).text) == ["source.system"])
        #expect(refusedFields(paid.with("source", #"{"system":"s","key":""}"#).text) == ["source.key"])
        #expect(refusedFields(paid.with("source", #"{"system":"s","key":1}"#).text) == ["source.key"])
        #expect(refusedFields(paid.with("source", #"{"system":null,"key":"k"}"#).text) == ["source.system"])
        #expect(refusedFields(paid.with("source", #"{"system":"s","key":"k","x":1}"#).text) == ["source.x"])
        #expect(refusedFields(paid.with("source", #"{"system":"s","key":"k\u0000"}"#).text) == ["source.key"])
        let system64 = String(repeating: "s", count: 64)
        let key256 = String(repeating: "k", count: 256)
        #expect(refusedFields(paid.with("source", "{\"system\":\"\(system64)\",\"key\":\"\(key256)\"}").text).isEmpty)
        #expect(refusedFields(paid.with("source", "{\"system\":\"\(system64)s\",\"key\":\"k\"}").text) == ["source.system"])
        #expect(refusedFields(paid.with("source", "{\"system\":\"s\",\"key\":\"\(key256)k\"}").text) == ["source.key"])
        // Any characters are allowed in a source key, it is the other system's key.
        let accepted = submission(paid.with("source", #"{"system":"税务 tax","key":"2024/07 #1 \"x\""}"#).text)
        #expect(accepted?.event.source == Source(system: "税务 tax", key: "2024/07 #1 \"x\""))
    }

    @Test("person: missing, wrong characters, too long, not a string")
    func personProblems() {
        let paid = base(.contributionPaid)
        #expect(problems(paid.without("person").text, line: 9) == [LineProblem(line: 9, field: "person", reason: "missing")])
        for raw in [q("P 1"), q("张三"), q("P.1"), q("P/1"), q(""), q("P1\\n"), "1", "null", "[\"P1\"]", q(String(repeating: "A", count: 65))] {
            #expect(refusedFields(paid.with("person", raw).text) == ["person"], "\(raw)")
        }
        for person in [String(repeating: "A", count: 64), "a", "a_B-9", "0", "-", "_"] {
            #expect(submission(paid.with("person", q(person)).text)?.event.person == person)
        }
    }

    @Test("person is refused on events that concern no person")
    func personOnRegionAndPolicy() {
        #expect(refusedFields(base(.policyPublished).with("person", q("P1")).text) == ["person"])
        #expect(refusedFields(base(.regionRegistered).with("person", q("P1")).text) == ["person"])
        #expect(refusedFields(base(.policyPublished).with("person", "null").text) == ["person"])
    }

    @Test("an unknown field, or a field of another type")
    func unknownField() {
        #expect(refusedFields(base(.personRegistered).with("foo", "1").text) == ["foo"])
        #expect(refusedFields(base(.personRegistered).with("amount", q("1")).text) == ["amount"])
        #expect(refusedFields(base(.personRegistered).with("kind", q("inpatient")).text) == ["kind"])
        #expect(refusedFields(base(.contributionPaid).with("Amount", q("1")).text) == ["Amount"])
        #expect(refusedFields(base(.settlementRecorded).with("claimKind", q("inpatient")).text) == ["claimKind"])
    }

    @Test("every required field of every input type, when missing, is named", arguments: EventType.allCases.filter(\.isInput))
    func requiredMissing(type: EventType) {
        for (field, required) in type.schema where required {
            let line = base(type).without(field.jsonName)
            #expect(problems(line.text, line: 4) == [LineProblem(line: 4, field: field.jsonName, reason: "missing")], "\(type.name) \(field.jsonName)")
        }
    }

    @Test("every problem of a line is listed, each with the line number")
    func everyProblemListed() {
        let line = base(.contributionPaid).without("source").with("foo", "1").with("paidOn", q("2024-02-30")).with("amount", "380")
        let found = problems(line.text, line: 4)
        #expect(Set(found.map(\.field)) == ["source", "foo", "paidOn", "amount"])
        #expect(found.count == 4)
        #expect(found.allSatisfy { $0.line == 4 })
    }

    @Test("a line that is not a JSON object is refused as a whole")
    func notAnObject() {
        for text in ["{", "", "[1]", q("x"), "null", #"{"type":"a","type":"b"}"#, base(.contributionPaid).text + "x",
                     #"{"type":"contribution.paid",}"#] {
            let found = problems(text, line: 8)
            #expect(found.count == 1, "\(text)")
            #expect(found.first?.field == "-")
            #expect(found.first?.line == 8)
        }
    }

    @Test("a line of more than 16 KiB is refused; exactly 16 KiB is read")
    func lineLength() {
        let text = base(.contributionPaid).text
        let exactly = text + String(repeating: " ", count: InterchangeLimits.lineBytes - text.utf8.count)
        #expect(exactly.utf8.count == 16 * 1024)
        #expect(submission(exactly) != nil)
        let found = problems(exactly + " ", line: 2)
        #expect(found.map(\.field) == ["-"])
        #expect(found.first?.reason.contains("16384") == true)
    }

    @Test("LineProblem description")
    func description() {
        #expect(LineProblem(line: 3, field: "amount", reason: "bad").description == "line 3: amount: bad")
    }
}

@Suite("Interchange: values")
struct InterchangeValueTests {
    @Test("money as a JSON number is refused, naming the line and the field")
    func moneyAsNumber() {
        let found = problems(base(.contributionPaid).with("amount", "320").text, line: 7)
        #expect(found == [LineProblem(line: 7, field: "amount", reason: MoneyError.notAString.description)])
        #expect(found.first?.description.hasPrefix("line 7: amount: ") == true)
        #expect(refusedFields(base(.settlementRecorded).with("totalCost", "12000.00").text) == ["totalCost"])
        #expect(refusedFields(base(.settlementRecorded).with("basicPaid", "null").text) == ["basicPaid"])
    }

    @Test(
        "malformed money strings are refused, naming the line and the field",
        arguments: [("-1", MoneyError.signed), ("+1", .signed), ("1e3", .exponent), ("1.234", .tooManyDecimals), ("", .empty),
                    ("1.", .notADecimal), (".5", .notADecimal), ("abc", .notADecimal), ("10000000001", .tooLarge)])
    func moneyStrings(text: String, error: MoneyError) {
        let found = problems(base(.contributionPaid).with("amount", q(text)).text, line: 7)
        #expect(found == [LineProblem(line: 7, field: "amount", reason: error.description)])
        let claim = problems(base(.settlementRecorded).with("inListCost", q(text)).text, line: 11)
        #expect(claim == [LineProblem(line: 11, field: "inListCost", reason: error.description)])
    }

    @Test("years are JSON numbers between 1900 and 2199")
    func years() {
        #expect(refusedFields(base(.contributionPaid).with("insuranceYear", q("2025")).text) == ["insuranceYear"])
        #expect(refusedFields(base(.assistanceApplied).with("year", q("2024")).text) == ["year"])
        #expect(refusedFields(base(.identityRecognized).with("exitYear", q("2016")).text) == ["exitYear"])
        for raw in ["2024.0", "2024.5", "2e3", "1899", "2200", "-2024", "null", "true"] {
            #expect(refusedFields(base(.assistanceApplied).with("year", raw).text) == ["year"], "\(raw)")
        }
        #expect(submission(base(.assistanceApplied).with("year", "1900").text)?.event.integer(.year) == 1900)
        #expect(submission(base(.assistanceApplied).with("year", "2199").text)?.event.integer(.year) == 2199)
    }

    @Test("region codes are 6-digit strings")
    func regionCodes() {
        for raw in [q("45010"), q("4501000"), q("45010a"), q("45 100"), q(""), q("-45010"), "450100"] {
            #expect(refusedFields(base(.enrollmentRegistered).with("region", raw).text) == ["region"], "\(raw)")
            #expect(refusedFields(base(.regionRegistered).with("parent", raw).text) == ["parent"], "\(raw)")
        }
        #expect(submission(base(.enrollmentRegistered).with("region", q("999999")).text)?.event.integer(.region) == 999_999)
    }

    @Test("symbols must be words of their list")
    func symbols() {
        #expect(refusedFields(base(.identityRecognized).with("category", q("XX")).text) == ["category"])
        #expect(refusedFields(base(.identityRecognized).with("category", q("tp")).text) == ["category"])
        #expect(refusedFields(base(.identityRecognized).with("department", q("tax")).text) == ["department"])
        #expect(refusedFields(base(.settlementRecorded).with("kind", q("emergency")).text) == ["kind"])
        #expect(refusedFields(base(.settlementRecorded).with("kind", "0").text) == ["kind"])
        #expect(refusedFields(base(.enrollmentRegistered).with("channel", q("online")).text) == ["channel"])
        #expect(refusedFields(base(.enrollmentRegistered).with("exemption", q("student")).text) == ["exemption"])
        #expect(refusedFields(base(.personRegistered).with("residence", q("suburban")).text) == ["residence"])
        #expect(refusedFields(base(.regionRegistered).with("kind", q("city")).text) == ["kind"])
        #expect(refusedFields(base(.regionRegistered).with("kind", q("inpatient")).text) == ["kind"])
        let chronic = base(.settlementRecorded).with("kind", q("outpatient-special-chronic"))
        #expect(refusedFields(chronic.with("disease", q("flu")).text) == ["disease"])
        for disease in ["dialysis", "malignant-tumour", "anti-rejection", "thalassaemia", "haemophilia"] {
            #expect(submission(chronic.with("disease", q(disease)).text)?.event.symbol(.disease) == disease)
        }
        for kind in ["city-district", "county", "poor-county", "development-zone", "university"] {
            #expect(submission(base(.regionRegistered).with("kind", q(kind)).text)?.event.symbol(.regionKind) == kind)
        }
    }

    @Test("dates must be real calendar dates as strings")
    func dates() {
        for raw in [q("2023-02-29"), q("2024/01/01"), q("2024-1-01"), q("2024-13-01"), q(""), "20240101", "null"] {
            #expect(refusedFields(base(.personRegistered).with("birthDate", raw).text) == ["birthDate"], "\(raw)")
        }
        #expect(submission(base(.personRegistered).with("birthDate", q("2024-02-29")).text) != nil)
    }

    @Test("identity numbers must pass GB 11643")
    func identityNumbers() {
        for raw in [q("110105194912310021"), q("11010519491231002"), q("1101051949123100AX"), q("11010520230229001X"), "110105194912310021"] {
            #expect(refusedFields(base(.personRegistered).with("idNumber", raw).text) == ["idNumber"], "\(raw)")
        }
        let generated = validResidentID("45012720000229001")
        #expect(submission(base(.personRegistered).with("idNumber", q(generated)).text)?.event.text(.idNumber) == generated)
    }

    @Test("texts: not empty, bounded in bytes, no control characters")
    func texts() {
        let person = base(.personRegistered)
        #expect(refusedFields(person.with("name", q("")).text) == ["name"])
        #expect(refusedFields(person.with("name", #""a\nb""#).text) == ["name"])
        #expect(refusedFields(person.with("name", #""a\u0001b""#).text) == ["name"])
        #expect(refusedFields(person.with("name", "7").text) == ["name"])
        #expect(submission(person.with("name", q(String(repeating: "a", count: 128))).text) != nil)
        #expect(refusedFields(person.with("name", q(String(repeating: "a", count: 129))).text) == ["name"])
        // 42 × 3 bytes = 126 bytes pass; 43 × 3 = 129 bytes do not.
        #expect(submission(person.with("name", q(String(repeating: "中", count: 42))).text) != nil)
        #expect(refusedFields(person.with("name", q(String(repeating: "中", count: 43))).text) == ["name"])
        let policy = base(.policyPublished)
        #expect(submission(policy.with("clause", q(String(repeating: "c", count: 256))).text) != nil)
        #expect(refusedFields(policy.with("clause", q(String(repeating: "c", count: 257))).text) == ["clause"])
        #expect(refusedFields(policy.with("value", q(String(repeating: "9", count: 33))).text) == ["value"])
        #expect(refusedFields(policy.with("parameter", q(String(repeating: "p", count: 65))).text) == ["parameter"])
        #expect(refusedFields(policy.with("value", "3000").text) == ["value"])
    }

    @Test("identifiers: claim, hospital, household, into")
    func identifiers() {
        #expect(refusedFields(base(.settlementRecorded).with("claim", q("")).text) == ["claim"])
        #expect(refusedFields(base(.settlementRecorded).with("claim", q("C 1")).text) == ["claim"])
        #expect(refusedFields(base(.settlementRecorded).with("hospital", q(String(repeating: "H", count: 65))).text) == ["hospital"])
        #expect(submission(base(.settlementRecorded).with("hospital", q(String(repeating: "H", count: 64))).text) != nil)
        #expect(refusedFields(base(.personRegistered).with("household", q("户 1")).text) == ["household"])
        #expect(refusedFields(base(.personMerged).with("into", q("P.1")).text) == ["into"])
    }
}

@Suite("Interchange: checks beyond syntax")
struct InterchangeCrossFieldTests {
    private let claim = base(.settlementRecorded)

    @Test("in-list cost ≤ total cost")
    func inListAboveTotal() {
        let found = problems(claim.with("totalCost", q("100")).with("inListCost", q("100.01")).with("basicPaid", q("0")).text, line: 6)
        #expect(found.map(\.field) == ["inListCost"])
        #expect(found.first?.line == 6)
        #expect(submission(claim.with("totalCost", q("10000.50")).text) != nil)  // equal is fine
    }

    @Test("basic + critical ≤ in-list cost")
    func paidAboveInList() {
        // 7 500 + 2 500.51 = 10 000.51 > 10 000.50
        #expect(refusedFields(claim.with("criticalPaid", q("2500.51")).text) == ["criticalPaid"])
        #expect(refusedFields(claim.with("basicPaid", q("10000.51")).text) == ["criticalPaid"])
        #expect(submission(claim.with("criticalPaid", q("2500.50")).text) != nil)  // equal is fine
        // Both at once.
        let both = claim.with("totalCost", q("100")).with("inListCost", q("200")).with("basicPaid", q("150")).with("criticalPaid", q("60"))
        #expect(refusedFields(both.text) == ["inListCost", "criticalPaid"])
    }

    @Test("a special chronic claim names its disease; other claims do not")
    func disease() {
        #expect(refusedFields(claim.with("kind", q("outpatient-special-chronic")).text) == ["disease"])
        #expect(refusedFields(claim.with("disease", q("dialysis")).text) == ["disease"])
        #expect(refusedFields(claim.with("kind", q("outpatient")).with("disease", q("dialysis")).text) == ["disease"])
        #expect(submission(claim.with("kind", q("outpatient")).text) != nil)
    }

    @Test("discharged on or after admitted; settled on or after discharged")
    func hospitalDates() {
        #expect(refusedFields(claim.with("admittedOn", q("2024-05-11")).text) == ["dischargedOn"])
        #expect(submission(claim.with("admittedOn", q("2024-05-10")).text) != nil)
        #expect(refusedFields(claim.with("settledOn", q("2024-05-09")).text) == ["settledOn"])
        #expect(submission(claim.with("settledOn", q("2024-05-10")).text) != nil)
        #expect(submission(claim.without("admittedOn").without("dischargedOn").text) != nil)
        #expect(submission(claim.without("dischargedOn").text) != nil)
    }

    @Test("validTo not before validFrom")
    func validity() {
        let recognized = base(.identityRecognized)
        #expect(refusedFields(recognized.with("validTo", q("2023-12-31")).text) == ["validTo"])
        #expect(submission(recognized.with("validTo", q("2024-01-01")).text) != nil)
        #expect(submission(recognized.without("validTo").text) != nil)
        let policy = base(.policyPublished)
        #expect(refusedFields(policy.with("validTo", q("2022-07-31")).text) == ["validTo"])
        #expect(submission(policy.with("validTo", q("2022-08-01")).text) != nil)
        #expect(submission(policy.without("validTo").without("region").text) != nil)
    }

    @Test("only a TP identity has an exit year")
    func exitYear() {
        let recognized = base(.identityRecognized)
        #expect(submission(recognized.text)?.event.integer(.exitYear) == 2016)
        #expect(refusedFields(recognized.with("category", q("JC")).text) == ["exitYear"])
        #expect(refusedFields(recognized.with("category", q("DB")).with("department", q("civil-affairs")).text) == ["exitYear"])
    }

    @Test("each category comes from its department", arguments: ["TK", "GE", "SW", "DB", "DBBY", "JC", "TP"])
    func department(category: String) {
        let civil = ["TK", "GE", "SW", "DB", "DBBY"].contains(category)
        let right = civil ? "civil-affairs" : "rural-revitalization"
        let wrong = civil ? "rural-revitalization" : "civil-affairs"
        let line = base(.identityRecognized).without("exitYear").with("category", q(category))
        #expect(submission(line.with("department", q(right)).text)?.event.symbol(.category) == category)
        #expect(refusedFields(line.with("department", q(wrong)).text) == ["department"])
    }

    @Test("an amendment changes something")
    func amendment() {
        let amended = base(.personAmended)
        #expect(refusedFields(amended.without("name").text) == ["-"])
        #expect(submission(amended.without("name").with("idNumber", q("11010519491231002X")).text) != nil)
        #expect(submission(amended.without("name").with("region", q("450103")).text) != nil)
    }

    @Test("a person is not merged into itself")
    func mergeIntoItself() {
        #expect(refusedFields(base(.personMerged).with("into", q("P2")).text) == ["into"])
        #expect(submission(base(.personMerged).with("into", q("p2")).text) != nil)  // ids are case-sensitive
    }
}

@Suite("Interchange: ledger stamp")
struct InterchangeStampTests {
    static let hash = (0..<32).map { UInt8($0 * 8 + 3) }
    static let hashHex = hexString(hash)

    @Test("a stamp is read")
    func stamp() throws {
        let line = base(.contributionPaid).with("ledger", #"{"sequence":5,"recordedAt":"2026-11-23T18:32:51.123Z","hash":"\#(Self.hashHex)"}"#)
        let accepted = try #require(submission(line.text))
        let stamp = try #require(accepted.stamp)
        #expect(stamp.sequence == 5)
        #expect(stamp.recordedAt.millisecondsSinceEpoch == 1_795_458_771_123)
        #expect(stamp.hash == Self.hash)
        #expect(stamp == LedgerStamp(sequence: 5, recordedAt: Timestamp(millisecondsSinceEpoch: 1_795_458_771_123), hash: Self.hash))
    }

    @Test("bad stamps are refused, naming the member")
    func badStamps() {
        func fields(_ ledger: String) -> [String] { refusedFields(base(.contributionPaid).with("ledger", ledger).text) }
        let time = #""recordedAt":"2026-11-23T18:32:51.123Z""#
        let hash = "\"hash\":\"\(Self.hashHex)\""
        #expect(fields("{\"sequence\":0,\(time),\(hash)}") == ["ledger.sequence"])
        #expect(fields("{\"sequence\":\"5\",\(time),\(hash)}") == ["ledger.sequence"])
        #expect(fields("{\"sequence\":-1,\(time),\(hash)}") == ["ledger.sequence"])
        #expect(fields("{\"sequence\":1.5,\(time),\(hash)}") == ["ledger.sequence"])
        #expect(fields("{\(time),\(hash)}") == ["ledger.sequence"])
        #expect(fields(q("x")) == ["ledger.sequence"])
        #expect(fields("{\"sequence\":5,\"recordedAt\":\"2026-11-23\",\(hash)}") == ["ledger.recordedAt"])
        #expect(fields("{\"sequence\":5,\"recordedAt\":1795458771123,\(hash)}") == ["ledger.recordedAt"])
        #expect(fields("{\"sequence\":5,\(time)}") == ["ledger.hash"])
        #expect(fields("{\"sequence\":5,\(time),\"hash\":\"\(Self.hashHex.uppercased())\"}") == ["ledger.hash"])
        #expect(fields("{\"sequence\":5,\(time),\"hash\":\"\(Self.hashHex.dropLast(2))\"}") == ["ledger.hash"])
        #expect(fields("{\"sequence\":5,\(time),\"hash\":\"\(Self.hashHex)00\"}") == ["ledger.hash"])
    }
}

@Suite("Interchange: rendering")
struct InterchangeRenderTests {
    @Test("render then parse gives back the same event", arguments: EventType.allCases.filter(\.isInput))
    func roundTrip(type: EventType) throws {
        for event in [Fixtures.full(type), Fixtures.minimal(type)] {
            let line = Interchange.render(event)
            let parsed = try #require(submission(line, line: 2))
            #expect(parsed.event == event, "\(line)")
            #expect(parsed.stamp == nil)
            #expect(Interchange.render(parsed.event) == line)
        }
    }

    @Test("render with a stamp then parse gives back the event and the stamp, decisions included", arguments: EventType.allCases)
    func roundTripWithStamp(type: EventType) throws {
        for event in [Fixtures.full(type), Fixtures.minimal(type)] {
            let recorded = RecordedEvent(sequence: 9, recordedAt: Timestamp(millisecondsSinceEpoch: 1_795_458_771_123), event: event, hash: sampleHash)
            let line = Interchange.render(event, stamp: recorded)
            let parsed = try #require(submission(line))
            #expect(parsed.event == event, "\(line)")
            #expect(parsed.stamp == LedgerStamp(sequence: 9, recordedAt: recorded.recordedAt, hash: sampleHash))
            #expect(Interchange.render(parsed.event, stamp: recorded) == line)
        }
    }

    @Test("texts that need escaping survive render and parse")
    func escaping() throws {
        let event = Fixtures.with(Fixtures.full(.policyPublished), [.clause: .text(#"002 § 三(二) "quoted" \ back/slash"#)])
        let withSource = Event(type: event.type, source: Source(system: "税务", key: "a\"b\\c"), person: nil, fields: event.fields)
        let parsed = try #require(submission(Interchange.render(withSource)))
        #expect(parsed.event == withSource)
    }

    @Test("known output: fields in stored order, years as numbers, money and codes as strings")
    func knownOutput() {
        let paid = Fixtures.full(.contributionPaid)
        #expect(Interchange.render(paid) == #"{"type":"contribution.paid","source":{"system":"minzheng-450100","key":"2024/000123"},"person":"P-0001","insuranceYear":2025,"amount":"380.00","paidOn":"2024-12-01","receivedAt":"2024-03-05T09:30:00+08:00"}"#)
        let recorded = RecordedEvent(sequence: 9, recordedAt: Timestamp(millisecondsSinceEpoch: 1_795_458_771_123), event: paid, hash: [UInt8](repeating: 0xAB, count: 32))
        #expect(Interchange.render(paid, stamp: recorded) == #"{"type":"contribution.paid","source":{"system":"minzheng-450100","key":"2024/000123"},"person":"P-0001","insuranceYear":2025,"amount":"380.00","paidOn":"2024-12-01","receivedAt":"2024-03-05T09:30:00+08:00","ledger":{"sequence":9,"recordedAt":"2026-11-23T18:32:51.123Z","hash":""# + String(repeating: "ab", count: 32) + #""}}"#)
        let region = Fixtures.full(.regionRegistered)
        #expect(Interchange.render(region) == #"{"type":"region.registered","source":{"system":"minzheng-450100","key":"2024/000123"},"name":"邕宁区","region":"450109","validFrom":"2020-01-01","kind":"poor-county","parent":"450100","receivedAt":"2024-03-05T09:30:00+08:00"}"#)
        let noSource = Event(type: .assistanceApplied, source: nil, person: "P1", fields: [.year: .integer(2024), .appliedOn: Fixtures.date("2024-09-01")])
        #expect(Interchange.render(noSource) == #"{"type":"assistance.applied","person":"P1","year":2024,"appliedOn":"2024-09-01"}"#)
    }

    @Test("rendering is deterministic")
    func deterministic() {
        for type in EventType.allCases {
            #expect(Interchange.render(Fixtures.full(type)) == Interchange.render(Fixtures.full(type)))
        }
    }

    @Test("text(of:field:)")
    func textOf() {
        #expect(Interchange.text(of: .money(Money(fen: -1205)), field: .amount) == "-12.05")
        #expect(Interchange.text(of: .date(CivilDate(year: 2024, month: 2, day: 29)!), field: .settledOn) == "2024-02-29")
        #expect(Interchange.text(of: .integer(450_100), field: .region) == "450100")
        #expect(Interchange.text(of: .symbol(1), field: .claimKind) == "outpatient-special-chronic")
        #expect(Interchange.text(of: .symbol(4), field: .regionKind) == "university")
        #expect(Interchange.text(of: .symbol(6), field: .category) == "TP")
        #expect(Interchange.text(of: .text("x y"), field: .name) == "x y")
        #expect(Interchange.text(of: .integers([3, 1, 2]), field: .name) == "3,1,2")
    }
}

@Suite("Interchange: the ledger's own decisions")
struct InterchangeDecisionTests {
    static let recordedAt = Timestamp(millisecondsSinceEpoch: 1_795_458_771_123)

    @Test("a decision without a ledger stamp is refused", arguments: EventType.allCases.filter { !$0.isInput })
    func needsStamp(type: EventType) {
        let line = Interchange.render(Fixtures.full(type))
        let found = problems(line, line: 3)
        #expect(found.map(\.field) == ["type"])
        #expect(found.first?.line == 3)
    }

    @Test("a decision carries negative amounts, counts and lists of counts")
    func decisionValues() throws {
        let event = Event(type: .assistanceAdjusted, source: nil, person: "P1", fields: [
            .amount: .money(Money(fen: -1_194_961)), .cause: .integer(12), .outcome: Fixtures.symbol(.outcome, "granted"),
            .grant: .money(Money(fen: 0)), .subject: Fixtures.symbol(.subject, "claim"), .adjusts: .integer(7),
            .parameters: .integers([3, 4, 5]), .settledOn: Fixtures.date("2024-08-01"),
        ])
        let recorded = RecordedEvent(sequence: 13, recordedAt: Self.recordedAt, event: event, hash: sampleHash)
        let line = Interchange.render(event, stamp: recorded)
        #expect(line.contains(#""amount":"-11949.61""#))
        #expect(line.contains(#""parameters":[3,4,5]"#))
        #expect(line.contains(#""cause":12"#))
        let parsed = try #require(submission(line))
        #expect(parsed.event == event)
        let withSource = line.replacingOccurrences(of: #"{"type":"assistance.adjusted","#, with: #"{"type":"assistance.adjusted","source":5,"#)
        #expect(problems(withSource, line: 1).map(\.field) == ["source"], "a decision line carries no source")
    }

    @Test("input lines may not carry negative money or ledger-written fields")
    func inputsAreNotDecisions() {
        #expect(refusedFields(base(.contributionPaid).with("amount", q("-380")).text) == ["amount"])
        #expect(refusedFields(base(.contributionPaid).with("cause", "1").text) == ["cause"])
        if case .success = Interchange.parseValue(.number("3"), kind: .count) { Issue.record("a count was accepted from a department") }
        if case .success = Interchange.parseValue(.array([.number("3")]), kind: .counts) { Issue.record("counts were accepted from a department") }
        if case .success(let value) = Interchange.parseValue(.number("3"), kind: .count, ledgerWritten: true) {
            #expect(value == .integer(3))
        } else {
            Issue.record("a ledger-written count was refused")
        }
    }
}

@Suite("Interchange: policy parameters")
struct InterchangePolicyTests {
    @Test("parameter names come from the catalogue; values are parsed by their unit")
    func catalogue() {
        let policy = base(.policyPublished)
        #expect(refusedFields(policy.with("parameter", q("assistance.rate.XX")).text) == ["parameter"])
        #expect(refusedFields(policy.with("value", q("70")).text) == ["value"])
        #expect(refusedFields(policy.with("value", q("101%")).text) == ["value"])
        let threshold = policy.with("parameter", q("assistance.threshold"))
        #expect(submission(threshold.with("value", q("3000")).text) != nil)
        #expect(refusedFields(threshold.with("value", q("70%")).text) == ["value"])
        #expect(refusedFields(threshold.with("value", q("-3000")).text) == ["value"])
        let months = policy.with("parameter", q("waiting.months"))
        #expect(submission(months.with("value", q("3")).text) != nil)
        #expect(refusedFields(months.with("value", q("3.5")).text) == ["value"])
    }

    @Test("PolicyCatalogue.parse")
    func parse() throws {
        #expect(try PolicyCatalogue.parse("82.5", for: "financing.region.poor-county").get() == .money(Money(fen: 8250)))
        #expect(try PolicyCatalogue.parse("12.5%", for: "contribution.subsidy.TP").get() == .rate(BasisPoints(1250)))
        #expect(try PolicyCatalogue.parse("0", for: "waiting.months").get() == .count(0))
        #expect(ParameterName.assistanceRateJC.unit == .rate)
        #expect(ParameterName.tiltedCap.unit == .money)
        for (text, name) in [("3000", "nonexistent"), ("1e3", "assistance.cap"), ("70", "assistance.rate.TP"), ("-1", "waiting.months")] {
            if case .success = PolicyCatalogue.parse(text, for: name) { Issue.record("\(name) = \(text) accepted") }
        }
        #expect(ParameterValue.money(Money(fen: 8250)).description == "82.50")
        #expect(ParameterValue.rate(BasisPoints(1250)).description == "12.5%")
        #expect(ParameterValue.count(3).description == "3")
    }
}

/// A batch checked in pieces on another thread reads as the whole batch does.
@Suite("Batch pieces") struct BatchPiecesTests {
    static let good = [
        #"{"type":"person.registered","source":{"system":"civil-registry","key":"r-P0000001"},"person":"P0000001","idNumber":"450108200604270017","name":"居民1","birthDate":"2006-04-27","region":"450108","residence":"rural"}"#,
        #"{"type":"person.registered","source":{"system":"civil-registry","key":"r-P0000002"},"person":"P0000002","idNumber":"450110195001100025","name":"居民2","birthDate":"1950-01-10","region":"450110","residence":"urban"}"#,
        #"{"type":"enrollment.registered","source":{"system":"medical-insurance","key":"e-P0000014-2024"},"person":"P0000014","region":"450103","insuranceYear":2024,"enrolledOn":"2023-10-01","channel":"concentrated"}"#,
    ]

    static func bytes(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) }

    @Test func thePiecesAreTheWholeBatchInOrder() throws {
        let lines = (0..<7).flatMap { _ in BatchPiecesTests.good } + ["", "  "] + BatchPiecesTests.good
        let whole = Interchange.readBatch(BatchPiecesTests.bytes(lines))
        #expect(whole.problems.isEmpty)
        let pieces = BatchPieces(BatchPiecesTests.bytes(lines), linesPerPiece: 4)
        var read: [Submission] = []
        var index = 0
        while let piece = try pieces.piece(index) {
            #expect(piece.count <= 4)
            read += piece
            index += 1
        }
        #expect(index == 6)
        #expect(try pieces.piece(0)?.map(\.line) == Array(read.prefix(4)).map(\.line), "a piece asked for again is the same")
        #expect(read.map(\.line) == whole.submissions.map(\.line))
        #expect(read.map(\.event) == whole.submissions.map(\.event))
        #expect(pieces.lines == whole.lines)
        #expect(pieces.submissionCount == whole.submissions.count)
    }

    @Test func aBadLineInALaterPieceRefusesWithEveryProblem() throws {
        let lines = BatchPiecesTests.good + ["{nope"] + BatchPiecesTests.good + BatchPiecesTests.good + [#"{"type":"nope"}"#]
        let whole = Interchange.readBatch(BatchPiecesTests.bytes(lines))
        #expect(whole.problems.count == 2)
        let pieces = BatchPieces(BatchPiecesTests.bytes(lines), linesPerPiece: 3)
        // The first piece is good; the second holds the first bad line.
        #expect(try pieces.piece(0)?.count == 3)
        #expect {
            _ = try pieces.piece(1)
        } throws: { error in (error as? BatchRefused)?.problems == whole.problems }
        #expect(pieces.allProblems() == whole.problems)
    }
}
