/// Settlements as the national medical-security platform sends them (PLATFORM.md): messages
/// `2207` / `2304` become `settlement.recorded`, `2208` / `2305` `settlement.reversed`, so every rule,
/// report, replay and export works on them unchanged. Pure: the caller says who holds an ID number
/// and whose a claim is.
public enum PlatformMessages {
    /// What the ledger knows that a message needs: the persons who hold (or held) an ID number, and
    /// the person a recorded claim belongs to. A lookup that fails (the ledger cannot be read) stops
    /// the reading with its error: it is not an answer about the message.
    public struct Lookup {
        public let persons: (String) throws -> [String]
        public let claimOwner: (String) throws -> String?

        public init(persons: @escaping (String) throws -> [String], claimOwner: @escaping (String) throws -> String?) {
            self.persons = persons
            self.claimOwner = claimOwner
        }
    }

    public struct Batch: Sendable {
        public var submissions: [Submission] = []
        public var problems: [LineProblem] = []
        public var lines = 0
        /// Special chronic claims whose main diagnosis is none of the five diseases: recorded as
        /// ordinary outpatient claims (they never accumulate).
        public var specialChronicRecordedAsOutpatient = 0
    }

    /// The platform field each interchange field comes from, to name it in a refusal.
    public static let platformField: [String: String] = [
        "source": "msgid", "hospital": "fixmedins_code", "claim": "output.setlinfo.setl_id", "person": "output.setlinfo.certno",
        "kind": "output.setlinfo.med_type", "disease": "diseinfo", "admittedOn": "output.setlinfo.begndate",
        "dischargedOn": "output.setlinfo.enddate", "settledOn": "output.setlinfo.setl_time", "totalCost": "output.setlinfo.medfee_sumamt",
        "inListCost": "output.setlinfo.inscp_scp_amt", "basicPaid": "output.setlinfo.hifp_pay", "criticalPaid": "output.setlinfo.hifmi_pay",
        "platformAssistance": "output.setlinfo.maf_pay", "reversedOn": "inf_time",
    ]

    /// Reads a file of messages, one per line; every problem names its line and platform field.
    /// - Throws: what a lookup throws.
    public static func read(_ bytes: [UInt8], lookup: Lookup) throws -> Batch {
        var batch = Batch()
        var claimsOfBatch: [String: String] = [:]
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        batch.lines = lines.count
        for (index, line) in lines.enumerated() {
            let number = index + 1
            let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...]
            guard !trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { continue }
            var problems: [LineProblem] = []
            let event = try Array(trimmed).withUnsafeBufferPointer { buffer in
                try message(buffer, line: number, lookup: lookup, claimsOfBatch: claimsOfBatch, problems: &problems,
                        ordinary: &batch.specialChronicRecordedAsOutpatient)
            }
            if let event, problems.isEmpty {
                if event.type == .settlementRecorded, let claim = event.text(.claim), let person = event.person {
                    claimsOfBatch[claim] = person
                }
                batch.submissions.append(Submission(line: number, event: event))
            }
            batch.problems += problems
        }
        return batch
    }

    static func message(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, lookup: Lookup, claimsOfBatch: [String: String],
                        problems: inout [LineProblem], ordinary: inout Int) throws -> Event? {
        func refuse(_ field: String, _ reason: String) -> Event? {
            problems.append(LineProblem(line: line, field: field, reason: reason))
            return nil
        }
        guard bytes.count <= InterchangeLimits.lineBytes else { return refuse("-", "line is longer than \(InterchangeLimits.lineBytes) bytes") }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { return refuse("-", error.description) }
        guard case .string(let infno)? = value["infno"] else { return refuse("infno", "missing: the transaction number (2207, 2304, 2208, 2305)") }
        guard case .string(let msgid)? = value["msgid"], Interchange.identifierProblem(msgid, maximumBytes: 256) == nil else {
            return refuse("msgid", "missing, or not 1–256 of A-Z a-z 0-9 _ -")
        }
        let source = Source(system: "nhsa", key: msgid)
        switch infno {
        case "2207", "2304":
            return try settlement(value, source: source, lookup: lookup, line: line, problems: &problems, ordinary: &ordinary)
        case "2208", "2305":
            guard case .string(let claim)? = value["input"]?["data"]?["setl_id"], !claim.isEmpty else {
                return refuse("input.data.setl_id", "missing: the settlement this message cancels")
            }
            guard let person = try claimsOfBatch[claim] ?? lookup.claimOwner(claim) else {
                return refuse("input.data.setl_id", "no settlement \(claim) is recorded: a cancellation comes after its settlement")
            }
            guard case .string(let time)? = value["inf_time"], let date = dateOfTime(time) else {
                return refuse("inf_time", "must be a real time yyyy-MM-dd HH:mm:ss")
            }
            return Event(type: .settlementReversed, source: source, person: person, fields: [.claim: .text(claim), .reversedOn: .date(date)])
        default:
            return refuse("infno", "transaction \(infno) is not a settlement (2207, 2304) or its cancellation (2208, 2305)")
        }
    }

    static func settlement(_ value: JSONValue, source: Source, lookup: Lookup, line: Int, problems: inout [LineProblem],
                           ordinary: inout Int) throws -> Event? {
        func refuse(_ field: String, _ reason: String) -> Event? {
            problems.append(LineProblem(line: line, field: field, reason: reason))
            return nil
        }
        guard let info = value["output"]?["setlinfo"] else { return refuse("output.setlinfo", "missing") }
        func text(_ name: String) -> String? { if case .string(let text)? = info[name], !text.isEmpty { return text } else { return nil } }
        guard case .string(let hospital)? = value["fixmedins_code"], Interchange.identifierProblem(hospital, maximumBytes: 64) == nil else {
            return refuse("fixmedins_code", "missing, or not 1–64 of A-Z a-z 0-9 _ -")
        }
        guard let claim = text("setl_id"), Interchange.identifierProblem(claim, maximumBytes: 64) == nil else {
            return refuse("output.setlinfo.setl_id", "missing, or not 1–64 of A-Z a-z 0-9 _ -")
        }
        guard text("insutype") == "390" else {
            return refuse("output.setlinfo.insutype", "\(text("insutype") ?? "missing"): only 390 (城乡居民基本医疗保险) is this ledger's")
        }
        guard text("psn_cert_type") == "01" else {
            return refuse("output.setlinfo.psn_cert_type", "\(text("psn_cert_type") ?? "missing"): only 01 (resident identity card) names a person here")
        }
        guard let certno = text("certno").map(ResidentID.normalized) else { return refuse("output.setlinfo.certno", "missing") }
        let holders = try lookup.persons(certno)
        guard let person = holders.first else { return refuse("output.setlinfo.certno", "no registered person holds this ID number") }
        guard holders.count == 1 else {
            problems.append(LineProblem(line: line, field: "output.setlinfo.certno",
                                        reason: "ambiguous: held by \(holders.sorted().joined(separator: " and "))",
                                        withheld: "ambiguous: more than one registered person holds this ID number"))
            return nil
        }
        var fields: [Field: FieldValue] = [.claim: .text(claim), .hospital: .text(hospital)]
        let amountProblems = amounts(of: value, into: &fields, line: line)
        problems += amountProblems
        var refused = !amountProblems.isEmpty
        guard let medType = text("med_type") else { return refuse("output.setlinfo.med_type", "missing") }
        let kind: ClaimKind = medType.hasPrefix("2") && medType.count >= 2 ? .inpatient
            : medType.hasPrefix("14") ? .outpatientSpecialChronic : .outpatient
        var recordedKind = kind
        if kind == .outpatientSpecialChronic {
            if let disease = mainDisease(value["diseinfo"]) {
                fields[.disease] = disease.symbol
            } else {
                recordedKind = .outpatient
                ordinary += 1
            }
        }
        fields[.claimKind] = recordedKind.symbol
        guard let settled = text("setl_time").flatMap(dateOfTime) else {
            return refuse("output.setlinfo.setl_time", "must be a real time yyyy-MM-dd HH:mm:ss")
        }
        fields[.settledOn] = .date(settled)
        if recordedKind == .inpatient {
            for (name, field) in [("begndate", Field.admittedOn), ("enddate", Field.dischargedOn)] {
                guard let time = text(name) else { continue }
                guard let date = dateOfTime(time) else { return refuse("output.setlinfo.\(name)", "must be a real time yyyy-MM-dd HH:mm:ss") }
                fields[field] = .date(date)
            }
        }
        guard !refused else { return nil }
        let event = Event(type: .settlementRecorded, source: source, person: person, fields: fields)
        // The interchange's own cross-field checks, named by the platform's fields.
        for (field, reason) in Interchange.crossFieldProblems(event) {
            _ = refuse(platformField[field] ?? field, reason)
            refused = true
        }
        return refused ? nil : event
    }

    /// The five amounts of `setlinfo`, read exactly from their JSON text, and the check that
    /// `setldetail`'s funds add up to the totals they detail. Returns the problems found.
    static func amounts(of value: JSONValue, into fields: inout [Field: FieldValue], line: Int) -> [LineProblem] {
        var problems: [LineProblem] = []
        let info = value["output"]?["setlinfo"]
        func amount(_ name: String, _ field: Field) -> Money? {
            guard case .number(let number)? = info?[name] else {
                problems.append(LineProblem(line: line, field: "output.setlinfo.\(name)",
                                            reason: info?[name] == nil ? "missing" : "must be a JSON number with at most two decimals"))
                return nil
            }
            do {
                let money = try Money(yuan: number)
                fields[field] = .money(money)
                return money
            } catch {
                problems.append(LineProblem(line: line, field: "output.setlinfo.\(name)", reason: error.description))
                return nil
            }
        }
        _ = amount("medfee_sumamt", .totalCost)
        _ = amount("inscp_scp_amt", .inListCost)
        let basic = amount("hifp_pay", .basicPaid)
        let critical = amount("hifmi_pay", .criticalPaid)
        let assistance = info?["maf_pay"] == nil ? Money.zero : amount("maf_pay", .platformAssistance)
        guard case .array(let details)? = value["output"]?["setldetail"] else { return problems }
        var sums: [String: Money] = [:]
        for detail in details {
            guard case .string(let type)? = detail["fund_pay_type"], case .number(let number)? = detail["fund_payamt"],
                let money = try? Money(yuan: number) else { continue }
            sums[type, default: .zero] += money
        }
        for (type, total, name) in [("390100", basic, "hifp_pay"), ("390200", critical, "hifmi_pay"), ("610100", assistance, "maf_pay")] {
            if let total, (sums[type] ?? .zero) != total {
                problems.append(LineProblem(line: line, field: "output.setldetail",
                                            reason: "fund \(type) adds up to \(sums[type] ?? .zero), but setlinfo.\(name) is \(total)"))
            }
        }
        return problems
    }

    /// The disease of a special chronic claim, by its main diagnosis (ICD-10 prefixes, PLATFORM.md).
    static func mainDisease(_ value: JSONValue?) -> Disease? {
        guard case .array(let diagnoses)? = value else { return nil }
        for diagnosis in diagnoses {
            guard case .string(let flag)? = diagnosis["maindiag_flag"], flag == "1",
                case .string(let code)? = diagnosis["diag_code"] else { continue }
            let upper = code.uppercased()
            if upper.hasPrefix("N18") { return .dialysis }
            if upper.hasPrefix("Z94") { return .antiRejection }
            if upper.hasPrefix("D56") { return .thalassaemia }
            if upper.hasPrefix("D66") || upper.hasPrefix("D67") || ["D68.0", "D68.1", "D68.2"].contains(where: upper.hasPrefix) {
                return .haemophilia
            }
            if upper.count >= 3, upper.first == "C", let number = Int(upper.dropFirst().prefix(2)), (0...97).contains(number) {
                return .malignantTumour
            }
            return nil
        }
        return nil
    }

    /// The date of `yyyy-MM-dd HH:mm:ss`, if that time exists.
    static func dateOfTime(_ text: String) -> CivilDate? {
        let bytes = Array(text.utf8)
        guard bytes.count == 19, bytes[10] == UInt8(ascii: " "), let date = CivilDate(String(decoding: bytes[0..<10], as: UTF8.self)),
            Timestamp(offsetTime: String(decoding: bytes[0..<10], as: UTF8.self) + "T" + String(decoding: bytes[11..<19], as: UTF8.self)
                + "+08:00") != nil
        else { return nil }
        return date
    }
}

extension PlatformMessages {
    /// The platform message a settlement would have arrived as (PLATFORM.md): `2304` for an inpatient
    /// claim, `2207` otherwise, with `setlinfo`, the `setldetail` of the three checked funds and, for a
    /// special chronic claim, a main diagnosis whose prefix names its disease. `maf_pay` is written
    /// when the event carries `platformAssistance`. Reading the line back gives the event's fields again.
    /// - Precondition: `event` is a `settlement.recorded`.
    public static func render(settlement event: Event, certno: String, msgid: String) -> String {
        precondition(event.type == .settlementRecorded, "only a settlement renders as a platform settlement")
        let kind = event.word(.claimKind, ClaimKind.self) ?? .outpatient
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("infno", kind == .inpatient ? "2304" : "2207")
        writer.member("msgid", msgid)
        writer.member("fixmedins_code", event.text(.hospital) ?? "")
        writer.key("output")
        writer.beginObject()
        writer.key("setlinfo")
        writer.beginObject()
        writer.member("setl_id", event.text(.claim) ?? "")
        writer.member("psn_cert_type", "01")
        writer.member("certno", certno)
        writer.member("insutype", "390")
        writer.member("med_type", kind == .inpatient ? "21" : kind == .outpatientSpecialChronic ? "14" : "11")
        for (name, field, clock) in [("begndate", Field.admittedOn, "09:00:00"), ("enddate", .dischargedOn, "10:00:00"),
                                     ("setl_time", .settledOn, "10:30:00")] {
            if let date = event.date(field) { writer.member(name, "\(date) \(clock)") }
        }
        var details: [(String, Money)] = []
        for (name, field, fund) in [("medfee_sumamt", Field.totalCost, nil), ("inscp_scp_amt", .inListCost, nil),
                                    ("hifp_pay", .basicPaid, "390100"), ("hifmi_pay", .criticalPaid, "390200"),
                                    ("maf_pay", .platformAssistance, "610100")] {
            guard let amount = event.money(field) else { continue }
            writer.key(name)
            writer.raw(amount.yuanString)
            if let fund { details.append((fund, amount)) }
        }
        writer.endObject()
        writer.key("setldetail")
        writer.beginArray()
        for (fund, amount) in details {
            writer.beginObject()
            writer.member("fund_pay_type", fund)
            writer.key("fund_payamt")
            writer.raw(amount.yuanString)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        if kind == .outpatientSpecialChronic, let disease = event.word(.disease, Disease.self) {
            writer.key("diseinfo")
            writer.beginArray()
            writer.beginObject()
            writer.member("diag_code", diagnosisCodes[Int(disease.rawValue)])
            writer.member("maindiag_flag", "1")
            writer.endObject()
            writer.endArray()
        }
        writer.endObject()
        return writer.text
    }

    /// The cancellation of settlement `claim` on `date`: `2305` for an inpatient claim, `2208` otherwise.
    public static func render(cancellationOf claim: String, inpatient: Bool, on date: CivilDate, msgid: String) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("infno", inpatient ? "2305" : "2208")
        writer.member("msgid", msgid)
        writer.member("inf_time", "\(date) 16:00:00")
        writer.key("input")
        writer.beginObject()
        writer.key("data")
        writer.beginObject()
        writer.member("setl_id", claim)
        writer.endObject()
        writer.endObject()
        writer.endObject()
        return writer.text
    }

    /// A main diagnosis for each ``Disease``, in code order, that ``mainDisease(_:)`` reads back.
    static let diagnosisCodes = ["N18.500", "C34.900", "Z94.000", "D56.900", "D66.x00"]
}
