#include <lmdb.h>

/// Asks the processor to bring the cache line at `address` in before it is written
/// (`caseledger_prefetch`) or only read (`caseledger_prefetch_read`): a hint, never a fault,
/// whatever the address. A rebuild's fold reaches each person-year's accumulator at random, and its
/// decoding reads the log's records where LMDB's pages lie; each asks for what it reads next while
/// it works on what it has. The log's pages are mapped read-only, so its records are asked for to
/// read. (For the x86-64 baseline this build targets, both hints are the same instruction,
/// `prefetcht0`; they differ where the processor has one for lines about to be written.)
static inline void caseledger_prefetch(const void *address) { __builtin_prefetch(address, 1, 3); }
static inline void caseledger_prefetch_read(const void *address) { __builtin_prefetch(address, 0, 3); }
