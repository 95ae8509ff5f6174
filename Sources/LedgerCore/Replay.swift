import Crypto
import Dispatch
import LedgerModel
import LedgerRules
import LedgerStorage

/// What `replay --verify` re-derived and found different from what is stored.
public struct ReplayReport: Sendable {
    public var events: UInt64 = 0
    public var decisionsChecked: UInt64 = 0
    /// Each decision that differs, is missing or is more than the rules give, by sequence.
    public var decisionProblems: [VerifyProblem] = []
    public var storedDigest = ""
    public var rebuiltDigest = ""
    /// Person-years whose stored accumulator differs from the rebuilt one.
    public var projectionDifferences: [String] = []
    public var chain = VerifyReport()

    public var isClean: Bool {
        decisionProblems.isEmpty && storedDigest == rebuiltDigest && projectionDifferences.isEmpty && chain.isClean
    }
}

extension Ledger {
    /// Re-decides every decision from the log alone (with the parameters recorded in it), rebuilds
    /// the projection into scratch memory, re-checks the chain and every index, and reports each
    /// difference from what is stored.
    public func replayVerify(progress: ((UInt64, UInt64) -> Void)? = nil) throws(LedgerError) -> ReplayReport {
        var report = ReplayReport()
        try read { transaction in
            let head = try head(in: transaction).sequence
            // The chain and index check reads the same log on the second core while this thread
            // re-decides, and folds the projection as it goes, through this snapshot's head: the two
            // share nothing but the read-only map.
            let chain = LockedValue<Result<(report: VerifyReport, projection: MemoryAccumulatorStore?), LedgerError>?>(nil)
            let checked = DispatchGroup()
            DispatchQueue.global().async(group: checked) { [self] in
                let result = Result { () throws(LedgerError) in try verify(progress: nil, projectingThrough: head) }
                chain.withLock { $0 = result }
            }
            defer { checked.wait() }
            let inUse = HistoryCache(workingLimit: min(historiesInUse, HistoryCache.replayWorkingLimit / 2) * 2)
            var engine = try DecisionEngine(ledger: self, transaction: transaction, upTo: 0, histories: inUse)
            engine.registeredPersons = 0
            var expected: [Event] = []
            var cause: UInt64 = 0
            func missing(_ events: [Event]) {
                for event in events {
                    report.decisionProblems.append(VerifyProblem(sequence: cause, database: "decisions",
                        reason: "the rules give a \(event.type.name) for \(event.person ?? "?") that the log does not hold"))
                }
            }
            try transaction.withCursor(log) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    let recorded = try EventCodec.decode(current.value)
                    let event = recorded.event
                    report.events += 1
                    engine.observe(event, sequence: recorded.sequence)
                    if event.type.isInput {
                        missing(expected)
                        cause = recorded.sequence
                        expected = try engine.decisions(after: event, sequence: recorded.sequence)
                    } else if event.type.isDecision {
                        report.decisionsChecked += 1
                        if expected.isEmpty {
                            report.decisionProblems.append(VerifyProblem(sequence: recorded.sequence, database: "decisions",
                                reason: "a \(event.type.name) the rules do not give"))
                        } else {
                            let want = expected.removeFirst()
                            if want != event {
                                report.decisionProblems.append(VerifyProblem(sequence: recorded.sequence, database: "decisions",
                                    reason: "recorded \(event.type.name) differs from the re-decided one in " + Ledger.differences(event, want)))
                            }
                        }
                    }
                    if report.events & 0xFFFF == 0 { progress?(report.events, head) }
                    entry = try cursor.next()
                }
            }
            missing(expected)
            progress?(report.events, head)
            checked.wait()
            let projection: MemoryAccumulatorStore
            switch chain.withLock({ $0 }) {
            case .success(let verified)?:
                report.chain = verified.report
                guard let projected = verified.projection else { preconditionFailure("the chain check was asked to project") }
                projection = projected
            case .failure(let error)?: throw error
            case nil: preconditionFailure("the chain check has finished")
            }
            try compare(storedIn: transaction, rebuilt: projection, into: &report)
        }
        return report
    }

    /// The digests of the stored and the re-projected accumulators, and the person-years where they
    /// differ (the first 1 000), in one walk in key order: the stored ones as the cursor gives them,
    /// the rebuilt ones in ``AccumulatorKey`` order, whose big-endian bytes sort as the stored keys do.
    func compare(storedIn transaction: Transaction, rebuilt: MemoryAccumulatorStore, into report: inout ReplayReport) throws {
        let database = try liveAccumulators(in: transaction)
        // The keys alone, in order: a city's accumulators are not copied.
        let keys = rebuilt.keys
        var storedDigest = AccumulatorDigest()
        var rebuiltDigest = AccumulatorDigest()
        func differ(_ accumulator: Accumulator) {
            if report.projectionDifferences.count < 1000 {
                report.projectionDifferences.append("\(accumulator.person) \(accumulator.year)")
            }
        }
        var next = 0
        try transaction.withCursor(database) { cursor in
            var entry = try cursor.first()
            while let current = entry {
                guard let accumulator = Accumulator(encoded: current.value) else {
                    throw LedgerError.damaged(sequence: nil, reason: "an accumulator in \(database.name) does not decode")
                }
                storedDigest.add(key: current.key, value: accumulator.encoded)
                // Rebuilt person-years the store lacks come before this key; a stored key of
                // another length matches none of them.
                let key = AccumulatorKey(current.key)
                while next < keys.count, key.map({ keys[next] < $0 }) ?? keys[next].bytes.lexicographicallyPrecedes(current.key) {
                    rebuiltDigest.add(keys[next], rebuilt[keys[next]]!)
                    differ(rebuilt[keys[next]]!)
                    next += 1
                }
                if next < keys.count, keys[next] == key, let value = rebuilt[keys[next]] {
                    rebuiltDigest.add(keys[next], value)
                    if value != accumulator { differ(accumulator) }
                    next += 1
                } else {
                    differ(accumulator)
                }
                entry = try cursor.next()
            }
        }
        while next < keys.count {
            rebuiltDigest.add(keys[next], rebuilt[keys[next]]!)
            differ(rebuilt[keys[next]]!)
            next += 1
        }
        report.storedDigest = storedDigest.hex
        report.rebuiltDigest = rebuiltDigest.hex
    }

    static func differences(_ lhs: Event, _ rhs: Event) -> String {
        if lhs.type != rhs.type { return "type (\(rhs.type.name) expected)" }
        if lhs.person != rhs.person { return "person (\(rhs.person ?? "-") expected)" }
        let fields = Set(lhs.fields.keys).union(rhs.fields.keys).filter { lhs[$0] != rhs[$0] }.sorted()
        return fields.map { field in
            let expected = rhs[field].map { Interchange.text(of: $0, field: field) } ?? "absent"
            return "\(field.jsonName) (\(expected) expected)"
        }.joined(separator: ", ")
    }

    /// The accumulators as they stood at sequence `limit`, rebuilt in memory from the log.
    public func accumulators(upTo limit: UInt64) throws(LedgerError) -> [Accumulator] {
        try read { transaction in
            var projector = Projector(ledger: self, transaction: transaction, store: MemoryAccumulatorStore())
            try transaction.withCursor(log) { cursor in
                var entry = try cursor.first()
                while let current = entry, try Keys.stored(current.key, "a log key") <= limit {
                    try projector.apply(try EventCodec.decode(current.value).event)
                    entry = try cursor.next()
                }
            }
            // Person number ‖ year big-endian: the order of the stored keys.
            return projector.store.keys.map { projector.store[$0]! }
        }
    }

}

/// SHA-256 over accumulators in key order: key ‖ encoded value, each length-prefixed (docs/FORMAT.md).
struct AccumulatorDigest {
    private var hasher = SHA256()
    private var buffer: [UInt8] = []

    mutating func add(_ key: AccumulatorKey, _ accumulator: Accumulator) {
        key.withBytes { add(key: $0, value: accumulator.encoded) }
    }

    mutating func add(key: UnsafeRawBufferPointer, value: [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        Varints.append(Int64(key.count), to: &buffer)
        buffer.append(contentsOf: key)
        Varints.append(Int64(value.count), to: &buffer)
        buffer.append(contentsOf: value)
        hasher.update(data: buffer)
    }

    var hex: String { hexString(hasher.finalize()) }
}
