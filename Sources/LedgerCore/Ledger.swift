import Crypto
import LedgerModel
import LedgerRules
import LedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// An event-sourced case ledger in one LMDB environment.
///
/// ```swift
/// let ledger = try Ledger.open(at: "/var/lib/caseledger/nanning", create: true)
/// let summary = try ledger.append(submissions, recordedAt: now)
/// ```
/// Databases (docs/FORMAT.md): `log` (sequence → event), `persons` (id → number, version, merge),
/// `personNumbers` (number → id),
/// `streams` (person number, version → sequence), `sources` (system, key → sequence),
/// `claims` (claim → settlement, reversal), `merges` (survivor, merged → merged id),
/// `policies` (sequence of each policy.published), `personYears` (year, person number → id),
/// `idNumbers` (ID number, person number → sequence that gave it), `meta`.
/// Every index is written in the transaction that appends the event it indexes.
public final class Ledger: @unchecked Sendable {
    // @unchecked Sendable: all state is in the Environment, which serialises writers itself.
    public let environment: Environment
    let log: Database
    let persons: Database
    let streams: Database
    let sources: Database
    let claims: Database
    let merges: Database
    let meta: Database
    let policies: Database
    let personYears: Database
    let personNumbers: Database
    /// Absent only in a ledger an earlier version wrote, opened read-only; a writable open builds it.
    let idNumbers: Database?
    let accumulators0: Database
    let accumulators1: Database
    /// The recorded parameters and the sequence of the last policy they hold.
    let parameterCache = LockedValue<(lastPolicy: UInt64, parameters: ParameterSet)?>(nil)
    /// The decision engine's folded histories as of the head a committed append left, handed to the
    /// next append so it does not fold again, from the log, every person it touches. Valid only for
    /// exactly that head: any other writer (a server's access record, another process) moves the
    /// head and so retires them. A transaction that fails hands back only the histories it did not
    /// touch (``DecisionEngine/takeUntouchedHistories()``).
    let warmHistories = LockedValue<WarmHistories?>(nil)
    /// Whether a claim after the last of its year is decided from the year's totals
    /// (``Adjudicator/adjudicateLatest(_:history:parameters:)``) instead of the whole year again.
    /// Off only to hold the two ways to the same decisions; set it before the first append.
    var decidesIncrementally = true
    /// How many folded histories a decision engine keeps in use before it freezes them
    /// (``HistoryCache``). Lowered only to hold frozen and unfrozen histories to the same decisions;
    /// set it before the first append.
    var historiesInUse = HistoryCache.defaultWorkingLimit

    static let databaseNames = [
        "log", "persons", "personNumbers", "streams", "sources", "claims", "merges", "policies", "personYears", "meta",
        "accumulators.0", "accumulators.1", "idNumbers",
    ]
    static let databaseSpecs = databaseNames.map { DatabaseSpec($0, mayBeAbsent: $0 == "idNumbers") }

    private init(environment: Environment) {
        self.environment = environment
        log = environment.database("log")
        persons = environment.database("persons")
        streams = environment.database("streams")
        sources = environment.database("sources")
        claims = environment.database("claims")
        merges = environment.database("merges")
        meta = environment.database("meta")
        policies = environment.database("policies")
        personYears = environment.database("personYears")
        personNumbers = environment.database("personNumbers")
        idNumbers = environment.databaseIfPresent("idNumbers")
        accumulators0 = environment.database("accumulators.0")
        accumulators1 = environment.database("accumulators.1")
    }

    /// The index databases, in the order `stat` and `verify` report them.
    var allDatabases: [Database] {
        [log, persons, personNumbers, streams, sources, claims, merges, policies, personYears, meta, accumulators0, accumulators1]
            + (idNumbers.map { [$0] } ?? [])
    }

    /// Opens the ledger in directory `path`.
    /// - Parameter create: make the directory and an empty ledger when none exists.
    /// - Throws: ``LedgerError/noLedger(path:)``, ``LedgerError/unsupportedFormat(found:)``, ``LedgerError/storage(_:)``.
    /// - Parameter createdAt: the recorded time of a new ledger's default parameters (history loaded
    ///   with its own times needs a ledger that starts before it); by default a fixed time, so that
    ///   generated ledgers are byte for byte the same.
    /// - Parameter initialMapSizeBytes: the memory map to start with; LMDB raises it to the file's
    ///   size, and a write that fills it grows it.
    public static func open(at path: String, create: Bool = false, readOnly: Bool = false,
                            createdAt: Timestamp = DefaultParameters.recordedAt,
                            initialMapSizeBytes: Int = 1 << 30) throws(LedgerError) -> Ledger {
        let exists = access(path + "/data.mdb", F_OK) == 0
        if !exists {
            guard create, !readOnly else { throw .noLedger(path: path) }
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw .storage(StorageError(code: errno, operation: "create directory \(path)"))
            }
        }
        let environment: Environment
        do {
            environment = try Environment(
                path: path, databases: databaseSpecs, readOnly: readOnly, initialMapSizeBytes: initialMapSizeBytes)
        } catch {
            throw .storage(error)
        }
        let ledger = Ledger(environment: environment)
        try ledger.checkFormat(initialise: !readOnly, createdAt: createdAt)
        return ledger
    }

    private func checkFormat(initialise: Bool, createdAt: Timestamp) throws(LedgerError) {
        let expected = Array("caseledger \(EventCodec.formatVersion)".utf8)
        let found: [UInt8]?
        do {
            found = try environment.read { transaction in
                try transaction.get(meta, key: Keys.format).map { Array($0) }
            }
        } catch {
            throw Ledger.wrap(error)
        }
        if let found {
            guard found == expected else { throw .unsupportedFormat(found: String(decoding: found, as: UTF8.self)) }
            if initialise { try buildIDNumberIndexIfMissing() }
            return
        }
        guard initialise else { throw .unsupportedFormat(found: "none") }
        // A new ledger: the format marker and the seeds' default parameters, in one transaction.
        do {
            try environment.write(retrySafe: true) { transaction in
                try transaction.put(meta, key: Keys.format, value: expected)
                try transaction.put(meta, key: Keys.idNumberIndex, value: [1])
                var appender = try Appender(ledger: self, transaction: transaction, recordedAt: createdAt)
                for (index, event) in DefaultParameters.events.enumerated() {
                    let problems = try appender.submit(Submission(line: index + 1, event: event))
                    precondition(problems.isEmpty, "the default parameters are valid: \(problems)")
                }
                try appender.finish()
            }
        } catch {
            throw Ledger.wrap(error)
        }
    }

    /// A ledger written before `idNumbers` existed gets it here, from the log, in one transaction.
    private func buildIDNumberIndexIfMissing() throws(LedgerError) {
        guard let idNumbers else { return }
        do {
            // An open takes the writer's lock only when there is something to write.
            guard try environment.read({ try $0.get(meta, key: Keys.idNumberIndex) == nil }) else { return }
            try environment.write(retrySafe: true) { transaction in
                guard try transaction.get(meta, key: Keys.idNumberIndex) == nil else { return }
                try transaction.withCursor(log) { cursor in
                    var entry = try cursor.first()
                    while let current = entry {
                        let event = try EventCodec.decode(current.value).event
                        if let id = event.text(.idNumber), let person = event.person,
                            let number = try personEntry(person, in: transaction)?.number
                        {
                            let key = Keys.idNumber(id, person: number)
                            if try transaction.get(idNumbers, key: key) == nil {
                                try transaction.put(idNumbers, key: key, value: Array(current.key))
                            }
                        }
                        entry = try cursor.next()
                    }
                }
                try transaction.put(meta, key: Keys.idNumberIndex, value: [1])
            }
        } catch {
            throw Ledger.wrap(error)
        }
    }

    /// Whether `idNumbers` holds every ID number of the log (always, but in a ledger an earlier
    /// version wrote that has only been opened read-only since).
    func hasIDNumberIndex(in transaction: Transaction) throws -> Bool {
        guard idNumbers != nil else { return false }
        return try transaction.get(meta, key: Keys.idNumberIndex) != nil
    }

    static func wrap(_ error: any Error) -> LedgerError {
        if let error = error as? LedgerError { return error }
        if let error = error as? StorageError { return .storage(error) }
        if let error = error as? DecodeError { return .damaged(sequence: nil, reason: error.description) }
        return .damaged(sequence: nil, reason: String(describing: error))
    }

    /// Runs `body` in a read snapshot, mapping storage errors to ``LedgerError``.
    func read<T>(_ body: (Transaction) throws -> T) throws(LedgerError) -> T {
        do { return try environment.read(body) } catch { throw Ledger.wrap(error) }
    }

    func head(in transaction: Transaction) throws -> Head {
        guard let bytes = try transaction.get(meta, key: Keys.head) else { return .empty }
        guard let head = Head(bytes) else { throw LedgerError.damaged(sequence: nil, reason: "meta head is not 48 bytes") }
        return head
    }

    /// The last event's sequence and hash; sequence 0 for an empty ledger.
    public func head() throws(LedgerError) -> Head {
        try read { try head(in: $0) }
    }

    /// The chain hash of `previous ‖ stored` (docs/FORMAT.md § Hash chain).
    static func chainHash(previous: [UInt8], stored: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(bufferPointer: stored)
        return Array(hasher.finalize())
    }

    static func chainHash(previous: [UInt8], stored: [UInt8]) -> [UInt8] {
        stored.withUnsafeBytes { chainHash(previous: previous, stored: $0) }
    }

    /// Decodes the record stored at `sequence`.
    func event(at sequence: UInt64, in transaction: Transaction) throws -> RecordedEvent? {
        guard let bytes = try transaction.get(log, key: Keys.log(sequence)) else { return nil }
        do {
            return try EventCodec.decode(bytes)
        } catch {
            throw LedgerError.damaged(sequence: sequence, reason: error.description)
        }
    }

    func personEntry(_ person: String, in transaction: Transaction) throws -> PersonEntry? {
        guard let bytes = try transaction.get(persons, key: Array(person.utf8)) else { return nil }
        guard let entry = PersonEntry(bytes) else {
            throw LedgerError.damaged(sequence: nil, reason: "persons entry of \(person) is not \(PersonEntry.byteCount) bytes")
        }
        return entry
    }

    /// The sequences of a person's stream, in version order.
    func streamSequences(of number: UInt32, in transaction: Transaction) throws -> [UInt64] {
        try transaction.withCursor(streams) { cursor in
            var sequences: [UInt64] = []
            var entry = try cursor.seek(atLeast: Keys.stream(person: number, version: 0))
            while let current = entry, current.key.count == 8, Keys.uint32(current.key) == number {
                sequences.append(try Keys.stored(current.value, "a streams entry of person number \(number)"))
                entry = try cursor.next()
            }
            return sequences
        }
    }

    /// The id of person `number`.
    func personID(_ number: UInt32, in transaction: Transaction) throws -> String? {
        try transaction.get(personNumbers, key: Keys.bigEndian(number)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The person that `person` had been merged into by sequence `limit`, through any chain of
    /// merges; itself when not merged.
    func survivor(of person: String, upTo limit: UInt64 = .max, in transaction: Transaction) throws -> String {
        var current = person
        for _ in 0..<64 {
            guard let entry = try personEntry(current, in: transaction), entry.mergedInto != 0,
                let merge = try transaction.get(merges, key: Keys.merge(survivor: entry.mergedInto, merged: entry.number)),
                merge.count >= 8, Keys.uint64(merge) <= limit,
                let next = try personID(entry.mergedInto, in: transaction)
            else { return current }
            current = next
        }
        throw LedgerError.damaged(sequence: nil, reason: "merges of \(person) form a chain longer than 64")
    }

    /// The persons merged into `number` by sequence `limit`, directly or through others, as (number, id).
    func mergedPersons(into number: UInt32, upTo limit: UInt64 = .max, in transaction: Transaction) throws -> [(number: UInt32, id: String)] {
        var result: [(UInt32, String)] = []
        var pending = [number]
        while let survivor = pending.popLast() {
            let direct: [(UInt32, String)] = try transaction.withCursor(merges) { cursor in
                var found: [(UInt32, String)] = []
                var entry = try cursor.seek(atLeast: Keys.merge(survivor: survivor, merged: 0))
                while let current = entry, current.key.count == 8, Keys.uint32(current.key) == survivor {
                    if current.value.count >= 8, Keys.uint64(current.value) <= limit {
                        let id = String(decoding: UnsafeRawBufferPointer(rebasing: current.value[8...]), as: UTF8.self)
                        found.append((Keys.uint32(current.key, at: 4), id))
                    }
                    entry = try cursor.next()
                }
                return found
            }
            result.append(contentsOf: direct)
            pending.append(contentsOf: direct.map(\.0))
        }
        return result
    }
}

/// A value behind a lock, for caches shared by the threads that read one ledger.
final class LockedValue<Value>: @unchecked Sendable {
    // @unchecked Sendable: every access to `value` holds `lock`.
    private var value: Value
    private let lock = LedgerStorage.Mutex()

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// The decision engine's folded histories and the head they are of.
struct WarmHistories {
    let head: Head
    let histories: HistoryCache
}
