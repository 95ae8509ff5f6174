import ArgumentParser
import LedgerCore
import LedgerQueries
import LedgerModel
import LedgerRules
import LedgerStorage

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger directory (holds data.mdb and lock.mdb).", valueName: "dir"))
    var ledger: String?

    func ledgerPath() throws -> String {
        guard let ledger else {
            throw ValidationError("name the ledger directory with --ledger DIR, e.g. caseledger --ledger ./ledger stat")
        }
        return ledger
    }

    /// - Parameter createdAt: the recorded time of a new ledger's default parameters.
    func open(create: Bool = false, readOnly: Bool = false, createdAt: Timestamp? = nil,
              recordVersion: UInt8 = EventCodec.formatVersion) throws -> Ledger {
        let path = try ledgerPath()
        FaultGuard.install()
        do {
            return try Ledger.open(at: path, create: create, readOnly: readOnly, createdAt: createdAt ?? DefaultParameters.recordedAt,
                                   recordVersion: recordVersion, upgrading: { printError($0) })
        } catch {
            throw fail(error)
        }
    }
}

/// Writes to standard error.
func printError(_ text: String) {
    var text = text
    if !text.hasSuffix("\n") { text += "\n" }
    fputs(text, stderr)
}

/// A failure of the command's own input or output (a file that cannot be read or written, a
/// generated line the ledger refuses): the reason on standard error and exit code 2, never the
/// usage text, which is for arguments that are wrong.
func commandFailure(_ reason: String) -> ExitCode {
    printError("error: " + reason)
    return ExitCode(2)
}

/// `what` failed, with the C library's reason (``commandFailure(_:)``).
func ioFailure(_ what: String) -> ExitCode { commandFailure("\(what): \(String(cString: strerror(errno)))") }

/// Reports a ledger error on standard error and gives the exit code it stands for.
func fail(_ error: LedgerError) -> ExitCode {
    switch error {
    case .refused, .wrongStreamVersion, .timeBeforeHead:
        printError(error.description)
        return ExitCode(1)
    default:
        printError("error: " + error.description)
        return ExitCode(2)
    }
}

/// The wall clock, read only here, when a batch is appended: nothing downstream reads a clock.
func now() -> Timestamp {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Timestamp(millisecondsSinceEpoch: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
}

/// Whether standard error is a terminal (progress is drawn only there).
var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

/// Reads a whole file, or standard input for "-".
func readInput(_ path: String) throws -> [UInt8] {
    let file: UnsafeMutablePointer<FILE>?
    if path == "-" { file = stdin } else { file = fopen(path, "rb") }
    guard let file else {
        throw ioFailure("cannot read \(path)")
    }
    defer { if path != "-" { fclose(file) } }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count > 0 { bytes.append(contentsOf: buffer[0..<count]) }
        if count < buffer.count { break }
    }
    if ferror(file) != 0 {
        throw ioFailure("reading \(path) failed")
    }
    return bytes
}

/// Buffered output for long listings, to standard output or a file.
struct OutputBuffer {
    private var buffer: [UInt8] = []
    private let file: UnsafeMutablePointer<FILE>
    /// Whether a write has failed (a full disk, a closed pipe): the caller reports it.
    private(set) var failed = false

    init(file: UnsafeMutablePointer<FILE> = stdout) {
        self.file = file
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes `bytes` and a newline.
    mutating func writeLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        buffer.append(10)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes each of `lines` and a newline to standard output, and flushes.
    static func printLines(_ lines: [String]) {
        var output = OutputBuffer()
        for line in lines { output.write(line + "\n") }
        output.flush()
    }

    mutating func flush() {
        let written = buffer.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        if written != buffer.count || fflush(file) != 0 { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Progress of long work on standard error: on a terminal a bar redrawn in place, with done, total,
/// rate and time left; elsewhere (a log, a cron job) a plain line every 10 seconds.
///
/// The rate counts only what this run did, so a rebuild resumed from its checkpoint does not claim
/// the events of the run that was killed.
struct Progress {
    let label: String
    let started = now()
    var lastDrawn: Int64 = 0
    var first: UInt64?
    var printedLines = false
    static let barCells = 24

    init(label: String) { self.label = label }

    mutating func update(done: UInt64, total: UInt64) {
        let elapsed = now().millisecondsSinceEpoch - started.millisecondsSinceEpoch
        let baseline = first ?? done
        if first == nil { first = done }
        let interval: Int64 = standardErrorIsTerminal ? 200 : 10_000
        let finished = done >= total
        guard elapsed - lastDrawn >= interval || (finished && (standardErrorIsTerminal || printedLines)) else { return }
        lastDrawn = elapsed
        let rate = elapsed > 0 ? (done - min(done, baseline)) * 1000 / UInt64(elapsed) : 0
        let remaining = rate > 0 && total > done ? "\((total - done) / rate)s left" : finished ? "done" : "-"
        let percent = total > 0 ? min(100, done * 100 / total) : 100
        let filled = Int(percent) * Progress.barCells / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: Progress.barCells - filled)
        let line = "\(label) [\(bar)] \(done)/\(total) (\(percent)%) \(rate)/s, \(remaining)"
        if standardErrorIsTerminal {
            fputs("\r\(line)   ", stderr)
            if finished { fputs("\n", stderr) }
        } else {
            fputs(line + "\n", stderr)
            printedLines = true
        }
    }
}

extension ReportName: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

extension Role: ExpressibleByArgument {
    public init?(argument: String) { self.init(word: argument) }
    public static var allValueStrings: [String] { words }
}

extension YearMonth: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension CivilDate: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension AsOf: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension Timestamp: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `--format table|json` for the commands that print a table or JSON (stat, timeline, verify, params).
struct TableOrJSON: ParsableArguments {
    @Option(help: "table (the default), or json: see the command's description.") var format: OutputFormat = .table

    func validate() throws { try format.require([.table, .json], by: "this command") }

    var isJSON: Bool { format == .json }
}

extension OutputFormat {
    /// Refuses a format `command` does not print.
    func require(_ formats: [OutputFormat], by command: String) throws {
        guard formats.contains(self) else {
            throw ValidationError("\(command) prints " + formats.map(\.rawValue).joined(separator: " or ") + ", not \(rawValue)")
        }
    }
}
