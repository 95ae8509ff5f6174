import LedgerModel

/// A person's folded history in a compact byte form, for holding many persons' histories in memory
/// between the transactions that use them (a warm person costs a few hundred bytes this way, against
/// a few kilobytes as a ``PersonHistory`` of arrays and maps).
///
/// It never leaves the process: it is not stored, so it has no version, and it is read only by
/// ``PersonHistory/init(thawing:person:)`` from what ``PersonHistory/frozen()`` wrote. Thawing gives a
/// history equal to the one frozen (`FrozenHistoryTests`), so a decision never depends on whether
/// its person's history was frozen.
///
/// Layout: unsigned LEB128 varints, signed values zigzagged, in the order of `PersonHistory`'s
/// properties; each list prefixed by its count; optionals behind a flags byte per record; a claim's id
/// written as the length it shares with the previous claim's id and the rest; a claim's hospital,
/// when it is the previous claim's, as a flag; a decision about a claim as the claim's position.
public struct FrozenHistory: Sendable {
    public let bytes: [UInt8]

    /// Bytes this history holds in memory: its own and an array's header.
    public var footprint: Int { bytes.count + 32 }
}

extension PersonHistory {
    /// This history in its compact form (``FrozenHistory``), without the person, which its holder keys it by.
    public func frozen() -> FrozenHistory {
        var writer = FrozenWriter()
        writer.bytes.reserveCapacity(64 + 48 * claims.count + 16 * decisions.count)
        writer.unsigned(UInt64(residence.map { $0.rawValue + 1 } ?? 0))
        writer.optional(region)
        writer.unsigned(lastSequence)
        writer.signed(Int64(facts))
        writer.unsigned(UInt64(years.count))
        for year in years { writer.signed(Int64(year)) }
        writer.unsigned(UInt64(identities.count))
        for identity in identities {
            writer.unsigned(UInt64(identity.category.rawValue))
            writer.date(identity.validFrom)
            writer.optional(identity.validTo.map { Int64($0.daysSinceEpoch) })
            writer.optional(identity.exitYear)
            writer.unsigned(identity.sequence)
            writer.unsigned(identity.isOwn ? 1 : 0)
        }
        writer.unsigned(UInt64(enrollments.count))
        for enrollment in enrollments {
            writer.signed(Int64(enrollment.insuranceYear))
            writer.date(enrollment.enrolledOn)
            writer.unsigned(UInt64(enrollment.channel.rawValue))
            writer.unsigned(UInt64(enrollment.exemption.map { $0.rawValue + 1 } ?? 0))
            writer.signed(enrollment.region)
            writer.unsigned(enrollment.sequence)
            writer.unsigned(enrollment.isOwn ? 1 : 0)
        }
        freezeClaims(into: &writer)
        freezeDecisions(into: &writer)
        return FrozenHistory(bytes: Array(writer.bytes))
    }

    private func freezeClaims(into writer: inout FrozenWriter) {
        writer.unsigned(UInt64(claims.count))
        var previous: Claim?
        for position in 0..<claims.count {
            let claim = claims.entry(at: position).value
            writer.sharedText(claim.id, after: previous?.id)
            let sameHospital = previous.map { $0.hospital == claim.hospital } ?? false
            writer.unsigned(UInt64(claim.kind.rawValue) | UInt64(claim.disease.map { $0.rawValue + 1 } ?? 0) << 2
                | (sameHospital ? 1 << 5 : 0) | (claim.reversal == nil ? 0 : 1 << 6))
            if !sameHospital { writer.text(claim.hospital) }
            writer.date(claim.settledOn)
            writer.signed(claim.totalCost.fen)
            writer.signed(claim.inListCost.fen)
            writer.signed(claim.basicPaid.fen)
            writer.signed(claim.criticalPaid.fen)
            writer.unsigned(claim.sequence)
            if let reversal = claim.reversal { writer.unsigned(reversal) }
            previous = claim
        }
    }

    private func freezeDecisions(into writer: inout FrozenWriter) {
        writer.unsigned(UInt64(applications.count))
        for application in applications {
            writer.signed(Int64(application.year))
            writer.date(application.appliedOn)
            writer.unsigned(application.sequence)
        }
        writer.unsigned(UInt64(decisions.count))
        for position in 0..<decisions.count {
            let (subject, decision) = decisions.entry(at: position)
            switch subject {
            case .claim(let id):
                if let claim = claims.position(ofKey: id) {
                    writer.unsigned(0)
                    writer.unsigned(UInt64(claim))
                } else {
                    writer.unsigned(1)
                    writer.text(id)
                }
            case .application(let sequence):
                writer.unsigned(2)
                writer.unsigned(sequence)
            case .enrollment(let sequence):
                writer.unsigned(3)
                writer.unsigned(sequence)
            }
            writer.unsigned(decision.sequence)
            writer.signed(decision.grant.fen)
            writer.unsigned(UInt64(decision.outcome.rawValue) << 1 | (decision.counted ? 1 : 0))
            writer.signed(decision.inpatientPart.fen)
            writer.signed(decision.outpatientPart.fen)
        }
        writer.unsigned(UInt64(totals.count))
        for position in 0..<totals.count {
            let (year, total) = totals.entry(at: position)
            writer.signed(Int64(year))
            writer.signed(Int64(total.facts))
            writer.unsigned(total.parameters)
            writer.signed(total.base.fen)
            writer.signed(total.granted.fen)
            writer.optional(total.lastSettled.map { Int64($0.daysSinceEpoch) })
        }
    }

    /// The history `frozen` was made from, for `person`.
    public init(thawing frozen: FrozenHistory, person: String) {
        self.init(person: person)
        frozen.bytes.withUnsafeBytes { buffer in
            var reader = FrozenReader(bytes: buffer)
            let residenceCode = reader.unsigned()
            residence = residenceCode == 0 ? nil : FrozenReader.word(Residence.self, residenceCode - 1)
            region = reader.optional()
            lastSequence = reader.unsigned()
            facts = Int(reader.signed())
            let yearCount = reader.count()
            years.reserveCapacity(yearCount)
            for _ in 0..<yearCount { years.append(Int(reader.signed())) }
            let identityCount = reader.count()
            identities.reserveCapacity(identityCount)
            for _ in 0..<identityCount {
                let category = FrozenReader.word(Category.self, reader.unsigned())
                let from = reader.date()
                let to = reader.optional().map { CivilDate(daysSinceEpoch: Int32($0)) }
                let exitYear = reader.optional()
                identities.append(IdentityInterval(category: category, validFrom: from, validTo: to, exitYear: exitYear,
                                                   sequence: reader.unsigned(), isOwn: reader.unsigned() == 1))
            }
            let enrollmentCount = reader.count()
            enrollments.reserveCapacity(enrollmentCount)
            for _ in 0..<enrollmentCount {
                let year = Int(reader.signed())
                let on = reader.date()
                let channel = FrozenReader.word(Channel.self, reader.unsigned())
                let exemptionCode = reader.unsigned()
                let exemption = exemptionCode == 0 ? nil : FrozenReader.word(Exemption.self, exemptionCode - 1)
                enrollments.append(Enrollment(insuranceYear: year, enrolledOn: on, channel: channel, exemption: exemption,
                                              region: reader.signed(), sequence: reader.unsigned(), isOwn: reader.unsigned() == 1))
            }
            thawClaims(&reader)
            thawDecisions(&reader)
            precondition(reader.isAtEnd, "a frozen history has bytes its thawing did not read")
        }
    }

    private mutating func thawClaims(_ reader: inout FrozenReader) {
        let claimCount = reader.count()
        claims.reserveCapacity(claimCount)
        var previous: Claim?
        for _ in 0..<claimCount {
            let id = reader.sharedText(after: previous?.id)
            let flags = reader.unsigned()
            let kind = FrozenReader.word(ClaimKind.self, flags & 3)
            let diseaseCode = (flags >> 2) & 7
            let disease = diseaseCode == 0 ? nil : FrozenReader.word(Disease.self, diseaseCode - 1)
            let hospital = flags & (1 << 5) != 0 ? previous?.hospital ?? "" : reader.text()
            let settled = reader.date()
            let total = Money(fen: reader.signed()), inList = Money(fen: reader.signed())
            let basic = Money(fen: reader.signed()), critical = Money(fen: reader.signed())
            let sequence = reader.unsigned()
            let reversal = flags & (1 << 6) != 0 ? reader.unsigned() : nil
            let claim = Claim(id: id, kind: kind, disease: disease, hospital: hospital, settledOn: settled, totalCost: total,
                              inListCost: inList, basicPaid: basic, criticalPaid: critical, sequence: sequence, reversal: reversal)
            claims[id] = claim
            previous = claim
        }
    }

    private mutating func thawDecisions(_ reader: inout FrozenReader) {
        let applicationCount = reader.count()
        applications.reserveCapacity(applicationCount)
        for _ in 0..<applicationCount {
            let year = Int(reader.signed())
            applications.append(Application(year: year, appliedOn: reader.date(), sequence: reader.unsigned()))
        }
        let decisionCount = reader.count()
        decisions.reserveCapacity(decisionCount)
        for _ in 0..<decisionCount {
            let subject: Subject
            switch reader.unsigned() {
            case 0: subject = .claim(claims.entry(at: reader.count()).key)
            case 1: subject = .claim(reader.text())
            case 2: subject = .application(reader.unsigned())
            default: subject = .enrollment(reader.unsigned())
            }
            let sequence = reader.unsigned()
            let grant = Money(fen: reader.signed())
            let flags = reader.unsigned()
            decisions[subject] = RecordedDecision(sequence: sequence, grant: grant, counted: flags & 1 == 1,
                                                  outcome: FrozenReader.word(Outcome.self, flags >> 1),
                                                  inpatientPart: Money(fen: reader.signed()), outpatientPart: Money(fen: reader.signed()))
        }
        let totalCount = reader.count()
        totals.reserveCapacity(totalCount)
        for _ in 0..<totalCount {
            let year = Int(reader.signed())
            let factCount = Int(reader.signed())
            let parameters = reader.unsigned()
            let base = Money(fen: reader.signed()), granted = Money(fen: reader.signed())
            let last = reader.optional().map { CivilDate(daysSinceEpoch: Int32($0)) }
            totals[year] = YearTotals(facts: factCount, parameters: parameters, base: base, granted: granted, lastSettled: last)
        }
    }
}

/// Writes ``FrozenHistory``'s varints.
private struct FrozenWriter {
    var bytes: [UInt8] = []

    mutating func unsigned(_ value: UInt64) { Varints.append(unsigned: value, to: &bytes) }

    mutating func signed(_ value: Int64) { Varints.append(value, to: &bytes) }

    /// 0 for none, else 1 and the value.
    mutating func optional(_ value: Int64?) {
        guard let value else { return unsigned(0) }
        unsigned(1)
        signed(value)
    }

    mutating func date(_ date: CivilDate) { signed(Int64(date.daysSinceEpoch)) }

    mutating func text(_ text: String) { Varints.append(text: text, to: &bytes) }

    /// `text` as the count of its first bytes that are `previous`'s, then the rest as a text.
    mutating func sharedText(_ text: String, after previous: String?) {
        var text = text, previous = previous ?? ""
        text.withUTF8 { utf8 in
            previous.withUTF8 { before in
                var shared = 0
                while shared < utf8.count && shared < before.count && utf8[shared] == before[shared] { shared += 1 }
                unsigned(UInt64(shared))
                unsigned(UInt64(utf8.count - shared))
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[shared...]))
            }
        }
    }
}

/// Reads what ``FrozenWriter`` wrote. The bytes are the process's own: reading past them or a code
/// no vocabulary has is a defect of this file, and stops the process rather than deciding on it.
private struct FrozenReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    mutating func unsigned() -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func count() -> Int { Int(unsigned()) }

    mutating func signed() -> Int64 {
        let value = unsigned()
        return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    mutating func optional() -> Int64? { unsigned() == 0 ? nil : signed() }

    mutating func date() -> CivilDate { CivilDate(daysSinceEpoch: Int32(signed())) }

    static func word<Word: RawRepresentable<UInt8>>(_ type: Word.Type, _ code: UInt64) -> Word {
        guard let word = Word(rawValue: UInt8(code)) else { preconditionFailure("a frozen history holds an unknown \(Word.self) code") }
        return word
    }

    mutating func text() -> String {
        let count = self.count()
        defer { position += count }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]), as: UTF8.self)
    }

    mutating func sharedText(after previous: String?) -> String {
        let shared = count(), rest = count()
        defer { position += rest }
        var previous = previous ?? ""
        return previous.withUTF8 { before in
            String(unsafeUninitializedCapacity: shared + rest) { target in
                _ = target.initialize(from: UnsafeBufferPointer(rebasing: before[..<shared]))
                for offset in 0..<rest { target[shared + offset] = bytes[position + offset] }
                return shared + rest
            }
        }
    }
}
