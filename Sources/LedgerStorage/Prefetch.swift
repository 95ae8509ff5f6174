import CLMDB

/// Cache hints for folds that reach memory at random.
public enum Prefetch {
    /// Asks for the cache lines of `bytes` bytes from `address`, before they are written. A hint:
    /// it changes no value and never faults, whatever the address.
    @inlinable
    public static func linesToWrite(at address: UnsafeRawPointer, bytes: Int) {
        forEachLine(at: address, bytes: bytes) { caseledger_prefetch($0) }
    }

    /// The same, for lines that are only read (the log's records, in pages mapped read-only).
    @inlinable
    public static func linesToRead(at address: UnsafeRawPointer, bytes: Int) {
        forEachLine(at: address, bytes: bytes) { caseledger_prefetch_read($0) }
    }

    /// Calls `body` with each cache line the span touches, from the line that holds its first byte
    /// to the one that holds its last.
    @inlinable
    static func forEachLine(at address: UnsafeRawPointer, bytes: Int, _ body: (UnsafeRawPointer?) -> Void) {
        guard bytes > 0 else { return }
        var line = UInt(bitPattern: address) & ~UInt(63)
        let last = UInt(bitPattern: address) + UInt(bytes - 1)
        while line <= last {
            body(UnsafeRawPointer(bitPattern: line))
            line += 64
        }
    }
}
