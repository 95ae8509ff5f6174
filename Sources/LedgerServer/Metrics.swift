import Foundation
import LedgerStorage

/// Counters and a latency histogram, written in Prometheus' text format.
public final class Metrics: @unchecked Sendable {
    // @unchecked Sendable: every field is read and written under `lock`.
    private let lock = Mutex()
    private var appended = 0
    private var decisions = 0
    private var duplicates = 0
    private var refusals = 0
    private var accessRecords = 0
    private var requests: [String: Int] = [:]
    /// Upper bounds in microseconds.
    static let buckets: [Int] = [250, 500, 1000, 2500, 5000, 10_000, 25_000, 100_000, 1_000_000]
    private var latencyCounts = Array(repeating: 0, count: Metrics.buckets.count + 1)
    private var latencySumMicroseconds = 0
    private var latencyCount = 0

    public init() {}

    func recordAppend(appended: Int, decisions: Int, duplicates: Int) {
        lock.withLock {
            self.appended += appended
            self.decisions += decisions
            self.duplicates += duplicates
        }
    }

    func recordRefusal() { lock.withLock { refusals += 1 } }
    func recordAccess() { lock.withLock { accessRecords += 1 } }

    func recordRequest(route: String, status: Int, microseconds: Int) {
        lock.withLock {
            requests["\(route)|\(status)", default: 0] += 1
            let index = Metrics.buckets.firstIndex { microseconds <= $0 } ?? Metrics.buckets.count
            latencyCounts[index] += 1
            latencySumMicroseconds += microseconds
            latencyCount += 1
        }
    }

    /// The text a Prometheus scrape reads, with the ledger's head and the projection's position.
    func text(headSequence: UInt64, projectionCheckpoint: UInt64) -> String {
        lock.withLock {
            var lines: [String] = []
            func counter(_ name: String, _ help: String, _ value: Int) {
                lines += ["# HELP \(name) \(help)", "# TYPE \(name) counter", "\(name) \(value)"]
            }
            counter("caseledger_events_appended_total", "Input events appended through the API.", appended)
            counter("caseledger_decisions_written_total", "Decision events written with them.", decisions)
            counter("caseledger_duplicates_total", "Lines that repeated an event already in the ledger.", duplicates)
            counter("caseledger_refusals_total", "Batches refused whole.", refusals)
            counter("caseledger_access_records_total", "Reads of a person recorded in the ledger.", accessRecords)
            lines += ["# HELP caseledger_head_sequence The ledger's last sequence.", "# TYPE caseledger_head_sequence gauge",
                      "caseledger_head_sequence \(headSequence)"]
            lines += ["# HELP caseledger_projection_checkpoint The last sequence the live projection applied.",
                      "# TYPE caseledger_projection_checkpoint gauge", "caseledger_projection_checkpoint \(projectionCheckpoint)"]
            lines += ["# HELP caseledger_http_requests_total Requests by route and status.", "# TYPE caseledger_http_requests_total counter"]
            for (key, count) in requests.sorted(by: { $0.key < $1.key }) {
                let parts = key.split(separator: "|")
                lines.append("caseledger_http_requests_total{route=\"\(parts[0])\",status=\"\(parts[1])\"} \(count)")
            }
            lines += ["# HELP caseledger_http_request_duration_seconds Request latency.",
                      "# TYPE caseledger_http_request_duration_seconds histogram"]
            var cumulative = 0
            for (index, bound) in Metrics.buckets.enumerated() {
                cumulative += latencyCounts[index]
                lines.append("caseledger_http_request_duration_seconds_bucket{le=\"\(seconds(bound))\"} \(cumulative)")
            }
            lines.append("caseledger_http_request_duration_seconds_bucket{le=\"+Inf\"} \(latencyCount)")
            lines.append("caseledger_http_request_duration_seconds_sum \(seconds(latencySumMicroseconds))")
            lines.append("caseledger_http_request_duration_seconds_count \(latencyCount)")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// Microseconds as decimal seconds, without floating point.
    private func seconds(_ microseconds: Int) -> String {
        let whole = microseconds / 1_000_000
        let fraction = String(microseconds % 1_000_000)
        return "\(whole)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
