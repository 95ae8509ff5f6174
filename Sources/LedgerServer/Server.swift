import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerModel
import LedgerRules

/// An error answered as JSON: `{"error": "...", "status": N}` (plus the refused lines, if any).
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    var problems: [LineProblem] = []

    init(_ status: HTTPResponse.Status, _ message: String, problems: [LineProblem] = []) {
        self.status = status
        self.message = message
        self.problems = problems
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("error", message)
        writer.member("status", integer: status.code)
        if !problems.isEmpty {
            writer.key("problems")
            writer.beginArray()
            for problem in problems {
                writer.beginObject()
                writer.member("line", integer: problem.line)
                writer.member("field", problem.field)
                writer.member("reason", problem.reason)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
        var response = LedgerServer.respond(status, json: writer.text)
        if status == .unauthorized {
            response.headers[values: .wwwAuthenticate] = ["Bearer realm=\"caseledger\"", "Basic realm=\"caseledger\", charset=\"UTF-8\""]
        }
        return response
    }
}

/// Answers every failure as JSON and counts every request with its latency.
struct ErrorAndMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: Metrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPResponseError {
            let message = error.status == .notFound ? "no such route: \(request.method) \(request.uri.path)" : "\(error.status)"
            response = try APIError(error.status, message).response(from: request, context: context)
        } catch {
            response = try APIError(.internalServerError, "\(error)").response(from: request, context: context)
        }
        let route = "/" + (request.uri.path.split(separator: "/").first.map(String.init) ?? "")
        let elapsed = Int((DispatchTime.now().uptimeNanoseconds - start) / 1000)
        metrics.recordRequest(route: route, status: response.status.code, microseconds: elapsed)
        return response
    }
}

/// The ledger's HTTP API and the investigators' pages (Hummingbird 2).
public struct LedgerServer: Sendable {
    public let ledger: Ledger
    public let tokens: TokenProvider
    public let metrics = Metrics()
    /// The time given to appended events and access records; the only clock the server reads.
    let clock: @Sendable () -> Timestamp
    public static let maximumBodyBytes = 8 << 20

    public init(ledger: Ledger, tokens: TokenProvider, clock: @escaping @Sendable () -> Timestamp) {
        self.ledger = ledger
        self.tokens = tokens
        self.clock = clock
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
    /// Takes `Authorization: Bearer TOKEN`, or, for a browser, HTTP Basic with the token as password.
    func authorize(_ request: Request, _ allowed: Set<Role>) throws -> Principal {
        guard let header = request.headers[.authorization], let principal = principal(from: header) else {
            throw APIError(.unauthorized, "a valid bearer token is required (Authorization: Bearer …)")
        }
        guard allowed.contains(principal.role) else {
            throw APIError(.forbidden, "role \(principal.role.rawValue) may not do this; it needs one of "
                + allowed.map(\.rawValue).sorted().joined(separator: ", "))
        }
        return principal
    }

    func principal(from header: String) -> Principal? {
        let tokens = tokens.current()
        if header.hasPrefix("Bearer ") { return tokens.principal(for: String(header.dropFirst("Bearer ".count))) }
        guard header.hasPrefix("Basic "), let decoded = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
            let credentials = String(data: decoded, encoding: .utf8), let colon = credentials.firstIndex(of: ":")
        else { return nil }
        return tokens.principal(for: String(credentials[credentials.index(after: colon)...]))
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
                throw APIError(.preconditionFailed, error.description)
            case .busy(let reason):
                throw APIError(.conflict, reason)
            default:
                throw APIError(.internalServerError, error.description)
            }
        }
    }

    /// Records that `principal` read `person` through `route`, before answering.
    func trace(_ principal: Principal, person: String, route: String) throws {
        _ = try ledgerCall { () throws(LedgerError) in
            try ledger.recordAccess(person: person, reader: principal.name, role: principal.role.rawValue, route: route, recordedAt: clock())
        }
        metrics.recordAccess()
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorAndMetricsMiddleware(metrics: metrics))
        router.post("/events") { request, context in try await self.postEvents(request, context) }
        router.get("/persons/{id}/timeline") { request, context in try self.timeline(request, context) }
        router.get("/persons/{id}/years/{year}") { request, context in try self.year(request, context) }
        router.get("/persons/{id}") { request, context in try self.personPage(request, context) }
        router.get("/reports/{name}") { request, context in try self.report(request, context) }
        router.get("/params") { request, _ in try self.params(request) }
        router.get("/rebuild") { request, _ in try self.rebuildStatus(request) }
        router.get("/health") { _, _ in try self.health() }
        router.get("/metrics") { request, _ in try self.metricsText(request) }
        router.get("/openapi.yaml") { _, _ in LedgerServer.respond(.ok, body: OpenAPIDocument.text, type: "application/yaml") }
        return router
    }

    // MARK: Appends

    func postEvents(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try authorize(request, [.ingest])
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: LedgerServer.maximumBodyBytes)
        } catch {
            throw APIError(.contentTooLarge, "the body exceeds \(LedgerServer.maximumBodyBytes) bytes; send smaller batches")
        }
        let (submissions, problems, lines) = Interchange.readBatch(Array(buffer: body))
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
            let persons = Set(submissions.compactMap(\.event.person))
            summary = try ledgerCall { () throws(LedgerError) in
                try ledger.append(submissions, recordedAt: clock(), expectedVersions: expected, reportingVersionsOf: persons)
            }
        } catch {
            metrics.recordRefusal()
            throw error
        }
        metrics.recordAppend(appended: summary.appended, decisions: summary.decisions, duplicates: summary.duplicates)
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("appended", integer: summary.appended)
        writer.member("decisions", integer: summary.decisions)
        writer.member("duplicates", integer: summary.duplicates)
        if let first = summary.firstSequence {
            writer.key("sequences")
            writer.beginObject()
            writer.member("first", integer: first)
            writer.member("last", integer: summary.head.sequence)
            writer.endObject()
        }
        // Each person's stream version after the batch: what If-Match names for the next append.
        writer.key("versions")
        writer.beginObject()
        for (person, version) in summary.versions.sorted(by: { $0.key < $1.key }) { writer.member(person, integer: version) }
        writer.endObject()
        Render.head(summary.head, to: &writer)
        writer.endObject()
        return LedgerServer.respond(summary.appended > 0 ? .created : .ok, json: writer.text)
    }

    // MARK: Reads of a person

    func person(_ context: BasicRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty, id.utf8.count <= 64 else {
            throw APIError(.badRequest, "a person id is 1-64 characters")
        }
        return id
    }

    /// The event as the caller may see it: investigators get identity numbers and names masked.
    static func visible(_ event: Event, to principal: Principal) -> Event {
        guard principal.role == .investigator else { return event }
        var fields = event.fields
        if case .text(let id)? = fields[.idNumber] { fields[.idNumber] = .text(Masking.idNumber(id)) }
        if case .text(let name)? = fields[.name], event.type != .regionRegistered { fields[.name] = .text(Masking.name(name)) }
        return Event(type: event.type, source: event.source, person: event.person, fields: fields)
    }

    func timeline(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let principal = try authorize(request, [.auditor, .investigator])
        let id = try person(context)
        var limit: UInt64?
        if let asOf = request.uri.queryParameters["asOf"].map(String.init) {
            if let sequence = UInt64(asOf) { limit = sequence }
            else if let time = Timestamp(asOf) { limit = try ledgerCall { () throws(LedgerError) in try ledger.sequence(asOf: time) } }
            else { throw APIError(.badRequest, "asOf takes a sequence or a time such as 2026-01-01T00:00:00.000Z") }
        }
        try trace(principal, person: id, route: "GET /persons/\(id)/timeline")
        let timeline = try ledgerCall { () throws(LedgerError) in try ledger.timeline(of: id, asOf: limit) }
        let parameters = try ledgerCall { () throws(LedgerError) in try ledger.parameters() }
        let bySequence = parameters.bySequence
        let types = timeline.typesBySequence
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("person", id)
        // The version of the snapshot read, after this read's own access record: If-Match for the
        // next append. A past state (asOf) has none to offer.
        if limit == nil { writer.member("version", integer: timeline.version) }
        writer.key("mergedPersons")
        writer.beginArray()
        for merged in timeline.mergedPersons { writer.string(merged) }
        writer.endArray()
        writer.key("events")
        writer.beginArray()
        for recorded in timeline.events {
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
        writer.endObject()
        var response = LedgerServer.respond(.ok, json: writer.text)
        if limit == nil { response.headers[.eTag] = "\"\(timeline.version)\"" }
        return response
    }

    func year(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let principal = try authorize(request, [.auditor, .investigator])
        let id = try person(context)
        guard let yearText = context.parameters.get("year"), let year = Int(yearText), (1900...2199).contains(year) else {
            throw APIError(.badRequest, "the year is four digits, e.g. /persons/P1/years/2024")
        }
        try trace(principal, person: id, route: "GET /persons/\(id)/years/\(year)")
        let accumulators = try ledgerCall { () throws(LedgerError) in try ledger.accumulators(person: id, year: year) }
        let history = try ledgerCall { () throws(LedgerError) in try ledger.history(of: id) }
        let decisions = NetDecision.fold(try ledgerCall { () throws(LedgerError) in try ledger.decisionEvents(person: id) })
            .filter { $0.year == year }
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("person", id)
        writer.member("year", integer: year)
        writer.key("accumulator")
        if let accumulator = accumulators.first {
            writer.raw(Render.accumulatorJSON(accumulator, category: Render.category(history, year: year)))
        } else {
            writer.null()
        }
        let parameters = try ledgerCall { () throws(LedgerError) in try ledger.parameters() }
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

    func personPage(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let principal = try authorize(request, [.auditor, .investigator])
        let id = try person(context)
        try trace(principal, person: id, route: "GET /persons/\(id)")
        let timeline = try ledgerCall { () throws(LedgerError) in try ledger.timeline(of: id) }
        let history = try ledgerCall { () throws(LedgerError) in try ledger.history(of: id) }
        let parameters = try ledgerCall { () throws(LedgerError) in try ledger.parameters() }
        let requested = request.uri.queryParameters["year"].flatMap { Int(String($0)) }
        let year = requested ?? history.years.max() ?? 2024
        let page = PersonPage(timeline: timeline, history: history, parameters: parameters, year: year, principal: principal)
        return LedgerServer.respond(.ok, body: page.html, type: "text/html; charset=utf-8")
    }

    // MARK: Reports, parameters, operations

    func report(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        _ = try authorize(request, [.ops, .auditor])
        let name = context.parameters.get("name") ?? ""
        let query = request.uri.queryParameters
        func year() throws -> Int {
            guard let text = query["year"], let year = Int(String(text)), (1900...2199).contains(year) else {
                throw APIError(.badRequest, "report \(name) needs ?year=YYYY")
            }
            return year
        }
        let report: Report
        switch name {
        case "totals":
            let year = try year()
            report = try ledgerCall { () throws(LedgerError) in try ledger.totalsReport(year: year) }
        case "risk":
            let parts = (query["month"].map(String.init) ?? "").split(separator: "-")
            guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else {
                throw APIError(.badRequest, "report risk needs ?month=YYYY-MM")
            }
            report = try ledgerCall { () throws(LedgerError) in try ledger.riskReport(year: year, month: month) }
        case "hospitals":
            let year = try year()
            report = try ledgerCall { () throws(LedgerError) in try ledger.hospitalsReport(year: year) }
        case "tilted-unapplied":
            let year = try year()
            report = try ledgerCall { () throws(LedgerError) in try ledger.tiltedUnappliedReport(year: year) }
        case "referrals":
            let year = try year()
            report = try ledgerCall { () throws(LedgerError) in try ledger.referralsReport(year: year) }
        case "pending":
            report = try ledgerCall { () throws(LedgerError) in try ledger.pendingReport() }
        case "financing":
            let year = try year()
            report = try ledgerCall { () throws(LedgerError) in try ledger.financingReport(year: year) }
        default:
            throw APIError(.notFound, "no report \(name); the reports are totals, risk, hospitals, tilted-unapplied, referrals, pending, financing")
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
            writer.member("parameter", parameter.name)
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
