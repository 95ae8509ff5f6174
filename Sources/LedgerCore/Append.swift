import LedgerModel
import LedgerRules
import LedgerStorage

/// What an append did.
public struct AppendSummary: Sendable {
    /// Input events appended.
    public var appended = 0
    /// Decision events the ledger wrote with them.
    public var decisions = 0
    /// Lines that repeated an event already in the ledger (same source, same content): no-ops.
    public var duplicates = 0
    /// The first sequence written, when anything was.
    public var firstSequence: UInt64?
    public var head = Head.empty
    /// The stream versions after the batch of the persons the caller asked for, read in the
    /// transaction that wrote it: what `If-Match` names for each one's next append.
    public var versions: [String: UInt32] = [:]
    /// Histories folded a piece ahead on another core and adopted by the engine (item 47).
    var historiesFoldedAhead = 0
}

extension Ledger {
    /// Records reads in one durable transaction, in the order given, at the time `clock` gives once
    /// the write transaction holds the ledger. A record whose person the ledger does not know (or
    /// that was merged away) is not written and is returned in `skipped`: a read of nothing leaves
    /// nothing in a stream.
    public func recordAccesses(_ records: [AccessRecord], clock: () -> Timestamp)
        throws(LedgerError) -> (head: Head, skipped: [AccessRecord])
    {
        var events: [Event] = []
        for record in records {
            events.append(Event(type: .accessRecorded, source: nil, person: record.person, fields: [
                .reader: .text(String(record.reader.prefix(64))), .role: record.role.symbol,
                .route: .text(AccessRecord.clipped(record.route)),
            ]))
        }
        do {
            // Retry-safe: every effect is in the transaction; the clock is read again.
            return try environment.write(retrySafe: true) { transaction in
                // A server's clock may lag a history loaded with its own times: a read is then
                // stamped at the head's time, never before it.
                var appender = try Appender(ledger: self, transaction: transaction, recordedAt: clock(), raisingToHead: true)
                var skipped: [AccessRecord] = []
                for (record, event) in zip(records, events) {
                    guard try appender.stateProblems(of: event, line: 0).isEmpty else {
                        skipped.append(record)
                        continue
                    }
                    try appender.write(event, sequence: appender.head.sequence + 1, recordedAt: appender.recordedAt)
                }
                try appender.finish()
                return (appender.head, skipped)
            }
        } catch {
            throw Ledger.wrap(error)
        }
    }

    /// Appends a checked batch in one write transaction: all of it, or — when any line is refused —
    /// none of it, with every refused line named.
    ///
    /// ```swift
    /// let summary = try ledger.append(submissions, recordedAt: Timestamp(millisecondsSinceEpoch: now))
    /// ```
    /// - Parameters:
    ///   - recordedAt: the time the ledger assigns to every event of the batch; a time earlier than
    ///     the head's is refused (``LedgerError/timeBeforeHead(requested:head:)``), so recorded times
    ///     never go backwards and none is moved silently.
    ///   - expectedVersions: per person, the stream version the caller read.
    /// - Throws: ``LedgerError/refused(_:)`` listing every problem, ``LedgerError/wrongStreamVersion(person:expected:actual:)``,
    ///   ``LedgerError/storage(_:)``. On every throw the ledger is exactly as it was.
    ///   - reportingVersionsOf: persons whose stream versions after the batch the summary carries.
    ///   - progress: called every 16 384 lines with (lines done, lines in the batch), for long batches.
    public func append(
        _ submissions: [Submission], recordedAt: Timestamp, expectedVersions: [String: UInt32] = [:],
        reportingVersionsOf reported: Set<String> = [], progress: ((Int, Int) -> Void)? = nil
    ) throws(LedgerError) -> AppendSummary {
        try append(submissions, clock: { recordedAt }, expectedVersions: expectedVersions, reportingVersionsOf: reported,
                   progress: progress)
    }

    /// Appends a batch recorded at the time `clock` gives once the write transaction holds the
    /// ledger: a live server's "now", read after any writer before it has committed, so that a
    /// batch that waited for the lock is not refused as earlier than what committed meanwhile.
    public func append(
        _ submissions: [Submission], clock: () -> Timestamp, expectedVersions: [String: UInt32] = [:],
        reportingVersionsOf reported: Set<String> = [], progress: ((Int, Int) -> Void)? = nil
    ) throws(LedgerError) -> AppendSummary {
        try append(pieces: { $0 == 0 ? submissions : nil }, lines: submissions.count, clock: clock,
                   expectedVersions: expectedVersions, reportingVersionsOf: reported, progress: progress)
    }

    /// Appends a batch that arrives in pieces, in one write transaction, all or nothing as
    /// ``append(_:recordedAt:expectedVersions:reportingVersionsOf:progress:)``. When the first
    /// piece holds no policy and at least one line in eight of it reads a history the engine does
    /// not hold, piece k + 1 is taken before piece k is appended, and the histories its lines read
    /// are folded on another core meanwhile (``HistoryPrefolder``); otherwise piece k + 1 is taken
    /// after piece k, and its reader may be checking it meanwhile.
    ///
    /// - Parameters:
    ///   - pieces: piece `index` (from 0), or nil past the last; it may be called one piece ahead
    ///     of the one appended. Called again from 0 when the transaction is run again (the map grew), so it
    ///     must give the same pieces again. What it throws refuses the batch: nothing is written.
    ///   - lines: the lines of the whole batch, for `progress`.
    public func append(
        pieces: (Int) throws -> [Submission]?, lines: Int, clock: () -> Timestamp,
        expectedVersions: [String: UInt32] = [:], reportingVersionsOf reported: Set<String> = [],
        progress: ((Int, Int) -> Void)? = nil
    ) throws(LedgerError) -> AppendSummary {
        // The warm histories, taken once under the writer's lock and handed to the run's engine, which
        // folds into them in place (no copy: a single claim must not copy a city's histories). A run
        // that fails (a full map run again, a refused batch) hands back what it did not touch: the
        // histories of the persons it folded or changed are dropped, to be folded again from the log.
        var carried: WarmHistories?
        var tookWarm = false
        do {
            // Retry-safe: every effect is in the transaction; a second run reads the clock again.
            let (summary, histories) = try environment.write(retrySafe: true) { transaction in
                if !tookWarm {
                    carried = warmHistories.withLock { warm in
                        defer { warm = nil }
                        return warm
                    }
                    tookWarm = true
                }
                var appender = try Appender(ledger: self, transaction: transaction, recordedAt: clock(), warm: carried)
                carried = nil
                let start = appender.head
                do {
                    return try appendRun(&appender, pieces: pieces, lines: lines, expectedVersions: expectedVersions,
                                         reported: reported, progress: progress, in: transaction)
                } catch {
                    carried = WarmHistories(head: start, histories: appender.engine.takeUntouchedHistories())
                    throw error
                }
            }
            // Committed: the histories are those of the new head.
            warmHistories.withLock { $0 = WarmHistories(head: summary.head, histories: histories) }
            return summary
        } catch {
            // Nothing was written: what the failed run did not touch is of the head still, unless
            // another append has left newer histories meanwhile.
            if let carried { warmHistories.withLock { if $0 == nil { $0 = carried } } }
            throw Ledger.wrap(error)
        }
    }

    /// One run of ``append(pieces:lines:clock:expectedVersions:reportingVersionsOf:progress:)`` in its transaction.
    private func appendRun(
        _ appender: inout Appender, pieces: (Int) throws -> [Submission]?, lines: Int, expectedVersions: [String: UInt32],
        reported: Set<String>, progress: ((Int, Int) -> Void)?, in transaction: Transaction
    ) throws -> (AppendSummary, HistoryCache) {
        for (person, expected) in expectedVersions.sorted(by: { $0.key < $1.key }) {
            let actual = try personEntry(person, in: transaction)?.version ?? 0
            guard try onlyReads(of: person, after: expected, upTo: actual, in: transaction) else {
                throw LedgerError.wrongStreamVersion(person: person, expected: expected, actual: actual)
            }
        }
        var problems: [LineProblem] = []
        var done = 0
        var index = 0
        // Where the first piece shows that the batch's lines read histories the engine does not
        // hold (and holds no policy), each next piece is taken before the one at hand is appended,
        // so that those histories are folded on another core meanwhile (``HistoryPrefolder``).
        // Elsewhere the pieces are taken as they come: taking one ahead costs the wait for its
        // check.
        let prefolder = HistoryPrefolder(ledger: self, head: appender.head.sequence)
        defer { prefolder.finish() }
        var current = try pieces(0)
        let foldingAhead = current.map { first in HistoryPrefolder.worthFolding(first, held: { appender.engine.holds($0) }) } ?? false
        if foldingAhead, let first = current { prefolder.note(first) }
        var ahead: [Submission]?
        while let piece = current {
            if foldingAhead {
                ahead = try pieces(index + 1)
                if let ahead { prefolder.plan(ahead, index: index + 1, held: { appender.engine.holds($0) }) }
                if index > 0 { appender.summary.historiesFoldedAhead += appender.engine.adopt(prefolder.take(index)) }
            }
            for submission in piece {
                problems += try appender.submit(submission)
                done += 1
                if done & 0x3FFF == 0 { progress?(done, lines) }
            }
            current = foldingAhead ? ahead : try pieces(index + 1)
            index += 1
        }
        progress?(done, lines)
        guard problems.isEmpty else { throw LedgerError.refused(problems) }
        try appender.finish()
        for person in reported {
            if let entry = try personEntry(person, in: transaction) { appender.summary.versions[person] = entry.version }
        }
        return (appender.summary, appender.engine.takeHistories())
    }

    /// Appends a batch checked piece by piece on another core (``BatchPieces``), all or nothing:
    /// a bad line anywhere in it refuses the whole batch with every problem, and nothing is written.
    public func append(
        _ batch: BatchPieces, clock: () -> Timestamp, progress: ((Int, Int) -> Void)? = nil
    ) throws(LedgerError) -> AppendSummary {
        try append(pieces: { index in
            do throws(BatchRefused) { return try batch.piece(index) } catch { throw LedgerError.refused(error.problems) }
        }, lines: batch.submissionCount, clock: clock, progress: progress)
    }

    /// Appends events to one person's stream if, and only if, it is still at `expectedVersion`.
    public func append(
        to person: String, expectedVersion: UInt32, events: [Event], recordedAt: Timestamp
    ) throws(LedgerError) -> AppendSummary {
        let submissions = events.enumerated().map { Submission(line: $0.offset + 1, event: $0.element) }
        return try append(submissions, recordedAt: recordedAt, expectedVersions: [person: expectedVersion])
    }
}

/// One read of a person's data, to be recorded as `access.recorded`.
public struct AccessRecord: Hashable, Sendable {
    public let person: String
    public let reader: String
    public let role: Role
    /// The request as read: method, path and query, and how it was answered when not 200.
    public let route: String

    public init(person: String, reader: String, role: Role, route: String) {
        self.person = person
        self.reader = reader
        self.role = role
        self.route = route
    }

    /// At most the 256 bytes a route may hold, cut at a character boundary.
    static func clipped(_ route: String) -> String {
        var clipped = ""
        var bytes = 0
        for character in route {
            bytes += character.utf8.count
            if bytes > 256 { break }
            clipped.append(character)
        }
        return clipped.isEmpty ? "-" : clipped
    }
}

extension Ledger {
    /// Whether the person's stream, at version `actual`, holds nothing but access records after
    /// version `expected`: a read between a reader's snapshot and its append changes no fact, so
    /// `If-Match` ignores it. Looks at most 4 096 entries back; past that the stream has changed.
    func onlyReads(of person: String, after expected: UInt32, upTo actual: UInt32, in transaction: Transaction) throws -> Bool {
        if actual == expected { return true }
        guard actual > expected, actual - expected <= 4_096, let entry = try personEntry(person, in: transaction),
            entry.version == actual
        else { return false }
        var newer = actual - expected
        var onlyReads = true
        try walkStream(of: entry, in: transaction) { sequence, record in
            guard try event(at: sequence, record: record, in: transaction).event.type == .accessRecorded else {
                onlyReads = false
                return false
            }
            newer -= 1
            return newer > 0
        }
        return onlyReads && newer == 0
    }
}

/// The `persons` entries an append transaction has moved and not yet written. A person's stream
/// is walked back from the newest sequence its entry holds, so a history folded from the log in the
/// transaction must start from the entry moved here, not from the stored one.
final class PendingPersonEntries {
    var entries: [String: PersonEntry] = [:]
    /// The entry the appender looked up last, as it is now: a line's checks, its write and its
    /// decisions' writes each ask for their person's entry. The write of an event sets it again
    /// for the event's person, and clears it for a registration or a merge (whose survivor's entry
    /// moves too: the merge's indexing reads the survivor's entry before it moves it, and nothing
    /// reads this between that and the clearing).
    var last: (person: String, entry: PersonEntry?)?
}

/// The state of one write transaction of appends.
struct Appender {
    let ledger: Ledger
    let transaction: Transaction
    let streamLinks: Database
    /// `chain`, which gets the hash of every ``Ledger/chainInterval``-th event.
    let chain: Database
    /// `sourceKeys`, `claims` and `personYears` are each looked up at a key and then written at it: through
    /// a cursor, the write starts where the look-up ended rather than searching the tree again.
    let sourceIndex: Cursor
    let sourceKeys: SourceKeys
    let claimIndex: Cursor
    let personYearIndex: Cursor
    let recordedAt: Timestamp
    /// The record version of a line without a stamp: this build's, but for a new ledger's default
    /// parameters made for an export that an older build began (``Ledger/recordVersion(reproducingFirst:)``).
    var recordVersion = EventCodec.formatVersion
    /// The oldest record version a stamped line may still be in. A log holds records of one version
    /// before those of a later one, never after, so the versions a stamp is tried in start here
    /// (``version(reproducing:of:)``), and once one reproduces in this build's version no later line
    /// is encoded a second time.
    var oldestStampVersion: UInt8 = 1
    var head: Head
    var counts: [UInt64]
    var nextPersonNumber: UInt32
    var engine: DecisionEngine
    var projector: Projector<ChunkAccumulatorStore>
    var summary = AppendSummary()
    /// The sequence and hash of each of the last ``Ledger/chainInterval`` events written, at its
    /// sequence modulo the interval: an export's decision lines stamp the decisions just written.
    private var recentHashes = Array(repeating: (sequence: UInt64(0), hash: [UInt8]()), count: Int(Ledger.chainInterval))
    /// Persons whose stream moved in this transaction, not yet written to `persons`: each is
    /// written once, in key order, by ``finish()``. Only the version and the newest sequence wait; a
    /// registration or a merge, which other readers of the transaction must see (a number, a
    /// survivor), is written at once. The decision engine reads them too (``DecisionEngine/pending``).
    private let pending = PendingPersonEntries()

    static let countSlots = 64

    /// - Parameter warm: the histories the last committed append left (``Ledger/warmHistories``),
    ///   used when they are of this head; the engine folds into them in place.
    /// - Parameter raisingToHead: record at the head's time when `recordedAt` is earlier, instead
    ///   of refusing; only for what the ledger writes of itself on a live clock (access records).
    init(ledger: Ledger, transaction: Transaction, recordedAt: Timestamp, warm: WarmHistories? = nil, raisingToHead: Bool = false) throws {
        self.ledger = ledger
        self.transaction = transaction
        // A writable open upgrades a ledger of an older format; only one opened read-only is still in it.
        guard case .links(let streamLinks) = ledger.streamIndex, case .numbered = ledger.sourceIndex, let chain = ledger.checkpoints else {
            throw LedgerError.unsupportedFormat(found: "caseledger \(ledger.format), opened read-only: a writable open upgrades it")
        }
        self.streamLinks = streamLinks
        self.chain = chain
        sourceKeys = SourceKeys(ledger.sourceIndex, transaction: transaction)
        sourceIndex = try transaction.cursorForTransaction(ledger.sourceIndex.database)
        claimIndex = try transaction.cursorForTransaction(ledger.claims)
        personYearIndex = try transaction.cursorForTransaction(ledger.personYears)
        let head = try ledger.head(in: transaction)
        self.head = head
        guard recordedAt >= head.recordedAt || raisingToHead else {
            throw LedgerError.timeBeforeHead(requested: recordedAt, head: head.recordedAt)
        }
        self.recordedAt = max(recordedAt, head.recordedAt)
        counts = try ledger.counts(in: transaction)
        nextPersonNumber = UInt32(try transaction.count(ledger.persons)) + 1
        let histories = warm.flatMap { $0.head == head ? $0.histories : nil }
        engine = try DecisionEngine(ledger: ledger, transaction: transaction, histories: histories)
        engine.pending = pending
        // The transaction's accumulators are folded in memory and written once each, in key order,
        // by `finish()`: a claim and its decision read and write their person-year once, not twice.
        projector = Projector(ledger: ledger, transaction: transaction, store: ChunkAccumulatorStore(
            DatabaseAccumulatorStore(transaction: transaction, database: try ledger.liveAccumulators(in: transaction))))
        summary.head = head
    }

    mutating func finish() throws {
        // In key order, for the pages' sake only: LMDB places each entry by its bytes whatever the
        // order of the puts. String's order is UTF-8 byte order for ids in normal form C (ASCII ones
        // are compared as raw words), and several times faster than comparing their UTF-8 views.
        for person in pending.entries.keys.sorted() {
            try transaction.put(ledger.persons, key: Array(person.utf8), value: pending.entries[person]!.bytes)
        }
        pending.entries.removeAll()
        try projector.store.flush()
        try transaction.put(ledger.meta, key: Keys.head, value: head.bytes)
        try transaction.put(ledger.meta, key: Keys.counts, value: counts.flatMap { Keys.bigEndian($0) })
        try transaction.put(ledger.meta, key: Keys.projectionCheckpoint, value: Keys.bigEndian(head.sequence))
        summary.head = head
    }

    /// Checks one line against the ledger and appends it; returns its problems (none when appended).
    mutating func submit(_ submission: Submission) throws -> [LineProblem] {
        let event = submission.event
        func problem(_ field: String, _ reason: String) -> [LineProblem] {
            [LineProblem(line: submission.line, field: field, reason: reason)]
        }
        if event.type.isDecision {
            // An exported decision: the ledger must have decided exactly this at that sequence.
            guard let stamp = submission.stamp else { return problem("type", "written by the ledger itself") }
            guard stamp.sequence >= 1, stamp.sequence <= head.sequence, try hash(at: stamp.sequence) == stamp.hash else {
                return problem("ledger.hash", "this ledger did not decide the same at sequence \(stamp.sequence)")
            }
            return []
        }
        let sourceKey = try event.source.flatMap { try sourceKeys.key($0) }
        if let seen = try seenBefore(submission, key: sourceKey) {
            if seen.isEmpty { summary.duplicates += 1 }
            return seen
        }
        if event.type == .accessRecorded && submission.stamp == nil {
            return problem("type", "access records are written by the ledger's server, not sent")
        }
        let problems = try stateProblems(of: event, line: submission.line)
        if !problems.isEmpty { return problems }
        if let person = event.person, [.settlementRecorded, .assistanceApplied, .identityRecognized].contains(event.type) {
            let exceeded = try engine.withHistory(ofPerson: person, upTo: head.sequence) { PersonLimits.problems(adding: event, to: $0) }
            if !exceeded.isEmpty {
                return exceeded.map {
                    LineProblem(line: submission.line, field: $0.field, reason: $0.reason,
                                withheld: "beyond what one person may hold (see the ledger's limits)")
                }
            }
        }
        let sequence = head.sequence + 1
        if let stamp = submission.stamp {
            guard stamp.sequence == sequence else {
                return problem("ledger.sequence", "the export has sequence \(stamp.sequence) here, this ledger would append \(sequence)")
            }
            guard stamp.recordedAt >= head.recordedAt else {
                return problem("ledger.recordedAt", "earlier than the head's recorded time \(head.recordedAt)")
            }
            guard stamp.recordedAt <= recordedAt else {
                return problem("ledger.recordedAt", "later than the time of this import, \(recordedAt): a recorded time is never in the future")
            }
        }
        let recordedAt = submission.stamp?.recordedAt ?? recordedAt
        var version = recordVersion
        if let stamp = submission.stamp { version = try self.version(reproducing: stamp, of: event) }
        let hash = try write(event, sequence: sequence, recordedAt: recordedAt, version: version, sourceKey: sourceKey)
        if let stamp = submission.stamp {
            guard stamp.hash == hash else {
                return problem("ledger.hash", "the line's content and stamp do not reproduce the export's hash at sequence \(sequence)")
            }
            oldestStampVersion = version
        }
        summary.appended += 1
        // A build writes a fact and its decisions in one transaction, so in one record version.
        for decision in try engine.decisions(after: event, sequence: sequence) {
            try write(decision, sequence: head.sequence + 1, recordedAt: head.recordedAt, version: version)
            summary.decisions += 1
        }
        return []
    }

    /// The record version in which `event`, appended next, reproduces the hash of the export's
    /// `stamp` (docs/FORMAT.md § The event record), tried from ``oldestStampVersion`` up
    /// (``Ledger/recordVersion(reproducing:of:after:from:entry:)``).
    private func version(reproducing stamp: LedgerStamp, of event: Event) throws -> UInt8 {
        guard oldestStampVersion < EventCodec.formatVersion else { return EventCodec.formatVersion }
        var entry: PersonEntry?
        if let person = event.person {
            entry = event.type == .personRegistered
                ? PersonEntry(number: nextPersonNumber, version: 0, mergedInto: 0, last: 0) : try personEntry(person)
        }
        return Ledger.recordVersion(reproducing: stamp, of: event, after: head.hash, from: oldestStampVersion, entry: entry)
    }

    /// Whether the line's source, whose key is `key` (nil when its system has no number yet), was
    /// recorded before: nil when not; no problem when with the same content (a duplicate, skipped);
    /// a conflict when with other content.
    func seenBefore(_ submission: Submission, key: [UInt8]?) throws -> [LineProblem]? {
        let event = submission.event
        guard let source = event.source, let key, let existing = try sourceIndex.find(key) else { return nil }
        let sequence = try Keys.stored(existing, "the sourceKeys entry of \(source.system)/\(source.key)")
        guard let stored = try ledger.event(at: sequence, in: transaction) else {
            throw LedgerError.damaged(sequence: sequence, reason: "sourceKeys names a missing event")
        }
        if stored.event == event { return [] }
        let differing = Set(stored.event.fields.keys).union(event.fields.keys)
            .filter { stored.event[$0] != event[$0] }.sorted().map(\.jsonName)
        let what = stored.event.type != event.type ? "type" : stored.event.person != event.person ? "person"
            : differing.joined(separator: ", ")
        return [LineProblem(line: submission.line, field: "source",
                            reason: "conflicts with sequence \(sequence): same source, other content (\(what) differs)",
                            withheld: "this source was recorded before with other content")]
    }

    /// The checks that need the ledger's state (INTERCHANGE.md § Checks beyond syntax).
    mutating func stateProblems(of event: Event, line: Int) throws -> [LineProblem] {
        func problem(_ field: String, _ reason: String) -> [LineProblem] { [LineProblem(line: line, field: field, reason: reason)] }
        guard let person = event.person else { return [] }
        let entry = try personEntry(person)
        if event.type == .personRegistered {
            return entry == nil ? [] : problem("person", "\(person) is already registered")
        }
        guard let entry else { return problem("person", "unknown person \(person): register it first") }
        if entry.mergedInto != 0 {
            return problem("person", "\(person) was merged into another person; send its events to the survivor")
        }
        switch event.type {
        case .personMerged:
            guard let survivor = event.text(.into) else { return [] }
            guard let survivorEntry = try personEntry(survivor) else {
                return problem("into", "unknown person \(survivor)")
            }
            if survivorEntry.mergedInto != 0 { return problem("into", "\(survivor) was itself merged into another person") }
        case .settlementRecorded:
            if let claim = event.text(.claim), let existing = try claimIndex.find(Array(claim.utf8)) {
                return [LineProblem(line: line, field: "claim",
                                    reason: "claim \(claim) is already recorded at sequence \(try Keys.stored(existing, "the claims entry of \(claim)"))",
                                    withheld: "claim \(claim) is already recorded")]
            }
        case .settlementReversed:
            return try reversalProblems(of: event, person: person, line: line)
        case .identityRevoked, .enrollmentRegistered:
            if let found = try engine.withHistory(ofPerson: person, upTo: head.sequence, { Admission.problem(of: event, history: $0) }) {
                return [LineProblem(line: line, field: found.field, reason: found.reason, withheld: found.withheld)]
            }
        default:
            break
        }
        return []
    }

    private func reversalProblems(of event: Event, person: String, line: Int) throws -> [LineProblem] {
        func problem(_ field: String, _ reason: String) -> [LineProblem] { [LineProblem(line: line, field: field, reason: reason)] }
        guard let claim = event.text(.claim) else { return [] }
        // To a caller who may not read, a claim of another person looks like no claim at all.
        let unknown = "no claim \(claim) is recorded for \(person)"
        guard let bytes = try claimIndex.find(Array(claim.utf8)), let claimEntry = ClaimEntry(bytes) else {
            return problem("claim", unknown)
        }
        guard let settlement = try ledger.event(at: claimEntry.settlement, in: transaction)?.event else { return [] }
        if settlement.person != person {
            return [LineProblem(line: line, field: "claim", reason: "claim \(claim) belongs to \(settlement.person ?? "another person")",
                                withheld: unknown)]
        }
        if claimEntry.reversal != 0 {
            return [LineProblem(line: line, field: "claim", reason: "claim \(claim) is already reversed at sequence \(claimEntry.reversal)",
                                withheld: "claim \(claim) is already reversed")]
        }
        if let reversed = event.date(.reversedOn), let settled = settlement.date(.settledOn), reversed < settled {
            return problem("reversedOn", "before the claim's settlement on \(settled)")
        }
        return []
    }

    /// The chain hash of the event at `sequence`, at most the head's: one of the last written by
    /// this transaction as it remembers it, any other worked out (``Ledger/chainHash(at:in:)``).
    private func hash(at sequence: UInt64) throws -> [UInt8] {
        let recent = recentHashes[Int(sequence % Ledger.chainInterval)]
        return recent.sequence == sequence ? recent.hash : try ledger.chainHash(at: sequence, in: transaction)
    }

    /// Encodes, chains and stores one event with every index entry it needs; returns its hash.
    /// A record of version 4 is stored without it: `chain` gets it at every
    /// ``Ledger/chainInterval``-th sequence, and `meta`'s head at the last.
    /// - Parameter sourceKey: the key of the event's source, when ``submit(_:)`` has looked it up
    ///   already; nil to work it out here, giving its system a number if it has none.
    @discardableResult
    mutating func write(_ event: Event, sequence: UInt64, recordedAt: Timestamp, version: UInt8 = EventCodec.formatVersion,
                        sourceKey: [UInt8]? = nil) throws -> [UInt8]
    {
        precondition(sequence == head.sequence + 1, "the log has no gaps")
        let entry = try entryBefore(event)
        var stored = EventCodec.encode(event, sequence: sequence, recordedAt: recordedAt, personNumber: entry?.number,
                                       previousInStream: entry?.last ?? 0, version: version)
        let hash = Ledger.chainHash(previous: head.hash, stored: stored)
        if EventCodec.storedHashBytes(version: version) > 0 { stored.append(contentsOf: hash) }
        try Keys.withLog(sequence) { key in
            try stored.withUnsafeBytes { try transaction.put(ledger.log, key: key, value: $0, append: true) }
            if sequence % Ledger.chainInterval == 0 {
                try hash.withUnsafeBytes { try transaction.put(chain, key: key, value: $0, append: true) }
            }
        }
        recentHashes[Int(sequence % Ledger.chainInterval)] = (sequence, hash)
        if let source = event.source {
            try sourceIndex.put(try sourceKey ?? sourceKeys.keyNumberingItsSystem(source), value: Keys.bigEndian(sequence))
        }
        let linkedInRecord = EventCodec.holdsStreamLink(version: version, type: event.type, hasPersonNumber: entry != nil)
        if let number = try index(event, sequence: sequence, entry: entry, linkedInRecord: linkedInRecord), let person = event.person {
            try projector.apply(event, person: person, number: number)
        }
        engine.observe(event, sequence: sequence)
        head = Head(sequence: sequence, hash: hash, recordedAt: recordedAt)
        counts[Int(event.type.rawValue) % Appender.countSlots] += 1
        if summary.firstSequence == nil { summary.firstSequence = sequence }
        return hash
    }

    /// The `persons` entry of `event`'s person before the event, with a new number for a
    /// registration (written to `personNumbers` here); nil for an event without a person.
    private mutating func entryBefore(_ event: Event) throws -> PersonEntry? {
        guard let person = event.person else { return nil }
        guard event.type == .personRegistered else {
            guard let existing = try personEntry(person) else { preconditionFailure("stateProblems admits only known persons") }
            return existing
        }
        let entry = PersonEntry(number: nextPersonNumber, version: 0, mergedInto: 0, last: 0)
        try transaction.put(ledger.personNumbers, key: Keys.bigEndian(nextPersonNumber), value: Array(person.utf8))
        nextPersonNumber += 1
        return entry
    }

    /// Writes the index entries of `event`, whose person's entry before it is `entry`
    /// (``entryBefore(_:)``); returns its person's number, when it has a person. A record that
    /// holds its link to the previous event of its person's stream (`linkedInRecord`,
    /// ``EventCodec/holdsStreamLink(version:type:hasPersonNumber:)``) has no `streamLinks` entry.
    private mutating func index(_ event: Event, sequence: UInt64, entry: PersonEntry?, linkedInRecord: Bool) throws -> UInt32? {
        if event.type == .policyPublished {
            try transaction.put(ledger.policies, key: Keys.log(sequence), value: [])
        }
        guard let person = event.person, var entry else { return nil }
        if let id = event.text(.idNumber), let idNumbers = ledger.idNumbers {
            let key = Keys.idNumber(id, person: entry.number)
            // A registration's number is new, so its entry is too; an amendment keeps the first sequence.
            let present = event.type == .personRegistered ? false : try transaction.get(idNumbers, key: key) != nil
            if !present { try transaction.put(idNumbers, key: key, value: Keys.bigEndian(sequence)) }
        }
        let previous = entry.last
        entry.version += 1
        entry.last = sequence
        if let year = Appender.factYear(of: event) {
            // Written once per person-year: a read leaves the page clean where a rewrite would copy it.
            let key = Keys.personYear(year: year, person: entry.number)
            if try personYearIndex.find(key) == nil {
                try personYearIndex.put(key, value: Array(person.utf8))
            }
        }
        switch event.type {
        case .personMerged:
            try indexMerge(event, of: person, &entry, previous: previous, sequence: sequence)
        case .settlementRecorded:
            if let claim = event.text(.claim) {
                try claimIndex.put(Array(claim.utf8), value: ClaimEntry(settlement: sequence, reversal: 0).bytes)
            }
        case .settlementReversed:
            if let claim = event.text(.claim), let bytes = try claimIndex.find(Array(claim.utf8)),
                var claimEntry = ClaimEntry(bytes)
            {
                claimEntry.reversal = sequence
                try claimIndex.put(Array(claim.utf8), value: claimEntry.bytes)
            }
        default:
            break
        }
        if event.type != .personMerged && !linkedInRecord { try link(sequence, ofPerson: entry.number, to: previous) }
        if event.type == .personRegistered || event.type == .personMerged {
            try transaction.put(ledger.persons, key: Array(person.utf8), value: entry.bytes)
            pending.entries[person] = nil
            pending.last = nil
        } else {
            pending.entries[person] = entry
            pending.last = (person, entry)
        }
        return entry.number
    }

    /// Links the event at `sequence` to the one before it in person `number`'s stream (0: none).
    /// Its key sorts after every stored one, so it goes at the end of the last page.
    private func link(_ sequence: UInt64, ofPerson number: UInt32, to previous: UInt64) throws {
        try transaction.put(streamLinks, key: Keys.streamLink(sequence: sequence, person: number), value: Keys.bigEndian(previous),
                            append: true)
    }

    /// A merge is the next event of both the merged person's stream and the survivor's: linked in
    /// each, in person-number order (the order of their keys).
    private mutating func indexMerge(_ event: Event, of person: String, _ entry: inout PersonEntry, previous: UInt64,
                                     sequence: UInt64) throws {
        guard let survivor = event.text(.into), var survivorEntry = try personEntry(survivor) else {
            try link(sequence, ofPerson: entry.number, to: previous)
            return
        }
        for (number, before) in [(entry.number, previous), (survivorEntry.number, survivorEntry.last)].sorted(by: { $0.0 < $1.0 }) {
            try link(sequence, ofPerson: number, to: before)
        }
        survivorEntry.version += 1
        survivorEntry.last = sequence
        try transaction.put(ledger.persons, key: Array(survivor.utf8), value: survivorEntry.bytes)
        pending.entries[survivor] = nil
        try transaction.put(
            ledger.merges, key: Keys.merge(survivor: survivorEntry.number, merged: entry.number),
            value: Keys.bigEndian(sequence) + Array(person.utf8))
        entry.mergedInto = survivorEntry.number
    }

    /// A person's entry as this transaction has it: a version moved here and not yet written, or the stored one.
    func personEntry(_ person: String) throws -> PersonEntry? {
        if let last = pending.last, last.person == person { return last.entry }
        let entry = try ledger.personEntry(person, in: transaction, pending: pending)
        pending.last = (person, entry)
        return entry
    }
}

extension Appender {
    /// The year an input fact belongs to, for the `personYears` index: a claim's settlement year
    /// (I-1), an enrolment's insurance year, an application's year.
    static func factYear(of event: Event) -> Int? {
        switch event.type {
        case .settlementRecorded: return event.date(.settledOn)?.year
        case .enrollmentRegistered: return event.integer(.insuranceYear).map(Int.init)
        case .assistanceApplied: return event.integer(.year).map(Int.init)
        default: return nil
        }
    }
}

extension Ledger {
    /// Events appended per type code, from `meta`.
    func counts(in transaction: Transaction) throws -> [UInt64] {
        guard let bytes = try transaction.get(meta, key: Keys.counts) else {
            return Array(repeating: 0, count: Appender.countSlots)
        }
        guard bytes.count == Appender.countSlots * 8 else {
            throw LedgerError.damaged(sequence: nil, reason: "meta counts is not \(Appender.countSlots * 8) bytes")
        }
        return (0..<Appender.countSlots).map { Keys.uint64(bytes, at: $0 * 8) }
    }
}
