import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A transaction handle, valid only inside the closure given to ``Environment/read(_:)`` or
/// ``Environment/write(_:)``.
///
/// Buffers returned by ``get(_:key:)`` and by cursors point into the memory map and die with the
/// transaction: decode or copy them inside the closure.
public struct Transaction {
    let handle: OpaquePointer
    public let isReadOnly: Bool
    /// Where the file is mapped: every value read from it must end inside.
    let map: MapBounds

    /// The value stored under `key`, or `nil`. The buffer lives as long as the transaction.
    public func get(_ database: Database, key: UnsafeRawBufferPointer) throws(StorageError) -> UnsafeRawBufferPointer? {
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var dataValue = MDB_val()
        let code = mdb_get(handle, database.handle, &keyValue, &dataValue)
        if code == MDB_NOTFOUND { return nil }
        try check(code, "get from \(database.name)")
        return try map.check(dataValue, "get from \(database.name)")
    }

    /// The value stored under `key`, or `nil`.
    public func get(_ database: Database, key: [UInt8]) throws(StorageError) -> UnsafeRawBufferPointer? {
        var result: UnsafeRawBufferPointer?
        var failure: StorageError?
        key.withUnsafeBytes { buffer in
            do throws(StorageError) { result = try get(database, key: buffer) } catch { failure = error }
        }
        if let failure { throw failure }
        return result
    }

    /// Stores `value` under `key`.
    /// - Parameter append: the key sorts after every key in the database (LMDB's `MDB_APPEND`), which
    ///   fills pages completely and skips the search; a key out of order fails with `MDB_KEYEXIST`.
    public func put(_ database: Database, key: [UInt8], value: [UInt8], append: Bool = false) throws(StorageError) {
        try checkPut(into: database, withValues(key, value) { putCode(database, &$0, &$1, append: append) })
    }

    /// Stores `value` under `key`, from buffers the caller holds (no array made for either); as
    /// ``put(_:key:value:append:)``.
    public func put(_ database: Database, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, append: Bool = false)
        throws(StorageError)
    {
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var dataValue = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try checkPut(into: database, putCode(database, &keyValue, &dataValue, append: append))
    }

    /// `mdb_put`'s result code for `key` and `value` in `database`.
    private func putCode(_ database: Database, _ key: inout MDB_val, _ value: inout MDB_val, append: Bool) -> Int32 {
        precondition(!isReadOnly, "put in a read-only transaction")
        return mdb_put(handle, database.handle, &key, &value, append ? UInt32(MDB_APPEND) : 0)
    }

    private func checkPut(into database: Database, _ code: Int32) throws(StorageError) { try check(code, "put into \(database.name)") }

    /// Deletes `key`; returns whether it was there.
    @discardableResult
    public func delete(_ database: Database, key: [UInt8]) throws(StorageError) -> Bool {
        precondition(!isReadOnly, "delete in a read-only transaction")
        var code: Int32 = 0
        key.withUnsafeBytes { keyBuffer in
            var keyValue = MDB_val(
                mv_size: keyBuffer.count, mv_data: UnsafeMutableRawPointer(mutating: keyBuffer.baseAddress))
            code = mdb_del(handle, database.handle, &keyValue, nil)
        }
        if code == MDB_NOTFOUND { return false }
        try check(code, "delete from \(database.name)")
        return true
    }

    /// Removes every entry of `database`, keeping the database itself.
    public func clear(_ database: Database) throws(StorageError) {
        precondition(!isReadOnly, "clear in a read-only transaction")
        try check(mdb_drop(handle, database.handle, 0), "clear \(database.name)")
    }

    /// The number of entries in `database`.
    public func count(_ database: Database) throws(StorageError) -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(handle, database.handle, &stat), "stat \(database.name)")
        return stat.ms_entries
    }

    /// Runs `body` with a cursor over `database`; the cursor is closed when `body` returns.
    public func withCursor<T>(_ database: Database, _ body: (Cursor) throws -> T) throws -> T {
        var pointer: OpaquePointer?
        try check(mdb_cursor_open(handle, database.handle, &pointer), "open cursor on \(database.name)")
        guard let pointer else { throw StorageError(code: EINVAL, operation: "open cursor") }
        defer { mdb_cursor_close(pointer) }
        return try body(Cursor(handle: pointer, database: database, map: map))
    }

    /// A cursor over `database` for the rest of this write transaction, which frees it when it
    /// commits or aborts (LMDB closes a write transaction's cursors at its end): it must not be
    /// used after the transaction.
    ///
    /// For an index looked up and then written at the same key (``Cursor/find(_:)``, then
    /// ``Cursor/put(_:value:)``): the write starts from the page the look-up found instead of
    /// searching the tree again from its root.
    public func cursorForTransaction(_ database: Database) throws(StorageError) -> Cursor {
        precondition(!isReadOnly, "a read-only transaction does not free its cursors")
        var pointer: OpaquePointer?
        try check(mdb_cursor_open(handle, database.handle, &pointer), "open cursor on \(database.name)")
        guard let pointer else { throw StorageError(code: EINVAL, operation: "open cursor") }
        return Cursor(handle: pointer, database: database, map: map)
    }
}

/// A key and value read through a cursor; both buffers die with the transaction.
public struct Entry {
    public let key: UnsafeRawBufferPointer
    public let value: UnsafeRawBufferPointer
}

/// A position in a named database, valid only inside ``Transaction/withCursor(_:_:)``.
public struct Cursor {
    let handle: OpaquePointer
    let database: Database
    let map: MapBounds

    private func move(_ operation: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws(StorageError) -> Entry? {
        var keyValue = MDB_val(mv_size: key?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: key?.baseAddress))
        var dataValue = MDB_val()
        let code = mdb_cursor_get(handle, &keyValue, &dataValue, operation)
        if code == MDB_NOTFOUND { return nil }
        try check(code, "cursor on \(database.name)")
        return Entry(key: try map.check(keyValue, "cursor on \(database.name)"), value: try map.check(dataValue, "cursor on \(database.name)"))
    }

    public func first() throws(StorageError) -> Entry? { try move(MDB_FIRST) }
    public func last() throws(StorageError) -> Entry? { try move(MDB_LAST) }
    public func next() throws(StorageError) -> Entry? { try move(MDB_NEXT) }
    public func previous() throws(StorageError) -> Entry? { try move(MDB_PREV) }

    /// The value stored under `key`, or nil; either way the cursor stands where `key` is or would
    /// go, so that a ``put(_:value:)`` of it next does not search the tree again.
    public func find(_ key: [UInt8]) throws(StorageError) -> UnsafeRawBufferPointer? {
        guard let entry = try seek(atLeast: key) else { return nil }
        return entry.key.elementsEqual(key) ? entry.value : nil
    }

    /// Stores `value` under `key`. LMDB starts from the cursor's page when `key` falls inside it
    /// (as after ``find(_:)`` of the same key) and searches from the root otherwise.
    public func put(_ key: [UInt8], value: [UInt8]) throws(StorageError) {
        let code = withValues(key, value) { mdb_cursor_put(handle, &$0, &$1, 0) }
        try check(code, "put into \(database.name)")
    }

    /// Stores `value` under `key`, which sorts after every key of the database (`MDB_APPEND`):
    /// LMDB goes to the last page and fills it, reads no page back and splits none in the middle.
    /// A key that does not sort last is refused (`MDB_KEYEXIST`).
    public func append(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(StorageError) {
        var keyValue = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var dataValue = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_cursor_put(handle, &keyValue, &dataValue, UInt32(MDB_APPEND)), "append to \(database.name)")
    }

    /// Positions at the first key greater than or equal to `key`.
    public func seek(atLeast key: [UInt8]) throws(StorageError) -> Entry? {
        var result: Entry?
        var failure: StorageError?
        key.withUnsafeBytes { buffer in
            do throws(StorageError) { result = try move(MDB_SET_RANGE, key: buffer) } catch { failure = error }
        }
        if let failure { throw failure }
        return result
    }
}

/// Calls `put` with LMDB's views of `key` and `value`, valid for the call; returns its result code.
private func withValues(_ key: [UInt8], _ value: [UInt8], _ put: (inout MDB_val, inout MDB_val) -> Int32) -> Int32 {
    key.withUnsafeBytes { keyBuffer in
        value.withUnsafeBytes { valueBuffer in
            var keyValue = MDB_val(mv_size: keyBuffer.count, mv_data: UnsafeMutableRawPointer(mutating: keyBuffer.baseAddress))
            var dataValue = MDB_val(mv_size: valueBuffer.count, mv_data: UnsafeMutableRawPointer(mutating: valueBuffer.baseAddress))
            return put(&keyValue, &dataValue)
        }
    }
}

/// Where an environment's file is mapped in this process, so that a value LMDB returns from the
/// map can be checked to end inside it (``Transaction``).
struct MapBounds: Sendable {
    let start: UInt
    let end: UInt
    /// Nothing checked: the mapping was not found (no /proc).
    static let unknown = MapBounds(start: 0, end: 0)

    /// `value`, or a refusal when it starts inside the map and runs past its end: a damaged page can
    /// give a node a size that would send any reader of the value out of the map, into memory that
    /// is not the file's. A value outside the map (a page this write transaction copied) is the
    /// transaction's own.
    func check(_ value: MDB_val, _ operation: @autoclosure () -> String) throws(StorageError) -> UnsafeRawBufferPointer {
        let address = UInt(bitPattern: value.mv_data)
        if address >= start && address < end && value.mv_size > end - address {
            throw StorageError(code: StorageError.valuePastMapCode, operation: "\(operation()), a value of \(value.mv_size) bytes")
        }
        return UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
    }
}
