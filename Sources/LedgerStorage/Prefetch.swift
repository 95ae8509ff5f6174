import CLMDB

/// Cache hints for folds that reach memory at random.
public enum Prefetch {
    /// Asks for the cache lines of `bytes` bytes from `address`, before they are read or written. A
    /// hint: it changes no value and never faults, whatever the address.
    @inlinable
    public static func lines(at address: UnsafeRawPointer, bytes: Int) {
        var offset = 0
        while offset < bytes {
            caseledger_prefetch(address + offset)
            offset += 64
        }
    }
}
