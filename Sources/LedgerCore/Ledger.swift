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
/// `streamLinks` (sequence, person number → the person's event before it, for a record that does not
/// hold it: every merge, every record older than version 3), `sourceKeys` (system number, key →
/// sequence) and `systems` (system → number),
/// `claims` (claim → settlement, reversal), `merges` (survivor, merged → merged id),
/// `policies` (sequence of each policy.published), `personYears` (year, person number → id),
/// `idNumbers` (ID number, person number → sequence that gave it), `meta`.
/// Every index is written in the transaction that appends the event it indexes. A ledger of format
/// 1 kept each person's stream in `streams` (person number, version → sequence) instead of
/// `streamLinks`, and one of formats 1 to 4 each source under its system's name in `sources`: each is
/// read as it is, and a writable open upgrades it to format 5 first.
public final class Ledger: @unchecked Sendable {
    // @unchecked Sendable: all state is in the Environment, which serialises writers itself, but
    // `streamIndex`, `sourceIndex` and `format`, which `open` settles before it returns the ledger to anyone.
    public let environment: Environment
    let log: Database
    let persons: Database
    /// The link to the event before it in its person's stream of each person event whose record
    /// does not hold it (``EventCodec/holdsStreamLink(version:type:hasPersonNumber:)``). Absent only in a
    /// format-1 ledger opened read-only.
    let streamLinks: Database?
    /// The streams of a format-1 ledger (emptied by the upgrade); nil in a ledger made
    /// in a later format.
    let streams: Database?
    /// Where each person's stream is: format 2's links, or, in a ledger of format 1 opened
    /// read-only, its versions. Settled by `open` from the ledger's format marker.
    private(set) var streamIndex: StreamIndex
    /// The format marker's number, as `open` found it or made it.
    private(set) var format = Ledger.formatVersion
    /// Where each source leads to its event: `sourceKeys` by system number (format 5), or, in a
    /// ledger of an older format opened read-only, `sources` by system name. Settled by `open`.
    private(set) var sourceIndex: SourceIndex
    /// Each source by its system's name: formats 1 to 4 (emptied by the upgrade to format 5).
    let namedSources: Database?
    /// Absent only in a ledger of an older format opened read-only; a writable open fills them.
    let sourceKeys: Database?
    let systems: Database?
    /// The chain hash at every ``chainInterval``-th sequence (format 6). Absent in a ledger of an
    /// older format opened read-only, whose records all hold their hashes; a writable open makes it
    /// and its upgrade fills it. ``checkpoints`` is this database where the format says it is kept:
    /// one left empty by an upgrade that did not finish is not.
    let chain: Database?
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
    /// (``HistoryCache``); a replay from sequence 1 keeps twice as many, up to
    /// ``HistoryCache/replayWorkingLimit``. Lowered only to hold frozen and unfrozen histories to the
    /// same decisions; set it before the first append.
    var historiesInUse = HistoryCache.defaultWorkingLimit

    /// The ledger's format (docs/FORMAT.md). Version 2 keeps streams as `streamLinks`; versions 3
    /// and 4 have the same databases. The log of format 3 may hold records of version 2
    /// (``EventCodec/formatVersion``, reasons stored as codes) beside those of version 1, and that of
    /// format 4 records of version 3 (each event's link in its person's stream held in its record,
    /// not in `streamLinks`) beside those, so a build of an older format refuses it by its marker
    /// rather than failing on such a record. Format 5 keys each source by its system's number
    /// (`sourceKeys`, `systems`) instead of its name (`sources`). Format 6 writes records of
    /// version 4, which do not hold their chain hash: `chain` holds it at every 64th sequence.
    static let formatVersion = 6
    /// The markers of the formats that keep each source under its system's name and otherwise have
    /// this one's databases: a writable open upgrades them (``upgradeToFormatFive()``).
    static let namedSourceFormats = [formatMarker(2), formatMarker(3), formatMarker(4)]
    static func formatMarker(_ version: Int) -> [UInt8] { Array("caseledger \(version)".utf8) }

    static let databaseNames = [
        "log", "persons", "personNumbers", "streamLinks", "sourceKeys", "systems", "claims", "merges", "policies", "personYears",
        "meta", "accumulators.0", "accumulators.1", "idNumbers", "chain", "streams", "sources",
    ]
    static let databaseSpecs = databaseNames.map {
        DatabaseSpec($0, mayBeAbsent: ["idNumbers", "streamLinks", "sourceKeys", "systems", "chain"].contains($0),
                     retired: $0 == "streams" || $0 == "sources")
    }

    private init(environment: Environment) throws(LedgerError) {
        self.environment = environment
        log = environment.database("log")
        persons = environment.database("persons")
        let streamLinks = environment.databaseIfPresent("streamLinks")
        let streams = environment.databaseIfPresent("streams")
        self.streamLinks = streamLinks
        self.streams = streams
        let sourceKeys = environment.databaseIfPresent("sourceKeys"), systems = environment.databaseIfPresent("systems")
        let namedSources = environment.databaseIfPresent("sources")
        self.sourceKeys = sourceKeys
        self.systems = systems
        self.namedSources = namedSources
        chain = environment.databaseIfPresent("chain")
        claims = environment.database("claims")
        merges = environment.database("merges")
        meta = environment.database("meta")
        policies = environment.database("policies")
        personYears = environment.database("personYears")
        personNumbers = environment.database("personNumbers")
        idNumbers = environment.databaseIfPresent("idNumbers")
        accumulators0 = environment.database("accumulators.0")
        accumulators1 = environment.database("accumulators.1")
        // Which of the two the format marker asks for, `checkFormat` says; a file with neither is
        // no ledger of any format.
        guard let index = streamLinks.map(StreamIndex.links) ?? streams.map(StreamIndex.versions) else {
            throw .unsupportedFormat(found: "neither streamLinks nor streams")
        }
        streamIndex = index
        // Which of the two the format marker asks for, `checkFormat` says, as for the streams.
        if let sourceKeys, let systems {
            sourceIndex = .numbered(keys: sourceKeys, systems: systems)
        } else if let namedSources {
            sourceIndex = .named(namedSources)
        } else {
            throw .unsupportedFormat(found: "neither sourceKeys nor sources")
        }
    }

    /// The index databases, in the order `stat` and `verify` report them.
    var allDatabases: [Database] {
        [log, persons, personNumbers, streamIndex.database, sourceIndex.database]
            + (sourceIndex.systems.map { [$0] } ?? [])
            + [claims, merges, policies, personYears, meta, accumulators0, accumulators1]
            + (idNumbers.map { [$0] } ?? []) + (checkpoints.map { [$0] } ?? [])
    }

    /// Opens the ledger in directory `path`.
    /// - Parameter create: make the directory and an empty ledger when none exists.
    /// - Throws: ``LedgerError/noLedger(path:)``, ``LedgerError/unsupportedFormat(found:)``, ``LedgerError/storage(_:)``.
    /// - Parameter createdAt: the recorded time of a new ledger's default parameters (history loaded
    ///   with its own times needs a ledger that starts before it); by default a fixed time, so that
    ///   generated ledgers are byte for byte the same.
    /// - Parameter initialMapSizeBytes: the memory map to start with; LMDB raises it to the file's
    ///   size, and a write that fills it grows it.
    /// - Parameter upgrading: told, in a sentence, of each upgrade of an older format a writable
    ///   open makes before it makes it (it takes seconds for a city of a million persons).
    public static func open(at path: String, create: Bool = false, readOnly: Bool = false,
                            createdAt: Timestamp = DefaultParameters.recordedAt,
                            recordVersion: UInt8 = EventCodec.formatVersion,
                            initialMapSizeBytes: Int = 1 << 30,
                            upgrading: ((String) -> Void)? = nil) throws(LedgerError) -> Ledger {
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
        let ledger = try Ledger(environment: environment)
        try ledger.checkFormat(initialise: !readOnly, createdAt: createdAt, recordVersion: recordVersion, upgrading: upgrading)
        return ledger
    }

    private func checkFormat(initialise: Bool, createdAt: Timestamp, recordVersion: UInt8, upgrading: ((String) -> Void)?)
        throws(LedgerError)
    {
        let expected = Ledger.formatMarker(Ledger.formatVersion)
        let found: [UInt8]?
        do {
            found = try environment.read { transaction in
                try transaction.get(meta, key: Keys.format).map { Array($0) }
            }
        } catch {
            throw Ledger.wrap(error)
        }
        if let found {
            guard let version = (1...Ledger.formatVersion).first(where: { Ledger.formatMarker($0) == found }) else {
                throw .unsupportedFormat(found: String(decoding: found, as: UTF8.self))
            }
            format = version
            if version == 1 {
                guard let streams else { throw .damaged(sequence: nil, reason: "a ledger of format 1 without its streams database") }
                streamIndex = .versions(streams)
            } else {
                guard let streamLinks else { throw .damaged(sequence: nil, reason: "a ledger of format \(version) without its streamLinks database") }
                streamIndex = .links(streamLinks)
            }
            if version < 5 {
                guard let namedSources else { throw .damaged(sequence: nil, reason: "a ledger of format \(version) without its sources database") }
                sourceIndex = .named(namedSources)
            } else {
                guard let sourceKeys, let systems else {
                    throw .damaged(sequence: nil, reason: "a ledger of format \(version) without its sourceKeys and systems databases")
                }
                sourceIndex = .numbered(keys: sourceKeys, systems: systems)
            }
            if version == Ledger.formatVersion && chain == nil {
                throw .damaged(sequence: nil, reason: "a ledger of format \(version) without its chain database")
            }
            if initialise {
                try upgrade(from: version, upgrading: upgrading)
                try buildIDNumberIndexIfMissing()
            }
            return
        }
        guard initialise else { throw .unsupportedFormat(found: "none") }
        // A new ledger: the format marker and the seeds' default parameters, in one transaction.
        do {
            try environment.write(retrySafe: true) { transaction in
                try transaction.put(meta, key: Keys.format, value: expected)
                try transaction.put(meta, key: Keys.idNumberIndex, value: [1])
                var appender = try Appender(ledger: self, transaction: transaction, recordedAt: createdAt)
                appender.recordVersion = recordVersion
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

    /// Brings a ledger of format `version` to this build's. Format 1 keeps its streams by version;
    /// formats 2 to 4 have format 5's databases but for the sources, and format 5 has format 6's
    /// but for `chain`: each upgrade in a transaction of its own, in this order, each announced to
    /// `upgrading` before it runs.
    private func upgrade(from version: Int, upgrading: ((String) -> Void)?) throws(LedgerError) {
        if version == 1 {
            upgrading?("upgrading the ledger from format 1 to 4: each person's stream as links, in one transaction…")
            try upgradeToStreamLinks()
        }
        if version < 5 {
            upgrading?("upgrading the ledger from format \(version == 1 ? 4 : version) to 5: each source under its system's number, "
                       + "in one transaction…")
            try upgradeToFormatFive()
        }
        if version < 6 {
            upgrading?("upgrading the ledger from format 5 to 6: the chain hash of every 64th event in `chain`, in one transaction…")
            try fillChain()
            format = 6
        }
    }

    /// A format-1 ledger becomes format 2 here, in one transaction: each person's stream, read from
    /// `streams`, becomes links from each event to the one before it (written in key order, each
    /// page filled once), each `persons` entry gains its newest sequence, and `streams` is emptied.
    /// The log and every other index stay as they are. A stream with a gap, or out of step with
    /// its person's version, is damage: the upgrade refuses it and leaves the ledger as it was.
    private func upgradeToStreamLinks() throws(LedgerError) {
        guard let streams, let streamLinks else { return }
        do {
            try environment.write(retrySafe: true) { transaction in
                guard try transaction.get(meta, key: Keys.format).map(Array.init) == Ledger.formatMarker(1) else { return }
                var links: [(sequence: UInt64, person: UInt32, previous: UInt64)] = []
                links.reserveCapacity(try transaction.count(streams))
                /// Each person number's newest sequence and its stream's length.
                var newest: [UInt32: (sequence: UInt64, length: UInt32)] = [:]
                try transaction.withCursor(streams) { cursor in
                    var entry = try cursor.first()
                    while let current = entry {
                        guard current.key.count == 8 else {
                            throw LedgerError.damaged(sequence: nil, reason: "a streams key of \(current.key.count) bytes")
                        }
                        let person = Keys.uint32(current.key)
                        let sequence = try Keys.stored(current.value, "a streams entry of person number \(person)")
                        let before = newest[person] ?? (0, 0)
                        guard Keys.uint32(current.key, at: 4) == before.length + 1, sequence > before.sequence else {
                            throw LedgerError.damaged(
                                sequence: sequence, reason: "the stream of person number \(person) has a gap or goes back at its version \(before.length + 1)")
                        }
                        links.append((sequence, person, before.sequence))
                        newest[person] = (sequence, before.length + 1)
                        entry = try cursor.next()
                    }
                }
                links.sort { ($0.sequence, $0.person) < ($1.sequence, $1.person) }
                for link in links {
                    try transaction.put(streamLinks, key: Keys.streamLink(sequence: link.sequence, person: link.person),
                                        value: Keys.bigEndian(link.previous), append: true)
                }
                var entries: [(id: [UInt8], entry: PersonEntry)] = []
                try transaction.withCursor(persons) { cursor in
                    var entry = try cursor.first()
                    while let current = entry {
                        guard let person = PersonEntry(current.value, byteCount: PersonEntry.formatOneByteCount) else {
                            throw LedgerError.damaged(sequence: nil, reason: "a persons entry of \(current.value.count) bytes in a ledger of format 1")
                        }
                        entries.append((Array(current.key), person))
                        entry = try cursor.next()
                    }
                }
                for (id, var entry) in entries {
                    let stream = newest[entry.number] ?? (0, 0)
                    guard stream.length == entry.version else {
                        throw LedgerError.damaged(
                            sequence: nil,
                            reason: "person \(String(decoding: id, as: UTF8.self)) is at version \(entry.version) with \(stream.length) events in its stream")
                    }
                    entry.last = stream.sequence
                    try transaction.put(persons, key: id, value: entry.bytes)
                }
                try transaction.clear(streams)
                try transaction.put(meta, key: Keys.format, value: Ledger.formatMarker(4))
            }
        } catch {
            throw Ledger.wrap(error)
        }
        streamIndex = .links(streamLinks)
        format = 4
    }

    /// The record version in which `submission`, an export's first line (sequence 1), reproduces
    /// its stamp's hash: 1 to 3 for an export of a ledger an older build began (docs/FORMAT.md
    /// § The event record), else this build's. A new ledger made for that export writes its
    /// default parameters in it, so that they are the export's own first records again
    /// (`open(at:create:readOnly:createdAt:recordVersion:initialMapSizeBytes:)`). The first line
    /// has no person, so each version is tried without a person number and without a link.
    public static func recordVersion(reproducingFirst submission: Submission) -> UInt8 {
        guard let stamp = submission.stamp, stamp.sequence == 1 else { return EventCodec.formatVersion }
        return recordVersion(reproducing: stamp, of: submission.event, after: [UInt8](repeating: 0, count: EventCodec.hashBytes))
    }

    /// The record version in which `event`, chained after the hash `previous`, reproduces the hash
    /// of the export's `stamp`: tried from `oldest` up, each as the appender encodes it (no person
    /// number in version 1, no link before version 3) with the number and the newest sequence of
    /// `entry`, its person's entry before it; this build's when none does, and the line is then
    /// refused by its hash after the write.
    static func recordVersion(reproducing stamp: LedgerStamp, of event: Event, after previous: [UInt8], from oldest: UInt8 = 1,
                              entry: PersonEntry? = nil) -> UInt8 {
        (oldest...EventCodec.formatVersion).first { version in
            let stored = EventCodec.encode(
                event, sequence: stamp.sequence, recordedAt: stamp.recordedAt, personNumber: entry?.number,
                previousInStream: entry?.last ?? 0, version: version)
            return chainHash(previous: previous, stored: stored) == stamp.hash
        } ?? EventCodec.formatVersion
    }

    /// A ledger of format 2, 3 or 4 becomes format 5 here, in one transaction: its sources move to
    /// `sourceKeys` under their systems' numbers (``moveSourcesToNumbers(_:)``) and its claims'
    /// entries without a reversal lose the 8 bytes of its absence (``shortenClaimEntries(_:)``).
    /// A marker another process has changed since it was read is left alone, and so is the ledger.
    private func upgradeToFormatFive() throws(LedgerError) {
        guard let sourceKeys, let systems else { return }
        do {
            try environment.write(retrySafe: true) { transaction in
                guard let found = try transaction.get(meta, key: Keys.format), Ledger.namedSourceFormats.contains(Array(found)) else { return }
                try moveSourcesToNumbers(transaction)
                try shortenClaimEntries(transaction)
                try transaction.put(meta, key: Keys.format, value: Ledger.formatMarker(5))
            }
        } catch {
            throw Ledger.wrap(error)
        }
        sourceIndex = .numbered(keys: sourceKeys, systems: systems)
        format = 5
    }

    /// Each source, kept in `sources` under its system's name, moves to `sourceKeys` under its
    /// system's number, the numbers given in the order of each system's first event (the least
    /// sequence its entries name) and written to `systems`; `sources` is left empty. The entries of
    /// one system keep their order, so each system's are appended in turn, each page filled once.
    private func moveSourcesToNumbers(_ transaction: Transaction) throws {
        guard let namedSources, let sourceKeys, let systems else { return }
        // Each system's name and the first sequence of its entries, from one walk.
        var first: [[UInt8]: UInt64] = [:]
        try transaction.withCursor(namedSources) { cursor in
            var entry = try cursor.first()
            while let current = entry {
                guard let end = current.key.firstIndex(of: 0) else {
                    throw LedgerError.damaged(sequence: nil, reason: "a sources key without the NUL after its system")
                }
                let system = Array(UnsafeRawBufferPointer(rebasing: current.key[..<end]))
                let sequence = try Keys.stored(current.value, "the sources entry of \(String(decoding: system, as: UTF8.self))")
                first[system] = min(first[system] ?? .max, sequence)
                entry = try cursor.next()
            }
        }
        var numbering = SourceIndex.Numbering()
        let named = first.sorted { $0.value < $1.value }.map { system, _ in
            (name: system, number: numbering.number(of: String(decoding: system, as: UTF8.self)))
        }
        for (name, number) in named.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            try transaction.put(systems, key: name, value: Keys.bigEndian(number))
        }
        // In the order of the new keys: by the number's varint bytes, then the old order.
        let byKey = named.map { ($0.name, Keys.source(system: $0.number, key: "")) }
            .sorted { $0.1.lexicographicallyPrecedes($1.1) }
        try transaction.withCursor(namedSources) { cursor in
            for (name, prefix) in byKey {
                var entry = try cursor.seek(atLeast: name + [0])
                while let current = entry, current.key.count > name.count, current.key[name.count] == 0,
                    current.key.starts(with: name)
                {
                    let key = UnsafeRawBufferPointer(rebasing: current.key[(name.count + 1)...])
                    try transaction.put(sourceKeys, key: prefix + Array(key), value: Array(current.value), append: true)
                    entry = try cursor.next()
                }
            }
        }
        try transaction.clear(namedSources)
    }

    /// A `claims` entry of a claim never reversed is its settlement's sequence alone in format 5;
    /// before, it was followed by a reversal's sequence of 0. Each such entry is written again, in
    /// place, the cursor going on from it.
    private func shortenClaimEntries(_ transaction: Transaction) throws {
        let cursor = try transaction.cursorForTransaction(claims)
        var entry = try cursor.first()
        while let current = entry {
            if current.value.count == 16, let claim = ClaimEntry(current.value), claim.reversal == 0 {
                try cursor.put(Array(current.key), value: claim.bytes)
            }
            entry = try cursor.next()
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
        previous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: stored)
        // Copied as one block of bytes: `Array(_:)` of the digest would step through it as a sequence.
        return hasher.finalize().withUnsafeBytes { Array($0) }
    }

    static func chainHash(previous: [UInt8], stored: [UInt8]) -> [UInt8] {
        stored.withUnsafeBytes { chainHash(previous: previous, stored: $0) }
    }

    /// Decodes the record stored at `sequence`.
    func event(at sequence: UInt64, in transaction: Transaction) throws -> RecordedEvent? {
        guard let bytes = try transaction.get(log, key: Keys.log(sequence)) else { return nil }
        return try Ledger.decode(bytes, at: sequence)
    }

    /// The record of the event at `sequence`, decoded; one that does not decode is damage at that sequence.
    static func decode(_ record: UnsafeRawBufferPointer, at sequence: UInt64) throws(LedgerError) -> RecordedEvent {
        do {
            return try EventCodec.decode(record)
        } catch {
            throw .damaged(sequence: sequence, reason: error.description)
        }
    }

    /// `person`'s entry; in an append transaction, as `pending` holds it when the transaction has
    /// moved it and not yet written it.
    func personEntry(_ person: String, in transaction: Transaction, pending: PendingPersonEntries? = nil) throws -> PersonEntry? {
        if let moved = pending?.entries[person] { return moved }
        guard let bytes = try transaction.get(persons, key: Array(person.utf8)) else { return nil }
        let size = streamIndex.personEntryBytes
        guard let entry = PersonEntry(bytes, byteCount: size) else {
            throw LedgerError.damaged(sequence: nil, reason: "persons entry of \(person) is \(bytes.count) bytes, not \(size)")
        }
        return entry
    }

    /// Calls `body` with the sequences of a person's stream from the newest back, while it returns
    /// true, each with its record where the walk has read it for its link (from version 3); the
    /// bytes are the transaction's and valid only in `body`.
    func walkStream(of entry: PersonEntry, in transaction: Transaction, _ body: (UInt64, UnsafeRawBufferPointer?) throws -> Bool)
        throws
    {
        guard case .links(let streamLinks) = streamIndex else {
            var version = entry.version
            while version > 0 {
                guard let value = try transaction.get(streamIndex.database, key: Keys.stream(person: entry.number, version: version)) else {
                    throw LedgerError.damaged(sequence: nil, reason: "the stream of person number \(entry.number) has no version \(version)")
                }
                guard try body(try Keys.stored(value, "a streams entry of person number \(entry.number)"), nil) else { return }
                version -= 1
            }
            return
        }
        var sequence = entry.last
        var steps: UInt32 = 0
        // Versions never go back along a log (`verify` reports a log where they do): below a record
        // older than version 3 every link is in `streamLinks`, and the records are not read for it.
        var linksOnly = false
        while sequence != 0 {
            guard steps < entry.version else {
                throw LedgerError.damaged(sequence: sequence, reason: "the stream of person number \(entry.number) is longer than its version \(entry.version)")
            }
            var record: UnsafeRawBufferPointer?
            var previous = linksOnly ? try transaction.get(streamLinks, key: Keys.streamLink(sequence: sequence, person: entry.number))
                .map { try Keys.stored($0, "the streamLinks entry of person number \(entry.number)") } : nil
            if previous == nil {
                // Without the entry (a record of version 3 below an older one), the record is read after all.
                record = try transaction.get(log, key: Keys.log(sequence))
                guard record != nil else {
                    throw LedgerError.damaged(sequence: sequence, reason: "the stream of person number \(entry.number) leads to an event the log does not hold")
                }
            }
            guard try body(sequence, record) else { return }
            if let record {
                previous = try previousInStream(of: sequence, record: record, person: entry.number, links: streamLinks,
                                                linksOnly: &linksOnly, in: transaction)
            }
            guard let previous, previous < sequence else {
                throw LedgerError.damaged(sequence: sequence, reason: "the link in the stream of person number \(entry.number) does not lead back")
            }
            sequence = previous
            steps += 1
        }
    }

    /// The event before `sequence`, whose record is `record`, in person `number`'s stream (0: none):
    /// held by the record itself from version 3, for any event but a merge; else by `streamLinks`,
    /// which alone is read from here on (`linksOnly`) when the record is older than version 3.
    private func previousInStream(of sequence: UInt64, record: UnsafeRawBufferPointer, person number: UInt32, links: Database,
                                  linksOnly: inout Bool, in transaction: Transaction) throws -> UInt64
    {
        let step: (version: UInt8, personNumber: UInt32?, previousInStream: UInt64?)
        do { step = try EventCodec.streamStep(record) } catch { throw LedgerError.damaged(sequence: sequence, reason: error.description) }
        if let previous = step.previousInStream {
            guard step.personNumber == number else {
                throw LedgerError.damaged(sequence: sequence, reason: "the stream of person number \(number) leads to an event of another person")
            }
            linksOnly = false
            return previous
        }
        linksOnly = step.version < 3
        guard let value = try transaction.get(links, key: Keys.streamLink(sequence: sequence, person: number)) else {
            throw LedgerError.damaged(sequence: sequence, reason: "no streamLinks entry for person number \(number)")
        }
        return try Keys.stored(value, "the streamLinks entry of person number \(number)")
    }

    /// The events of `entry`'s stream and of the streams of `merged` (the persons merged into it),
    /// in sequence order, each once (a merge is in two streams), up to `limit`; each decoded from
    /// the record the walk read for its link, or read here. In an append transaction, `pending`
    /// holds the entries it has moved and not yet written.
    func streamEvents(of entry: PersonEntry, merged: [(number: UInt32, id: String)], upTo limit: UInt64,
                      in transaction: Transaction, pending: PendingPersonEntries? = nil) throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        events.reserveCapacity(Int(entry.version))
        for person in [entry] + (try merged.map { merged in
            guard let entry = try personEntry(merged.id, in: transaction, pending: pending), entry.number == merged.number else {
                throw LedgerError.damaged(sequence: nil, reason: "merged person \(merged.id) has no persons entry of number \(merged.number)")
            }
            return entry
        }) {
            try walkStream(of: person, in: transaction) { sequence, record in
                if sequence <= limit { events.append(try event(at: sequence, record: record, in: transaction)) }
                return true
            }
        }
        guard !merged.isEmpty else { return events.reversed() }
        var seen = Set<UInt64>()
        return events.sorted { $0.sequence < $1.sequence }.filter { seen.insert($0.sequence).inserted }
    }

    /// The event at `sequence`, decoded from `record` when the caller has read it, else read here.
    func event(at sequence: UInt64, record: UnsafeRawBufferPointer?, in transaction: Transaction) throws -> RecordedEvent {
        guard let record else {
            guard let recorded = try event(at: sequence, in: transaction) else {
                throw LedgerError.damaged(sequence: sequence, reason: "a stream names an event the log does not hold")
            }
            return recorded
        }
        return try Ledger.decode(record, at: sequence)
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

/// Where a ledger keeps each person's stream (docs/FORMAT.md).
enum StreamIndex {
    /// Format 2: `streamLinks`, each event's link to the one before it in its person's stream.
    case links(Database)
    /// Format 1: `streams`, each person's events by version; read as it is until a writable open
    /// upgrades the ledger.
    case versions(Database)

    var database: Database {
        switch self {
        case .links(let database), .versions(let database): return database
        }
    }

    /// The size of a `persons` entry in this format: format 1's stops before the newest sequence.
    var personEntryBytes: Int {
        switch self {
        case .links: return PersonEntry.byteCount
        case .versions: return PersonEntry.formatOneByteCount
        }
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
