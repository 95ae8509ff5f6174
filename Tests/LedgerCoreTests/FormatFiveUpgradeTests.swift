import Crypto
import Foundation
import LedgerCore
import LedgerModel
import LedgerRules
import LedgerStorage
import Testing

/// A ledger of format 4, its sources under their systems' names and its claims' entries 16 bytes,
/// made here from one of format 6 by writing its records back as version 3 and those indexes back
/// the old way, is upgraded by its first writable open to the very bytes the ledger had: 130
/// systems (past 127, whose numbers take two bytes of varint), numbered in the order of their
/// first events, which is not their names' order, their sources interleaved along the log, one
/// claim reversed. One of format 5 gets the chain hash of every 64th event in `chain`.
@Suite struct FormatFiveUpgradeTests {
    static let indexes = ["sourceKeys", "systems", "claims"]

    struct Entry: Equatable {
        let key: [UInt8]
        let value: [UInt8]
    }

    func system(_ index: Int) -> String { "system-\(1000 - index)" }

    func from(_ system: String, _ line: String) -> String {
        line.replacingOccurrences(of: "\"system\":\"test\"", with: "\"system\":\"\(system)\"")
    }

    /// Every entry of `names`, as bytes, read with the ledger closed.
    func entries(_ path: String, _ names: [String]) throws -> [String: [Entry]] {
        let environment = try Environment(path: path, databases: names.map { DatabaseSpec($0) }, readOnly: true)
        return try environment.read { transaction in
            try Dictionary(uniqueKeysWithValues: names.map { name in
                (name, try transaction.withCursor(environment.database(name)) { cursor in
                    var found: [Entry] = []
                    var entry = try cursor.first()
                    while let current = entry {
                        found.append(Entry(key: Array(current.key), value: Array(current.value)))
                        entry = try cursor.next()
                    }
                    return found
                })
            })
        }
    }

    /// Writes each record of version 4 as version 3, its chain hash after its body, as a build of
    /// format 5 wrote it; the head takes the new chain's hash, `chain` is emptied and the ledger
    /// marked format 5. Returns the chain's hash at each sequence.
    @discardableResult
    func writeRecordsAsVersionThree(_ path: String) throws -> [UInt64: [UInt8]] {
        let environment = try Environment(path: path, databases: ["log", "meta", "chain"].map { DatabaseSpec($0) })
        let log = environment.database("log"), meta = environment.database("meta")
        var hashes: [UInt64: [UInt8]] = [:]
        try environment.write { transaction in
            var records: [(key: [UInt8], record: [UInt8])] = []
            try transaction.withCursor(log) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    records.append((Array(current.key), Array(current.value)))
                    entry = try cursor.next()
                }
            }
            var previous = [UInt8](repeating: 0, count: 32)
            for (key, record) in records {
                #expect(record[0] == 4, "this build writes version 4")
                let hashed = [3] + record.dropFirst()
                previous = Array(SHA256.hash(data: previous + hashed))
                hashes[key.reduce(0) { $0 << 8 | UInt64($1) }] = previous
                try transaction.put(log, key: key, value: hashed + previous)
            }
            let head = try #require(try transaction.get(meta, key: Array("head".utf8)).map(Array.init))
            try transaction.put(meta, key: Array("head".utf8), value: Array(head[..<8]) + previous + Array(head[40...]))
            try transaction.clear(environment.database("chain"))
            try transaction.put(meta, key: Array("format".utf8), value: Array("caseledger 5".utf8))
        }
        return hashes
    }

    /// Writes the ledger's sources and claims as formats 1 to 4 kept them, and marks it format 4.
    func writeAsFormatFour(_ path: String) throws {
        let environment = try Environment(path: path, databases: (FormatFiveUpgradeTests.indexes + ["sources", "meta"]).map { DatabaseSpec($0) })
        let database = environment.database
        try environment.write { transaction in
            var names: [UInt32: [UInt8]] = [:]
            try transaction.withCursor(database("systems")) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    names[current.value.reduce(0) { $0 << 8 | UInt32($1) }] = Array(current.key)
                    entry = try cursor.next()
                }
            }
            var moved: [([UInt8], [UInt8])] = []
            try transaction.withCursor(database("sourceKeys")) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    var number: UInt32 = 0, shift: UInt32 = 0, length = 0
                    repeat {
                        number |= UInt32(current.key[length] & 0x7F) << shift
                        shift += 7
                        length += 1
                    } while current.key[length - 1] & 0x80 != 0
                    moved.append((try #require(names[number]) + [0] + Array(current.key[length...]), Array(current.value)))
                    entry = try cursor.next()
                }
            }
            for (key, value) in moved { try transaction.put(database("sources"), key: key, value: value) }
            try transaction.clear(database("sourceKeys"))
            try transaction.clear(database("systems"))
            var claims: [([UInt8], [UInt8])] = []
            try transaction.withCursor(database("claims")) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    claims.append((Array(current.key), Array(current.value) + (current.value.count == 8 ? [UInt8](repeating: 0, count: 8) : [])))
                    entry = try cursor.next()
                }
            }
            for (key, value) in claims { try transaction.put(database("claims"), key: key, value: value) }
            try transaction.put(database("meta"), key: Array("format".utf8), value: Array("caseledger 4".utf8))
        }
    }

    @Test func aLedgerOfFormatFourIsUpgradedToTheBytesOfFormatFive() throws {
        let path = temporaryDirectory()
        var lines = (0..<130).map { from(system($0), Line.registered("P\($0)")) }
        // A second source of each system, later in the log and in another order.
        lines += (0..<130).map { index in
            let person = index * 7 % 130
            return from(system(person), Line.claim("P\(person)", "c\(index)", on: "2024-03-01", inList: "100", basic: "50"))
        }
        lines.append(Line.reversed("P0", "c0", on: "2024-04-01"))
        do {
            let ledger = try Ledger.open(at: path, create: true)
            try ledger.append(lines: lines)
            #expect(try ledger.verify().isClean)
        }
        let before = try entries(path, FormatFiveUpgradeTests.indexes)
        #expect(before["systems"]?.count == 132, "the defaults' system, 130, and the reversal's `test`")
        #expect(before["sourceKeys"]?.contains { $0.key[0] >= 0x80 } == true, "numbers past 127 take two bytes")
        #expect(before["claims"]?.filter { $0.value.count == 16 }.map(\.key) == [Array("c0".utf8)], "c0 alone is reversed, its entry 16 bytes")

        try writeRecordsAsVersionThree(path)
        try writeAsFormatFour(path)
        #expect(try entries(path, ["sourceKeys", "systems"]).values.allSatisfy(\.isEmpty))
        do {
            let readOnly = try Ledger.open(at: path, readOnly: true)
            #expect(try readOnly.verify().isClean, "read as format 4 is")
        }
        do {
            let ledger = try Ledger.open(at: path)
            #expect(try ledger.verify().isClean)
        }
        #expect(try entries(path, FormatFiveUpgradeTests.indexes) == before)
        #expect(try entries(path, ["sources"])["sources"]?.isEmpty == true, "sources is left empty")
    }

    /// A ledger of format 5, whose records all hold their hashes, is read as it is without
    /// `chain`; its first writable open writes there the hash of every 64th event, as the record
    /// holds it, and its later records, of version 4, chain on from those of version 3.
    @Test func aLedgerOfFormatFiveGetsTheHashOfEverySixtyFourthEvent() throws {
        let path = temporaryDirectory()
        let lines = (0..<200).map { Line.registered("P\($0)") }
        do {
            let ledger = try Ledger.open(at: path, create: true)
            try ledger.append(lines: lines)
        }
        let hashes = try writeRecordsAsVersionThree(path)
        let head = UInt64(hashes.count)
        #expect(head > 3 * 64)
        do {
            let readOnly = try Ledger.open(at: path, readOnly: true)
            #expect(try readOnly.verify().isClean, "read as format 5, every hash in its record")
            #expect(try readOnly.head().hash == hashes[head])
        }
        do {
            let ledger = try Ledger.open(at: path)
            #expect(try ledger.verify().isClean)
            try ledger.append(lines: [Line.enrolled("P1"), Line.claim("P1", "c1", on: "2024-03-01", inList: "100", basic: "50")])
            #expect(try ledger.verify().isClean, "records of version 4 after those of version 3")
            var exported: [String] = []
            try ledger.forEachEvent(withHashes: true) { exported.append(Interchange.render($0.event, stamp: $0)) }
            let copy = try Ledger.open(at: temporaryDirectory(), create: true, recordVersion: 3)
            try copy.append(lines: Array(exported.dropFirst(DefaultParameters.events.count)))
            var copied: [String] = []
            try copy.forEachEvent(withHashes: true) { copied.append(Interchange.render($0.event, stamp: $0)) }
            #expect(copied == exported, "an export of both versions imports record for record")
        }
        let chain = try #require(try entries(path, ["chain"])["chain"])
        let multiples = stride(from: UInt64(64), through: head, by: 64).map { $0 }
        #expect(chain.map(\.key) == multiples.map(bigEndian))
        #expect(chain.map(\.value) == multiples.map { hashes[$0]! }, "each the hash its record of version 3 holds")
    }
}
