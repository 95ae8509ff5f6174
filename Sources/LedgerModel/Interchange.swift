/// One refusal of an input line: where, which field, and why (INTERCHANGE.md § Every line).
public struct LineProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number in the batch.
    public let line: Int
    /// The member name, dotted for nested members (`source.key`); `-` for the line as a whole.
    public let field: String
    public let reason: String
    /// The reason as a caller who may not read the ledger is told it, when `reason` names stored
    /// data (another person, a sequence, a stored value); `nil` when `reason` names only the line.
    public let withheld: String?

    public init(line: Int, field: String, reason: String, withheld: String? = nil) {
        self.line = line
        self.field = field
        self.reason = reason
        self.withheld = withheld
    }

    /// The problem as told to a caller who may append but not read (the server's ingest role).
    public var redacted: LineProblem { LineProblem(line: line, field: field, reason: withheld ?? reason) }

    public var description: String { "line \(line): \(field): \(reason)" }
}

/// The ledger's stamp on an exported line: importing the export checks the ledger reproduces it.
public struct LedgerStamp: Hashable, Sendable {
    public let sequence: UInt64
    public let recordedAt: Timestamp
    public let hash: [UInt8]
}

/// The outcome of reading one line.
public enum ParsedLine: Sendable {
    case accepted(Submission)
    case refused([LineProblem])
}

/// A checked input line, ready for the ledger's stateful checks.
public struct Submission: Sendable {
    public let line: Int
    public let event: Event
    public let stamp: LedgerStamp?

    public init(line: Int, event: Event, stamp: LedgerStamp? = nil) {
        self.line = line
        self.event = event
        self.stamp = stamp
    }
}

/// Limits on input, in one place.
public enum InterchangeLimits {
    public static let lineBytes = 16 * 1024
    public static let personBytes = 64
    public static let sourceSystemBytes = 64
    public static let sourceKeyBytes = 256
}

/// Reads interchange lines (INTERCHANGE.md) into events, checking everything that needs no ledger state.
public enum Interchange {
    /// Parses and checks one line.
    /// - Returns: the submission, or every problem found on the line.
    public static func parse(line text: String, number: Int) -> ParsedLine {
        var copy = text
        return copy.withUTF8 { parse(line: $0, number: number) }
    }

    /// Parses and checks one line given as bytes; the JSON parser validates the UTF-8 of every string.
    public static func parse(line bytes: UnsafeBufferPointer<UInt8>, number: Int) -> ParsedLine {
        var problems: [LineProblem] = []
        func refuse(_ field: String, _ reason: String) { problems.append(LineProblem(line: number, field: field, reason: reason)) }

        guard bytes.count <= InterchangeLimits.lineBytes else {
            refuse("-", "line is longer than \(InterchangeLimits.lineBytes) bytes")
            return .refused(problems)
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            refuse("-", error.description)
            return .refused(problems)
        }
        guard case .object(let members) = value else {
            refuse("-", "a line must be a JSON object, not \(value.typeName)")
            return .refused(problems)
        }
        guard case .string(let typeName)? = value["type"] else {
            refuse("type", value["type"] == nil ? "missing" : "must be a string naming the event type")
            return .refused(problems)
        }
        guard let type = EventType.byName[typeName] else {
            refuse("type", "unknown event type \"\(typeName)\"")
            return .refused(problems)
        }

        let stamp = parseStamp(value["ledger"], refuse: refuse)
        if !type.isInput && value["ledger"] == nil {
            refuse("type", "\(type.name) is written by the ledger itself; only an exported line with its ledger stamp may carry it")
            return .refused(problems)
        }
        let source = type.isInput ? parseSource(value["source"], refuse: refuse) : nil
        if !type.isInput && value["source"] != nil { refuse("source", "a decision written by the ledger carries no source") }
        let person = parsePerson(value["person"], type: type, refuse: refuse)

        var fields: [Field: FieldValue] = [:]
        let schema = type.storedSchema
        let byName = type.fieldsByJSONName
        for (key, member) in members where key != "type" && key != "source" && key != "person" && key != "ledger" {
            guard let field = byName[key] else {
                refuse(key, "not a field of \(type.name)")
                continue
            }
            switch parseValue(member, kind: field.kind, ledgerWritten: !type.isInput) {
            case .success(let parsed): fields[field] = parsed
            case .failure(let reason): refuse(key, reason.text)
            }
        }
        for (field, required) in schema where required && fields[field] == nil && value[field.jsonName] == nil {
            refuse(field.jsonName, "missing")
        }
        if problems.isEmpty {
            let event = Event(type: type, source: source, person: person, fields: fields)
            for (field, reason) in crossFieldProblems(event) { refuse(field, reason) }
            if problems.isEmpty { return .accepted(Submission(line: number, event: event, stamp: stamp)) }
        }
        return .refused(problems)
    }

    private static func parseSource(_ value: JSONValue?, refuse: (String, String) -> Void) -> Source? {
        guard let value else {
            refuse("source", "missing")
            return nil
        }
        guard case .object(let members) = value else {
            refuse("source", "must be an object {\"system\": …, \"key\": …}, not \(value.typeName)")
            return nil
        }
        for (key, _) in members where key != "system" && key != "key" { refuse("source.\(key)", "not a member of source") }
        var parts: [String] = []
        for (name, limit) in [("system", InterchangeLimits.sourceSystemBytes), ("key", InterchangeLimits.sourceKeyBytes)] {
            guard case .string(let text)? = value[name] else {
                refuse("source.\(name)", value[name] == nil ? "missing" : "must be a string")
                continue
            }
            if text.isEmpty { refuse("source.\(name)", "must not be empty") }
            else if text.utf8.count > limit { refuse("source.\(name)", "longer than \(limit) bytes") }
            else if text.utf8.contains(0) { refuse("source.\(name)", "must not contain a NUL character") }
            else { parts.append(text) }
        }
        return parts.count == 2 ? Source(system: parts[0], key: parts[1]) : nil
    }

    private static func parsePerson(_ value: JSONValue?, type: EventType, refuse: (String, String) -> Void) -> String? {
        guard type.hasPerson else {
            if value != nil { refuse("person", "\(type.name) concerns no person; leave person out") }
            return nil
        }
        guard let value else {
            refuse("person", "missing")
            return nil
        }
        guard case .string(let text) = value else {
            refuse("person", "must be a string, not \(value.typeName)")
            return nil
        }
        if let reason = identifierProblem(text, maximumBytes: InterchangeLimits.personBytes) {
            refuse("person", reason)
            return nil
        }
        return text
    }

    private static func parseStamp(_ value: JSONValue?, refuse: (String, String) -> Void) -> LedgerStamp? {
        guard let value else { return nil }
        guard case .number(let sequenceText)? = value["sequence"], let sequence = UInt64(sequenceText), sequence > 0 else {
            refuse("ledger.sequence", "must be a positive whole number")
            return nil
        }
        guard case .string(let recordedText)? = value["recordedAt"], let recordedAt = Timestamp(recordedText) else {
            refuse("ledger.recordedAt", "must be a time such as \"2026-11-23T08:00:00.000Z\"")
            return nil
        }
        guard case .string(let hashText)? = value["hash"], let hash = bytes(hex: hashText), hash.count == 32 else {
            refuse("ledger.hash", "must be 64 lower-case hexadecimal digits")
            return nil
        }
        return LedgerStamp(sequence: sequence, recordedAt: recordedAt, hash: hash)
    }

    public static func identifierProblem(_ text: String, maximumBytes: Int) -> String? {
        if text.isEmpty { return "must not be empty" }
        if text.utf8.count > maximumBytes { return "longer than \(maximumBytes) characters" }
        let allowed = text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return allowed ? nil : "may hold only A-Z a-z 0-9 _ -"
    }

    /// Checks one member against its kind.
    static func parseValue(_ value: JSONValue, kind: FieldKind, ledgerWritten: Bool = false) -> Result<FieldValue, Reason> {
        if case .money = kind {
            guard case .string(var text) = value else { return .failure(Reason(MoneyError.notAString.description)) }
            let negative = ledgerWritten && text.hasPrefix("-")
            if negative { text.removeFirst() }
            do {
                let money = try Money(yuan: text)
                return .success(.money(negative ? -money : money))
            } catch { return .failure(Reason(error.description)) }
        }
        if ledgerWritten, case .count = kind {
            guard case .number(let text) = value, let number = Int64(text) else { return .failure(Reason("must be a whole number")) }
            return .success(.integer(number))
        }
        if ledgerWritten, case .counts = kind {
            guard case .array(let elements) = value else { return .failure(Reason("must be an array of whole numbers")) }
            var numbers: [Int64] = []
            for element in elements {
                guard case .number(let text) = element, let number = Int64(text) else { return .failure(Reason("must be an array of whole numbers")) }
                numbers.append(number)
            }
            return .success(.integers(numbers))
        }
        if case .year = kind {
            guard case .number(let text) = value, let year = Int(text), (CivilDate.earliestYear...CivilDate.latestYear).contains(year) else {
                return .failure(Reason("must be a year as a JSON number, such as 2024"))
            }
            return .success(.integer(Int64(year)))
        }
        guard case .string(let text) = value else { return .failure(Reason("must be a string, not \(value.typeName)")) }
        switch kind {
        case .text(let maximumBytes):
            if text.isEmpty { return .failure(Reason("must not be empty")) }
            if text.utf8.count > maximumBytes { return .failure(Reason("longer than \(maximumBytes) bytes")) }
            if text.unicodeScalars.contains(where: { $0.value < 0x20 }) { return .failure(Reason("must not contain control characters")) }
            return .success(.text(text))
        case .identifier(let maximumBytes):
            if let reason = identifierProblem(text, maximumBytes: maximumBytes) { return .failure(Reason(reason)) }
            return .success(.text(text))
        case .residentID:
            if let reason = ResidentID.problem(text) { return .failure(Reason(reason)) }
            return .success(.text(ResidentID.normalized(text)))
        case .date:
            guard let date = CivilDate(text) else { return .failure(Reason("must be a real date YYYY-MM-DD")) }
            return .success(.date(date))
        case .regionCode:
            guard text.utf8.count == 6, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                text.utf8.first != UInt8(ascii: "0"), let code = Int64(text)
            else { return .failure(Reason("must be a 6-digit division code such as \"450100\"")) }
            return .success(.integer(code))
        case .symbol(let words):
            guard let index = words.firstIndex(of: text) else {
                return .failure(Reason("must be one of \(words.joined(separator: ", "))"))
            }
            return .success(.symbol(index))
        case .money, .year, .count, .counts:
            return .failure(Reason("is written by the ledger, not sent"))
        }
    }

    public struct Reason: Error {
        public let text: String
        init(_ text: String) { self.text = text }
    }

    /// Checks between fields of one line (INTERCHANGE.md § Checks beyond syntax).
    static func crossFieldProblems(_ event: Event) -> [(String, String)] {
        var problems: [(String, String)] = []
        if let received = event.text(.receivedAt), Timestamp(offsetTime: received) == nil {
            problems.append(("receivedAt", "must be a time with its offset, such as \"2024-03-05T09:30:00+08:00\""))
        }
        switch event.type {
        case .settlementRecorded:
            let total = event.money(.totalCost) ?? .zero
            let inList = event.money(.inListCost) ?? .zero
            let paid = (event.money(.basicPaid) ?? .zero) + (event.money(.criticalPaid) ?? .zero)
            if inList > total { problems.append(("inListCost", "in-list cost \(inList) exceeds total cost \(total)")) }
            if paid > inList {
                problems.append(("criticalPaid", "basic + critical \(paid) exceed in-list cost \(inList): the assistance base would be negative"))
            }
            let special = event.word(.claimKind, ClaimKind.self) == .outpatientSpecialChronic
            if special && event[.disease] == nil {
                problems.append(("disease", "an outpatient-special-chronic claim names its disease"))
            }
            if !special && event[.disease] != nil {
                problems.append(("disease", "only an outpatient-special-chronic claim names a disease"))
            }
            if let admitted = event.date(.admittedOn), let discharged = event.date(.dischargedOn), discharged < admitted {
                problems.append(("dischargedOn", "before admittedOn"))
            }
            if let discharged = event.date(.dischargedOn), let settled = event.date(.settledOn), settled < discharged {
                problems.append(("settledOn", "before dischargedOn"))
            }
        case .identityRecognized:
            if let from = event.date(.validFrom), let to = event.date(.validTo), to < from {
                problems.append(("validTo", "before validFrom"))
            }
            let category = event.word(.category, Category.self)
            if event[.exitYear] != nil && category != .TP {
                problems.append(("exitYear", "only a TP identity has an exit year"))
            }
            if let category, let department = event.word(.department, Department.self), department != category.department {
                problems.append(("department", "\(category) is recognised by \(category.department), not \(department)"))
            }
        case .personAmended:
            if event[.name] == nil && event[.idNumber] == nil && event[.region] == nil {
                problems.append(("-", "an amendment changes at least one of name, idNumber, region"))
            }
        case .personMerged:
            if event.text(.into) == event.person { problems.append(("into", "a person cannot be merged into itself")) }
        case .policyPublished:
            if let from = event.date(.validFrom), let to = event.date(.validTo), to < from {
                problems.append(("validTo", "before validFrom"))
            }
            if let name = event.text(.parameter) {
                switch PolicyCatalogue.parse(event.text(.value) ?? "", for: name) {
                case .success: break
                case .failure(let reason):
                    problems.append((ParameterName(rawValue: name) == nil ? "parameter" : "value", reason.text))
                }
            }
        default:
            break
        }
        return problems
    }
}

extension Interchange.Reason: CustomStringConvertible {
    public var description: String { text }
}
