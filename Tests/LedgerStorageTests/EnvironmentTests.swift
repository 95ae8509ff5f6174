import Foundation
import LedgerStorage
import Testing

@Suite struct EnvironmentTests {
    func directory() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("caseledger-storage-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    func key(_ value: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

    @Test func aTransactionCommitsOnReturnAndRollsBackOnThrow() throws {
        struct Abandon: Error {}
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")])
        let data = environment.database("data")
        try environment.write { try $0.put(data, key: key(1), value: [1]) }
        #expect(throws: Abandon.self) {
            try environment.write { transaction in
                try transaction.put(data, key: key(2), value: [2])
                throw Abandon()
            }
        }
        let stored = try environment.read { transaction in
            (try transaction.get(data, key: key(1)).map(Array.init), try transaction.get(data, key: key(2)).map(Array.init))
        }
        #expect(stored.0 == [1])
        #expect(stored.1 == nil, "the throwing transaction left nothing")
    }

    @Test func theMapGrowsAndARetrySafeWriteRunsAgain() throws {
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")], initialMapSizeBytes: 1 << 20)
        let data = environment.database("data")
        let before = environment.figures().mapSizeBytes
        let value = [UInt8](repeating: 7, count: 4000)
        var runs = 0
        // 8 MiB of values in one transaction: eight times the initial map.
        try environment.write(retrySafe: true) { transaction in
            runs += 1
            for index in 0..<2048 { try transaction.put(data, key: key(index), value: value, append: true) }
        }
        #expect(runs == 2)
        #expect(environment.figures().mapSizeBytes > before)
        #expect(try environment.read { try $0.count(data) } == 2048)
    }

    /// A write that finds the map more than half used grows it before it begins, and so runs once
    /// where it would have filled the map.
    @Test func aMapMoreThanHalfUsedGrowsBeforeTheWrite() throws {
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")], initialMapSizeBytes: 1 << 20)
        let data = environment.database("data")
        let value = [UInt8](repeating: 7, count: 4000)
        // About 600 KiB: more than half of the 1 MiB map.
        try environment.write { transaction in
            for index in 0..<150 { try transaction.put(data, key: key(index), value: value, append: true) }
        }
        #expect(environment.figures().mapSizeBytes == 1 << 20)
        var runs = 0
        // Another 600 KiB would not fit what is left; not retry-safe, so a full map would fail it.
        try environment.write { transaction in
            runs += 1
            for index in 150..<300 { try transaction.put(data, key: key(index), value: value, append: true) }
        }
        #expect(runs == 1)
        #expect(environment.figures().mapSizeBytes > 1 << 20)
        #expect(try environment.read { try $0.count(data) } == 300)
    }

    /// A write not declared retry-safe is never run twice behind its caller's back: the map grows,
    /// the write fails naming what happened, nothing of it is written; run again, it fits.
    @Test func aFullMapIsNotRetriedSilently() throws {
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")], initialMapSizeBytes: 1 << 20)
        let data = environment.database("data")
        let value = [UInt8](repeating: 7, count: 4000)
        var runs = 0
        let work = { (transaction: Transaction) throws in
            runs += 1
            for index in 0..<2048 { try transaction.put(data, key: key(index), value: value, append: true) }
        }
        #expect {
            try environment.write(work)
        } throws: { error in
            (error as? StorageError)?.kind == .mapFull && "\(error)".contains("nothing was written")
        }
        #expect(runs == 1)
        #expect(try environment.read { try $0.count(data) } == 0)
        try environment.write(work)
        #expect(runs == 2)
        #expect(try environment.read { try $0.count(data) } == 2048)
    }

    /// A write inside a write on the same thread would wait for itself: it is refused instead, and
    /// the outer transaction goes on.
    @Test func aNestedWriteIsRefused() throws {
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")])
        let data = environment.database("data")
        try environment.write { outer in
            try outer.put(data, key: key(1), value: [1])
            #expect {
                try environment.write { try $0.put(data, key: key(2), value: [2]) }
            } throws: { error in (error as? StorageError)?.kind == .nestedWrite }
        }
        #expect(try environment.read { try $0.count(data) } == 1)
        // Another thread's write waits for the first and then runs.
        try environment.write { try $0.put(data, key: key(3), value: [3]) }
        #expect(try environment.read { try $0.count(data) } == 2)
    }

    @Test func aMapThatMayNotGrowFailsCleanlyAndKeepsWhatWasCommitted() throws {
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")],
                                          initialMapSizeBytes: 1 << 20, mapSizeLimitBytes: 1 << 20)
        let data = environment.database("data")
        try environment.write { try $0.put(data, key: key(0), value: [1, 2, 3]) }
        let value = [UInt8](repeating: 7, count: 4000)
        #expect {
            try environment.write { transaction in
                for index in 1..<2048 { try transaction.put(data, key: key(index), value: value, append: true) }
            }
        } throws: { error in (error as? StorageError)?.kind == .mapFull }
        #expect(try environment.read { try $0.count(data) } == 1)
    }

    @Test func cursorsWalkAndSeekInKeyOrder() throws {
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")])
        let data = environment.database("data")
        try environment.write { transaction in
            for index in [5, 1, 3] { try transaction.put(data, key: key(index), value: [UInt8(index)]) }
        }
        let walked: [UInt8] = try environment.read { transaction in
            try transaction.withCursor(data) { cursor in
                var values: [UInt8] = []
                var entry = try cursor.first()
                while let current = entry { values.append(current.value[0]); entry = try cursor.next() }
                return values
            }
        }
        #expect(walked == [1, 3, 5])
        let sought: UInt8? = try environment.read { transaction in
            try transaction.withCursor(data) { try $0.seek(atLeast: key(2))?.value[0] }
        }
        #expect(sought == 3)
        let last: UInt8? = try environment.read { transaction in try transaction.withCursor(data) { try $0.last()?.value[0] } }
        #expect(last == 5)
    }

    /// A transaction's cursor finds only the exact key, writes where it found, and elsewhere too
    /// (keys over many pages, in random order, mixed with plain puts); the transaction's end frees it,
    /// committed or abandoned.
    @Test func aTransactionsCursorFindsExactlyAndWritesAnywhere() throws {
        struct Abandon: Error {}
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")])
        let data = environment.database("data")
        var generator = SystemRandomNumberGenerator()
        let keys = (0..<5_000).map { $0 * 2 }.shuffled(using: &generator)
        let found: [Bool] = try environment.write { transaction in
            let cursor = try transaction.cursorForTransaction(data)
            var found: [Bool] = []
            for (position, index) in keys.enumerated() {
                found.append(try cursor.find(key(index)) != nil)
                if position % 3 == 0 {
                    try transaction.put(data, key: key(index), value: [UInt8(index % 251)])
                } else {
                    try cursor.put(key(index), value: [UInt8(index % 251)])
                }
            }
            // Between two stored keys, and past the last: not found, though the cursor stands on the next.
            found.append(try cursor.find(key(3)) != nil)
            found.append(try cursor.find(key(20_001)) != nil)
            try cursor.put(key(4), value: [9])
            return found
        }
        #expect(found.allSatisfy { !$0 }, "no key was there before its own put, and no odd key at all")
        #expect(throws: Abandon.self) {
            try environment.write { transaction in
                let cursor = try transaction.cursorForTransaction(data)
                try cursor.put(key(1), value: [1])
                throw Abandon()
            }
        }
        let stored: [Int: UInt8] = try environment.read { transaction in
            try transaction.withCursor(data) { cursor in
                var stored: [Int: UInt8] = [:]
                var entry = try cursor.first()
                while let current = entry {
                    stored[current.key.reduce(0) { $0 << 8 | Int($1) }] = current.value[0]
                    entry = try cursor.next()
                }
                return stored
            }
        }
        var expected = Dictionary(uniqueKeysWithValues: keys.map { ($0, UInt8($0 % 251)) })
        expected[4] = 9
        #expect(stored == expected, "every put is there, the abandoned one is not")
    }

    @Test func anAppendOutOfOrderIsRefused() throws {
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")])
        let data = environment.database("data")
        try environment.write { try $0.put(data, key: key(5), value: [5], append: true) }
        #expect(throws: StorageError.self) {
            try environment.write { try $0.put(data, key: key(4), value: [4], append: true) }
        }
    }

    @Test func openingAMissingDirectoryIsATypedError() throws {
        #expect {
            _ = try Environment(path: "/nonexistent/caseledger/ledger", databases: [DatabaseSpec("data")])
        } throws: { error in (error as? StorageError)?.kind == .notFound }
    }

    @Test func deleteAndClear() throws {
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")])
        let data = environment.database("data")
        try environment.write { transaction in
            for index in 0..<10 { try transaction.put(data, key: key(index), value: [0]) }
        }
        let deleted = try environment.write { transaction in (try transaction.delete(data, key: key(3)), try transaction.delete(data, key: key(3))) }
        #expect(deleted == (true, false))
        try environment.write { try $0.clear(data) }
        #expect(try environment.read { try $0.count(data) } == 0)
    }

    /// A damaged node can give its value a size that runs past the end of the map, which LMDB
    /// does not check: every read through a get or a cursor refuses it as a damaged page, and the
    /// reader is never handed memory that is not the file's.
    @Test func aValueThatRunsPastTheMapIsRefusedAsDamage() throws {
        let path = directory()
        let marker = Array("a key found once in the file".utf8)
        do {
            let environment = try Environment(path: path, databases: [DatabaseSpec("data")], initialMapSizeBytes: 1 << 20)
            try environment.write { try $0.put(environment.database("data"), key: marker, value: [UInt8](repeating: 7, count: 100)) }
        }
        let file = URL(fileURLWithPath: path + "/data.mdb")
        var bytes = [UInt8](try Data(contentsOf: file))
        let found = (0...(bytes.count - marker.count)).filter { bytes[$0..<$0 + marker.count].elementsEqual(marker) }
        try #require(found.count == 1)
        // A leaf node: the value's size (low 16 bits, high 16 bits), flags, the key's size, the key.
        #expect(bytes[found[0] - 8] == 100 && bytes[found[0] - 6] == 0 && bytes[found[0] - 2] == UInt8(marker.count))
        bytes[found[0] - 5] = 0x40  // the size grows by 1 GiB, past the 1 MiB map
        try Data(bytes).write(to: file)

        let environment = try Environment(path: path, databases: [DatabaseSpec("data")], readOnly: true, initialMapSizeBytes: 1 << 20)
        let data = environment.database("data")
        func isPastTheMap(_ error: any Error) -> Bool {
            guard let error = error as? StorageError else { return false }
            return error.kind == .corrupted && error.description.contains("runs past the end of the file's map")
        }
        #expect(performing: { try environment.read { try $0.get(data, key: marker) } }, throws: isPastTheMap)
        #expect(performing: { try environment.read { transaction in try transaction.withCursor(data) { try $0.first() } } },
                throws: isPastTheMap)
    }

    /// Pages a transaction frees go on LMDB's free list and stay in the file; a compacting copy
    /// holds the same data without them.
    @Test func theFreeListCountsWhatEarlierSnapshotsLeftAndACompactCopyHasNone() throws {
        let environment = try Environment(path: directory(), databases: [DatabaseSpec("data")])
        let data = environment.database("data")
        let value = [UInt8](repeating: 7, count: 1_000)
        // About three entries a page: some 700 leaf pages.
        try environment.write { transaction in
            for index in 0..<2_000 { try transaction.put(data, key: key(index), value: value) }
        }
        let filled = try environment.freePages()
        try environment.write { transaction in
            for index in 0..<1_900 { _ = try transaction.delete(data, key: key(index)) }
        }
        let free = try environment.freePages()
        let used = environment.figures().lastPageNumber + 1
        #expect(filled < 10 && free > filled + 600 && free < used, "filled \(filled), free \(free), used \(used)")
        let target = directory()
        try environment.copy(to: target, compact: true)
        let copy = try Environment(path: target, databases: [DatabaseSpec("data")])
        #expect(try copy.freePages() == 0 && copy.figures().lastPageNumber + 1 < used - 600)
        #expect(try copy.read { try $0.count(copy.database("data")) } == 100)
    }
}
