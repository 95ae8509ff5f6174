import NIOPosix

/// Where the server's ledger work runs: LMDB reads, writes and their fsync block a thread, so they
/// run on threads of their own, never on Swift's cooperative pool, whose few threads every
/// connection's async work shares.
///
/// Reads run on a pool of ``readerThreads`` (LMDB readers never wait for each other or for the
/// writer). Appends run on one thread in arrival order: LMDB admits one writer at a time, so more
/// threads would only wait on its lock, holding threads readers could use. One pair per process.
enum LedgerThreads {
    static let readerThreads = 8

    static let readers: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: readerThreads)
        pool.start()
        return pool
    }()

    static let writer: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    /// Runs `body` on a reader thread.
    static func read<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await readers.runIfActive(body)
    }

    /// Runs `body` on the writer thread, after the writes queued before it.
    static func write<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await writer.runIfActive(body)
    }
}
