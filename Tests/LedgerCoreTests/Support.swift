import Foundation
import LedgerCore
import LedgerModel
import Testing

/// A fresh ledger directory under the system's temporary directory.
func temporaryDirectory(_ name: String = "ledger") -> String {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("caseledger-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    return base.appendingPathComponent(name).path
}

let fixedTime = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)  // 2026-01-01T00:00:00Z

/// A valid resident ID for the first 17 digits.
func residentID(_ first17: String) -> String {
    first17 + String(ResidentID.checkCharacter(forFirst17: Array(first17.utf8)))
}

/// Interchange lines for tests, built as JSON so they go through the real parser.
enum Line {
    static func source(_ key: String) -> String { "\"source\":{\"system\":\"test\",\"key\":\"\(key)\"}" }

    static func registered(_ person: String, key: String? = nil, residence: String = "rural") -> String {
        "{\"type\":\"person.registered\",\(source(key ?? "r-\(person)")),\"person\":\"\(person)\",\"idNumber\":\"\(residentID("45010219900101123"))\",\"name\":\"测试\",\"birthDate\":\"1990-01-01\",\"region\":\"450102\",\"residence\":\"\(residence)\"}"
    }

    static func identity(_ person: String, _ category: String, from: String, to: String? = nil, key: String? = nil) -> String {
        let department = ["TK", "GE", "SW", "DB", "DBBY"].contains(category) ? "civil-affairs" : "rural-revitalization"
        let until = to.map { ",\"validTo\":\"\($0)\"" } ?? ""
        return "{\"type\":\"identity.recognized\",\(source(key ?? "i-\(person)-\(category)-\(from)")),\"person\":\"\(person)\",\"category\":\"\(category)\",\"validFrom\":\"\(from)\"\(until),\"department\":\"\(department)\"}"
    }

    static func revoked(_ person: String, _ category: String, to: String) -> String {
        "{\"type\":\"identity.revoked\",\(source("v-\(person)-\(category)-\(to)")),\"person\":\"\(person)\",\"category\":\"\(category)\",\"validTo\":\"\(to)\"}"
    }

    static func enrolled(_ person: String, year: Int = 2024, on: String = "2023-11-15", channel: String = "concentrated") -> String {
        "{\"type\":\"enrollment.registered\",\(source("e-\(person)-\(year)-\(on)")),\"person\":\"\(person)\",\"region\":\"450102\",\"insuranceYear\":\(year),\"enrolledOn\":\"\(on)\",\"channel\":\"\(channel)\"}"
    }

    static func claim(_ person: String, _ claim: String, on: String, kind: String = "inpatient", inList: String,
                      basic: String, critical: String = "0", total: String? = nil, hospital: String = "H1") -> String {
        let disease = kind == "outpatient-special-chronic" ? ",\"disease\":\"malignant-tumour\"" : ""
        return "{\"type\":\"settlement.recorded\",\(source(claim)),\"person\":\"\(person)\",\"claim\":\"\(claim)\",\"kind\":\"\(kind)\"\(disease),\"hospital\":\"\(hospital)\",\"settledOn\":\"\(on)\",\"totalCost\":\"\(total ?? inList)\",\"inListCost\":\"\(inList)\",\"basicPaid\":\"\(basic)\",\"criticalPaid\":\"\(critical)\"}"
    }

    static func reversed(_ person: String, _ claim: String, on: String) -> String {
        "{\"type\":\"settlement.reversed\",\(source("rev-\(claim)")),\"person\":\"\(person)\",\"claim\":\"\(claim)\",\"reversedOn\":\"\(on)\"}"
    }

    static func applied(_ person: String, year: Int = 2024, on: String) -> String {
        "{\"type\":\"assistance.applied\",\(source("a-\(person)-\(on)")),\"person\":\"\(person)\",\"year\":\(year),\"appliedOn\":\"\(on)\"}"
    }

    static func merged(_ person: String, into: String, on: String = "2024-12-31") -> String {
        "{\"type\":\"person.merged\",\(source("m-\(person)")),\"person\":\"\(person)\",\"into\":\"\(into)\",\"on\":\"\(on)\"}"
    }

    static func paid(_ person: String, amount: String, key: String) -> String {
        "{\"type\":\"contribution.paid\",\(source(key)),\"person\":\"\(person)\",\"insuranceYear\":2024,\"amount\":\"\(amount)\",\"paidOn\":\"2024-01-05\"}"
    }

    static func policy(_ name: String, _ value: String, from: String, to: String? = nil) -> String {
        let until = to.map { ",\"validTo\":\"\($0)\"" } ?? ""
        return "{\"type\":\"policy.published\",\(source("p-\(name)-\(from)")),\"parameter\":\"\(name)\",\"value\":\"\(value)\",\"validFrom\":\"\(from)\"\(until),\"clause\":\"test notice\"}"
    }
}

/// Parses lines into submissions; a test line that does not parse is a test bug.
func submissions(_ lines: [String]) -> [Submission] {
    lines.enumerated().map { index, line in
        switch Interchange.parse(line: line, number: index + 1) {
        case .accepted(let submission): return submission
        case .refused(let problems): preconditionFailure("test line \(index + 1) is invalid: \(problems)")
        }
    }
}

/// Appends `lines` to each of `ledgers` in batches of several sizes, so that histories and year
/// totals cross transactions.
func appendInBatchesOfSeveralSizes(_ lines: [String], to ledgers: [Ledger]) throws {
    var start = 0
    for size in [1, 37, 400, 1_000, 5_000, Int.max] where start < lines.count {
        let batch = submissions(Array(lines[start..<min(lines.count, start + min(size, lines.count - start))]))
        for ledger in ledgers { _ = try ledger.append(batch, recordedAt: fixedTime) }
        start += batch.count
    }
}

extension Ledger {
    /// Appends test lines at the fixed time.
    @discardableResult
    func append(lines: [String]) throws -> AppendSummary {
        try append(submissions(lines), recordedAt: fixedTime)
    }
}

/// A sequence as the `log` and `chain` key it (and as an index's value holds it): 8 bytes, big-endian.
func bigEndian(_ sequence: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (56 - 8 * $0)) } }
