import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerModel
import LedgerServer
import Testing

/// A server over a fresh ledger holding the worked example of RULES.md § 11, with one token per role.
struct Fixture {
    let ledger: Ledger
    let server: LedgerServer
    let tokens: [Role: String]

    static let worked = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CaseledgerCLITests/Fixtures/worked-example.jsonl")

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseledger-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        ledger = try Ledger.open(at: directory.appendingPathComponent("ledger").path, create: true)
        let batch = Interchange.readBatch(Array(try Data(contentsOf: Fixture.worked)))
        precondition(batch.problems.isEmpty, "the worked example parses")
        _ = try ledger.append(batch.submissions, recordedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000))
        var store = TokenStore()
        var tokens: [Role: String] = [:]
        for role in Role.allCases { tokens[role] = try store.add(name: "\(role.word).tester", role: role) }
        self.tokens = tokens
        server = LedgerServer(ledger: ledger, tokens: store, clock: { Timestamp(millisecondsSinceEpoch: 1_767_312_000_000) })
    }

    func headers(_ role: Role?) -> HTTPFields {
        var fields = HTTPFields()
        if let role, let token = tokens[role] { fields[.authorization] = "Bearer \(token)" }
        return fields
    }

    /// Runs `body` with a client of the in-process router.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: server.router())
        try await app.test(.router, body)
    }

    /// The access records in the ledger, as (reader, route).
    func accessRecords() throws -> [(String, String)] {
        server.accessLog.drain()
        var records: [(String, String)] = []
        try ledger.forEachEvent { recorded in
            if recorded.event.type == .accessRecorded {
                records.append((recorded.event.text(.reader) ?? "", recorded.event.text(.route) ?? ""))
            }
        }
        return records
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
