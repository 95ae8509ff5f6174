import LedgerModel
import LedgerStorage

/// Why the ledger refused or failed an operation. Every case leaves the ledger as it was.
public enum LedgerError: Error, CustomStringConvertible, Sendable {
    /// The batch was refused whole; nothing of it was written.
    case refused([LineProblem])
    /// An append named a stream version that is no longer current (optimistic concurrency).
    case wrongStreamVersion(person: String, expected: UInt32, actual: UInt32)
    /// No ledger exists at the path.
    case noLedger(path: String)
    /// The ledger was written by a format this build does not read.
    case unsupportedFormat(found: String)
    /// Stored bytes do not decode; `verify` names every such place.
    case damaged(sequence: UInt64?, reason: String)
    /// Another process holds what this operation needs (a rebuild under way).
    case busy(String)
    /// The storage layer failed (disk full, I/O…); the transaction was aborted.
    case storage(StorageError)
    /// A batch was to be recorded at a time before the ledger's last recorded time: recorded times
    /// never go back, and the ledger never moves a time silently.
    case timeBeforeHead(requested: Timestamp, head: Timestamp)

    /// `personNumbers` holds no id for a number the log gives a person: found `while` doing what.
    static func noPersonID(_ number: UInt32, while doing: String) -> LedgerError {
        .damaged(sequence: nil, reason: "person number \(number) has no id in personNumbers (\(doing))")
    }

    public var description: String {
        switch self {
        case .refused(let problems):
            return "batch refused, nothing written: \(problems.count) problem\(problems.count == 1 ? "" : "s")\n"
                + problems.map { "  " + $0.description }.joined(separator: "\n")
        case .wrongStreamVersion(let person, let expected, let actual):
            return "stream of person \(person) is at version \(actual), the append expected \(expected); nothing written"
        case .noLedger(let path):
            return "no ledger at \(path) (create one with `caseledger --ledger \(path) init` or by importing)"
        case .unsupportedFormat(let found):
            return "the ledger's format is \(found); this build reads formats 1 to \(Ledger.formatVersion)"
        case .damaged(let sequence, let reason):
            return "the ledger is damaged" + (sequence.map { " at sequence \($0)" } ?? "") + ": \(reason); run `verify`"
        case .busy(let reason):
            return reason
        case .storage(let error):
            return error.description
        case .timeBeforeHead(let requested, let head):
            return "the time \(requested) is before the ledger's last recorded time \(head): recorded times never go back, "
                + "and none is moved silently; give a later --recorded-at, or load history into a ledger made with "
                + "`caseledger --ledger DIR init --recorded-at TIME`; nothing written"
        }
    }
}
