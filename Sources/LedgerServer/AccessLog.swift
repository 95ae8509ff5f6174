import Foundation
import LedgerCore
import LedgerQueries
import LedgerModel
import Logging

/// Writes access records behind the reads that cause them, on a thread of its own.
///
/// A read answers once its record is queued; the writer appends every queued record in one
/// transaction as soon as the write lock is free. So a read never waits behind a long batch of
/// appends, and a burst of reads costs one commit, not one each. The queue is bounded: when it is
/// full a read is refused (503) rather than answered unrecorded. Records still queued when the
/// process is killed are lost with it; `drain()` (called at shutdown) writes them first.
public final class AccessLog: @unchecked Sendable {
    // @unchecked Sendable: `queue`, `writing` and `stopped` are read and written under `condition`.
    private let ledger: Ledger
    private let clock: @Sendable () -> Timestamp
    private let logger: Logger
    private let condition = NSCondition()
    private var queue: [AccessRecord] = []
    private var writing = false
    private var stopped = false
    /// Records waiting at most; past it reads are refused until the writer catches up.
    public static let capacity = 100_000
    /// Records written in one transaction at most.
    static let batch = 10_000

    init(ledger: Ledger, clock: @escaping @Sendable () -> Timestamp, logger: Logger) {
        self.ledger = ledger
        self.clock = clock
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "caseledger-access-log"
        thread.start()
    }

    /// Queues `records`; false (nothing queued) when the queue has no room for all of them.
    func enqueue(_ records: [AccessRecord]) -> Bool {
        guard !records.isEmpty else { return true }
        condition.lock()
        defer { condition.unlock() }
        guard !stopped, queue.count + records.count <= AccessLog.capacity else { return false }
        queue += records
        condition.broadcast()
        return true
    }

    /// Waits until every record queued before the call is written (or the writer stopped).
    public func drain() {
        condition.lock()
        defer { condition.unlock() }
        while (!queue.isEmpty || writing) && !stopped { condition.wait() }
    }

    /// Writes what is queued, then stops the writer.
    public func stop() {
        drain()
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if stopped && queue.isEmpty {
                condition.unlock()
                return
            }
            let records = Array(queue.prefix(AccessLog.batch))
            queue.removeFirst(records.count)
            writing = true
            condition.unlock()

            var failed = false
            do {
                let result = try ledger.recordAccesses(records, clock: clock)
                if !result.skipped.isEmpty {
                    logger.notice("access records of unknown persons not written", metadata: ["count": "\(result.skipped.count)"])
                }
            } catch {
                // Kept, in order, and tried again: a read's record is never dropped while the process lives.
                logger.error("access records not written; retrying", metadata: ["error": "\(error)", "count": "\(records.count)"])
                failed = true
            }
            condition.lock()
            if failed { queue.insert(contentsOf: records, at: 0) }
            writing = false
            condition.broadcast()
            condition.unlock()
            if failed { Thread.sleep(forTimeInterval: 1) }
        }
    }
}
