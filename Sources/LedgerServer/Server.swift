import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerQueries
import LedgerModel
import LedgerRules
import Logging

/// The ledger's HTTP API and the investigators' pages (Hummingbird 2).
public struct LedgerServer: Sendable {
    public let ledger: Ledger
    public let tokens: TokenProvider
    public let metrics = Metrics()
    /// Writes the access records of reads behind them (``AccessLog``).
    public let accessLog: AccessLog
    let logger: Logger
    /// The time given to appended events and access records; the only clock the server reads.
    let clock: @Sendable () -> Timestamp
    public static let maximumBodyBytes = 8 << 20
    /// Lines of one person in one batch at most: each re-decides that person's year, so one batch's
    /// work for one person stays bounded (the rest of the bound is ``PersonLimits``).
    public static let maximumLinesPerPerson = 500
    /// Problems of a refused batch an answer lists; the rest are counted by field and reason.
    public static let problemsShown = 100

    public init(ledger: Ledger, tokens: TokenProvider, clock: @escaping @Sendable () -> Timestamp,
                logger: Logger = Logger(label: "caseledger.server"))
    {
        self.ledger = ledger
        self.tokens = tokens
        self.clock = clock
        self.logger = logger
        accessLog = AccessLog(ledger: ledger, clock: clock, logger: logger)
    }

    /// A server whose tokens are fixed (tests, embedding).
    public init(ledger: Ledger, tokens: TokenStore, clock: @escaping @Sendable () -> Timestamp) {
        self.init(ledger: ledger, tokens: TokenProvider(fixed: tokens), clock: clock)
    }

    static func respond(_ status: HTTPResponse.Status, json: String) -> Response {
        respond(status, body: json + "\n", type: "application/json; charset=utf-8")
    }

    static func respond(_ status: HTTPResponse.Status, body: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The caller's principal, if its bearer token is known and its role among `allowed`.
    /// Takes `Authorization: Bearer TOKEN`, or, for a browser, HTTP Basic with the token as password
    /// (schemes in any case). A browser's request from another site is refused: its Basic
    /// credentials are sent by the browser, not by the person, and a read writes an access record.
    func authorize(_ request: Request, _ allowed: Set<Role>) throws -> Principal {
        guard let header = request.headers[.authorization], let (principal, basic) = principal(from: header) else {
            throw APIError(.unauthorized, "a valid bearer token is required (Authorization: Bearer …)")
        }
        if basic, let problem = LedgerServer.crossSiteProblem(request) { throw APIError(.forbidden, problem, crossSite: true) }
        guard allowed.contains(principal.role) else {
            throw APIError(.forbidden, "role \(principal.role.word) may not do this; it needs one of "
                + allowed.map(\.word).sorted().joined(separator: ", "))
        }
        return principal
    }

    func principal(from header: String) -> (Principal, basic: Bool)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let scheme = parts[0].lowercased()
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        let tokens = tokens.current()
        if scheme == "bearer" { return tokens.principal(for: credentials).map { ($0, false) } }
        guard scheme == "basic", let decoded = Data(base64Encoded: credentials),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return tokens.principal(for: String(text[text.index(after: colon)...])).map { ($0, true) }
    }

    /// Why a browser request must be refused as cross-site, if it must: `Sec-Fetch-Site` other than
    /// same-origin or none (typed or bookmarked), or an `Origin` that is not this server's.
    static func crossSiteProblem(_ request: Request) -> String? {
        let refusal = "a request from another site is refused; open the ledger's pages from its own address"
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" { return refusal }
        if let origin = request.headers[.origin] {
            guard let authority = request.head.authority ?? request.headers[HTTPField.Name("Host")!],
                origin == "http://\(authority)" || origin == "https://\(authority)"
            else { return refusal }
        }
        return nil
    }

    func ledgerCall<T>(_ body: () throws(LedgerError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .refused(let problems):
                if problems.count == 1, problems[0].line == 0 { throw APIError(.notFound, problems[0].reason) }
                throw APIError(.unprocessableContent, "refused, nothing written", problems: problems)
            case .wrongStreamVersion:
                // No version in the answer: what a stream holds is read data.
                throw APIError(.preconditionFailed, "the person's stream has changed since the version If-Match names; nothing written")
            case .busy(let reason):
                throw APIError(.conflict, reason)
            case .timeBeforeHead:
                throw APIError(.conflict, "the server's clock is behind the ledger's last recorded time; nothing written")
            default:
                throw error
            }
        }
    }

    /// Queues access records for `records`, or refuses the read when they cannot be queued.
    func trace(_ records: [AccessRecord]) throws {
        guard accessLog.enqueue(records) else {
            throw APIError(.serviceUnavailable, "the access log is full; try again shortly")
        }
        metrics.recordAccess(records.count)
    }

    /// The request as an access record names it: method, path and query.
    static func described(_ request: Request) -> String {
        let query = request.uri.query.map { "?\($0)" } ?? ""
        return "\(request.method.rawValue) \(request.uri.path)\(query)"
    }

    /// A read of one person's data: authorises, runs `body`, and records the read — answered or
    /// refused (403, 400, 404) — as an access record of that person, with the query and the status.
    /// An unauthenticated attempt writes nothing to the ledger (anyone could fill it); it is logged.
    func personRead(_ request: Request, _ context: BasicRequestContext, _ body: (Principal, String) throws -> Response) throws -> Response {
        let route = LedgerServer.described(request)
        let id = context.parameters.get("id") ?? ""
        let principal: Principal
        do {
            principal = try authorize(request, [.auditor, .investigator])
        } catch let error as APIError {
            if error.status == .forbidden, !error.crossSite, let header = request.headers[.authorization], let caller = self.principal(from: header)?.0,
                Interchange.identifierProblem(id, maximumBytes: InterchangeLimits.personBytes) == nil
            {
                try trace([AccessRecord(person: id, reader: caller.name, role: caller.role, route: "\(route) → 403")])
            } else {
                logger.notice("unauthenticated read of a person refused", metadata: ["route": "\(context.endpointPath ?? "")"])
            }
            throw error
        }
        guard Interchange.identifierProblem(id, maximumBytes: InterchangeLimits.personBytes) == nil else {
            throw APIError(.badRequest, "a person id is 1-64 of A-Z a-z 0-9 _ -")
        }
        func record(_ suffix: String) throws {
            try trace([AccessRecord(person: id, reader: principal.name, role: principal.role, route: route + suffix)])
        }
        do {
            let response = try body(principal, id)
            try record("")
            return response
        } catch let error as APIError {
            if error.status != .serviceUnavailable { try record(" → \(error.status.code)") }
            throw error
        }
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: AnswerMiddleware(metrics: metrics, logger: logger))
        router.post("/events") { request, context in try await self.postEvents(request, context) }
        router.get("/persons/{id}/timeline") { request, context in try await LedgerThreads.read { try self.timeline(request, context) } }
        router.get("/persons/{id}/years/{year}") { request, context in try await LedgerThreads.read { try self.year(request, context) } }
        router.get("/persons/{id}") { request, context in try await LedgerThreads.read { try self.personPage(request, context) } }
        router.get("/reports/{name}") { request, context in try await LedgerThreads.read { try self.report(request, context) } }
        router.get("/params") { request, _ in try await LedgerThreads.read { try self.params(request) } }
        router.get("/ops") { request, _ in try await LedgerThreads.read { try self.operationsPage(request) } }
        router.get("/rebuild") { request, _ in try await LedgerThreads.read { try self.rebuildStatus(request) } }
        router.get("/health") { _, _ in try await LedgerThreads.read { try self.health() } }
        router.get("/metrics") { request, _ in try self.metricsText(request) }
        router.get("/openapi.yaml") { _, _ in LedgerServer.respond(.ok, body: OpenAPIDocument.text, type: "application/yaml; charset=utf-8") }
        return router
    }

    // MARK: Appends

    /// The request's body read as a batch in the format `?format=` names, off the cooperative pool.
    func batch(of request: Request) async throws -> (submissions: [Submission], problems: [LineProblem], lines: Int) {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: LedgerServer.maximumBodyBytes)
        } catch {
            throw APIError(.contentTooLarge, "the body exceeds \(LedgerServer.maximumBodyBytes) bytes; send smaller batches")
        }
        let bytes = Array(buffer: body)
        switch request.uri.queryParameters["format"].map(String.init) ?? "interchange" {
        case "interchange":
            return try await LedgerThreads.read { Interchange.readBatch(bytes) }
        case "platform":
            // The national platform's settlement messages (PLATFORM.md); refusals withhold stored data.
            let batch = try await LedgerThreads.read {
                try self.ledgerCall { () throws(LedgerError) in try self.ledger.readPlatformMessages(bytes) }
            }
            return (batch.submissions, batch.problems.map(\.redacted), batch.lines)
        default:
            throw APIError(.badRequest, "format is interchange (the default) or platform")
        }
    }

    func postEvents(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try authorize(request, [.ingest])
        let (submissions, parsed, lines) = try await batch(of: request)
        let problems = parsed.isEmpty ? LedgerServer.ingestProblems(submissions) : parsed
        guard problems.isEmpty else {
            metrics.recordRefusal()
            throw APIError(.badRequest, "refused, nothing written: \(Set(problems.map(\.line)).count) of \(lines) lines have problems",
                           problems: problems)
        }
        guard !submissions.isEmpty else { throw APIError(.badRequest, "the body holds no interchange line") }
        var expected: [String: UInt32] = [:]
        if let match = request.headers[.ifMatch] {
            let persons = Set(submissions.compactMap(\.event.person))
            guard persons.count == 1, let person = persons.first else {
                throw APIError(.badRequest, "If-Match names one stream version: every line must concern the same person")
            }
            guard let version = UInt32(match.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))) else {
                throw APIError(.badRequest, "If-Match takes the person's stream version, e.g. If-Match: \"12\"")
            }
            expected[person] = version
        }
        let summary: AppendSummary
        do {
            let expected = expected
            summary = try await LedgerThreads.write {
                try self.ledgerCall { () throws(LedgerError) in
                    try self.ledger.append(submissions, clock: self.clock, expectedVersions: expected)
                }
            }
        } catch let error as APIError {
            metrics.recordRefusal()
            // Ingest appends and reads nothing: refusals say what was wrong with the line, not what is stored.
            throw APIError(error.status, error.message, problems: error.problems.map(\.redacted))
        }
        metrics.recordAppend(appended: summary.appended, decisions: summary.decisions, duplicates: summary.duplicates)
        return LedgerServer.respond(summary.appended > 0 ? .created : .ok, json: Render.appendSummaryJSON(summary, includeHead: false))
    }

    /// What the server refuses of a well-formed batch before the ledger sees it: lines stamped by a
    /// ledger's export (they carry recorded times and hashes only the ledger writes; `caseledger
    /// import` takes them) and more than ``maximumLinesPerPerson`` lines of one person.
    static func ingestProblems(_ submissions: [Submission]) -> [LineProblem] {
        var problems: [LineProblem] = []
        var perPerson: [String: Int] = [:]
        for submission in submissions {
            if submission.stamp != nil {
                problems.append(LineProblem(line: submission.line, field: "ledger",
                                            reason: "an exported line with a ledger stamp is loaded with `caseledger import`, not over HTTP"))
            }
            if let person = submission.event.person {
                perPerson[person, default: 0] += 1
                if perPerson[person] == maximumLinesPerPerson + 1 {
                    problems.append(LineProblem(line: submission.line, field: "person",
                                                reason: "more than \(maximumLinesPerPerson) lines of \(person) in one batch; split it"))
                }
            }
        }
        return problems
    }

    // MARK: Reads of a person

    /// The event as the caller may see it: investigators get identity numbers, names, birth dates,
    /// regions and households masked. The masked parts are chosen so that what is left cannot rebuild
    /// an identity number: its shown first 4 and last 4 characters, with the birth year and the
    /// city, still leave the county and the day of birth open (hundreds of candidates).
    static func visible(_ event: Event, to principal: Principal) -> Event {
        guard principal.role == .investigator else { return event }
        var fields = event.fields
        if case .text(let id)? = fields[.idNumber] { fields[.idNumber] = .text(Masking.idNumber(id)) }
        if case .text(let name)? = fields[.name], event.type != .regionRegistered { fields[.name] = .text(Masking.name(name)) }
        if case .date(let birth)? = fields[.birthDate] { fields[.birthDate] = .text(Masking.birthDate(birth)) }
        if case .integer(let region)? = fields[.region], event.type.hasPerson { fields[.region] = .text(Masking.region(region)) }
        if fields[.household] != nil { fields[.household] = .text("***") }
        return Event(type: event.type, source: event.source, person: event.person, fields: fields)
    }

    /// A year in a path or query: four digits, 1900 to 2199.
    static func year(_ text: Substring?, _ what: String) throws -> Int {
        guard let text, text.count == 4, let year = Int(text), (CivilDate.earliestYear...CivilDate.latestYear).contains(year) else {
            throw APIError(.badRequest, "\(what) is a year from \(CivilDate.earliestYear) to \(CivilDate.latestYear), e.g. 2024")
        }
        return year
    }

    func timeline(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        try personRead(request, context) { principal, id in
            let asOf = try request.uri.queryParameters["asOf"].map { text in
                guard let asOf = AsOf(String(text)) else { throw APIError(.badRequest, "asOf takes \(AsOf.expected)") }
                return asOf
            }
            let (timeline, parameters, limit) = try ledgerCall { () throws(LedgerError) in
                try ledger.snapshot { view in
                    let limit = try asOf?.sequence(in: view)
                    return (try view.timeline(of: id, asOf: limit), try view.parameters(), limit)
                }
            }
            var response = LedgerServer.respond(.ok, json: timelineJSON(timeline, parameters: parameters, principal: principal,
                                                                        current: limit == nil))
            if limit == nil { response.headers[.eTag] = "\"\(timeline.version)\"" }
            return response
        }
    }

    /// The person's facts and decisions, each explained, and apart from them the reads of the person.
    func timelineJSON(_ timeline: Timeline, parameters: ParameterSet, principal: Principal, current: Bool) -> String {
        let bySequence = parameters.bySequence
        let types = timeline.typesBySequence
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("person", timeline.person)
        // The version of the snapshot read: If-Match for the next append (access records, this
        // read's own among them, do not count against it). A past state (asOf) has none to offer.
        if current { writer.member("version", integer: timeline.version) }
        writer.key("mergedPersons")
        writer.beginArray()
        for merged in timeline.mergedPersons { writer.string(merged) }
        writer.endArray()
        writer.key("events")
        writer.beginArray()
        for recorded in timeline.events where recorded.event.type != .accessRecorded {
            let event = LedgerServer.visible(recorded.event, to: principal)
            writer.beginObject()
            writer.member("sequence", integer: recorded.sequence)
            writer.member("recordedAt", recorded.recordedAt.description)
            if let date = event.effectiveDate { writer.member("effectiveDate", date.description) }
            writer.member("type", event.type.name)
            writer.key("content")
            writer.raw(Interchange.render(event))
            writer.key("explanation")
            writer.beginArray()
            for line in Explain.lines(for: event, parameters: bySequence, causeType: { types[$0] }) { writer.string(line) }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.key("accesses")
        writer.beginArray()
        for recorded in timeline.events where recorded.event.type == .accessRecorded {
            writer.beginObject()
            writer.member("sequence", integer: recorded.sequence)
            writer.member("recordedAt", recorded.recordedAt.description)
            writer.member("reader", recorded.event.text(.reader) ?? "")
            writer.member("role", recorded.event.word(.role, Role.self)?.word ?? "")
            writer.member("route", recorded.event.text(.route) ?? "")
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.text
    }

    func year(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        try personRead(request, context) { _, id in
            let year = try LedgerServer.year(context.parameters.get("year").map { Substring($0) }, "the year of /persons/{id}/years/{year}")
            // One snapshot: the accumulator, the category and the decisions of the same head.
            let read = try ledgerCall { () throws(LedgerError) in
                try ledger.snapshot { view -> (Accumulator?, PersonHistory, [NetDecision], ParameterSet)? in
                    guard try view.isKnown(id) else { return nil }
                    return (try view.accumulators(person: id, year: year).first, try view.history(of: id),
                            NetDecision.fold(try view.decisionEvents(person: id)).filter { $0.year == year }, try view.parameters())
                }
            }
            guard let (accumulator, history, decisions, parameters) = read else { throw APIError(.notFound, "unknown person \(id)") }
            var writer = JSONWriter()
            writer.beginObject()
            writer.member("person", id)
            writer.member("year", integer: year)
            writer.key("accumulator")
            if let accumulator {
                writer.raw(Render.accumulatorJSON(accumulator, category: Render.category(history, year: year)))
            } else {
                writer.null()
            }
            let bySequence = parameters.bySequence
            writer.key("decisions")
            writer.beginArray()
            for decision in decisions {
                writer.beginObject()
                writer.key("summary")
                writer.raw(Render.decisionJSON(decision))
                writer.key("breakdown")
                writer.raw(Interchange.render(decision.latest))
                writer.key("explanation")
                writer.beginArray()
                for line in Explain.decision(decision.latest, parameters: bySequence, causeType: { _ in nil }) { writer.string(line) }
                writer.endArray()
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
            return LedgerServer.respond(.ok, json: writer.text)
        }
    }

    func personPage(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        try personRead(request, context) { principal, id in
            let requested = try request.uri.queryParameters["year"].map { try LedgerServer.year($0, "year") }
            let (timeline, years, parameters) = try ledgerCall { () throws(LedgerError) in
                try ledger.snapshot { view in (try view.timeline(of: id), try view.history(of: id).years, try view.parameters()) }
            }
            let year = requested ?? years.max() ?? 2024
            let page = PersonPage(timeline: timeline, parameters: parameters, year: year, principal: principal)
            return LedgerServer.respond(.ok, body: page.html, type: "text/html; charset=utf-8")
        }
    }

    // MARK: Reports, parameters, operations

    /// `YYYY-MM`, the year from 1900 to 2199.
    static func month(_ text: Substring?) throws -> YearMonth {
        guard let month = text.flatMap({ YearMonth(String($0)) }) else { throw APIError(.badRequest, "month is YYYY-MM, e.g. 2024-12") }
        return month
    }

    /// The route template a path would match with some method, if any (a 405 rather than a 404).
    static func template(matching path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        return Metrics.routes.sorted().first { route in
            let parts = route.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            return parts.count == segments.count
                && zip(parts, segments).allSatisfy { part, segment in part.hasPrefix("{") ? !segment.isEmpty : part == segment }
        }
    }

    func report(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let principal = try authorize(request, [.ops, .auditor])
        guard let name = context.parameters.get("name").flatMap(ReportName.init(rawValue:)) else {
            throw APIError(.notFound, "no such report; the reports are \(ReportName.spokenList)")
        }
        let query = request.uri.queryParameters
        // A malformed parameter is refused even where the report does not use it.
        let year = try query["year"].map { try LedgerServer.year($0, "report \(name.rawValue)'s ?year=") }
        let month = try query["month"].map { try LedgerServer.month($0) }
        let period: (year: Int, month: Int?)
        switch name.period(year: year, month: month) {
        case .success(let given): period = given
        case .failure(let problem): throw APIError(.badRequest, problem.description)
        }
        let report = try ledgerCall { () throws(LedgerError) in try ledger.report(name, year: period.year, month: period.month) }
        // One access record per person listed, in each person's own stream, where an appeals
        // investigator reading that person finds it; queued together, written in one transaction.
        if name.listsPersons, let column = report.columns.firstIndex(of: "person") {
            let route = LedgerServer.described(request)
            var seen: Set<String> = []
            let records = report.rows.compactMap { row -> AccessRecord? in
                // Total rows name no person ("-").
                guard row.indices.contains(column), row[column] != "-", seen.insert(row[column]).inserted else { return nil }
                return AccessRecord(person: row[column], reader: principal.name, role: principal.role, route: route)
            }
            try trace(records)
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("title", report.title)
        writer.key("rows")
        writer.beginArray()
        for line in report.jsonLines.split(separator: "\n") { writer.raw(String(line)) }
        writer.endArray()
        writer.endObject()
        return LedgerServer.respond(.ok, json: writer.text)
    }

    /// The operations page: the year's data-sharing lags per department and month, as an SVG chart
    /// and a table. It names no person.
    func operationsPage(_ request: Request) throws -> Response {
        _ = try authorize(request, [.ops, .auditor])
        let year = try LedgerServer.year(request.uri.queryParameters["year"], "year")
        let summary = try ledgerCall { () throws(LedgerError) in try ledger.report(.lagsSummary, year: year, month: nil) }
        return LedgerServer.respond(.ok, body: OperationsPage(summary: summary, year: year).html, type: "text/html; charset=utf-8")
    }

    func params(_ request: Request) throws -> Response {
        // Ingest appends and reads nothing.
        _ = try authorize(request, [.ops, .auditor, .investigator])
        let parameters = try ledgerCall { () throws(LedgerError) in try ledger.parameters() }
        var list = parameters.all
        if let on = request.uri.queryParameters["on"] {
            guard let date = CivilDate(String(on)) else { throw APIError(.badRequest, "on takes a date YYYY-MM-DD") }
            list = parameters.inForce(on: date)
        }
        var writer = JSONWriter()
        writer.beginArray()
        for parameter in list {
            writer.beginObject()
            writer.member("parameter", parameter.name.rawValue)
            writer.member("value", parameter.value.description)
            writer.member("validFrom", parameter.validFrom.description)
            if let to = parameter.validTo { writer.member("validTo", to.description) }
            if let region = parameter.region { writer.member("region", String(region)) }
            writer.member("clause", parameter.clause)
            writer.member("sequence", integer: parameter.sequence)
            writer.endObject()
        }
        writer.endArray()
        return LedgerServer.respond(.ok, json: writer.text)
    }

    func rebuildStatus(_ request: Request) throws -> Response {
        _ = try authorize(request, [.ops, .auditor])
        let status = try ledgerCall { () throws(LedgerError) in try ledger.projectionStatus() }
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("head", integer: status.head)
        writer.member("liveGeneration", integer: status.liveGeneration)
        writer.member("checkpoint", integer: status.checkpoint)
        writer.key("rebuild")
        if let rebuild = status.rebuild {
            writer.beginObject()
            writer.member("generation", integer: rebuild.generation)
            writer.member("sequence", integer: rebuild.sequence)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.endObject()
        return LedgerServer.respond(.ok, json: writer.text)
    }

    func health() throws -> Response {
        let head = try ledgerCall { () throws(LedgerError) in try ledger.head() }
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("status", "ok")
        Render.head(head, to: &writer)
        writer.endObject()
        return LedgerServer.respond(.ok, json: writer.text)
    }

    func metricsText(_ request: Request) throws -> Response {
        _ = try authorize(request, [.ops, .auditor])
        let status = try ledgerCall { () throws(LedgerError) in try ledger.projectionStatus() }
        return LedgerServer.respond(.ok, body: metrics.text(headSequence: status.head, projectionCheckpoint: status.checkpoint),
                                    type: "text/plain; version=0.0.4")
    }
}
