#include <lmdb.h>

/// Asks the processor to bring the cache line at `address` in before it is read or written: a hint,
/// never a fault, whatever the address. A rebuild's fold reaches each person-year's accumulator at
/// random, and its decoding reads the log's records where LMDB's pages lie; each asks for what it
/// reads next while it works on what it has.
static inline void caseledger_prefetch(const void *address) { __builtin_prefetch(address, 1, 3); }
