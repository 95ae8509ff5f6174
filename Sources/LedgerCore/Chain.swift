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

    /// The chain hash of the event at `sequence` (32 zero bytes for 0): the record's own (versions
    /// 1 to 3), or worked out along the records after the multiple of ``chainInterval`` at or
    /// below it, from the hash `chain` holds there.
    /// - Throws: ``LedgerError/damaged(sequence:reason:)`` for a missing event or checkpoint.
    func chainHash(at sequence: UInt64, in transaction: Transaction) throws -> [UInt8] {
        let start = sequence - sequence % Ledger.chainInterval
        var hash = Head.empty.hash
        // Without `chain` (an older format), the record at `start` holds its hash itself.
        var from = start == 0 ? 1 : start
        if start > 0, let checkpoints {
            guard let stored = try transaction.get(checkpoints, key: Keys.log(start)), stored.count == EventCodec.hashBytes else {
                throw LedgerError.damaged(sequence: start, reason: "chain holds no hash of 32 bytes for this sequence")
            }
            hash = Array(stored)
            from = start + 1
        }
        guard from <= sequence else { return hash }
        try transaction.withCursor(log) { cursor in
            var entry = try cursor.seek(atLeast: Keys.log(from))
            for expected in from...sequence {
                guard let current = entry, current.key.count == 8, Keys.uint64(current.key) == expected else {
                    throw LedgerError.damaged(sequence: expected, reason: "missing from the log")
                }
                hash = EventCodec.storedHash(current.value) ?? Ledger.chainHash(previous: hash, stored: EventCodec.hashed(current.value))
                entry = try cursor.next()
            }
        }
        return hash
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
}
