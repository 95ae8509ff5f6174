import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of the storage layer, wrapping LMDB's result code.
///
/// Raw result codes never leave this module; callers match on ``kind``:
/// ```swift
/// do { try environment.write { … } }
/// catch let error as StorageError where error.kind == .diskFull { … }
/// ```
/// See <http://www.lmdb.tech/doc/group__errors.html> for the codes.
public struct StorageError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The memory map was full. ``Environment/write(retrySafe:_:)`` has grown it: a retry-safe
        /// closure was run again by itself; any other was not, and nothing of it was written.
        case mapFull
        /// A write transaction was asked for inside another on the same thread (it would wait for itself).
        case nestedWrite
        /// The file system has no room left; the transaction was aborted, nothing was written.
        case diskFull
        /// A page or the file header fails LMDB's own checks.
        case corrupted
        /// The file is not an LMDB file, or of an incompatible version.
        case invalidFile
        /// Every reader slot is taken.
        case readersFull
        /// The transaction touched more pages than LMDB allows in one transaction.
        case transactionFull
        /// The directory does not exist or is not accessible.
        case notFound
        /// The caller asked for something the handle cannot do (a write on a read-only ledger…).
        case notPermitted
        /// Any other code.
        case other
    }

    public let code: Int32
    public let operation: String

    /// The code of ``Kind/nestedWrite``: LMDB's own codes are negative or errno values, and a thread
    /// waiting for the writer lock it holds is a deadlock.
    public static let nestedWriteCode = EDEADLK
    /// The code of a value that runs past the end of the file's map (``Kind/corrupted``): a damaged
    /// page gave a node a size LMDB does not check.
    public static let valuePastMapCode = EFAULT

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var kind: Kind {
        switch code {
        case MDB_MAP_FULL: return .mapFull
        case ENOSPC, EDQUOT: return .diskFull
        case MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_BAD_TXN, MDB_BAD_VALSIZE, EFAULT: return .corrupted
        case MDB_INVALID, MDB_VERSION_MISMATCH, MDB_INCOMPATIBLE: return .invalidFile
        case MDB_READERS_FULL: return .readersFull
        case MDB_TXN_FULL: return .transactionFull
        case ENOENT: return .notFound
        case EDEADLK: return .nestedWrite
        case EACCES, EPERM, EROFS: return .notPermitted
        default: return .other
        }
    }

    public var description: String {
        let reason: String
        switch kind {
        case .diskFull: reason = "the disk is full; nothing of this transaction was written"
        case .nestedWrite: reason = "a write transaction inside another on the same thread; nothing was written"
        case .corrupted where code == StorageError.valuePastMapCode: reason = "a damaged page gives a value that runs past the end of the file's map"
        default: reason = String(cString: mdb_strerror(code))
        }
        return "\(operation): \(reason) (code \(code))"
    }
}

@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(StorageError) {
    if code != MDB_SUCCESS { throw StorageError(code: code, operation: operation()) }
}
