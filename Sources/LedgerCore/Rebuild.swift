import LedgerModel
import LedgerRules
import LedgerStorage

#if canImport(Glibc)
import Glibc
#endif

extension Ledger {
    /// Applies the events after `checkpoint` (at most `events` of them) to generation `target` in
    /// `database`; records the progress, or — caught up with the head — switches to it. Inside the
    /// writer's transaction, so nothing can be appended in between and the switch is atomic for
    /// every reader. Returns the sequences it started after and ended at, and the head.
    func rebuildChunk(from checkpoint: UInt64, events: Int, target: UInt8, into database: Database, in transaction: Transaction)
        throws -> (first: UInt64, last: UInt64, head: UInt64)
    {
        let head = try head(in: transaction).sequence
        let last = min(head, checkpoint + UInt64(events))
        var projector = Projector(ledger: self, transaction: transaction, store: ChunkAccumulatorStore(
            DatabaseAccumulatorStore(transaction: transaction, database: database)))
        var sequence = checkpoint
        try transaction.withCursor(log) { cursor in
            var entry = sequence < last ? try cursor.seek(atLeast: Keys.log(sequence + 1)) : nil
            while sequence < last {
                sequence += 1
                guard let current = entry, try Keys.stored(current.key, "a log key") == sequence else {
                    throw LedgerError.damaged(sequence: sequence, reason: "the log has a gap")
                }
                // Only what the fold reads is decoded: the types it folds, without the fields it never reads.
                let recorded: RecordedEvent?
                do throws(DecodeError) {
                    recorded = try EventCodec.decode(current.value, skipping: ProjectionInputs.unread, wanted: ProjectionInputs.folds)
                } catch {
                    throw LedgerError.damaged(sequence: sequence, reason: error.description)
                }
                if let recorded { try projector.apply(recorded.event) }
                entry = try cursor.next()
            }
        }
        try projector.store.flush()
        if last == head {
            try transaction.put(meta, key: Keys.projectionGeneration, value: [target])
            try transaction.put(meta, key: Keys.projectionCheckpoint, value: Keys.bigEndian(head))
            try transaction.delete(meta, key: Keys.rebuildProgress)
        } else {
            try transaction.put(meta, key: Keys.rebuildProgress, value: [target] + Keys.bigEndian(last))
        }
        return (checkpoint, last, head)
    }
}

/// What a rebuild did.
public struct RebuildReport: Sendable {
    public var eventsApplied: UInt64 = 0
    public var resumedFrom: UInt64?
    public var generation: UInt8 = 0
    public var head: UInt64 = 0
}

extension Ledger {
    /// Rebuilds the accumulators from sequence 1 into the spare generation while the live one keeps
    /// serving readers and appenders, then switches in the transaction that catches up with the head.
    ///
    /// Progress is committed with each chunk, so a rebuild killed half-way resumes from its
    /// checkpoint. A second rebuild of the same ledger at the same time is refused.
    /// - Throws: ``LedgerError/busy(_:)`` when another rebuild holds the ledger.
    public func rebuildProjections(chunkEvents: Int = 20_000, progress: ((UInt64, UInt64) -> Void)? = nil)
        throws(LedgerError) -> RebuildReport
    {
        try rebuildProjections(chunkEvents: chunkEvents, stoppingAfterChunks: nil, progress: progress)
    }

    /// `stoppingAfterChunks` leaves the rebuild half-done, as a killed process would (for tests).
    func rebuildProjections(chunkEvents: Int, stoppingAfterChunks: Int?, progress: ((UInt64, UInt64) -> Void)?)
        throws(LedgerError) -> RebuildReport
    {
        let lock = Glibc.open(environment.path + "/rebuild.lock", O_CREAT | O_RDWR, 0o644)
        guard lock >= 0 else { throw .storage(StorageError(code: errno, operation: "open rebuild.lock")) }
        defer { Glibc.close(lock) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            throw .busy("another rebuild of this ledger is running; it holds \(environment.path)/rebuild.lock")
        }
        var report = RebuildReport()
        do {
            // Retry-safe: the closures change nothing outside their transaction; what they found is
            // taken only once the transaction has committed.
            let (target, initialCheckpoint, resumed) = try environment.write(retrySafe: true) { transaction -> (UInt8, UInt64, Bool) in
                if let bytes = try transaction.get(meta, key: Keys.rebuildProgress), bytes.count == 9 {
                    return (bytes[0], Keys.uint64(bytes, at: 1), true)
                }
                let live = try liveAccumulators(in: transaction)
                let target: UInt8 = live == accumulators0 ? 1 : 0
                try transaction.clear(target == 0 ? accumulators0 : accumulators1)
                try transaction.put(meta, key: Keys.rebuildProgress, value: [target] + Keys.bigEndian(UInt64(0)))
                return (target, 0, false)
            }
            if resumed { report.resumedFrom = initialCheckpoint }
            report.generation = target
            var checkpoint = initialCheckpoint
            let database = target == 0 ? accumulators0 : accumulators1
            var chunks = 0
            while true {
                if let stoppingAfterChunks, chunks >= stoppingAfterChunks { return report }
                chunks += 1
                let chunk = try environment.write(retrySafe: true) { transaction in
                    try rebuildChunk(from: checkpoint, events: chunkEvents, target: target, into: database, in: transaction)
                }
                // Only now, committed, does the checkpoint move: a chunk whose transaction failed
                // is done again from where the last committed one ended.
                checkpoint = chunk.last
                report.head = chunk.head
                report.eventsApplied += chunk.last - chunk.first
                progress?(checkpoint, report.head)
                if chunk.last == chunk.head { break }
            }
            try environment.write(retrySafe: true) { transaction in
                try transaction.clear(target == 0 ? accumulators1 : accumulators0)
            }
        } catch {
            throw Ledger.wrap(error)
        }
        return report
    }
}

/// Where the projection stands, for operations.
public struct ProjectionStatus: Sendable {
    public let head: UInt64
    public let liveGeneration: UInt8
    public let checkpoint: UInt64
    /// A rebuild under way (or stopped): its target generation and last sequence applied.
    public let rebuild: (generation: UInt8, sequence: UInt64)?
}

extension Ledger {
    public func projectionStatus() throws(LedgerError) -> ProjectionStatus {
        try read { transaction in
            let live = try liveAccumulators(in: transaction) == accumulators0 ? UInt8(0) : 1
            var rebuild: (UInt8, UInt64)?
            if let bytes = try transaction.get(meta, key: Keys.rebuildProgress), bytes.count == 9 {
                rebuild = (bytes[0], Keys.uint64(bytes, at: 1))
            }
            return ProjectionStatus(head: try head(in: transaction).sequence, liveGeneration: live,
                                    checkpoint: try projectionCheckpoint(in: transaction), rebuild: rebuild)
        }
    }
}
