import LedgerCore
import LedgerModel
import LedgerRules

/// A point in the ledger's history as a caller names it: a sequence, or a recorded time (the last
/// sequence recorded at or before it). `timeline --as-of` and `?asOf=` read it the same way.
public enum AsOf: Sendable, Equatable, LosslessStringConvertible {
    case sequence(UInt64)
    case time(Timestamp)

    /// A whole number is a sequence; otherwise an RFC 3339 time such as `2026-01-01T00:00:00.000Z`.
    public init?(_ text: String) {
        if let sequence = UInt64(text) { self = .sequence(sequence) } else if let time = Timestamp(text) { self = .time(time) } else { return nil }
    }

    public var description: String {
        switch self {
        case .sequence(let sequence): return String(sequence)
        case .time(let time): return time.description
        }
    }

    /// What a refusal says of a text that is neither.
    public static let expected = "a sequence or a time such as 2026-01-01T00:00:00.000Z"

    /// The sequence it names in `snapshot`.
    public func sequence(in snapshot: LedgerSnapshot) throws -> UInt64 {
        switch self {
        case .sequence(let sequence): return sequence
        case .time(let time): return try snapshot.sequence(asOf: time)
        }
    }
}

extension Render {
    /// An append's summary as one JSON object, the same for `import --output json` and `POST /events`:
    /// `appended`, `decisions`, `duplicates`, then what the caller adds — the special chronic lines of a
    /// platform import recorded as outpatient, the sequences appended, the new head (the command line
    /// only: a server's ingest role reads nothing).
    public static func appendSummaryJSON(_ summary: AppendSummary, specialChronicRecordedAsOutpatient: Int? = nil,
                                         includeHead: Bool) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("appended", integer: summary.appended)
        writer.member("decisions", integer: summary.decisions)
        writer.member("duplicates", integer: summary.duplicates)
        if let ordinary = specialChronicRecordedAsOutpatient { writer.member("specialChronicRecordedAsOutpatient", integer: ordinary) }
        if let first = summary.firstSequence {
            writer.key("sequences")
            writer.beginObject()
            writer.member("first", integer: first)
            writer.member("last", integer: summary.head.sequence)
            writer.endObject()
        }
        if includeHead { head(summary.head, to: &writer) }
        writer.endObject()
        return writer.text
    }
}
