import Dispatch
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
        // The chunk's events are read and decoded on the second core while this thread folds the
        // pieces before them; it is stopped and waited for however this chunk ends.
        let decoded = DecodedLog(ledger: self, after: checkpoint, through: last)
        defer { decoded.stop() }
        var piece = 0
        while let folded = try decoded.piece(piece, helpingIn: transaction) {
            try projector.apply(folded)
            decoded.recycle(consume folded)
            piece += 1
        }
        try projector.store.flush()
        try recordRebuild(target: target, through: last, head: head, in: transaction)
        return (checkpoint, last, head)
    }

    /// Records that generation `target` holds the fold of the log through `last`: the progress, or,
    /// caught up with the head, the switch to it.
    private func recordRebuild(target: UInt8, through last: UInt64, head: UInt64, in transaction: Transaction) throws {
        if last == head {
            try transaction.put(meta, key: Keys.projectionGeneration, value: [target])
            try transaction.put(meta, key: Keys.projectionCheckpoint, value: Keys.bigEndian(head))
            try transaction.delete(meta, key: Keys.rebuildProgress)
        } else {
            try transaction.put(meta, key: Keys.rebuildProgress, value: [target] + Keys.bigEndian(last))
        }
    }

    /// The first part of a rebuild into an empty generation: folds the log from sequence 1 in
    /// memory, in a read snapshot (appenders and readers go on meanwhile), as far as
    /// `personYears` accumulators fit, then writes them in one short write transaction, in key
    /// order, each at the end of the database (`MDB_APPEND`: pages filled full, none read back).
    /// A rebuild folded in chunks instead reads back and rewrites, at a random place, each
    /// person-year its chunk touches.
    ///
    /// Stops at the end of a piece of the log once the fold holds `personYears` accumulators, so its
    /// memory is bounded; the chunks go on from there. Killed before its write transaction commits,
    /// it leaves the generation empty and the progress at 0, and a rebuild started again folds anew.
    func rebuildInMemory(target: UInt8, into database: Database, personYears: Int, progress: ((UInt64, UInt64) -> Void)?)
        throws -> (last: UInt64, head: UInt64)
    {
        let (last, store) = try read { transaction throws -> (UInt64, MemoryAccumulatorStore) in
            let head = try head(in: transaction).sequence
            var projector = Projector(ledger: self, transaction: transaction, store: MemoryAccumulatorStore())
            // The ids are filled in as the accumulators are written, in the order of `personNumbers`.
            projector.personIDsLater = true
            let perPiece: UInt64 = 4_096
            // Its own snapshot, begun while this one is open, holds at least this one's log; it reads no further.
            let decoded = DecodedLog(ledger: self, after: 0, through: head, eventsPerPiece: Int(perPiece))
            defer { decoded.stop() }
            var piece = 0
            var last: UInt64 = 0
            while let folded = try decoded.piece(piece, helpingIn: transaction) {
                try projector.apply(folded)
                decoded.recycle(consume folded)
                piece += 1
                last = min(head, UInt64(piece) * perPiece)
                progress?(last, head)
                if projector.store.count >= personYears { break }
            }
            return (last, projector.store)
        }
        return try environment.write(retrySafe: true) { transaction in
            guard try transaction.count(database) == 0 else {
                throw LedgerError.damaged(sequence: nil, reason: "the spare generation \(database.name) is not empty at the start of a rebuild")
            }
            try write(store, into: database, in: transaction)
            let head = try head(in: transaction).sequence
            try recordRebuild(target: target, through: last, head: head, in: transaction)
            return (last, head)
        }
    }

    /// Writes `store`'s accumulators into the empty `database`, in key order, at the end of it
    /// (`MDB_APPEND`). One that holds its person's id is encoded where it lies; one made without it
    /// (``Projector/personIDsLater``: every one of a record that holds its person's number) is
    /// encoded with the id `personNumbers` holds for its number (``PersonIDs``).
    ///
    /// The second core encodes the later keys into one buffer, from a snapshot of its own (the
    /// same `personNumbers`: a rebuild writes none), while this thread encodes and appends the
    /// earlier ones; then this thread appends what the second core encoded. Appending alone costs
    /// this thread about half what encoding and appending cost it, hence the split: the two
    /// threads' parts take about as long.
    private func write(_ store: MemoryAccumulatorStore, into database: Database, in transaction: Transaction) throws {
        let order = store.positionsInKeyOrder
        let split = order.count / 3
        let later = EncodedAccumulators()
        let encoded = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { [self] in
            defer { encoded.signal() }
            do {
                try read { snapshot in
                    try snapshot.withCursor(personNumbers) { cursor in
                        var ids = try PersonIDs(cursor, from: store.key(at: order[split...].first))
                        try store.forEach(at: order[split...]) { key, stored in try later.append(stored, of: key, ids: &ids) }
                    }
                }
            } catch {
                later.failure = error
            }
        }
        // The second core's part is waited for however this one ends: it reads `store` and a snapshot.
        var waited = false
        defer { if !waited { encoded.wait() } }
        let scratch = EncodedAccumulators()
        try transaction.withCursor(personNumbers) { cursor in
            var ids = try PersonIDs(cursor, from: store.key(at: order.first))
            try transaction.withCursor(database) { appender in
                try store.forEach(at: order[..<split]) { key, stored in
                    scratch.removeAll()
                    try scratch.append(stored, of: key, ids: &ids)
                    try scratch.withEntry(0) { try appender.append(key: $0, value: $1) }
                }
                encoded.wait()
                waited = true
                if let failure = later.failure { throw failure }
                for index in 0..<later.count {
                    try later.withEntry(index) { try appender.append(key: $0, value: $1) }
                }
            }
        }
    }
}

/// Finds the ids of ascending person numbers (the order of the accumulators' keys) with one cursor
/// of `personNumbers` moving forward.
private struct PersonIDs {
    let cursor: Cursor
    /// The entry the cursor is at, its id copied out: the cursor's bytes are not held across the
    /// appends to another database.
    var number: UInt32?
    var id: [UInt8] = []

    /// Starts at the person of `first`, the first key whose person is asked for (nil: none is).
    init(_ cursor: Cursor, from first: AccumulatorKey?) throws {
        self.cursor = cursor
        try take(try first.flatMap { try cursor.seek(atLeast: Keys.bigEndian($0.person)) })
    }

    private mutating func take(_ entry: Entry?) throws {
        guard let entry else {
            number = nil
            return
        }
        guard entry.key.count == 4 else {
            throw LedgerError.damaged(sequence: nil, reason: "a key of personNumbers is \(entry.key.count) bytes, not 4")
        }
        number = Keys.uint32(entry.key)
        id.removeAll(keepingCapacity: true)
        id.append(contentsOf: entry.value)
    }

    /// Calls `body` with the UTF-8 bytes of the id of person `wanted`, which is not below any asked before.
    mutating func withID<T>(of wanted: UInt32, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        while let number, number < wanted { try take(cursor.next()) }
        guard number == wanted else { throw LedgerError.noPersonID(wanted, while: "writing the accumulators of a rebuild") }
        return try id.withUnsafeBytes(body)
    }
}

/// Accumulators encoded one after another into one buffer, with their keys: a part of a
/// rebuild's write, encoded on one thread and appended on another (which reads it only once the
/// first has finished with it).
private final class EncodedAccumulators: @unchecked Sendable {
    private var keys: [AccumulatorKey] = []
    /// Where each one's bytes end in `bytes`.
    private var ends: [Int] = []
    private var bytes: UnsafeMutablePointer<UInt8>
    private var capacity = 4_096
    private var used = 0
    /// What stopped the encoding, if anything did.
    var failure: Error?

    init() { bytes = .allocate(capacity: capacity) }

    deinit { bytes.deallocate() }

    var count: Int { keys.count }

    func removeAll() {
        keys.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        used = 0
    }

    /// Encodes the accumulator at `stored`, of `key`, after the ones before it.
    func append(_ stored: UnsafePointer<Accumulator>, of key: AccumulatorKey, ids: inout PersonIDs) throws {
        if stored.pointee.person.isEmpty {
            try ids.withID(of: key.person) { id in
                reserve(Accumulator.encodedCapacity(personBytes: id.count))
                var writer = Varints.Writer(bytes + used)
                stored.pointee.write(to: &writer, person: id)
                used += writer.count
            }
        } else {
            reserve(stored.pointee.encodedCapacity)
            var writer = Varints.Writer(bytes + used)
            stored.pointee.write(to: &writer)
            used += writer.count
        }
        keys.append(key)
        ends.append(used)
    }

    /// Calls `body` with the stored key and value of entry `index`.
    func withEntry(_ index: Int, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        let start = index == 0 ? 0 : ends[index - 1]
        let value = UnsafeRawBufferPointer(start: bytes + start, count: ends[index] - start)
        try keys[index].withBytes { try body($0, value) }
    }

    /// Room for `extra` more bytes.
    private func reserve(_ extra: Int) {
        guard used + extra > capacity else { return }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity * 2, used + extra))
        grown.initialize(from: bytes, count: used)
        bytes.deallocate()
        bytes = grown
        capacity = max(capacity * 2, used + extra)
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
    ///
    /// From sequence 1 it first folds in memory, from a read snapshot, as much of the log as
    /// `rebuildPersonYearsInMemory` accumulators hold (``rebuildInMemory(target:into:personYears:progress:)``),
    /// and writes that in key order; the chunks of `chunkEvents` take it from there to the head.
    public func rebuildProjections(chunkEvents: Int = 20_000, progress: ((UInt64, UInt64) -> Void)? = nil)
        throws(LedgerError) -> RebuildReport
    {
        try rebuildProjections(chunkEvents: chunkEvents, stoppingAfterChunks: nil, progress: progress)
    }

    /// At most this many accumulators are folded in memory at the start of a rebuild, about 0.3 KB
    /// each (``MemoryAccumulatorStore``: the accumulator and its link; its person's id is filled in
    /// as it is written, but for a record without the person's number), so the fold holds at most
    /// about 0.4 GB: every person-year of a city of 1.2 M persons over a year. Its write adds the
    /// second core's buffer of two thirds of them encoded, about 60 bytes each (``EncodedAccumulators``).
    static let rebuildPersonYearsInMemory = 1_200_000

    /// `stoppingAfterChunks` leaves the rebuild half-done, as a killed process would (for tests); the
    /// fold in memory counts as one chunk. `personYearsInMemory` 0 rebuilds in chunks only.
    func rebuildProjections(chunkEvents: Int, stoppingAfterChunks: Int?, personYearsInMemory: Int = Ledger.rebuildPersonYearsInMemory,
                            progress: ((UInt64, UInt64) -> Void)?) throws(LedgerError) -> RebuildReport
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
            var caughtUp = false
            if checkpoint == 0 && personYearsInMemory > 0 && stoppingAfterChunks.map({ $0 > 0 }) ?? true {
                chunks += 1
                let folded = try rebuildInMemory(target: target, into: database, personYears: personYearsInMemory, progress: progress)
                checkpoint = folded.last
                report.head = folded.head
                report.eventsApplied += folded.last
                caughtUp = folded.last == folded.head
            }
            while !caughtUp {
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
                caughtUp = chunk.last == chunk.head
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

/// The events a projection folds in sequences `after + 1 ... through`, decoded in pieces taken in
/// order: a rebuild folds piece k while piece k + 1 is being decoded on the second core. Only what
/// the fold reads is decoded: the types it folds, each as a `FoldedEvent` straight from its record,
/// with the ids of the few that have any, in a `FoldedPiece` (no `Event`, source, hash or string of
/// an id the fold does not need is built).
///
/// The folding thread helps: when the piece it asks for is not ready, it decodes the next piece
/// nobody has begun, in its own transaction, rather than wait. So the work is shared between the
/// two cores whichever side is the heavier, rather than bound by the decoding alone. Should the
/// second core stop at a failure (a damaged record, or no reader slot left for its snapshot), the
/// folding thread decodes what is left itself, and a damaged record fails the fold there.
///
/// The second core's snapshot is begun after the rebuild's transaction, so it holds at least that
/// transaction's log (the log only grows), and it reads no further than `through`, which that
/// transaction holds: both decode the same records.
final class DecodedLog: @unchecked Sendable {
    // @unchecked Sendable: `pieces`, `claimed`, `decoded`, `failure`, `stopping` and `stopped` are
    // behind `lock`; each piece's semaphore orders its write (by whichever thread decoded it) before any read.
    private let ledger: Ledger
    private let first: UInt64
    private let last: UInt64
    private let perPiece: UInt64
    private let count: Int
    private let done: [DispatchSemaphore]
    private let lock = LedgerStorage.Mutex()
    private var pieces: [FoldedPiece?]
    /// Pieces folded and handed back (``recycle(_:)``), whose memory the next piece decoded takes:
    /// a piece is a few hundred kilobytes, and one allocated afresh each time is faulted in afresh.
    private var spare: [FoldedPiece] = []
    private var failure: LedgerError?
    private var stopping = false
    /// Pieces begun, by either thread: each is claimed once, in order.
    private var claimed = 0
    /// Pieces decoded so far (for tests of the bound on running ahead).
    private var decoded = 0
    private let finished = DispatchSemaphore(value: 0)
    private var stopped = false
    private let onSecondCore: Bool
    /// Room for the pieces decoded ahead of the fold: a piece is begun only with a token, and each
    /// piece taken gives one back, so a fold of a whole log holds a few pieces, not the log.
    private let ahead = DispatchSemaphore(value: 0)
    static let piecesAhead = 4

    /// `onSecondCore` false decodes nothing but what the folding thread decodes as it helps (for tests).
    init(ledger: Ledger, after first: UInt64, through last: UInt64, eventsPerPiece: Int = 4_096, onSecondCore: Bool = true) {
        self.ledger = ledger
        self.onSecondCore = onSecondCore
        self.first = first
        self.last = last
        perPiece = UInt64(max(1, eventsPerPiece))
        count = last > first ? Int((last - first + perPiece - 1) / perPiece) : 0
        done = (0..<count).map { _ in DispatchSemaphore(value: 0) }
        pieces = Array(repeating: nil, count: count)
        // Signalled up from 0 rather than made with a value: libdispatch refuses to free a semaphore
        // left below the value it was made with.
        for _ in 0..<DecodedLog.piecesAhead { ahead.signal() }
        guard onSecondCore else {
            finished.signal()
            return
        }
        DispatchQueue.global().async { [self] in
            defer { finished.signal() }
            if lock.withLock({ stopping }) { return }
            do {
                try ledger.read { transaction in
                    while true {
                        ahead.wait()
                        guard let piece = claim() else { return }
                        try decode(piece, in: transaction)
                    }
                }
            } catch {
                // Every piece not yet decoded carries the failure to the folding thread, which
                // decodes them itself when it can; this thread does nothing more.
                lock.withLock { failure = Ledger.wrap(error) }
                for semaphore in done { semaphore.signal() }
            }
        }
    }

    /// The next piece nobody has begun, now the caller's; nil when there is none or the log is stopping.
    private func claim() -> Int? {
        lock.withLock {
            guard !stopping, claimed < count else { return nil }
            claimed += 1
            return claimed - 1
        }
    }

    /// Decodes piece `index` with a cursor of `transaction` and hands it over.
    private func decode(_ index: Int, in transaction: Transaction) throws {
        let start = first + UInt64(index) * perPiece
        let end = min(last, start + perPiece)
        var piece = lock.withLock { spare.popLast() } ?? FoldedPiece()
        piece.removeAll()
        piece.events.reserveCapacity(Int(end - start))
        try transaction.withCursor(ledger.log) { cursor in
            var entry = try cursor.seek(atLeast: Keys.log(start + 1))
            var sequence = start
            while sequence < end {
                sequence += 1
                guard let current = entry, try Keys.stored(current.key, "a log key") == sequence else {
                    throw LedgerError.damaged(sequence: sequence, reason: "the log has a gap")
                }
                // The next record is found first and its bytes asked for, so they are on their way
                // while this one is decoded; a failure to step is reported after this record's own.
                let step: Result<Entry?, StorageError> = sequence < end ? Result { () throws(StorageError) in try cursor.next() } : .success(nil)
                if case .success(let next?) = step, let address = next.value.baseAddress {
                    Prefetch.linesToRead(at: address, bytes: min(next.value.count, 512))
                    // LMDB fills a leaf page's nodes from its end down, so in a log appended in
                    // sequence order the record after that one lies just below it: the bytes below,
                    // within the same 4 KiB page, are asked for too, for the cursor's next step.
                    let offset = Int(UInt(bitPattern: address) & 4_095)
                    let below = min(offset, 384)
                    if below > 0 { Prefetch.linesToRead(at: address - below, bytes: below) }
                }
                do throws(DecodeError) {
                    _ = try EventCodec.decodeFolded(current.value, folds: ProjectionInputs.folds, appendingTo: &piece)
                } catch {
                    throw LedgerError.damaged(sequence: sequence, reason: error.description)
                }
                entry = try step.get()
            }
        }
        lock.withLock { pieces[index] = piece; decoded += 1 }
        done[index].signal()
    }

    /// Piece `index` once decoded, or nil past the last. Each piece is taken once, in order.
    ///
    /// With `transaction` (one that holds the range), while the piece is not ready the caller
    /// decodes pieces nobody has begun, as far as the room ahead allows, instead of waiting, and
    /// a piece the second core failed to decode. Without one, a log that decodes nothing on the
    /// second core could never give a piece: that is refused.
    /// - Throws: ``LedgerError/damaged(sequence:reason:)`` for a gap or a record that does not decode.
    func piece(_ index: Int, helpingIn transaction: Transaction? = nil) throws(LedgerError) -> FoldedPiece? {
        precondition(onSecondCore || transaction != nil, "a log decoded by the folding thread alone needs its transaction")
        guard index < count else { return nil }
        var signalled = false
        if let transaction {
            while true {
                if done[index].wait(timeout: .now()) == .success {
                    signalled = true
                    break
                }
                guard ahead.wait(timeout: .now()) == .success else { break }
                guard let piece = claim() else {
                    ahead.signal()
                    break
                }
                do { try decode(piece, in: transaction) } catch { throw Ledger.wrap(error) }
            }
        }
        if !signalled { done[index].wait() }
        func take() -> (FoldedPiece?, LedgerError?) {
            lock.withLock {
                defer { pieces[index] = nil }
                return (pieces[index], self.failure)
            }
        }
        var (events, failure) = take()
        if events == nil, failure != nil, let transaction {
            // The second core has stopped: this piece is the folding thread's to decode.
            do { try decode(index, in: transaction) } catch { throw Ledger.wrap(error) }
            (events, failure) = take()
        }
        ahead.signal()
        if let events { return events }
        throw failure ?? .damaged(sequence: nil, reason: "a piece of the log was not decoded")
    }

    /// Hands back a piece taken and folded, so that its memory holds a later piece.
    func recycle(_ piece: FoldedPiece) {
        lock.withLock {
            if spare.count < DecodedLog.piecesAhead + 2 { spare.append(piece) }
        }
    }

    /// Pieces decoded so far, taken or not.
    var decodedCount: Int { lock.withLock { decoded } }

    /// Whether the second core stopped at a failure (for tests).
    var secondCoreFailed: Bool { lock.withLock { failure != nil } }

    /// Stops the decoding after the piece under way and waits for it to end: the read snapshot is
    /// over when this returns. Once; a second call does nothing.
    func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopping = true; stopped = true }
            return !stopped
        }
        guard first else { return }
        ahead.signal()  // a decoding waiting for room wakes to stop
        finished.wait()
    }
}
