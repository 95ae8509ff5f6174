#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain mutual-exclusion lock around `pthread_mutex_t`.
///
/// `@unchecked Sendable`: the pthread mutex is the synchronisation itself; it lives in heap memory
/// owned by this object and is never moved.
public final class Mutex: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() {
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { precondition(pthread_mutex_lock(mutex) == 0, "pthread_mutex_lock failed") }
    public func unlock() { precondition(pthread_mutex_unlock(mutex) == 0, "pthread_mutex_unlock failed") }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A readers-writer lock around `pthread_rwlock_t`: many transactions share it, a map resize excludes them.
///
/// `@unchecked Sendable`: as for ``Mutex``.
final class ReadWriteLock: @unchecked Sendable {
    private let rwlock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() {
        precondition(pthread_rwlock_init(rwlock, nil) == 0, "pthread_rwlock_init failed")
    }

    deinit {
        pthread_rwlock_destroy(rwlock)
        rwlock.deallocate()
    }

    func lockShared() { precondition(pthread_rwlock_rdlock(rwlock) == 0, "pthread_rwlock_rdlock failed") }
    func lockExclusive() { precondition(pthread_rwlock_wrlock(rwlock) == 0, "pthread_rwlock_wrlock failed") }
    func unlock() { precondition(pthread_rwlock_unlock(rwlock) == 0, "pthread_rwlock_unlock failed") }
}

/// A `pthread_t` behind a ``Mutex``: which thread holds a lock, if any.
///
/// `@unchecked Sendable`: the value is only touched under the mutex.
final class LockedThread: @unchecked Sendable {
    private let mutex = Mutex()
    private var thread: pthread_t?

    func withLock<T>(_ body: (inout pthread_t?) -> T) -> T {
        mutex.withLock { body(&thread) }
    }
}
