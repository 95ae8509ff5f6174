import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A named database inside an ``Environment``.
public struct Database: Sendable, Hashable {
    public let name: String
    let handle: MDB_dbi
}

/// How a named database is created.
public struct DatabaseSpec: Sendable {
    public let name: String
    public let duplicateSorted: Bool
    /// A database that a ledger written by an earlier version may lack: a read-only open goes on
    /// without it (``Environment/databaseIfPresent(_:)`` is nil); a writable open creates it.
    public let mayBeAbsent: Bool
    /// A database only a file of an earlier format holds: opened when the file has it, never
    /// created (``Environment/databaseIfPresent(_:)`` is nil without it, writable or not).
    public let retired: Bool

    public init(_ name: String, duplicateSorted: Bool = false, mayBeAbsent: Bool = false, retired: Bool = false) {
        self.name = name
        self.duplicateSorted = duplicateSorted
        self.mayBeAbsent = mayBeAbsent || retired
        self.retired = retired
    }
}

/// LMDB's figures for one named database.
public struct DatabaseFigures: Sendable {
    public let name: String
    public let entries: Int
    public let depth: Int
    public let branchPages: Int
    public let leafPages: Int
    public let overflowPages: Int
}

/// LMDB's figures for the whole environment.
public struct EnvironmentFigures: Sendable {
    public let mapSizeBytes: Int
    public let pageSizeBytes: Int
    public let lastPageNumber: Int
    public let lastTransactionID: Int
    public let maxReaders: Int
    public let readersInUse: Int
    public let fileSizeBytes: Int
}

/// One LMDB environment (a directory holding `data.mdb` and `lock.mdb`) with its named databases.
///
/// A process opens a ledger directory once. Transactions are closures: ``write(_:)`` commits when
/// the closure returns and aborts when it throws; the ``Transaction`` is valid only inside it.
///
/// ```swift
/// let environment = try Environment(path: dir, databases: [DatabaseSpec("log")])
/// try environment.write { transaction in
///     try transaction.put(environment.database("log"), key: [0, 1], value: [42])
/// }
/// ```
/// - Throws: ``StorageError``.
/// - SeeAlso: <http://www.lmdb.tech/doc/group__mdb.html>
///
/// `@unchecked Sendable`: the `MDB_env` handle is thread-safe by LMDB's contract with `MDB_NOTLS`;
/// writers are serialised by `writerLock`, and map resizing excludes every transaction of this
/// process through `resizeLock`, which LMDB requires of `mdb_env_set_mapsize`.
public final class Environment: @unchecked Sendable {
    public let path: String
    public let isReadOnly: Bool
    /// The map never grows beyond this; past it a write fails with ``StorageError/Kind/mapFull``.
    public let mapSizeLimitBytes: Int

    private let handle: OpaquePointer
    private var databasesByName: [String: Database] = [:]
    private let writerLock = Mutex()
    /// The thread inside ``write(retrySafe:_:)``, to refuse a nested write instead of deadlocking.
    private let writerThread = LockedThread()
    private let resizeLock = ReadWriteLock()
    /// Whether a write grows the map first when it is more than half used (see ``write(retrySafe:_:)``).
    /// Off only to exercise what a transaction that fills the map does; set it before any write.
    public var growsAhead = true
    /// LMDB's page size for this file, fixed when it was created.
    private var pageSize = 0
    /// Where the file is mapped, as of the last (re)mapping; each transaction checks its reads against it.
    private var map = MapBounds.unknown
    private let mapLock = Mutex()

    /// Opens (and, unless `readOnly`, creates) the environment in directory `path`.
    public init(
        path: String,
        databases: [DatabaseSpec],
        readOnly: Bool = false,
        initialMapSizeBytes: Int = 1 << 30,
        mapSizeLimitBytes: Int = 1 << 42
    ) throws(StorageError) {
        precondition(!databases.isEmpty, "an environment needs at least one named database")
        self.path = path
        self.isReadOnly = readOnly
        self.mapSizeLimitBytes = mapSizeLimitBytes
        var pointer: OpaquePointer?
        try check(mdb_env_create(&pointer), "create environment")
        guard let pointer else { throw StorageError(code: ENOMEM, operation: "create environment") }
        handle = pointer
        // Every stored property is set: from here a throw runs deinit, which closes the handle
        // (LMDB wants a failed mdb_env_open closed too).
        try check(mdb_env_set_maxdbs(handle, MDB_dbi(databases.count + 4)), "set max databases")
        try check(mdb_env_set_maxreaders(handle, 254), "set max readers")
        try check(mdb_env_set_mapsize(handle, initialMapSizeBytes), "set map size")
        let flags = UInt32(MDB_NOTLS) | (readOnly ? UInt32(MDB_RDONLY) : 0)
        try check(mdb_env_open(handle, path, flags, 0o644), "open ledger at \(path)")
        try openDatabases(databases)
        noteMapping()
    }

    /// Notes, for the transactions' checks and for the fault guard, where the file is mapped (after
    /// opening and after every resize).
    private func noteMapping() {
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        pageSize = Int(stat.ms_psize)
        let bounds = FaultGuard.noteMapping(of: realPath(path), pageSize: pageSize)
        mapLock.withLock { map = bounds }
    }

    /// Where the file is mapped now.
    private var currentMap: MapBounds { mapLock.withLock { map } }

    deinit {
        mdb_env_close(handle)
    }

    private func openDatabases(_ specs: [DatabaseSpec]) throws(StorageError) {
        var transaction: OpaquePointer?
        let beginFlags: UInt32 = isReadOnly ? UInt32(MDB_RDONLY) : 0
        try check(mdb_txn_begin(handle, nil, beginFlags, &transaction), "begin transaction")
        guard let transaction else { return }
        for spec in specs {
            var flags: UInt32 = isReadOnly || spec.retired ? 0 : UInt32(MDB_CREATE)
            if spec.duplicateSorted { flags |= UInt32(MDB_DUPSORT) }
            var dbi: MDB_dbi = 0
            let code = mdb_dbi_open(transaction, spec.name, flags, &dbi)
            if code == MDB_NOTFOUND && spec.mayBeAbsent { continue }
            if code != MDB_SUCCESS {
                mdb_txn_abort(transaction)
                throw StorageError(code: code, operation: "open database \(spec.name)")
            }
            databasesByName[spec.name] = Database(name: spec.name, handle: dbi)
        }
        try check(mdb_txn_commit(transaction), "commit database creation")
    }

    /// The named database opened with this environment. Asking for another name is a programming error.
    public func database(_ name: String) -> Database {
        guard let database = databasesByName[name] else {
            preconditionFailure("database \(name) was not declared when the environment was opened")
        }
        return database
    }

    /// The named database, or nil when it was declared ``DatabaseSpec/mayBeAbsent`` and the file lacks it.
    public func databaseIfPresent(_ name: String) -> Database? { databasesByName[name] }

    /// Runs `body` in a read-only snapshot of the environment.
    public func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        resizeLock.lockShared()
        defer { resizeLock.unlock() }
        let transaction = try begin(readOnly: true)
        defer { mdb_txn_abort(transaction) }
        return try body(Transaction(handle: transaction, isReadOnly: true, map: currentMap))
    }

    /// Runs `body` in the one write transaction; commits when it returns, aborts when it throws.
    ///
    /// A map more than half used is grown before the transaction begins, so that a transaction
    /// seldom fills it. When the map is full the transaction is aborted and the map grown. A `retrySafe` body — one
    /// whose every effect is inside the transaction, so that running it again from the start does
    /// exactly what one run would — is then run again; any other fails with
    /// ``StorageError/Kind/mapFull``, nothing of it written, for its caller to decide.
    /// - Throws: ``StorageError`` (``StorageError/Kind/diskFull`` leaves the environment as it was;
    ///   ``StorageError/Kind/nestedWrite`` when this thread is already inside `write`), or whatever
    ///   `body` throws.
    public func write<T>(retrySafe: Bool = false, _ body: (Transaction) throws -> T) throws -> T {
        precondition(!isReadOnly, "write on a ledger opened read-only")
        let thread = pthread_self()
        if writerThread.withLock({ $0.map { pthread_equal($0, thread) != 0 } ?? false }) {
            throw StorageError(code: StorageError.nestedWriteCode, operation: "write")
        }
        writerLock.lock()
        writerThread.withLock { $0 = thread }
        defer {
            writerThread.withLock { $0 = nil }
            writerLock.unlock()
        }
        if growsAhead { try growAhead() }
        while true {
            do {
                return try writeOnce(body)
            } catch let error as StorageError where error.kind == .mapFull {
                let grown = try grow()
                guard retrySafe else {
                    throw StorageError(code: error.code, operation: "\(error.operation) (the map was full and is now \(grown) bytes: "
                                       + "nothing was written; the work may be run again)")
                }
            }
        }
    }

    private func writeOnce<T>(_ body: (Transaction) throws -> T) throws -> T {
        resizeLock.lockShared()
        defer { resizeLock.unlock() }
        let transaction = try begin(readOnly: false)
        let result: T
        do {
            result = try body(Transaction(handle: transaction, isReadOnly: false, map: currentMap))
        } catch {
            mdb_txn_abort(transaction)
            throw error
        }
        // mdb_txn_commit frees the transaction whatever it returns.
        let code = mdb_txn_commit(transaction)
        if code == EIO && fileSystemIsFull() {
            // LMDB reports a short write as EIO; on a file system with no room left that is a full disk.
            throw StorageError(code: ENOSPC, operation: "commit")
        }
        try check(code, "commit")
        return result
    }

    private func begin(readOnly: Bool) throws(StorageError) -> OpaquePointer {
        var transaction: OpaquePointer?
        let flags: UInt32 = readOnly ? UInt32(MDB_RDONLY) : 0
        var code = mdb_txn_begin(handle, nil, flags, &transaction)
        if code == MDB_MAP_RESIZED {
            // Another process grew the map: adopt its size. Safe here because LMDB only returns this
            // when this process has no transaction mapping the old size.
            mdb_env_set_mapsize(handle, 0)
            noteMapping()
            code = mdb_txn_begin(handle, nil, flags, &transaction)
        }
        try check(code, readOnly ? "begin read transaction" : "begin write transaction")
        guard let transaction else { throw StorageError(code: EINVAL, operation: "begin transaction") }
        return transaction
    }

    /// Grows the map while it is still half empty, before a transaction finds it full: a full map
    /// aborts the transaction, and its work, however large, is done again after the growth.
    private func growAhead() throws(StorageError) {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        let used = (info.me_last_pgno + 1) * pageSize
        if used > info.me_mapsize / 2 && info.me_mapsize < mapSizeLimitBytes { try grow() }
    }

    /// Grows the map; returns its new size.
    @discardableResult
    private func grow() throws(StorageError) -> Int {
        resizeLock.lockExclusive()
        defer { resizeLock.unlock() }
        let current = figures().mapSizeBytes
        guard current < mapSizeLimitBytes else {
            throw StorageError(code: MDB_MAP_FULL, operation: "grow map beyond \(mapSizeLimitBytes) bytes")
        }
        let next = min(mapSizeLimitBytes, max(current * 2, current + (1 << 30)))
        try check(mdb_env_set_mapsize(handle, next), "grow map to \(next) bytes")
        noteMapping()
        return next
    }

    /// Whether the ledger's file system has less room left than one more transaction could need.
    private func fileSystemIsFull() -> Bool {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else { return false }
        return UInt64(status.f_bavail) * UInt64(status.f_frsize) < 16 << 20
    }

    /// LMDB's figures for the environment.
    public func figures() -> EnvironmentFigures {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        var environmentStat = MDB_stat()
        mdb_env_stat(handle, &environmentStat)
        var fileStatus = Glibc.stat()
        let fileSize = lstat(path + "/data.mdb", &fileStatus) == 0 ? Int(fileStatus.st_size) : 0
        return EnvironmentFigures(
            mapSizeBytes: info.me_mapsize,
            pageSizeBytes: Int(environmentStat.ms_psize),
            lastPageNumber: info.me_last_pgno,
            lastTransactionID: info.me_last_txnid,
            maxReaders: Int(info.me_maxreaders),
            readersInUse: Int(info.me_numreaders),
            fileSizeBytes: fileSize)
    }

    /// LMDB's figures for each named database, in the order given.
    public func figures(of databases: [Database]) throws -> [DatabaseFigures] {
        try read { transaction in
            try databases.map { database in
                var stat = MDB_stat()
                try check(mdb_stat(transaction.handle, database.handle, &stat), "stat \(database.name)")
                return DatabaseFigures(
                    name: database.name, entries: stat.ms_entries, depth: Int(stat.ms_depth),
                    branchPages: stat.ms_branch_pages, leafPages: stat.ms_leaf_pages,
                    overflowPages: stat.ms_overflow_pages)
            }
        }
    }

    /// The pages on LMDB's free list: pages of earlier snapshots, which later write transactions
    /// use again once no reader needs them. They count in the file's size but hold no data; a
    /// compacting copy (``copy(to:compact:)``) leaves them out.
    public func freePages() throws -> Int {
        try read { transaction in
            // LMDB's free list is its database 0: each value an ID list of machine words, its count
            // then that many page numbers. The pages are counted from the value's size, so a damaged
            // count cannot make the sum overflow.
            try transaction.withCursor(Database(name: "free list", handle: 0)) { cursor in
                var pages = 0
                var entry = try cursor.first()
                while let current = entry {
                    pages += max(0, current.value.count / MemoryLayout<Int>.size - 1)
                    entry = try cursor.next()
                }
                return pages
            }
        }
    }

    /// Writes a consistent copy of the environment to directory `target` (which must exist and be empty).
    public func copy(to target: String, compact: Bool = false) throws(StorageError) {
        try check(mdb_env_copy2(handle, target, compact ? UInt32(MDB_CP_COMPACT) : 0), "copy to \(target)")
    }
}

/// `path` with every symbolic link and relative step resolved, as /proc/self/maps names a file;
/// `path` itself when it cannot be resolved.
private func realPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
}
