import LedgerModel
import LedgerStorage

/// Every event's chain hash follows from the records before it: SHA-256 of the previous event's
/// hash and the event's stored bytes (docs/FORMAT.md § The event record). Records of version 4 do
/// not hold it. `chain` holds it at every ``Ledger/chainInterval``-th sequence and `meta`'s head at
/// the last, so the hash at any sequence is worked out from at most 63 records, and `verify` and
/// `replay --verify`, which re-compute the whole chain, check it at each of those.
extension Ledger {
    /// The sequences whose hash `chain` holds are its multiples.
    static let chainInterval: UInt64 = 64

    /// `chain` in a ledger of format 6; nil in one of an older format opened read-only, whose
    /// records all hold their hashes.
    var checkpoints: Database? { format >= 6 ? chain : nil }

    /// The chain hash after `record`, `previous` being the one before it: the hash the record holds
    /// (versions 1 to 3), else SHA-256 of `previous` and the record.
    @inline(__always)
    static func chainHash(after previous: [UInt8], record: UnsafeRawBufferPointer) -> [UInt8] {
        EventCodec.storedHash(record) ?? chainHash(previous: previous, stored: EventCodec.hashed(record))
    }

    /// The chain hash of the event at `sequence` (32 zero bytes for 0), worked out along the records
    /// after the multiple of ``chainInterval`` at or below it, from that one's hash
    /// (``anchorHash(at:in:)``). A record that holds its hash gives it.
    /// - Throws: ``LedgerError/damaged(sequence:reason:)`` for an event or a hash that is missing.
    func chainHash(at sequence: UInt64, in transaction: Transaction) throws -> [UInt8] {
        let start = sequence - sequence % Ledger.chainInterval
        var hash = start == 0 ? Head.empty.hash : try anchorHash(at: start, in: transaction)
        guard start < sequence else { return hash }
        try transaction.withCursor(log) { cursor in
            var entry = try cursor.seek(atLeast: Keys.log(start + 1))
            for expected in (start + 1)...sequence {
                guard let current = entry, current.key.count == 8, Keys.uint64(current.key) == expected else {
                    throw LedgerError.damaged(sequence: expected, reason: "missing from the log")
                }
                hash = Ledger.chainHash(after: hash, record: current.value)
                entry = try cursor.next()
            }
        }
        return hash
    }

    /// The hash at `sequence`, a multiple of ``chainInterval``: the one its record holds (versions
    /// 1 to 3), else the one `chain` holds. A process that opened a ledger of format 5 before another
    /// upgraded it has no `chain` to read: it is told to open the ledger again.
    private func anchorHash(at sequence: UInt64, in transaction: Transaction) throws -> [UInt8] {
        guard let record = try transaction.get(log, key: Keys.log(sequence)) else {
            throw LedgerError.damaged(sequence: sequence, reason: "missing from the log")
        }
        if let stored = EventCodec.storedHash(record) { return stored }
        guard record.first.map({ !EventCodec.storedHashVersions.contains($0) }) == true else {
            throw LedgerError.damaged(sequence: sequence, reason: "a record of \(record.count) bytes too short to hold its hash")
        }
        guard let chain else {
            throw LedgerError.unsupportedFormat(found: "caseledger 6, upgraded since this process opened the ledger: open it again")
        }
        guard let held = try transaction.get(chain, key: Keys.log(sequence)), held.count == EventCodec.hashBytes else {
            throw LedgerError.damaged(sequence: sequence, reason: "chain holds no hash of 32 bytes for this sequence")
        }
        return Array(held)
    }

    /// A ledger of format 5 becomes format 6 here, in one transaction: `chain` gets the hash of
    /// every ``chainInterval``-th event, as its record holds it (every record of format 5 does).
    /// Nothing else changes; the records appended after it are of version 4. A marker another
    /// process has changed since it was read is left alone, and so is the ledger.
    func fillChain() throws(LedgerError) {
        guard let chain else { preconditionFailure("a writable open makes every database") }
        do {
            try environment.write(retrySafe: true) { transaction in
                guard try transaction.get(meta, key: Keys.format).map(Array.init) == Ledger.formatMarker(5) else { return }
                let head = try self.head(in: transaction)
                var sequence = Ledger.chainInterval
                while sequence <= head.sequence {
                    guard let record = try transaction.get(log, key: Keys.log(sequence)) else {
                        throw LedgerError.damaged(sequence: sequence, reason: "missing from the log")
                    }
                    guard let hash = EventCodec.storedHash(record) else {
                        throw LedgerError.damaged(sequence: sequence, reason: "a record of a ledger of format 5 without its hash")
                    }
                    try transaction.put(chain, key: Keys.log(sequence), value: hash, append: true)
                    sequence += Ledger.chainInterval
                }
                try transaction.put(meta, key: Keys.format, value: Ledger.formatMarker(6))
            }
        } catch {
            throw Ledger.wrap(error)
        }
    }
}

extension LedgerSnapshot {
    /// The chain hash of the event at `sequence` (``Ledger/chainHash(at:in:)``): what an export's
    /// stamp of it holds.
    public func chainHash(at sequence: UInt64) throws -> [UInt8] { try ledger.chainHash(at: sequence, in: transaction) }

    /// `recorded` with its chain hash, which a record of version 4 does not hold: what an
    /// interchange line's stamp needs.
    public func stamped(_ recorded: RecordedEvent) throws -> RecordedEvent {
        recorded.hash == nil ? recorded.chained(try chainHash(at: recorded.sequence)) : recorded
    }
}
