import LedgerModel
import LedgerStorage

/// One thing `verify` found wrong: where (sequence, database) and what.
public struct VerifyProblem: Hashable, Sendable, CustomStringConvertible {
    public let sequence: UInt64?
    public let database: String
    public let reason: String

    public var description: String {
        (sequence.map { "sequence \($0)" } ?? "ledger") + " [\(database)]: \(reason)"
    }
}

/// What `verify` checked and found.
public struct VerifyReport: Sendable {
    public var eventsChecked: UInt64 = 0
    public var indexEntriesChecked: UInt64 = 0
    public var problems: [VerifyProblem] = []
    /// Problems beyond this many are counted, not listed.
    public static let listedProblemsLimit = 1000
    public var unlistedProblems = 0
    public var head = Head.empty

    public var isClean: Bool { problems.isEmpty && unlistedProblems == 0 }
    /// The databases with a problem so far, listed or not.
    private(set) var databasesWithProblems: Set<String> = []

    mutating func add(_ sequence: UInt64?, _ database: String, _ reason: String) {
        databasesWithProblems.insert(database)
        if problems.count < VerifyReport.listedProblemsLimit {
            problems.append(VerifyProblem(sequence: sequence, database: database, reason: reason))
        } else {
            unlistedProblems += 1
        }
    }
}

extension Ledger {
    /// Walks the whole log in one read snapshot: re-computes every event's hash and the chain, checks
    /// that each event decodes canonically, and that every index holds exactly the entries the log
    /// implies — each expected entry present and pointing at its event, and no entry more.
    /// - Parameter progress: called every 65 536 events with (events checked, head sequence).
    public func verify(progress: ((UInt64, UInt64) -> Void)? = nil) throws(LedgerError) -> VerifyReport {
        try verify(progress: progress, projectingThrough: nil).report
    }

    /// ``verify(progress:)``, and, with `projectingThrough`, the projection of the log's events up to
    /// that sequence folded into memory as the walk decodes them (for `replay --verify`, whose
    /// re-deciding thread is then spared the fold). The walk's snapshot may hold more of the log than
    /// the replay's; the events up to the replay's head are the same in both, and so is what the fold
    /// reads of the indexes for them (a person's number, a claim's settlement), which never changes
    /// once written. A record the walk cannot decode, or under a key that is not a sequence, is not
    /// folded: the report names it.
    func verify(progress: ((UInt64, UInt64) -> Void)?, projectingThrough last: UInt64?) throws(LedgerError)
        -> (report: VerifyReport, projection: MemoryAccumulatorStore?)
    {
        try read { transaction in
            // A process that opened the ledger before another upgraded it would read it by the old format.
            let marker = try transaction.get(meta, key: Keys.format).map(Array.init)
            guard marker == nil || marker == Ledger.formatMarker(format) else {
                throw LedgerError.unsupportedFormat(
                    found: String(decoding: marker ?? [], as: UTF8.self) + ", upgraded since this process opened the ledger: open it again")
            }
            var verifier = Verifier(ledger: self, transaction: transaction)
            if let last {
                verifier.projection = Projector(ledger: self, transaction: transaction, store: MemoryAccumulatorStore())
                verifier.projectedThrough = last
            }
            try verifier.walkLog(progress: progress)
            try verifier.checkIndexesAgainstLog()
            try verifier.checkMeta()
            return (verifier.report, verifier.projection?.store)
        }
    }
}

struct Verifier {
    let ledger: Ledger
    let transaction: Transaction
    var report = VerifyReport()
    /// What the log implies for `persons`.
    var persons: [String: PersonEntry] = [:]
    var personIDs: [UInt32: String] = [:]
    var expectedMerges: Set<[UInt8]> = []
    /// Each as the number its stored key's six bytes spell: year u16 ‖ person number u32.
    var expectedPersonYears: Set<UInt64> = []
    var expectedIDNumbers: Set<[UInt8]> = []
    var expectedPolicies = 0
    var expectedClaims = 0
    var expectedSources = 0
    /// The system numbers the log gives (format 5), in the order of each system's first event.
    var systemNumbering = SourceIndex.Numbering()
    var expectedStreamEntries = 0
    var counts = Array(repeating: UInt64(0), count: Appender.countSlots)
    var previousHash = Head.empty.hash
    /// Whether ``previousHash`` is the chain's own: false after a gap, a record too short or of no
    /// version this build reads, or a `chain` entry found wrong, until the next hash the ledger
    /// holds (a record's of version 1 to 3, `chain`'s), which the chain then goes on from without
    /// comparing it: one fault is reported once.
    var chainKnown = true
    /// The `chain` entries the walk looked up and found.
    var checkpointsFound = 0
    /// The hash the last record's bytes give, when it holds another (``chain(_:at:)``).
    var alternativeHash: [UInt8]?
    var lastRecordedAt = Timestamp(millisecondsSinceEpoch: 0)
    var lastSequence: UInt64 = 0
    /// The newest record version met so far: versions never go back along a log.
    var newestVersion: UInt8 = 0
    /// In a replay, the fold of each event up to ``projectedThrough`` as the walk decodes it.
    var projection: Projector<MemoryAccumulatorStore>?
    var projectedThrough: UInt64 = 0

    init(ledger: Ledger, transaction: Transaction) {
        self.ledger = ledger
        self.transaction = transaction
    }

    mutating func walkLog(progress: ((UInt64, UInt64) -> Void)?) throws {
        let headSequence = (try? ledger.head(in: transaction).sequence) ?? 0
        try transaction.withCursor(ledger.log) { cursor in
            var entry = try cursor.first()
            while let current = entry {
                try check(key: current.key, record: current.value)
                report.eventsChecked += 1
                if report.eventsChecked & 0xFFFF == 0 { progress?(report.eventsChecked, headSequence) }
                entry = try cursor.next()
            }
        }
        progress?(report.eventsChecked, headSequence)
    }

    /// One record of the log: its place in the chain (``chain(_:at:)``), then everything else
    /// about it (``checkRecord(_:at:)``), then the hash `chain` holds at its sequence, if a multiple
    /// of ``Ledger/chainInterval``. A record of version 4 reported for anything leaves the chain
    /// unknown (the walk cannot tell whether its bytes changed): the fault is reported once, there.
    private mutating func check(key: UnsafeRawBufferPointer, record: UnsafeRawBufferPointer) throws {
        guard key.count == 8 else {
            report.add(nil, "log", "a key of \(key.count) bytes is not a sequence")
            return
        }
        let sequence = Keys.uint64(key)
        if sequence != lastSequence + 1 {
            report.add(sequence, "log", "follows sequence \(lastSequence): the log has a gap")
            chainKnown = false
        }
        lastSequence = sequence
        let holdsHash = chain(record, at: sequence)
        let problemsBefore = report.problems.count + report.unlistedProblems
        try checkRecord(record, at: sequence)
        if !holdsHash && report.problems.count + report.unlistedProblems > problemsBefore { chainKnown = false }
        if sequence > 0, sequence % Ledger.chainInterval == 0, let checkpoints = ledger.checkpoints {
            try checkCheckpoint(at: sequence, in: checkpoints)
        }
    }

    /// Takes the chain one record on: from the hash the record holds (versions 1 to 3), compared
    /// with the chain's when known, else from the record's bytes. A record too short, of no version
    /// this build reads, or of version 1 to 3 after one of version 4 (whose last bytes would be
    /// taken for a hash) leaves the chain unknown. Returns whether the record holds its hash.
    private mutating func chain(_ record: UnsafeRawBufferPointer, at sequence: UInt64) -> Bool {
        alternativeHash = nil
        guard record.count > 1, record.count > 1 + EventCodec.storedHashBytes(version: record[0]),
            EventCodec.readableVersions.contains(record[0]),
            !(EventCodec.storedHashVersions.contains(record[0]) && newestVersion > EventCodec.storedHashVersions.upperBound)
        else {
            chainKnown = false
            return false
        }
        let computed = Ledger.chainHash(previous: previousHash, stored: EventCodec.hashed(record))
        guard let storedHash = EventCodec.storedHash(record) else {
            previousHash = computed
            return false
        }
        if chainKnown && computed != storedHash {
            report.add(sequence, "log", "hash does not match the event's bytes and the previous hash")
            // Its body or its hash changed: the chain goes on from the hash it holds, and a hash
            // held after it that is the one its bytes give is no second fault.
            alternativeHash = computed
        }
        previousHash = storedHash
        chainKnown = true
        return true
    }

    /// Everything the log says of one record but its place in the chain.
    private mutating func checkRecord(_ record: UnsafeRawBufferPointer, at sequence: UInt64) throws {
        let tooShort = record.count <= 1 || record.count <= EventCodec.storedHashBytes(version: record[0]) + 1
        if tooShort {
            report.add(sequence, "log", "record of \(record.count) bytes is too short")
            return
        }
        if record[0] < newestVersion {
            report.add(sequence, "log", "a record of version \(record[0]) after one of version \(newestVersion)")
        }
        if record[0] > EventCodec.storedHashVersions.upperBound && ledger.checkpoints == nil {
            report.add(sequence, "log", "a record of version \(record[0]) in a ledger of format \(ledger.format), which holds none")
        }
        newestVersion = max(newestVersion, record[0])
        let recorded: RecordedEvent
        do {
            recorded = try EventCodec.decode(record)
        } catch {
            report.add(sequence, "log", "does not decode: \(error)")
            return
        }
        if recorded.sequence != sequence {
            report.add(sequence, "log", "carries sequence \(recorded.sequence) under key \(sequence)")
        }
        if recorded.recordedAt < lastRecordedAt {
            report.add(sequence, "log", "recorded at \(recorded.recordedAt), before the event before it")
        }
        lastRecordedAt = recorded.recordedAt
        counts[Int(recorded.event.type.rawValue) % Appender.countSlots] += 1
        let number = try checkIndexes(of: recorded.event, sequence: sequence, personNumber: recorded.personNumber,
                                      previousInStream: recorded.previousInStream)
        if projection != nil && sequence <= projectedThrough { try project(recorded, number: number) }
    }

    /// Folds `recorded` into ``projection`` with the number the walk gave its person (`number`), which
    /// is the `persons` index's on a ledger that verifies; without one (a person the log never
    /// registered), the person is looked up in `persons`. The number a record holds is not trusted
    /// here: one that differs is reported, and the fold goes on as the append path folded the event.
    private mutating func project(_ recorded: RecordedEvent, number: UInt32?) throws {
        if let person = recorded.event.person, let number {
            try projection?.apply(recorded.event, person: person, number: number)
        } else {
            try projection?.apply(recorded.event)
        }
    }

    /// Log → index: every entry this event implies is present and points at it; the person number
    /// the record holds, if any, is the one its person was given, and so is the link to the
    /// previous event of its stream (`previousInStream`). Returns the number the walk gave the
    /// event's person, if it has one.
    private mutating func checkIndexes(of event: Event, sequence: UInt64, personNumber: UInt32?, previousInStream: UInt64?) throws
        -> UInt32?
    {
        if let source = event.source {
            expectedSources += 1
            let key: [UInt8]
            switch ledger.sourceIndex {
            case .numbered: key = Keys.source(system: systemNumbering.number(of: source.system), key: source.key)
            case .named: key = Keys.source(source)
            }
            try expect(ledger.sourceIndex.database, key, Keys.bigEndian(sequence), sequence, "source \(source.system)/\(source.key)")
        }
        if event.type == .policyPublished {
            expectedPolicies += 1
            try expect(ledger.policies, Keys.log(sequence), [], sequence, "policy index entry")
        }
        guard let person = event.person else { return nil }
        if event.type == .personRegistered, persons.index(forKey: person) == nil {
            let number = UInt32(persons.count + 1)
            persons[person] = PersonEntry(number: number, version: 0, mergedInto: 0, last: 0)
            personIDs[number] = person
            try expect(ledger.personNumbers, Keys.bigEndian(number), Array(person.utf8), sequence, "number \(number) of \(person)")
        }
        // Found once, and written back in place below: nothing is added to `persons` in between.
        guard let index = persons.index(forKey: person) else {
            report.add(sequence, "log", "event of unregistered person \(person)")
            return nil
        }
        var entry = persons.values[index]
        if let personNumber, personNumber != entry.number {
            report.add(sequence, "log", "holds person number \(personNumber) where \(person) is number \(entry.number)")
        }
        if let id = event.text(.idNumber), let idNumbers = ledger.idNumbers, try ledger.hasIDNumberIndex(in: transaction) {
            let key = Keys.idNumber(id, person: entry.number)
            if expectedIDNumbers.insert(key).inserted {
                try expect(idNumbers, key, Keys.bigEndian(sequence), sequence, "ID number of \(person)")
            }
        }
        let year = Appender.factYear(of: event)
        if let year, UInt16(exactly: year) == nil {
            // Only a damaged record holds one: the interchange refuses such a year.
            report.add(sequence, "log", "holds the year \(year), which no person-year key can hold")
        } else if let year {
            if expectedPersonYears.insert(UInt64(UInt16(year)) << 32 | UInt64(entry.number)).inserted {
                try expect(ledger.personYears, Keys.personYear(year: year, person: entry.number), Array(person.utf8), sequence,
                           "person-year \(year) of \(person)")
            }
        }
        try expectStreamEntry(of: person, &entry, at: sequence, heldInRecord: previousInStream)
        switch event.type {
        case .personMerged:
            if let survivor = event.text(.into), let survivorIndex = persons.index(forKey: survivor) {
                var survivorEntry = persons.values[survivorIndex]
                try expectStreamEntry(of: survivor, &survivorEntry, at: sequence)
                persons.values[survivorIndex] = survivorEntry
                let key = Keys.merge(survivor: survivorEntry.number, merged: entry.number)
                expectedMerges.insert(key)
                try expect(ledger.merges, key, Keys.bigEndian(sequence) + Array(person.utf8), sequence, "merge of \(person) into \(survivor)")
                entry.mergedInto = survivorEntry.number
            }
        case .settlementRecorded, .settlementReversed:
            try checkClaimEntry(of: event, sequence: sequence)
        default:
            break
        }
        persons.values[index] = entry
        return entry.number
    }

    /// A settlement's or a reversal's entry in `claims` names it.
    private mutating func checkClaimEntry(of event: Event, sequence: UInt64) throws {
        guard let claim = event.text(.claim) else { return }
        let stored = try transaction.get(ledger.claims, key: Array(claim.utf8))
        let entry = stored.flatMap(ClaimEntry.init)
        if event.type == .settlementReversed {
            if entry?.reversal != sequence { report.add(sequence, "claims", "claim \(claim) does not record this reversal") }
            return
        }
        expectedClaims += 1
        if let entry, let stored {
            if entry.settlement != sequence { report.add(sequence, "claims", "claim \(claim) points at \(entry.settlement)") }
            // Format 5 keeps a reversal's 8 bytes only for a claim reversed; the formats before, always.
            let due = ledger.format < 5 || entry.reversal != 0 ? 16 : 8
            if stored.count != due { report.add(sequence, "claims", "the entry of claim \(claim) is \(stored.count) bytes where \(due) are due") }
        } else {
            report.add(sequence, "claims", "claim \(claim) has no index entry")
        }
    }

    /// The event at `sequence` is the next of `person`'s stream: its link to the one before, held in
    /// its record (`heldInRecord`, a record of version 3 or 4) or in `streamLinks` (format 2 and up), or
    /// its version's entry (format 1).
    private mutating func expectStreamEntry(of person: String, _ entry: inout PersonEntry, at sequence: UInt64,
                                            heldInRecord: UInt64? = nil) throws {
        entry.version += 1
        if let held = heldInRecord {
            if held != entry.last {
                report.add(sequence, "log", "links \(person)'s stream version \(entry.version) to \(held), not to \(entry.last)")
            }
            entry.last = sequence
            return
        }
        expectedStreamEntries += 1
        switch ledger.streamIndex {
        case .links(let streamLinks):
            try expect(streamLinks, Keys.streamLink(sequence: sequence, person: entry.number), Keys.bigEndian(entry.last),
                       sequence, "link of \(person)'s stream version \(entry.version)")
            entry.last = sequence
        case .versions(let streams):
            try expect(streams, Keys.stream(person: entry.number, version: entry.version), Keys.bigEndian(sequence),
                       sequence, "stream \(person) version \(entry.version)")
        }
    }

    /// `what` names the entry in a problem; it is made only for one.
    private mutating func expect(_ database: Database, _ key: [UInt8], _ value: [UInt8], _ sequence: UInt64,
                                 _ what: @autoclosure () -> String) throws {
        guard let stored = try transaction.get(database, key: key) else {
            report.add(sequence, database.name, "\(what()) has no index entry")
            return
        }
        report.indexEntriesChecked += 1
        if !stored.elementsEqual(value) {
            report.add(sequence, database.name, "\(what()) points elsewhere")
        }
    }

    /// Index → log: no entry more than the log implies, and each names the event that implies it.
    /// Log → `chain`: the hash held for `sequence`, a multiple of ``Ledger/chainInterval``, is the
    /// chain's there. A record of version 4 changed since it was written shows here, at the first
    /// multiple after it, or at the head.
    private mutating func checkCheckpoint(at sequence: UInt64, in checkpoints: Database) throws {
        guard let held = try transaction.get(checkpoints, key: Keys.log(sequence)) else {
            report.add(sequence, "chain", "holds no hash for this sequence")
            return
        }
        checkpointsFound += 1
        guard held.count == EventCodec.hashBytes else {
            report.add(sequence, "chain", "holds \(held.count) bytes for this sequence, not a hash")
            return
        }
        if !chainKnown || alternativeHash.map(held.elementsEqual) == true {
            previousHash = Array(held)
            chainKnown = true
        } else if !held.elementsEqual(previousHash) {
            report.add(sequence, "chain", "holds a hash the log's events up to here do not give: an event since sequence "
                       + "\(sequence - Ledger.chainInterval + 1) differs from what was appended, or the hash was changed")
            // Which of the two, the walk cannot tell: it goes on to the next hash the ledger holds unchecked.
            chainKnown = false
        }
    }

    mutating func checkIndexesAgainstLog() throws {
        var report = self.report
        defer { self.report = report }
        if ledger.checkpoints == nil, let chain = ledger.chain, try transaction.count(chain) != 0 {
            report.add(nil, "chain", "holds entries in a ledger of format \(ledger.format)")
        }
        if let checkpoints = ledger.checkpoints {
            // The walk looked up the entry of every multiple the log holds; an entry at another key is one more.
            try scan(checkpoints, implied: checkpointsFound, into: &report) { key, _, report in
                let sequence = key.count == 8 ? Keys.uint64(key) : nil
                // At a multiple the log lacks, the gap is reported there.
                guard let sequence, sequence > 0, sequence % Ledger.chainInterval == 0, sequence <= lastSequence else {
                    report.add(sequence, "chain", "entry at a sequence that is not a multiple of \(Ledger.chainInterval) in the log"); return
                }
            }
        }
        try scan(ledger.persons, into: &report) { key, value, report in
            let person = String(decoding: key, as: UTF8.self)
            guard let expected = persons[person] else {
                report.add(nil, "persons", "entry for \(person), whom the log never registered"); return
            }
            if PersonEntry(value, byteCount: ledger.streamIndex.personEntryBytes) != expected { report.add(nil, "persons", "entry for \(person) differs from the log") }
        }
        try scanStreams(into: &report)
        try scanSources(into: &report)
        try scan(ledger.claims, implied: expectedClaims, into: &report) { key, value, report in
            guard let entry = ClaimEntry(value) else { report.add(nil, "claims", "entry of \(value.count) bytes"); return }
            let claim = String(decoding: key, as: UTF8.self)
            guard let stored = try? ledger.event(at: entry.settlement, in: transaction),
                stored.event.type == .settlementRecorded, stored.event.text(.claim) == claim
            else { report.add(entry.settlement, "claims", "entry for \(claim) names no settlement of that claim"); return }
        }
        try scan(ledger.merges, into: &report) { key, _, report in
            if !expectedMerges.contains(Array(key)) { report.add(nil, "merges", "entry the log does not imply") }
        }
        try scan(ledger.personYears, into: &report) { key, _, report in
            guard key.count == 6, expectedPersonYears.contains(UInt64(Keys.uint16(key)) << 32 | UInt64(Keys.uint32(key, at: 2))) else {
                report.add(nil, "personYears", "entry the log does not imply"); return
            }
        }
        try scan(ledger.personNumbers, implied: persons.count, into: &report) { key, value, report in
            guard key.count == 4, personIDs[Keys.uint32(key)].map({ Array($0.utf8) == Array(value) }) == true else {
                report.add(nil, "personNumbers", "entry the log does not imply"); return
            }
        }
        try scan(ledger.policies, into: &report) { key, _, report in
            let sequence = key.count == 8 ? Keys.uint64(key) : 0
            guard (try? ledger.event(at: sequence, in: transaction))??.event.type == .policyPublished else {
                report.add(sequence, "policies", "entry names no policy.published event"); return
            }
        }
        if let idNumbers = ledger.idNumbers, try ledger.hasIDNumberIndex(in: transaction) {
            try scan(idNumbers, into: &report) { key, value, report in
                if !expectedIDNumbers.contains(Array(key)) { report.add(nil, "idNumbers", "entry the log does not imply") }
            }
            let actual = try transaction.count(idNumbers)
            if actual != expectedIDNumbers.count {
                report.add(nil, "idNumbers", "holds \(actual) entries, the log implies \(expectedIDNumbers.count)")
            }
        }
        for (database, expected) in [(ledger.streamIndex.database, expectedStreamEntries), (ledger.sourceIndex.database, expectedSources),
                                     (ledger.claims, expectedClaims), (ledger.persons, persons.count),
                                     (ledger.personNumbers, persons.count), (ledger.policies, expectedPolicies),
                                     (ledger.personYears, expectedPersonYears.count), (ledger.merges, expectedMerges.count)] {
            let actual = try transaction.count(database)
            if actual != expected {
                report.add(nil, database.name, "holds \(actual) entries, the log implies \(expected)")
            }
        }
    }

    /// Index → log for the sources: each entry names an event of that source; in format 5, `systems`
    /// gives each system the log names the number the log gives it, and no other entry, and the
    /// `sources` of an older format is empty.
    private func scanSources(into report: inout VerifyReport) throws {
        let index = ledger.sourceIndex, name = index.database.name
        try scan(index.database, implied: expectedSources, into: &report) { key, value, report in
            guard value.count == 8 else { report.add(nil, name, "entry of \(value.count) bytes"); return }
            let sequence = Keys.uint64(value)
            let source = (try? ledger.event(at: sequence, in: transaction))??.event.source
            let implied = source.flatMap { source -> [UInt8]? in
                switch index {
                case .numbered: return systemNumbering.numbers[SystemName(source.system)].map { Keys.source(system: $0, key: source.key) }
                case .named: return Keys.source(source)
                }
            }
            if implied.map({ $0.elementsEqual(key) }) != true {
                report.add(sequence, name, "entry does not match the source of the event it names")
            }
        }
        guard let systems = index.systems else { return }
        var unmet = systemNumbering.numbers
        try scan(systems, into: &report) { key, value, report in
            let system = String(decoding: key, as: UTF8.self)
            guard let number = unmet.removeValue(forKey: SystemName(system)) else {
                report.add(nil, "systems", "entry for \(system), a system no event names"); return
            }
            if Keys.systemNumber(value) != number {
                report.add(nil, "systems", "entry for \(system) is not number \(number), which its first event gives it")
            }
        }
        for (system, number) in unmet.sorted(by: { $0.value < $1.value }) {
            report.add(nil, "systems", "\(system.text), number \(number), has no entry")
        }
        if let sources = ledger.namedSources, try transaction.count(sources) != 0 {
            report.add(nil, "sources", "holds entries in a ledger of format \(ledger.format)")
        }
    }

    /// Index → log for each person's stream: `streamLinks` (format 2) or `streams` (format 1).
    private func scanStreams(into report: inout VerifyReport) throws {
        switch ledger.streamIndex {
        case .links(let streamLinks):
            try scan(streamLinks, implied: expectedStreamEntries, into: &report) { key, _, report in
                let sequence = key.count == 12 ? Keys.uint64(key) : nil
                guard let sequence, let person = personIDs[Keys.uint32(key, at: 8)], let entry = persons[person],
                    sequence <= entry.last
                else { report.add(sequence, "streamLinks", "entry the log does not imply"); return }
            }
            // Emptied by the upgrade from format 1.
            if let streams = ledger.streams, try transaction.count(streams) != 0 {
                report.add(nil, "streams", "holds entries in a ledger of format 2")
            }
        case .versions(let streams):
            try scan(streams, implied: expectedStreamEntries, into: &report) { key, value, report in
                let sequence = value.count == 8 ? Keys.uint64(value) : nil
                guard key.count == 8, let person = personIDs[Keys.uint32(key)], let entry = persons[person],
                    (1...max(entry.version, 1)).contains(Keys.uint32(key, at: 4)), entry.version > 0
                else { report.add(sequence, "streams", "entry the log does not imply"); return }
            }
        }
    }

    /// Walks `database`, entry by entry, through `body`.
    ///
    /// Given `implied`, the number of entries the log implies, the walk is skipped when it could find
    /// nothing. The walk through the log looked up every entry the log implies, each under a key of
    /// its own (a person's versions, a source, a claim and a person's number are each implied once;
    /// an event sharing another's is reported there), and found it pointing at its event. When it
    /// found no problem in `database` and the database holds exactly `implied` entries, it holds
    /// those and no other: they count as checked. Otherwise the walk names what is wrong. The walks
    /// skipped this way are the dearest: one read of the log at random for each source and claim.
    private func scan(
        _ database: Database, implied: Int? = nil, into report: inout VerifyReport,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, inout VerifyReport) throws -> Void
    ) throws {
        if let implied, !report.databasesWithProblems.contains(database.name) {
            let entries = try transaction.count(database)
            if entries == implied {
                report.indexEntriesChecked += UInt64(entries)
                return
            }
        }
        try transaction.withCursor(database) { cursor in
            var entry = try cursor.first()
            while let current = entry {
                try body(current.key, current.value, &report)
                report.indexEntriesChecked += 1
                entry = try cursor.next()
            }
        }
    }

    mutating func checkMeta() throws {
        let head: Head
        do { head = try ledger.head(in: transaction) } catch {
            report.add(nil, "meta", "head does not decode")
            return
        }
        report.head = head
        if head.sequence != lastSequence { report.add(head.sequence, "meta", "head names sequence \(head.sequence), the log ends at \(lastSequence)") }
        // After a fault reported since the last hash the ledger holds, or with the last event
        // missing, the head's hash cannot be checked.
        if chainKnown && head.sequence == lastSequence && head.hash != previousHash
            && alternativeHash.map(head.hash.elementsEqual) != true {
            report.add(head.sequence, "meta", "head hash differs from the last event's hash, as the chain of the log's events gives it")
        }
        let storedCounts = (try? ledger.counts(in: transaction)) ?? []
        if storedCounts != counts { report.add(nil, "meta", "event counts per type differ from the log") }
    }
}
