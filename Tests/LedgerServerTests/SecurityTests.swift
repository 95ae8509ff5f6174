import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerModel
@testable import LedgerServer
import Testing

/// Each test is an attack an authenticated (or anonymous) caller tried, and what the server must do
/// instead (docs/RELIABILITY.md § Security).
@Suite struct SecurityTests {
    static func post(_ lines: [String]) -> ByteBuffer { ByteBuffer(string: lines.joined(separator: "\n") + "\n") }

    static func claim(_ id: String, person: String = "P1", on date: String = "2024-10-01", total: String = "1000") -> String {
        #"{"type":"settlement.recorded","source":{"system":"his","key":"\#(id)"},"person":"\#(person)","claim":"\#(id)","kind":"inpatient","hospital":"H1","settledOn":"\#(date)","totalCost":"\#(total)","inListCost":"\#(total)","basicPaid":"0","criticalPaid":"0"}"#
    }

    // 1. A year out of range answers 400, never a trap.
    @Test func yearsOutOfRangeAreRefused() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            for uri in ["/persons/P1?year=6000000", "/persons/P1?year=abc", "/persons/P1?year=0", "/persons/P1?year=-5",
                        "/persons/P1/years/6000000", "/persons/P1/years/99999", "/reports/totals?year=6000000"] {
                let role: Role = uri.hasPrefix("/reports") ? .auditor : .investigator
                let answer = try await client.execute(uri: uri, method: .get, headers: fixture.headers(role))
                #expect(answer.status == .badRequest, "\(uri): \(answer.status)")
            }
            let fine = try await client.execute(uri: "/persons/P1?year=2024", method: .get, headers: fixture.headers(.investigator))
            #expect(fine.status == .ok)
        }
    }

    // 2. Sums a person-year can reach are bounded; the line past the bound is refused by name.
    @Test func aPersonYearsSumsAreBounded() async throws {
        let fixture = try Fixture()
        // P1 holds 252 000.55 of total cost in 2024; the bound is 10 000 000 000.
        let most = "9999000000"
        try await fixture.test { client in
            let first = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest),
                                                 body: SecurityTests.post([SecurityTests.claim("big1", total: most)]))
            #expect(first.status == .created, "\(first.text)")
            let second = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest),
                                                  body: SecurityTests.post([SecurityTests.claim("big2", total: most)]))
            #expect(second.status == .unprocessableContent)
            #expect(second.text.contains("\"line\":1,\"field\":\"totalCost\""), "\(second.text)")
            let apply = #"{"type":"assistance.applied","source":{"system":"t","key":"ap9"},"person":"P1","year":2024,"appliedOn":"2024-10-02"}"#
            let applied = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest),
                                                   body: SecurityTests.post([apply]))
            #expect(applied.status == .created, "the application decides without trapping: \(applied.text)")
        }
        #expect(try fixture.ledger.replayVerify().isClean)
    }

    // 3. Ingest cannot write what only the ledger writes, nor move its clock.
    @Test func stampedLinesAndAccessRecordsAreRefusedOverHTTP() async throws {
        let fixture = try Fixture()
        let before = try fixture.ledger.head()
        let stamped = #"{"type":"access.recorded","person":"P1","reader":"audit.office","role":"auditor","route":"GET /x","ledger":{"sequence":\#(before.sequence + 1),"recordedAt":"2199-12-31T00:00:00.000Z","hash":"\#(String(repeating: "ab", count: 32))"}}"#
        let futureClaim = #"{"type":"settlement.recorded","source":{"system":"his","key":"f1"},"person":"P1","claim":"f1","kind":"inpatient","hospital":"H1","settledOn":"2024-10-01","totalCost":"1","inListCost":"1","basicPaid":"0","criticalPaid":"0","ledger":{"sequence":\#(before.sequence + 1),"recordedAt":"2199-12-31T00:00:00.000Z","hash":"\#(String(repeating: "cd", count: 32))"}}"#
        let unstampedAccess = #"{"type":"access.recorded","person":"P1","reader":"audit.office","role":"auditor","route":"GET /x"}"#
        try await fixture.test { client in
            for line in [stamped, futureClaim, unstampedAccess] {
                let answer = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest),
                                                      body: SecurityTests.post([line]))
                #expect(answer.status == .badRequest, "\(answer.text)")
                #expect(!answer.text.contains("abab") && !answer.text.contains("cdcd"), "no hash is echoed")
            }
        }
        #expect(try fixture.ledger.head() == before)
        // The command line takes exports, but never a recorded time after the import's own.
        let batch = Interchange.readBatch(Array(futureClaim.utf8))
        #expect(batch.problems.isEmpty)
        let refusal = SecurityTests.problems { () throws(LedgerError) in
            try fixture.ledger.append(batch.submissions, recordedAt: Timestamp(millisecondsSinceEpoch: 1_767_312_000_000))
        }
        #expect(refusal.contains { $0.field == "ledger.recordedAt" && $0.reason.contains("never in the future") }, "\(refusal)")
        #expect(try fixture.ledger.head() == before)
    }

    /// The problems of a refused append; none when it was not refused.
    static func problems(_ body: () throws(LedgerError) -> AppendSummary) -> [LineProblem] {
        do {
            _ = try body()
            return []
        } catch {
            if case .refused(let problems) = error { return problems }
            return [LineProblem(line: 0, field: "-", reason: "\(error)")]
        }
    }

    // 4. What an investigator sees cannot rebuild the identity number.
    @Test func maskingLeavesTooLittleToRebuildTheIdentityNumber() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            for uri in ["/persons/P1/timeline", "/persons/P1"] {
                let seen = try await client.execute(uri: uri, method: .get, headers: fixture.headers(.investigator)).text
                #expect(!seen.contains("1990-01-01"), "\(uri): the full birth date")
                #expect(!seen.contains("450102"), "\(uri): the county's division code")
                #expect(seen.contains("1990-**-**") && seen.contains("4501**"), "\(uri)")
            }
            let audited = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.auditor)).text
            #expect(audited.contains("\"birthDate\":\"1990-01-01\"") && audited.contains("\"region\":\"450102\""))
        }
        // The shown parts: city 4501, birth year 1990, the last four 1231. Every county of the city
        // and every day of the year that completes them with a valid check digit is a candidate.
        var candidates = 0
        for county in 1...99 {
            var day = CivilDate(year: 1990, month: 1, day: 1)!
            while day.year == 1990 {
                let id = String(format: "4501%02d", county) + day.description.replacingOccurrences(of: "-", with: "") + "1231"
                if ResidentID.problem(id) == nil { candidates += 1 }
                day = day.adding(days: 1)
            }
        }
        #expect(candidates > 100, "\(candidates) identity numbers fit what an investigator sees")
    }

    // 5. Slow or idle connections: CaseledgerCLITests/ServeTests.swift, against the real binary.

    // 6. Metrics series are bounded by the routes, whatever the paths requested.
    @Test func metricsSeriesAreBoundedAndWellFormed() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            for index in 0..<300 {
                _ = try await client.execute(uri: "/x\(index)%22y/\(index)", method: .get)
            }
            let text = try await client.execute(uri: "/metrics", method: .get, headers: fixture.headers(.ops)).text
            let series = text.split(separator: "\n").filter { $0.hasPrefix("caseledger_http_requests_total{") }
            #expect(series.count <= 3, "\(series)")
            #expect(text.contains("route=\"unmatched\",method=\"GET\",status=\"404\"} 300"))
            #expect(!text.contains("x1") && !text.contains("\\\""), "no requested path reaches the exposition")
        }
    }

    // 7. A batch of millions of bad lines answers in kilobytes.
    @Test func refusalsAreBounded() async throws {
        let fixture = try Fixture()
        let body = ByteBuffer(string: String(repeating: "x\n", count: 200_000) + #"{"type":"nope"}"# + "\n")
        try await fixture.test { client in
            let answer = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest), body: body)
            #expect(answer.status == .badRequest)
            #expect(answer.body.readableBytes < 64 * 1024, "\(answer.body.readableBytes) bytes")
            #expect(answer.text.contains("\"problemCount\":200001"))
            #expect(answer.text.components(separatedBy: "\"line\":").count - 1 == LedgerServer.problemsShown)
            #expect(answer.text.contains("\"problemCounts\":[{\"field\":\"-\","))
            #expect(answer.text.contains("\"field\":\"type\",\"reason\":\"unknown event type \\\"nope\\\"\",\"count\":1"))
        }
    }

    // 8. An ingest token learns nothing of stored persons beyond accepted, duplicate or refused.
    @Test func ingestLearnsNothingStored() async throws {
        let fixture = try Fixture()
        let register = #"{"type":"person.registered","source":{"system":"t","key":"r2"},"person":"P2","idNumber":"11010519491231002X","name":"李四","birthDate":"1949-12-31","region":"110105"}"#
        let conflicting = #"{"type":"settlement.recorded","source":{"system":"t","key":"a1"},"person":"P1","claim":"zz","kind":"inpatient","hospital":"H9","settledOn":"2024-02-03","totalCost":"1","inListCost":"1","basicPaid":"0","criticalPaid":"0"}"#
        let reversal = #"{"type":"settlement.reversed","source":{"system":"t","key":"rv"},"person":"P2","claim":"a1","reversedOn":"2024-03-01"}"#
        let missing = #"{"type":"settlement.reversed","source":{"system":"t","key":"rv2"},"person":"P2","claim":"nothing","reversedOn":"2024-03-01"}"#
        try await fixture.test { client in
            _ = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest), body: SecurityTests.post([register]))
            let conflict = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest),
                                                    body: SecurityTests.post([conflicting]))
            #expect(conflict.status == .unprocessableContent)
            #expect(!conflict.text.contains("sequence") && !conflict.text.contains("hospital") && !conflict.text.contains("differs"),
                    "\(conflict.text)")
            let theirs = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest),
                                                  body: SecurityTests.post([reversal]))
            let none = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest),
                                                body: SecurityTests.post([missing]))
            #expect(!theirs.text.contains("P1"), "the claim's owner is not named: \(theirs.text)")
            #expect(theirs.text.replacingOccurrences(of: "a1", with: "nothing") == none.text,
                    "another person's claim looks like no claim at all")
            var match = fixture.headers(.ingest)
            match[.ifMatch] = "\"1\""
            let stale = try await client.execute(uri: "/events", method: .post, headers: match, body: SecurityTests.post([SecurityTests.claim("v1")]))
            #expect(stale.status == .preconditionFailed)
            let digits = stale.text.replacingOccurrences(of: "412", with: "").filter(\.isNumber)
            #expect(digits.isEmpty, "no version in a 412: \(stale.text)")
        }
    }

    // The platform's messages over HTTP: accepted as settlements; an ambiguous ID number is refused
    // without naming the persons who hold it.
    @Test func platformMessagesOverHTTPWithholdWhoHoldsANumber() async throws {
        let fixture = try Fixture()
        @Sendable func message(_ msgid: String, claim: String) -> String {
            #"{"infno":"2304","msgid":"\#(msgid)","fixmedins_code":"H1","inf_time":"2024-10-01 10:00:00","output":{"setlinfo":{"setl_id":"\#(claim)","psn_cert_type":"01","certno":"450102199001011231","insutype":"390","med_type":"21","setl_time":"2024-10-01 10:00:00","medfee_sumamt":1000.00,"inscp_scp_amt":1000.00,"hifp_pay":500.00,"hifmi_pay":0,"maf_pay":0}}}"#
        }
        let twin = #"{"type":"person.registered","source":{"system":"t","key":"twin"},"person":"P9","idNumber":"450102199001011231","name":"王五","birthDate":"1990-01-01","region":"450102"}"#
        try await fixture.test { client in
            let accepted = try await client.execute(uri: "/events?format=platform", method: .post, headers: fixture.headers(.ingest),
                                                    body: SecurityTests.post([message("M1", claim: "PS1")]))
            #expect(accepted.status == .created, "\(accepted.text)")
            _ = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest), body: SecurityTests.post([twin]))
            let ambiguous = try await client.execute(uri: "/events?format=platform", method: .post, headers: fixture.headers(.ingest),
                                                     body: SecurityTests.post([message("M2", claim: "PS2")]))
            #expect(ambiguous.status == .badRequest)
            #expect(ambiguous.text.contains("more than one registered person holds this ID number"))
            #expect(!ambiguous.text.contains("P1") && !ambiguous.text.contains("P9"), "\(ambiguous.text)")
            let unknown = try await client.execute(uri: "/events?format=xml", method: .post, headers: fixture.headers(.ingest),
                                                   body: SecurityTests.post([message("M3", claim: "PS3")]))
            #expect(unknown.status == .badRequest)
        }
        #expect(try fixture.ledger.timeline(of: "P1").events.contains { $0.event.source?.key == "M1" && $0.event.text(.claim) == "PS1" })
    }

    // 9. Reports that list persons leave an access record in each listed person's stream.
    @Test func reportsListingPersonsAreRecorded() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let risk = try await client.execute(uri: "/reports/risk?month=2024-12", method: .get, headers: fixture.headers(.ops))
            #expect(risk.status == .ok)
            #expect(risk.text.contains("\"person\":\"P1\""))
            let totals = try await client.execute(uri: "/reports/totals?year=2024", method: .get, headers: fixture.headers(.ops))
            #expect(totals.status == .ok)
        }
        let records = try fixture.accessRecords()
        #expect(records.map(\.1) == ["GET /reports/risk?month=2024-12"], "one per person listed; totals names nobody")
        #expect(records.map(\.0) == ["ops.tester"])
    }

    // 10. A read never waits on the write lock; one batch's work per person is bounded.
    @Test func readsDoNotWaitOnWritesAndPerPersonWorkIsBounded() async throws {
        let fixture = try Fixture()
        // Hold the ledger's write lock for the whole read.
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let writer = Thread {
            try? fixture.ledger.environment.write { _ in
                holding.signal()
                release.wait()
            }
        }
        writer.start()
        holding.wait()
        try await fixture.test { client in
            let timeline = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.investigator))
            #expect(timeline.status == .ok, "answered while a write holds the lock")
        }
        release.signal()
        #expect(try fixture.accessRecords().map(\.1) == ["GET /persons/P1/timeline"], "its record is written after the write")
        let lines = (0...LedgerServer.maximumLinesPerPerson).map { SecurityTests.claim("many\($0)") }
        try await fixture.test { client in
            let answer = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest), body: SecurityTests.post(lines))
            #expect(answer.status == .badRequest)
            #expect(answer.text.contains("\"line\":\(LedgerServer.maximumLinesPerPerson + 1),\"field\":\"person\""), "\(answer.text.prefix(300))")
        }
    }

    // 11. Security headers, and no cross-site read in a browser's name.
    @Test func headersAndCrossSiteRequests() async throws {
        let fixture = try Fixture()
        let token = try #require(fixture.tokens[.investigator])
        try await fixture.test { client in
            var basic = HTTPFields()
            basic[.authorization] = "Basic " + Data("x:\(token)".utf8).base64EncodedString()
            let page = try await client.execute(uri: "/persons/P1", method: .get, headers: basic)
            #expect(page.status == .ok)
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("frame-ancestors 'none'") == true)
            #expect(page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(page.headers[.cacheControl] == "no-store")
            var crossSite = basic
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            #expect(try await client.execute(uri: "/persons/P1", method: .get, headers: crossSite).status == .forbidden)
            var foreignOrigin = basic
            foreignOrigin[.origin] = "https://evil.example"
            #expect(try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: foreignOrigin).status == .forbidden)
            var bearer = fixture.headers(.investigator)
            bearer[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            #expect(try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: bearer).status == .ok,
                    "a bearer token is never sent by a browser on its own")
        }
        #expect(try fixture.accessRecords().count == 2, "the two refused cross-site reads wrote no record in the reader's name")
    }

    // 12. Access records carry the query and the refusals; unauthenticated attempts write nothing.
    @Test func accessRecordsCarryQueryAndRefusals() async throws {
        let fixture = try Fixture()
        let head = try fixture.ledger.head().sequence
        try await fixture.test { client in
            _ = try await client.execute(uri: "/persons/P1/timeline?asOf=\(head)", method: .get, headers: fixture.headers(.auditor))
            _ = try await client.execute(uri: "/persons/P1/years/20x4", method: .get, headers: fixture.headers(.auditor))
            _ = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.ingest))
            _ = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(nil))
            _ = try await client.execute(uri: "/persons/NOBODY/timeline", method: .get, headers: fixture.headers(.auditor))
        }
        #expect(try fixture.accessRecords().map(\.1) == [
            "GET /persons/P1/timeline?asOf=\(head)", "GET /persons/P1/years/20x4 → 400", "GET /persons/P1/timeline → 403",
        ])
    }

    // 13. Schemes in any case; months and years strictly.
    @Test func bearerInAnyCaseAndStrictMonths() async throws {
        let fixture = try Fixture()
        let token = try #require(fixture.tokens[.ops])
        try await fixture.test { client in
            for scheme in ["bearer", "BEARER", "Bearer"] {
                var headers = HTTPFields()
                headers[.authorization] = "\(scheme) \(token)"
                #expect(try await client.execute(uri: "/rebuild", method: .get, headers: headers).status == .ok, "\(scheme)")
            }
            for (uri, method, allow) in [("/persons/P1/timeline", HTTPRequest.Method.put, "GET"), ("/events", .trace, "POST"),
                                         ("/health", .delete, "GET")] {
                let answer = try await client.execute(uri: uri, method: method, headers: fixture.headers(.auditor))
                #expect(answer.status == .methodNotAllowed && answer.headers[.allow] == allow, "\(method) \(uri)")
            }
            let stray = try await client.execute(uri: "/reports/tilted-unapplied?year=2024&month=", method: .get, headers: fixture.headers(.ops))
            #expect(stray.status == .badRequest, "a malformed parameter is refused even where unused")
            for month in ["-1-01", "99999999999-01", "2024-13", "2024-1", "2024-00", "2024-1x", "6000000-01"] {
                let answer = try await client.execute(uri: "/reports/risk?month=\(month)", method: .get, headers: fixture.headers(.ops))
                #expect(answer.status == .badRequest, "\(month)")
            }
        }
    }

    // 14. A failure's cause goes to the log, not to the caller.
    @Test func internalErrorsAnswerGenerically() async throws {
        struct Secret: Error, CustomStringConvertible { var description: String { "P1 450102199001011231 damaged" } }
        let router = Router()
        router.add(middleware: AnswerMiddleware(metrics: Metrics(), logger: .init(label: "test")))
        router.get("/boom") { _, _ -> Response in throw Secret() }
        try await Application(router: router).test(.router) { client in
            let answer = try await client.execute(uri: "/boom", method: .get)
            #expect(answer.status == .internalServerError)
            #expect(!answer.text.contains("450102") && !answer.text.contains("damaged"))
            let id = try #require(answer.headers[HTTPField.Name("X-Request-Id")!])
            #expect(answer.text.contains(id))
        }
    }
}
