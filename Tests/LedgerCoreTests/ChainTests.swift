import LedgerCore
import LedgerModel
import LedgerStorage
import Testing

/// Records of version 4 do not hold their chain hash: `chain` holds it at every 64th sequence, and
/// every reader works it out from there (docs/FORMAT.md § The event record).
@Suite struct ChainTests {
    /// A ledger of more than three times 64 events, the last claims decided after them.
    func longLedger() throws -> Ledger {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        var lines = (0..<60).map { Line.registered("P\($0)") } + (0..<60).map { Line.enrolled("P\($0)") }
        lines += (0..<60).map { Line.claim("P\($0)", "c\($0)", on: "2024-03-01", inList: "5000", basic: "2000") }
        try ledger.append(lines: lines)
        #expect(try ledger.head().sequence > 3 * 64)
        return ledger
    }

    /// Each event's hash from a walk that starts anywhere, and from the look-up of one sequence,
    /// is the hash a walk from the first event gives it, and the head's is the last.
    @Test func theHashAtAnySequenceIsTheOneTheWholeChainGives() throws {
        let ledger = try longLedger()
        var whole: [UInt64: [UInt8]] = [:]
        try ledger.forEachEvent(withHashes: true) { whole[$0.sequence] = $0.hash }
        let head = try ledger.head()
        #expect(whole.count == Int(head.sequence) && whole[head.sequence] == head.hash)
        for start: UInt64 in [1, 2, 63, 64, 65, 128, 130, head.sequence] {
            var from: [UInt64: [UInt8]] = [:]
            try ledger.forEachEvent(from: start, withHashes: true) { from[$0.sequence] = $0.hash }
            #expect(from == whole.filter { $0.key >= start }, "a walk from \(start)")
        }
        let sequences: [UInt64] = [0, 1, 63, 64, 65, 127, 128, 129, head.sequence]
        let looked = try ledger.snapshot { view in try sequences.map { try view.chainHash(at: $0) } }
        #expect(looked == sequences.map { whole[$0] ?? [UInt8](repeating: 0, count: 32) }, "one sequence's hash, looked up")
        // The records hold none of it.
        let log = ledger.environment.database("log")
        let record = try #require(try ledger.environment.read { try $0.get(log, key: bigEndian(70)).map(Array.init) })
        let decoded = try record.withUnsafeBytes { try EventCodec.decode($0) }
        #expect(record[0] == 4 && decoded.hash == nil)
    }

    /// An event changed so that it still decodes and agrees with every index is found by the
    /// chain: at the first multiple of 64 after it, naming where the changed span starts, once.
    @Test func aChangedEventIsFoundAtTheNextHashTheChainHolds() throws {
        let ledger = try longLedger()
        let log = ledger.environment.database("log")
        // A claim's hospital, which no index and no projection reads.
        var target: RecordedEvent?
        try ledger.forEachEvent { if target == nil && $0.sequence > 64 && $0.sequence % 64 != 0 && $0.event.type == .settlementRecorded { target = $0 } }
        let claim = try #require(target)
        var fields = claim.event.fields
        fields[.hospital] = .text("H2")
        let changed = Event(type: claim.event.type, source: claim.event.source, person: claim.event.person, fields: fields)
        let original = try #require(try ledger.environment.read { try $0.get(log, key: bigEndian(claim.sequence)).map(Array.init) })
        let forged = EventCodec.encode(changed, sequence: claim.sequence, recordedAt: claim.recordedAt, personNumber: claim.personNumber,
                                       previousInStream: claim.previousInStream ?? 0)
        try ledger.environment.write { try $0.put(log, key: bigEndian(claim.sequence), value: forged) }
        let multiple = (claim.sequence / 64 + 1) * 64
        let problems = try ledger.verify().problems
        #expect(problems.map(\.sequence) == [multiple] && problems.first?.database == "chain", "\(problems)")
        #expect(problems.first?.reason.contains("an event since sequence \(multiple - 63) differs") == true, "\(problems)")
        #expect(try ledger.replayVerify().chain.problems == problems)
        try ledger.environment.write { try $0.put(log, key: bigEndian(claim.sequence), value: original) }
        #expect(try ledger.verify().isClean)
    }

    /// `chain` holds exactly the hash at every multiple of 64: one changed, missing, or at another
    /// sequence is reported there.
    @Test func aDamagedChainEntryIsReported() throws {
        let ledger = try longLedger()
        let chain = ledger.environment.database("chain")
        let held = try #require(try ledger.environment.read { try $0.get(chain, key: bigEndian(128)).map(Array.init) })
        let atSixtyFour = try ledger.snapshot { try $0.chainHash(at: 64) }
        var changed = held
        changed[0] ^= 1
        try ledger.environment.write { try $0.put(chain, key: bigEndian(128), value: changed) }
        let problems = try ledger.verify().problems
        #expect(problems.count == 1 && problems.first?.sequence == 128 && problems.first?.database == "chain"
                    && problems.first?.reason.contains("do not give") == true, "reported once, not again at the next: \(problems)")
        #expect(try ledger.snapshot { try $0.chainHash(at: 64) } == atSixtyFour, "the hashes below it do not read it")

        try ledger.environment.write { _ = try $0.delete(chain, key: bigEndian(128)) }
        #expect(try ledger.verify().problems.map(\.description) == ["sequence 128 [chain]: holds no hash for this sequence"])
        #expect(throws: LedgerError.self) { try ledger.snapshot { try $0.chainHash(at: 130) } }

        try ledger.environment.write { try $0.put(chain, key: bigEndian(128), value: held) }
        #expect(try ledger.verify().isClean)
        try ledger.environment.write { try $0.put(chain, key: bigEndian(100), value: held) }
        #expect(try ledger.verify().problems.contains { $0.sequence == 100 && $0.database == "chain" && $0.reason.contains("not a multiple of 64") })
    }

    /// A gap in the log is reported where it is; the chain, which cannot be known past it, goes on
    /// from the next hash the ledger holds without a report of its own, and the entry `chain` holds
    /// at a missing multiple of 64 is left to the gap.
    @Test func aGapInTheLogIsReportedOnceNotAgainByTheChain() throws {
        let ledger = try longLedger()
        let log = ledger.environment.database("log")
        for missing: UInt64 in [70, 128] {
            let record = try #require(try ledger.environment.read { try $0.get(log, key: bigEndian(missing)).map(Array.init) })
            try ledger.environment.write { _ = try $0.delete(log, key: bigEndian(missing)) }
            let problems = try ledger.verify().problems
            #expect(problems.contains { $0.sequence == missing + 1 && $0.reason.contains("the log has a gap") }, "\(problems)")
            #expect(!problems.contains { $0.database == "chain" || ($0.database == "meta" && $0.reason.contains("hash")) },
                    "\(missing): \(problems)")
            #expect(throws: LedgerError.self) { try ledger.forEachEvent(from: missing - 1, withHashes: true) { _ in } }
            try ledger.environment.write { try $0.put(log, key: bigEndian(missing), value: record) }
        }
        #expect(try ledger.verify().isClean)
    }

    /// A record of version 4 that no longer decodes is reported at its sequence: the chain, which
    /// its bytes no longer give, is not blamed again at the next multiple of 64 or at the head.
    @Test func aRecordThatDoesNotDecodeIsNotBlamedAgainByTheChain() throws {
        let ledger = try longLedger()
        let log = ledger.environment.database("log")
        var target: UInt64?
        try ledger.forEachEvent { if target == nil && $0.sequence > 64 && $0.sequence % 64 != 0 && !$0.event.type.isInput { target = $0.sequence } }
        let decision = try #require(target)
        let original = try #require(try ledger.environment.read { try $0.get(log, key: bigEndian(decision)).map(Array.init) })
        try ledger.environment.write { try $0.put(log, key: bigEndian(decision), value: original + [0x08, 0x01]) }
        let problems = try ledger.verify().problems
        #expect(problems.contains { $0.sequence == decision && $0.reason.hasPrefix("does not decode") }, "\(problems)")
        #expect(!problems.contains { $0.database == "chain" || ($0.database == "meta" && $0.reason.contains("hash")) }, "\(problems)")
        try ledger.environment.write { try $0.put(log, key: bigEndian(decision), value: original) }
        #expect(try ledger.verify().isClean)
    }

    /// A ledger marked format 5 (one flipped bit of its marker) that holds records of version 4
    /// and a `chain` is reported, not read as a ledger of format 5 whose records hold their hashes.
    @Test func aFormatMarkerThatDoesNotFitTheLogIsReported() throws {
        let path = temporaryDirectory()
        do {
            let ledger = try Ledger.open(at: path, create: true)
            var lines = (0..<60).map { Line.registered("P\($0)") }
            lines += (0..<60).map { Line.enrolled("P\($0)") }
            try ledger.append(lines: lines)
        }
        let environment = try Environment(path: path, databases: [DatabaseSpec("meta")])
        try environment.write { try $0.put(environment.database("meta"), key: Array("format".utf8), value: Array("caseledger 5".utf8)) }
        let problems = try Ledger.open(at: path, readOnly: true).verify().problems
        #expect(problems.contains { $0.database == "log" && $0.reason == "a record of version 4 in a ledger of format 5, which holds none" },
                "\(problems)")
        #expect(problems.contains { $0.database == "chain" && $0.reason == "holds entries in a ledger of format 5" }, "\(problems)")
    }

    /// A walk that starts past the head, as `export --from` may, finds nothing and is no damage.
    @Test func aWalkFromPastTheHeadFindsNothing() throws {
        let ledger = try longLedger()
        let head = try ledger.head().sequence
        var found = 0
        try ledger.forEachEvent(from: head + 100, withHashes: true) { _ in found += 1 }
        try ledger.forEachEvent(from: head, withHashes: true) { _ in found += 1 }
        #expect(found == 1)
    }

    /// An export imported again into its own ledger skips every fact as a duplicate and checks each
    /// decision's stamp against the hash the chain gives at its sequence, none of them written by
    /// that import; a decision's stamp that differs is refused.
    @Test func anExportImportedIntoItsOwnLedgerChecksEachDecisionsHash() throws {
        let ledger = try longLedger()
        var lines: [String] = []
        try ledger.forEachEvent(withHashes: true) { lines.append(Interchange.render($0.event, stamp: $0)) }
        let head = try ledger.head()
        let summary = try ledger.append(submissions(lines), recordedAt: head.recordedAt)
        #expect(summary.appended == 0 && summary.duplicates > 0)
        #expect(try ledger.head() == head)

        let index = try #require(lines.lastIndex { $0.contains("\"type\":\"assistance.granted\"") })
        let hash = try #require(lines[index].firstMatch(of: /"hash":"([0-9a-f]{64})"/)).1
        lines[index] = lines[index].replacingOccurrences(of: String(hash), with: String(repeating: "0", count: 64))
        #expect {
            try ledger.append(submissions(lines), recordedAt: head.recordedAt)
        } throws: { error in
            guard case LedgerError.refused(let problems) = error else { return false }
            return problems.map(\.line) == [index + 1] && problems.first?.field == "ledger.hash"
        }
    }
}
