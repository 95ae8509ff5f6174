import CLMDB

/// Cache hints for folds that reach memory at random.
public enum Prefetch {
    /// Asks for the cache lines of `bytes` bytes from `address`, before they are read or written. A
    /// hint: it changes no value and never faults, whatever the address.
    @inlinable
    public static func lines(at address: UnsafeRawPointer, bytes: Int) {
        guard bytes > 0 else { return }
        // From the line that holds the first byte to the one that holds the last.
        var line = UInt(bitPattern: address) & ~UInt(63)
        let last = UInt(bitPattern: address) + UInt(bytes - 1)
        while line <= last {
            caseledger_prefetch(UnsafeRawPointer(bitPattern: line))
            line += 64
        }
    }
}
