import Foundation
import HTTPTypes
import Hummingbird
import LedgerModel
import Logging

/// An error answered as JSON: `{"error": "...", "status": N}`, plus, for a refused batch, the first
/// ``LedgerServer/problemsShown`` problems, how many there were, and their counts by field and reason.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    var problems: [LineProblem] = []
    /// A browser's request from another site: refused in nobody's name, so it leaves no access record.
    var crossSite = false
    /// For a 405: the method the route takes.
    var allow: String?

    init(_ status: HTTPResponse.Status, _ message: String, problems: [LineProblem] = [], crossSite: Bool = false,
         allow: String? = nil)
    {
        self.status = status
        self.message = message
        self.problems = problems
        self.crossSite = crossSite
        self.allow = allow
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("error", message)
        writer.member("status", integer: status.code)
        if !problems.isEmpty {
            let summary = ProblemSummary(problems, shown: LedgerServer.problemsShown)
            writer.member("problemCount", integer: summary.count)
            writer.key("problems")
            writer.beginArray()
            for problem in summary.shown {
                writer.beginObject()
                writer.member("line", integer: problem.line)
                writer.member("field", problem.field)
                writer.member("reason", problem.reason)
                writer.endObject()
            }
            writer.endArray()
            writer.key("problemCounts")
            writer.beginArray()
            for group in summary.groups {
                writer.beginObject()
                writer.member("field", group.field)
                writer.member("reason", group.reason)
                writer.member("count", integer: group.count)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
        var response = LedgerServer.respond(status, json: writer.text)
        if let allow { response.headers[.allow] = allow }
        if status == .unauthorized {
            response.headers[values: .wwwAuthenticate] = ["Bearer realm=\"caseledger\"", "Basic realm=\"caseledger\", charset=\"UTF-8\""]
        }
        return response
    }
}

/// The outermost layer of every answer: a request id, every failure as JSON (a 500 as a generic
/// message, its cause only in the log), the security headers, the metrics and one log line.
struct AnswerMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: Metrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let requestID = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPResponseError {
            if error.status == .notFound, let route = LedgerServer.template(matching: request.uri.path) {
                // The route exists; the method does not.
                let allowed = route == "/events" ? "POST" : "GET"
                response = try APIError(.methodNotAllowed, "\(route) takes \(allowed) only", allow: allowed)
                    .response(from: request, context: context)
            } else {
                let message = error.status == .notFound ? "no such route" : "\(error.status)"
                response = try APIError(error.status, message).response(from: request, context: context)
            }
        } catch {
            // The cause goes to the log, with the request id the answer carries; never to the caller.
            logger.error("request failed", metadata: ["request": "\(requestID)", "error": "\(String(describing: type(of: error)))",
                                                      "detail": "\(error)"])
            response = try APIError(.internalServerError, "internal error; quote request id \(requestID) to the operator")
                .response(from: request, context: context)
        }
        SecurityHeaders.apply(to: &response.headers)
        response.headers[HTTPField.Name("X-Request-Id")!] = requestID
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        // The route template, never the path: a path can name a person.
        let route = context.endpointPath
        metrics.recordRequest(route: route, method: request.method.rawValue, status: response.status.code, nanoseconds: elapsed)
        logger.debug("answered", metadata: [
            "request": "\(requestID)", "method": "\(Metrics.methods.contains(request.method.rawValue) ? request.method.rawValue : "other")",
            "route": "\(route.flatMap { Metrics.routes.contains($0) ? $0 : nil } ?? "unmatched")",
            "status": "\(response.status.code)", "microseconds": "\(elapsed / 1000)",
        ])
        return response
    }
}

/// Headers every answer carries: no sniffing, no framing, no referrer, nothing cached (most answers
/// name a person), and a policy that lets the person page load nothing but itself.
enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    static func apply(to headers: inout HTTPFields) {
        headers[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[.cacheControl] = "no-store"
    }
}
