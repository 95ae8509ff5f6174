import LedgerModel

/// Big-endian integers and the key layouts of the ledger's databases (docs/FORMAT.md § Databases).
enum Keys {
    // Keys are built on every write: each builder makes one array, sized once, and nothing else.
    static func bigEndian<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// Two big-endian integers side by side, in one array.
    static func bigEndian<A: FixedWidthInteger, B: FixedWidthInteger>(_ first: A, _ second: B) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(A.bitWidth / 8 + B.bitWidth / 8)
        withUnsafeBytes(of: first.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: second.bigEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func uint16(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    /// `personYears`: year ‖ person number.
    static func personYear(year: Int, person: UInt32) -> [UInt8] { bigEndian(UInt16(year), person) }

    static func uint64(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt64 {
        precondition(bytes.count >= offset + 8, "an 8-byte big-endian integer needs 8 bytes")
        var value: UInt64 = 0
        for index in offset..<offset + 8 { value = value << 8 | UInt64(bytes[index]) }
        return value
    }

    /// An 8-byte big-endian integer read from the file: a stored value of another length is damage
    /// to report, not a programming error to trap on.
    /// - Throws: ``LedgerError/damaged(sequence:reason:)`` naming `what`.
    static func stored(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0, _ what: @autoclosure () -> String)
        throws(LedgerError) -> UInt64
    {
        guard bytes.count >= offset + 8 else {
            throw .damaged(sequence: nil, reason: "\(what()) is \(bytes.count) bytes where 8 from byte \(offset) are needed")
        }
        return uint64(bytes, at: offset)
    }

    static func uint32(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt32 {
        precondition(bytes.count >= offset + 4, "a 4-byte big-endian integer needs 4 bytes")
        var value: UInt32 = 0
        for index in offset..<offset + 4 { value = value << 8 | UInt32(bytes[index]) }
        return value
    }

    /// `log`: the global sequence.
    static func log(_ sequence: UInt64) -> [UInt8] { bigEndian(sequence) }

    /// ``log(_:)``'s key, on the stack for the length of `body`: no array is made for it.
    static func withLog<Result>(_ sequence: UInt64, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeBytes(of: sequence.bigEndian, body)
    }

    /// `streams` (format 1 only): person number ‖ stream version (1-based).
    static func stream(person: UInt32, version: UInt32) -> [UInt8] { bigEndian(person, version) }

    /// `streamLinks`: sequence ‖ person number. Sequence first, so each append's entries go after
    /// every stored one.
    static func streamLink(sequence: UInt64, person: UInt32) -> [UInt8] { bigEndian(sequence, person) }

    /// `sources` (formats 1 to 4): system ‖ 0x00 ‖ key (neither may hold a NUL). Format 5's
    /// `sourceKeys` is ``source(system:key:)``.
    static func source(_ source: Source) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(source.system.utf8.count + 1 + source.key.utf8.count)
        bytes.append(contentsOf: source.system.utf8)
        bytes.append(0)
        bytes.append(contentsOf: source.key.utf8)
        return bytes
    }

    /// `merges`: survivor number ‖ merged number.
    static func merge(survivor: UInt32, merged: UInt32) -> [UInt8] { bigEndian(survivor, merged) }

    /// `idNumbers`: ID number ‖ 0x00 ‖ person number.
    static func idNumber(_ id: String, person: UInt32) -> [UInt8] { Array(id.utf8) + [0] + bigEndian(person) }

    static let head: [UInt8] = Array("head".utf8)
    /// Present once `idNumbers` holds every ID number of the log.
    static let idNumberIndex: [UInt8] = Array("index.idNumbers".utf8)
    static let format: [UInt8] = Array("format".utf8)
    static let counts: [UInt8] = Array("counts".utf8)
    /// Which accumulators database (0 or 1) is live.
    static let projectionGeneration: [UInt8] = Array("projection.generation".utf8)
    /// The last sequence the live projection has applied.
    static let projectionCheckpoint: [UInt8] = Array("projection.checkpoint".utf8)
    /// A rebuild under way: its target generation ‖ the last sequence it has applied.
    static let rebuildProgress: [UInt8] = Array("rebuild.progress".utf8)
}

/// A person's entry in `persons`: number ‖ stream version ‖ number of the survivor it was merged
/// into (0: none) ‖ sequence of the newest event in its stream (format 2; a format-1 entry stops
/// before it, 12 bytes).
struct PersonEntry: Equatable {
    var number: UInt32
    var version: UInt32
    var mergedInto: UInt32
    /// The newest event of the person's stream, where a walk back along it starts; 0 before the
    /// first and in a format-1 ledger.
    var last: UInt64

    static let byteCount = 20
    /// The entry of a format-1 ledger, without `last`.
    static let formatOneByteCount = 12

    var bytes: [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(PersonEntry.byteCount)
        withUnsafeBytes(of: number.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: version.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: mergedInto.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: last.bigEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    init(number: UInt32, version: UInt32, mergedInto: UInt32, last: UInt64) {
        self.number = number
        self.version = version
        self.mergedInto = mergedInto
        self.last = last
    }

    /// Reads an entry of `byteCount` bytes, the size of the ledger's format.
    init?(_ bytes: UnsafeRawBufferPointer, byteCount: Int = PersonEntry.byteCount) {
        guard bytes.count == byteCount else { return nil }
        number = Keys.uint32(bytes)
        version = Keys.uint32(bytes, at: 4)
        mergedInto = Keys.uint32(bytes, at: 8)
        last = byteCount == PersonEntry.byteCount ? Keys.uint64(bytes, at: 12) : 0
    }
}

/// A claim's entry in `claims`: sequence of its settlement ‖ sequence of its reversal (0: none).
struct ClaimEntry: Equatable {
    var settlement: UInt64
    var reversal: UInt64

    /// Format 5's bytes: the settlement's sequence, and the reversal's only when there is one
    /// (docs/FORMAT.md, `claims`).
    var bytes: [UInt8] { reversal == 0 ? Keys.bigEndian(settlement) : Keys.bigEndian(settlement, reversal) }

    init(settlement: UInt64, reversal: UInt64) {
        self.settlement = settlement
        self.reversal = reversal
    }

    /// An entry of 8 bytes (format 5, no reversal) or 16 (a reversal; in formats 1 to 4, 0 for none).
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 8 || bytes.count == 16 else { return nil }
        settlement = Keys.uint64(bytes)
        reversal = bytes.count == 16 ? Keys.uint64(bytes, at: 8) : 0
    }
}

/// The last event of the log: its sequence, chain hash and recorded time (0, zeros, 0 when empty).
public struct Head: Equatable, Sendable {
    public var sequence: UInt64
    public var hash: [UInt8]
    public var recordedAt: Timestamp

    public static let empty = Head(sequence: 0, hash: Array(repeating: 0, count: 32), recordedAt: Timestamp(millisecondsSinceEpoch: 0))

    var bytes: [UInt8] { Keys.bigEndian(sequence) + hash + Keys.bigEndian(UInt64(bitPattern: recordedAt.millisecondsSinceEpoch)) }

    init(sequence: UInt64, hash: [UInt8], recordedAt: Timestamp) {
        self.sequence = sequence
        self.hash = hash
        self.recordedAt = recordedAt
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 48 else { return nil }
        sequence = Keys.uint64(bytes)
        hash = Array(UnsafeRawBufferPointer(rebasing: bytes[8..<40]))
        recordedAt = Timestamp(millisecondsSinceEpoch: Int64(bitPattern: Keys.uint64(bytes, at: 40)))
    }

    public var hashHex: String { hexString(hash) }
}
