import LedgerModel
import LedgerStorage

/// Where a source (the sending system and its key, which every input event carries) leads to its
/// event (docs/FORMAT.md § The environment, `sourceKeys` and `systems`).
///
/// From format 5 a source's key starts with its system's number rather than its name: a ledger
/// holds a handful of systems and millions of sources, and each name (19 bytes for
/// `hospital-settlement`) was repeated in every key.
enum SourceIndex {
    /// Format 5: `sourceKeys` (system number ‖ source key → sequence) and `systems` (name → number).
    case numbered(keys: Database, systems: Database)
    /// Formats 2 to 4, opened read-only: `sources` (system name ‖ 0x00 ‖ source key → sequence).
    /// A writable open upgrades them (``Ledger/upgradeToFormatFive()``).
    case named(Database)

    var database: Database {
        switch self {
        case .numbered(let keys, _): return keys
        case .named(let sources): return sources
        }
    }

    /// `systems`, in format 5.
    var systems: Database? {
        if case .numbered(_, let systems) = self { return systems }
        return nil
    }

    /// The numbers of the systems in a ledger of format 5, as the log gives them: each system in
    /// the order of its first event, from 1. A system's number never changes once given.
    struct Numbering {
        private(set) var numbers: [SystemName: UInt32] = [:]
        /// The system numbered last: a department's lines come in runs, so most records name the
        /// system of the record before, found by comparing its bytes instead of hashing them.
        private var last: (name: SystemName, number: UInt32)?

        /// The number of `system`, giving it the next one if it has none yet.
        mutating func number(of system: String) -> UInt32 {
            let name = SystemName(system)
            if let last, last.name == name { return last.number }
            let number: UInt32
            if let found = numbers[name] {
                number = found
            } else {
                number = UInt32(numbers.count + 1)
                numbers[name] = number
            }
            last = (name, number)
            return number
        }
    }
}

/// A system's name compared and hashed by its UTF-8 bytes, as `systems` keys it: `String`'s own
/// equality would take two canonically equivalent spellings (a precomposed letter and the same
/// letter with a combining mark) for one system, which the ledger stores as two.
struct SystemName: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (left: SystemName, right: SystemName) -> Bool { left.text.utf8.elementsEqual(right.text.utf8) }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension Keys {
    /// `sourceKeys`: the system's number as a varint ‖ the source key. A varint ends at its first
    /// byte below 0x80, so no separator is needed, and the keys of one system stay in the order
    /// of their source keys.
    static func source(system: UInt32, key: String) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(5 + key.utf8.count)
        Varints.append(unsigned: UInt64(system), to: &bytes)
        bytes.append(contentsOf: key.utf8)
        return bytes
    }

    /// `systems`: a system's number, 4 bytes big-endian.
    static func systemNumber(_ stored: UnsafeRawBufferPointer) -> UInt32? {
        stored.count == 4 ? uint32(stored) : nil
    }
}

/// One transaction's way from a source to its key in the ledger's source index: the systems'
/// numbers, each read from `systems` once a transaction, and, in a write transaction, given to a
/// system the ledger has not met before. A class: the appender's look-ups share its cache.
final class SourceKeys {
    let index: SourceIndex
    let transaction: Transaction
    private var known: [SystemName: UInt32] = [:]

    init(_ index: SourceIndex, transaction: Transaction) {
        self.index = index
        self.transaction = transaction
    }

    var database: Database { index.database }

    /// The key of `source`; nil when the ledger has given its system no number, so that no event
    /// holds that source.
    func key(_ source: Source) throws -> [UInt8]? {
        switch index {
        case .named:
            return Keys.source(source)
        case .numbered(_, let systems):
            guard let number = try number(of: source.system, in: systems) else { return nil }
            return Keys.source(system: number, key: source.key)
        }
    }

    /// The key of `source`, giving its system the next number (written to `systems`) when it has
    /// none. Only in a write transaction of a ledger of format 5.
    func keyNumberingItsSystem(_ source: Source) throws -> [UInt8] {
        guard case .numbered(_, let systems) = index else {
            preconditionFailure("an appender writes only to a ledger of format 5")
        }
        if let number = try number(of: source.system, in: systems) {
            return Keys.source(system: number, key: source.key)
        }
        // Numbers are given along the log, one system at a time: the next is one more than the count.
        let number = UInt32(try transaction.count(systems) + 1)
        try transaction.put(systems, key: Array(source.system.utf8), value: Keys.bigEndian(number))
        known[SystemName(source.system)] = number
        return Keys.source(system: number, key: source.key)
    }

    private func number(of system: String, in systems: Database) throws -> UInt32? {
        if let number = known[SystemName(system)] { return number }
        guard let stored = try transaction.get(systems, key: Array(system.utf8)) else { return nil }
        guard let number = Keys.systemNumber(stored) else {
            throw LedgerError.damaged(sequence: nil, reason: "the systems entry of \(system) is \(stored.count) bytes where 4 are needed")
        }
        known[SystemName(system)] = number
        return number
    }
}
