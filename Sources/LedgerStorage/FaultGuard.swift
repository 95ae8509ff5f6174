#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Turns a fault caused by a damaged ledger file into a clear error instead of a crash, and leaves
/// every other fault a crash.
///
/// LMDB trusts the page headers of its file: a damaged header can make it read outside the map
/// (SIGSEGV) or past the end of the file (SIGBUS). With the guard installed, a fault whose address
/// is inside the map, or whose instruction is inside LMDB's own code, ends the process with exit code
/// 2 and a message naming the damaged page of `data.mdb`; `verify` then says what it can. Any other
/// fault is a defect of caseledger, not of the file: the guard says so and lets the signal take its
/// default course (the process dies of it, with a core dump where the system keeps them), so a real
/// crash is never disguised as a damaged file. Only the command-line tool installs it, after which it
/// opens nothing but its ledger.
public enum FaultGuard {
    // Written before the handler can run (installation, and each (re)mapping under the writer's
    // locks); the handler only reads them. A signal handler cannot take locks.
    nonisolated(unsafe) static var mapStart: UInt = 0
    nonisolated(unsafe) static var mapEnd: UInt = 0
    nonisolated(unsafe) static var pageSize: UInt = 4096
    nonisolated(unsafe) static var message = UnsafeMutablePointer<UInt8>.allocate(capacity: 512)
    nonisolated(unsafe) static var installed = false
    /// Where LMDB's executable code is mapped (liblmdb), from /proc/self/maps.
    nonisolated(unsafe) static var lmdbCodeStart: UInt = 0
    nonisolated(unsafe) static var lmdbCodeEnd: UInt = 0

    /// Installs the handlers for SIGSEGV and SIGBUS (once per process).
    public static func install() {
        guard !installed else { return }
        installed = true
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { signal, info, context in FaultGuard.handle(signal, info, context) }
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        sigaction(SIGSEGV, &action, nil)
        sigaction(SIGBUS, &action, nil)
    }

    /// Records where `directory/data.mdb` is mapped, from /proc/self/maps, and returns it;
    /// `directory` is absolute, every link resolved, as /proc names the file.
    @discardableResult
    static func noteMapping(of directory: String, pageSize: Int) -> MapBounds {
        guard let file = fopen("/proc/self/maps", "r") else { return .unknown }
        defer { fclose(file) }
        let target = directory.hasSuffix("/") ? directory + "data.mdb" : directory + "/data.mdb"
        var line = [CChar](repeating: 0, count: 4096)
        var found = MapBounds.unknown
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = text.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 6, fields[1].contains("x"), fields[5].contains("liblmdb"),
                let bounds = Optional(fields[0].split(separator: "-")), bounds.count == 2,
                let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16)
            {
                lmdbCodeStart = lmdbCodeStart == 0 ? start : min(lmdbCodeStart, start)
                lmdbCodeEnd = max(lmdbCodeEnd, end)
            }
            // The whole path, as /proc names it: two ledgers of one process never share it.
            guard text.hasSuffix(" " + target), let range = text.split(separator: " ").first
            else { continue }
            let bounds = range.split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) else { continue }
            mapStart = start
            mapEnd = end
            found = MapBounds(start: start, end: end)
            FaultGuard.pageSize = UInt(max(pageSize, 1))
        }
        return found
    }

    /// The instruction that faulted, from the signal's machine context.
    private static func instructionAddress(_ context: UnsafeMutableRawPointer?) -> UInt {
        #if arch(x86_64)
        guard let context else { return 0 }
        let machine = context.assumingMemoryBound(to: ucontext_t.self)
        // gregs[REG_RIP], REG_RIP being 16 on x86_64.
        return withUnsafeBytes(of: &machine.pointee.uc_mcontext.gregs) { UInt($0.load(fromByteOffset: 16 * 8, as: UInt64.self)) }
        #else
        return 0
        #endif
    }

    private static func handle(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
        let address = UInt(bitPattern: info?.pointee._sifields._sigfault.si_addr)
        let insideMap = mapEnd > mapStart && address >= mapStart && address < mapEnd
        let instruction = instructionAddress(context)
        let insideLMDB = lmdbCodeEnd > lmdbCodeStart && instruction >= lmdbCodeStart && instruction < lmdbCodeEnd
        var length = 0
        func append(_ text: StaticString) {
            text.withUTF8Buffer { buffer in
                for byte in buffer where length < 500 { message[length] = byte; length += 1 }
            }
        }
        func append(_ number: UInt) {
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            var value = number
            withUnsafeMutableBytes(of: &digits) { buffer in
                repeat {
                    buffer[count] = UInt8(48 + value % 10)
                    value /= 10
                    count += 1
                } while value > 0 && count < 20
                for index in stride(from: count - 1, through: 0, by: -1) where length < 500 {
                    message[length] = buffer[index]
                    length += 1
                }
            }
        }
        if insideMap {
            append("error: the ledger file is damaged: LMDB faulted reading page ")
            append((address - mapStart) / pageSize)
            append(" of data.mdb (")
        } else if insideLMDB {
            // A damaged page header sends LMDB's pointers anywhere: outside the map too.
            append("error: the ledger file is damaged: reading it faulted outside the map, following a damaged page (")
        } else {
            append("caseledger crashed: ")
            append(signal == SIGBUS ? "SIGBUS" : "SIGSEGV")
            append(" outside the ledger's map and outside LMDB: a defect of caseledger, not a damaged file. Please report it.\n")
            _ = write(STDERR_FILENO, message, length)
            // The default action, delivered as the handler returns: the process dies of the signal.
            _ = Glibc.signal(signal, SIG_DFL)
            _ = raise(signal)
            return
        }
        append(signal == SIGBUS ? "SIGBUS" : "SIGSEGV")
        append("). Run `caseledger verify` on a copy; restore from a backup or an export.\n")
        _ = write(STDERR_FILENO, message, length)
        _exit(2)
    }
}
