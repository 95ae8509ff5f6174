import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerModel
import LedgerServer
import Testing

@Suite struct APITests {
    /// Every route and who may use it: 401 without a token, 403 for a role without the right.
    @Test func everyRouteChecksTheRole() async throws {
        let fixture = try Fixture()
        let routes: [(String, HTTPRequest.Method, Set<Role>)] = [
            ("/persons/P1/timeline", .get, [.auditor, .investigator]),
            ("/persons/P1/years/2024", .get, [.auditor, .investigator]),
            ("/persons/P1", .get, [.auditor, .investigator]),
            ("/reports/totals?year=2024", .get, [.ops, .auditor]),
            ("/reports/risk?month=2024-12", .get, [.ops, .auditor]),
            ("/reports/pending", .get, [.ops, .auditor]),
            ("/reports/critical?year=2024", .get, [.ops, .auditor]),
            ("/ops?year=2024", .get, [.ops, .auditor]),
            ("/params?on=2024-06-30", .get, [.ops, .auditor, .investigator]),
            ("/rebuild", .get, [.ops, .auditor]),
            ("/metrics", .get, [.ops, .auditor]),
            ("/events", .post, [.ingest]),
        ]
        try await fixture.test { client in
            for (uri, method, allowed) in routes {
                let body = method == .post ? ByteBuffer(string: "") : nil
                let anonymous = try await client.execute(uri: uri, method: method, headers: fixture.headers(nil), body: body)
                #expect(anonymous.status == .unauthorized, "\(uri) without a token")
                #expect(anonymous.text.contains("\"status\":401"))
                var wrong = HTTPFields()
                wrong[.authorization] = "Bearer clt_not-a-token"
                #expect(try await client.execute(uri: uri, method: method, headers: wrong, body: body).status == .unauthorized)
                for role in Role.allCases {
                    let response = try await client.execute(uri: uri, method: method, headers: fixture.headers(role), body: body)
                    if allowed.contains(role) {
                        #expect(response.status != .forbidden && response.status != .unauthorized, "\(uri) as \(role)")
                    } else {
                        #expect(response.status == .forbidden, "\(uri) as \(role): \(response.status)")
                    }
                }
            }
        }
    }

    @Test func healthAndTheOpenAPIDocumentNeedNoToken() async throws {
        let fixture = try Fixture()
        let head = try fixture.ledger.head()
        try await fixture.test { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            #expect(health.text.contains("\"sequence\":\(head.sequence)"))
            let document = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(document.status == .ok)
            #expect(document.text.hasPrefix("openapi: 3.0.3"))
            for path in ["/events:", "/persons/{id}/timeline:", "/persons/{id}/years/{year}:", "/reports/{name}:", "/params:", "/health:", "/metrics:"] {
                #expect(document.text.contains(path), "\(path) is documented")
            }
        }
    }

    @Test func auditorsSeeFullIdentityNumbersInvestigatorsMasked() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let audited = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.auditor))
            #expect(audited.status == .ok)
            #expect(audited.text.contains("\"idNumber\":\"450102199001011231\""))
            #expect(audited.text.contains("\"name\":\"张三\""))
            let investigated = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.investigator))
            #expect(investigated.status == .ok)
            #expect(investigated.text.contains("\"idNumber\":\"4501**********1231\""))
            #expect(investigated.text.contains("\"name\":\"张*\""))
            #expect(!investigated.text.contains("450102199001011231"))
            #expect(!investigated.text.contains("张三"))
            let page = try await client.execute(uri: "/persons/P1", method: .get, headers: fixture.headers(.investigator))
            #expect(!page.text.contains("450102199001011231") && !page.text.contains("张三"))
        }
    }

    @Test func everyReadOfAPersonLeavesAnAccessRecord() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            _ = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.investigator))
            _ = try await client.execute(uri: "/persons/P1/years/2024", method: .get, headers: fixture.headers(.auditor))
            _ = try await client.execute(uri: "/persons/P1", method: .get, headers: fixture.headers(.auditor))
            _ = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.ops))
        }
        let records = try fixture.accessRecords()
        #expect(records.map(\.0) == ["investigator.tester", "auditor.tester", "auditor.tester", "ops.tester"],
                "a read refused for its role is recorded too")
        #expect(records.map(\.1) == ["GET /persons/P1/timeline", "GET /persons/P1/years/2024", "GET /persons/P1",
                                     "GET /persons/P1/timeline → 403"])
        #expect(try fixture.ledger.verify().isClean)
        #expect(try fixture.ledger.replayVerify().isClean, "access records are neither inputs nor decisions")
        try await fixture.test { client in
            let timeline = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.auditor))
            #expect(!timeline.text.contains("\"type\":\"access.recorded\""), "reads are not among the person's facts")
            #expect(timeline.text.contains("\"accesses\":[{\"sequence\":"), "auditors see who looked, apart from the facts")
            #expect(timeline.text.contains("\"reader\":\"ops.tester\",\"role\":\"ops\",\"route\":\"GET /persons/P1/timeline → 403\""))
        }
    }

    @Test func theYearCarriesTheAccumulatorAndTheDecisions() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let year = try await client.execute(uri: "/persons/P1/years/2024", method: .get, headers: fixture.headers(.auditor))
            #expect(year.status == .ok)
            #expect(year.text.contains("\"assistanceBase\":\"64500.55\",\"assistanceGranted\":\"20000.00\",\"tiltedGranted\":\"19900.39\""))
            #expect(year.text.contains("{\"summary\":{\"claim\":\"a3\",\"person\":\"P1\",\"year\":2024,\"type\":\"assistance.granted\",\"eligible\":\"8000.55\",\"grant\":\"5600.39\""))
            #expect(year.text.contains("\"baseBefore\":\"6500.00\",\"baseAfter\":\"14500.55\""), "each decision carries its breakdown")
            #expect(year.text.contains("Eligible 8000.55 × 70% = 5600.39, granted."))
            let unknown = try await client.execute(uri: "/persons/NOBODY/years/2024", method: .get, headers: fixture.headers(.auditor))
            #expect(unknown.status == .notFound)
            let badYear = try await client.execute(uri: "/persons/P1/years/twenty", method: .get, headers: fixture.headers(.auditor))
            #expect(badYear.status == .badRequest)
        }
    }

    /// The person page's charts sum the recorded decisions: the worked example's year ends at
    /// B 64 500.55, regular assistance at the cap 20 000.00, tilted 19 900.39 (RULES.md § 11).
    @Test func thePersonPageChartsTheRecordedDecisions() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let page = try await client.execute(uri: "/persons/P1?year=2024", method: .get, headers: fixture.headers(.investigator))
            #expect(page.status == .ok)
            #expect(page.text.contains("■ B 64500.55</span>"))
            #expect(page.text.contains("■ 医疗救助 regular 20000.00</span>"))
            #expect(page.text.contains("■ 倾斜救助 tilted 19900.39</span>"))
        }
    }

    @Sendable static func claim(_ id: String, on date: String) -> String {
        #"{"type":"settlement.recorded","source":{"system":"his","key":"\#(id)"},"person":"P1","claim":"\#(id)","kind":"inpatient","hospital":"H1","settledOn":"\#(date)","totalCost":"1000","inListCost":"1000","basicPaid":"500","criticalPaid":"0"}"#
    }

    @Test func postingEventsAppendsDecidesAndHonoursIfMatch() async throws {
        let fixture = try Fixture()
        let claim = APITests.claim
        try await fixture.test { client in
            // The version comes from the API: the timeline's ETag, the stream as read.
            let timeline = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.auditor))
            let etag = try #require(timeline.headers[.eTag])
            let version = try #require(UInt32(etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))))
            #expect(timeline.text.contains("\"version\":\(version),"))
            fixture.server.accessLog.drain()
            #expect(try fixture.ledger.timeline(of: "P1").version == version + 1, "the read's own access record follows it")
            var stale = fixture.headers(.ingest)
            stale[.ifMatch] = "\"\(version - 1)\""
            let before = try fixture.ledger.head()
            let refused = try await client.execute(uri: "/events", method: .post, headers: stale, body: ByteBuffer(string: claim("a5", "2024-10-01")))
            #expect(refused.status == .preconditionFailed)
            #expect(!refused.text.contains("\(version)"))
            #expect(try fixture.ledger.head() == before, "a refused If-Match writes nothing")
            // Access records, the read's own among them, do not count against the version read.
            var current = fixture.headers(.ingest)
            current[.ifMatch] = etag
            let appended = try await client.execute(uri: "/events", method: .post, headers: current, body: ByteBuffer(string: claim("a5", "2024-10-01")))
            #expect(appended.status == .created)
            #expect(appended.text.hasPrefix("{\"appended\":1,\"decisions\":1,\"duplicates\":0,\"sequences\":{\"first\":"))
            #expect(!appended.text.contains("versions"), "ingest reads nothing, not even a stream's version")
            // A fact appended since: the same version is stale now.
            let chained = try await client.execute(uri: "/events", method: .post, headers: current, body: ByteBuffer(string: claim("a6", "2024-10-02")))
            #expect(chained.status == .preconditionFailed, "\(chained.text)")
            let again = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest), body: ByteBuffer(string: claim("a5", "2024-10-01")))
            #expect(again.status == .ok)
            #expect(again.text.hasPrefix("{\"appended\":0,\"decisions\":0,\"duplicates\":1"))
        }
    }

    @Test func aTimelineAsOfASequenceShowsWhatWasKnownThen() async throws {
        let fixture = try Fixture()
        let events = try fixture.ledger.timeline(of: "P1").events
        let cut = events[2].sequence
        try await fixture.test { client in
            let then = try await client.execute(uri: "/persons/P1/timeline?asOf=\(cut)", method: .get, headers: fixture.headers(.auditor))
            #expect(then.status == .ok)
            #expect(then.text.contains("\"sequence\":\(cut),"))
            #expect(!then.text.contains("\"sequence\":\(events[3].sequence),"), "nothing after the asOf sequence")
            #expect(then.headers[.eTag] == nil && !then.text.contains("\"version\""), "a past state offers no version to append on")
            let bad = try await client.execute(uri: "/persons/P1/timeline?asOf=yesterday", method: .get, headers: fixture.headers(.auditor))
            #expect(bad.status == .badRequest)
        }
    }

    /// `caseledger token revoke` rewrites the file; the running server refuses the token at the next
    /// request, and a damaged file refuses every token rather than undo a revocation.
    @Test func aRevokedTokenIsRefusedWithoutARestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caseledger-tokens-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var store = TokenStore()
        let token = try store.add(name: "li.auditor", role: .auditor)
        try store.save(path: path)
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!saved.contains(token), "the file holds hashes only")
        let provider = try TokenProvider(path: path)
        let fixture = try Fixture()
        let server = LedgerServer(ledger: fixture.ledger, tokens: provider, clock: { Timestamp(millisecondsSinceEpoch: 1_767_312_000_000) })
        var fields = HTTPFields()
        fields[.authorization] = "Bearer \(token)"
        let headers = fields
        let original = store
        let app = Application(router: server.router())
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/rebuild", method: .get, headers: headers).status == .ok)
            var revoked = try TokenStore.load(path: path)
            try revoked.revoke(name: "li.auditor")
            try revoked.save(path: path)
            #expect(try await client.execute(uri: "/rebuild", method: .get, headers: headers).status == .unauthorized)
            try original.save(path: path)
            #expect(try await client.execute(uri: "/rebuild", method: .get, headers: headers).status == .ok, "added again")
            try Data("not a tokens file\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            #expect(try await client.execute(uri: "/rebuild", method: .get, headers: headers).status == .unauthorized,
                    "a damaged file fails closed")
        }
    }

    @Test func badInputGetsAClearJSONErrorAndChangesNothing() async throws {
        let fixture = try Fixture()
        let before = try fixture.ledger.head()
        let bodies: [(String, HTTPResponse.Status, String)] = [
            ("{\"type\":", .badRequest, "not valid JSON"),
            ("[1,2,3]", .badRequest, "must be a JSON object"),
            (#"{"type":"contribution.paid","source":{"system":"t","key":"k"},"person":"P1","insuranceYear":"2024","amount":380,"paidOn":"2024-01-01"}"#, .badRequest, "\"field\":\"amount\""),
            (#"{"type":"contribution.paid","source":{"system":"t","key":"k"},"person":"NOBODY","insuranceYear":2024,"amount":"380","paidOn":"2024-01-01"}"#, .unprocessableContent, "unknown person NOBODY"),
            ("", .badRequest, "no interchange line"),
        ]
        try await fixture.test { client in
            for (body, status, fragment) in bodies {
                let response = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest), body: ByteBuffer(string: body))
                #expect(response.status == status, "\(body)")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                #expect(response.text.contains(fragment), "\(response.text)")
            }
            let huge = ByteBuffer(repeating: UInt8(ascii: " "), count: LedgerServer.maximumBodyBytes + 1)
            let tooLarge = try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest), body: huge)
            #expect(tooLarge.status == .contentTooLarge)
            let unknown = try await client.execute(uri: "/no/such/route", method: .get, headers: fixture.headers(.auditor))
            #expect(unknown.status == .notFound)
            #expect(unknown.text.contains("no such route"))
            let badReport = try await client.execute(uri: "/reports/everything", method: .get, headers: fixture.headers(.ops))
            #expect(badReport.status == .notFound)
            let noYear = try await client.execute(uri: "/reports/totals", method: .get, headers: fixture.headers(.ops))
            #expect(noYear.status == .badRequest)
        }
        #expect(try fixture.ledger.head() == before)
    }

    @Test func metricsAreInPrometheusText() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            _ = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.auditor))
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: fixture.headers(.ops))
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("# TYPE caseledger_http_request_duration_seconds histogram"))
            #expect(metrics.text.contains("caseledger_access_records_queued_total 1"))
            #expect(metrics.text.contains("caseledger_http_requests_total{route=\"/persons/{id}/timeline\",method=\"GET\",status=\"200\"} 1"))
            #expect(metrics.text.contains("caseledger_head_sequence "))
        }
    }

    @Test func paramsAndRebuildStatus() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let params = try await client.execute(uri: "/params?on=2024-06-30", method: .get, headers: fixture.headers(.investigator))
            #expect(params.text.contains("{\"parameter\":\"assistance.threshold\",\"value\":\"3000.00\",\"validFrom\":\"2022-08-01\""))
            let rebuild = try await client.execute(uri: "/rebuild", method: .get, headers: fixture.headers(.ops))
            #expect(rebuild.text.contains("\"liveGeneration\":0") && rebuild.text.contains("\"rebuild\":null"))
        }
    }

    @Test func theOperationsPageDrawsTheLagsPerDepartmentAndMonth() async throws {
        let fixture = try Fixture()
        // Paid Thursday 2024-02-08, due five working days later (Monday to Friday: 02-15), delivered 02-23: 6 late.
        let paid = #"{"type":"contribution.paid","source":{"system":"tax","key":"p1"},"person":"P1","insuranceYear":2024,"amount":"380","paidOn":"2024-02-08","receivedAt":"2024-02-23T10:00:00+08:00"}"#
        let batch = Interchange.readBatch(Array(paid.utf8))
        _ = try fixture.ledger.append(batch.submissions, recordedAt: Timestamp(millisecondsSinceEpoch: 1_767_312_000_000))
        try await fixture.test { client in
            let page = try await client.execute(uri: "/ops?year=2024", method: .get, headers: fixture.headers(.ops))
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("<svg id=\"chart-lags\""))
            #expect(page.text.contains("data-department=\"tax\" data-month=\"2\""))
            #expect(page.text.contains("tax 2月: p90 6, 1 late of 1"))
            #expect(page.text.contains("no calendar published for 2024: working days are Monday to Friday alone"))
            #expect(!page.text.contains("P1"), "the page names no person")
            let noYear = try await client.execute(uri: "/ops", method: .get, headers: fixture.headers(.ops))
            #expect(noYear.status == .badRequest)
        }
    }

    @Test func theServedOpenAPIDocumentIsTheCheckedInOne() async throws {
        let fixture = try Fixture()
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/LedgerServer/openapi.yaml")
        try await fixture.test { client in
            let served = try await client.execute(uri: "/openapi.yaml", method: .get).text
            let expected = try String(contentsOf: golden, encoding: .utf8)
            #expect(served == expected, "the server serves the document file as it is")
        }
    }
}
