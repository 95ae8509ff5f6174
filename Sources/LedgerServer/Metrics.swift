import CoreMetrics
import Foundation
import Prometheus

/// The server's metrics, through swift-metrics into a Prometheus registry of this server's own
/// (never the process-wide `MetricsSystem`, so two servers in one process do not mix).
///
/// Every label takes its value from a closed set — the matched route template (`unmatched` for
/// anything else), a known method (`other` for any other), a status code — so no request can create
/// a series of its own choosing, and no label can carry a character that breaks the exposition.
public final class Metrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let appended: CoreMetrics.Counter
    private let decisions: CoreMetrics.Counter
    private let duplicates: CoreMetrics.Counter
    private let refusals: CoreMetrics.Counter
    private let accessRecords: CoreMetrics.Counter
    private let head: Prometheus.Gauge
    private let checkpoint: Prometheus.Gauge

    /// The route templates a label may name; anything else is `unmatched`.
    static let routes: Set<String> = [
        "/events", "/persons/{id}/timeline", "/persons/{id}/years/{year}", "/persons/{id}", "/reports/{name}", "/params",
        "/rebuild", "/health", "/metrics", "/openapi.yaml", "/ops",
    ]
    static let methods: Set<String> = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"]

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(100), .seconds(1), .seconds(10),
        ]
        self.factory = factory
        appended = CoreMetrics.Counter(label: "caseledger_events_appended_total", factory: factory)
        decisions = CoreMetrics.Counter(label: "caseledger_decisions_written_total", factory: factory)
        duplicates = CoreMetrics.Counter(label: "caseledger_duplicates_total", factory: factory)
        refusals = CoreMetrics.Counter(label: "caseledger_refusals_total", factory: factory)
        accessRecords = CoreMetrics.Counter(label: "caseledger_access_records_queued_total", factory: factory)
        // The names are the gauges' whole names; they measure sequences, which have no unit suffix.
        head = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "caseledger", metricName: "head_sequence", unitName: "", helpText: "The ledger's last sequence."))
        checkpoint = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "caseledger", metricName: "projection_checkpoint", unitName: "",
            helpText: "The last sequence the live projection applied."))
    }

    func recordAppend(appended: Int, decisions: Int, duplicates: Int) {
        self.appended.increment(by: appended)
        self.decisions.increment(by: decisions)
        self.duplicates.increment(by: duplicates)
    }

    func recordRefusal() { refusals.increment() }
    func recordAccess(_ count: Int) { accessRecords.increment(by: count) }

    /// Counts one answered request under its route template, method and status.
    func recordRequest(route: String?, method: String, status: Int, nanoseconds: UInt64) {
        let dimensions = [
            ("route", route.flatMap { Metrics.routes.contains($0) ? $0 : nil } ?? "unmatched"),
            ("method", Metrics.methods.contains(method) ? method : "other"),
            ("status", String(status)),
        ]
        CoreMetrics.Counter(label: "caseledger_http_requests_total", dimensions: dimensions, factory: factory).increment()
        CoreMetrics.Timer(label: "caseledger_http_request_duration_seconds", dimensions: Array(dimensions.prefix(2)), factory: factory)
            .recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// The text a Prometheus scrape reads, with the ledger's head and the projection's position.
    func text(headSequence: UInt64, projectionCheckpoint: UInt64) -> String {
        head.set(Int64(clamping: headSequence))
        checkpoint.set(Int64(clamping: projectionCheckpoint))
        return registry.emitToString()
    }
}
