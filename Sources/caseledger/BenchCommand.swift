import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerCore
import LedgerQueries
import LedgerModel
import LedgerSimulation
import LedgerStorage

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure import, append, settle, rebuild, replay, scan and timelines on a generated workload.",
        discussion: """
            Generates a deterministic synthetic city (registrations, identities recognised and revoked, \
            enrolments, payments, inpatient and special-chronic claims, reversals, applications, merges, \
            re-pushed duplicates; persons interleaved, not in order), runs it on fresh ledgers in a \
            temporary directory and measures, on the same data, each path against LMDB's own floor. \
            docs/PERFORMANCE.md explains every figure. The rebuild and the raw scan, short and \
            the two sides of one ratio, each run --repeats times and report the median; every time \
            is printed on standard error.

            Examples:
              caseledger bench --persons 10000 --events 100000
              caseledger bench --persons 1000000 --events 10000000 --format json > bench.json
            """)

    @Option(help: "Persons in the generated city.") var persons = 10_000
    @Option(help: "Input lines to generate (approximately).") var events = 100_000
    @Option(help: "The seed.") var seed: UInt64 = 1
    @Option(help: "Lines per import transaction.") var batch = 50_000
    @Option(help: "Single-claim durable commits to time.") var settles = 1_000
    @Option(help: "Timelines of random persons to time.") var timelines = 1_000
    @Option(help: "Times the rebuild and the raw scan each run; the median is reported, each time printed.") var repeats = 3
    @Option(help: "Where to put the ledgers (a temporary directory by default; removed afterwards).") var directory: String?
    @Option(help: "table, json (one object) or markdown (the table of docs/PERFORMANCE.md, with the command, machine and date).")
    var format: OutputFormat = .table

    func validate() throws {
        guard persons >= 10, events >= persons else { throw ValidationError("--persons ≥ 10 and --events ≥ --persons") }
        guard batch > 0, settles > 0, timelines > 0, repeats > 0 else {
            throw ValidationError("--batch, --settles, --timelines and --repeats are positive")
        }
        try format.require([.table, .json, .markdown], by: "bench")
    }

    func run() throws {
        var bench = Bench(options: self)
        try bench.run()
    }
}

/// One benchmark run: every phase on the same generated data.
struct Bench {
    let options: BenchCommand
    var figures: [(String, String)] = []
    var peakAnonymous = 0

    init(options: BenchCommand) { self.options = options }

    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func anonymousBytes() -> Int { procFigure("/proc/self/status", "RssAnon:") * 1024 }  // in kB there

    /// Bytes this process has handed to the kernel to write so far (`wchar` of /proc/self/io), 0
    /// where the system has no such count. Not `write_bytes`: that counts each page-cache folio a
    /// write dirties whole, so the same writes count up to several times more when the file's
    /// pages were read into the cache in large folios (docs/PERFORMANCE.md, item 33).
    static func writtenBytes() -> Int { procFigure("/proc/self/io", "wchar:") }

    /// The number after `key` on its line of the /proc file at `path`; 0 if there is none.
    static func procFigure(_ path: String, _ key: String) -> Int {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    mutating func sample() { peakAnonymous = max(peakAnonymous, Bench.anonymousBytes()) }

    /// The peak of anonymous memory during a phase, sampled from its progress calls at most every
    /// ``interval`` nanoseconds. Reading /proc/self/status takes tens of microseconds; sampled at
    /// every piece of a rebuild (4 096 events), the sampling alone took a few percent of the
    /// rebuild it measures. The last progress call of a phase is always sampled; a peak reached
    /// between two samples may be missed: the phase's own growth in 20 ms, a few MB.
    struct PeakSampler {
        static let interval: UInt64 = 20_000_000
        private(set) var peak = 0
        private var last: UInt64 = 0

        /// Samples unless the last sample is less than ``interval`` old; `always` samples anyway
        /// (the end of a phase's progress, where a fold in memory is largest).
        mutating func sample(always: Bool = false) {
            let now = Bench.monotonicNanoseconds()
            guard always || now - last >= Self.interval else { return }
            last = now
            peak = max(peak, Bench.anonymousBytes())
        }
    }

    /// Hands the heap the phases before have freed back to the system. Each later phase stands for a
    /// command of its own, which would start in a fresh process; without this, the allocator's cache
    /// of freed memory from the import and append phases would be counted in their peaks.
    static func releaseFreedMemory() {
        #if canImport(Glibc)
        // glibc's malloc_trim; its header is not in the Glibc module, so it is found by name.
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }

    func say(_ text: String) { if options.format != .json { printError(text) } }

    /// Runs `body` and returns its result with the nanoseconds it took (timings stay integers).
    func time<T>(_ body: () throws -> T) rethrows -> (T, UInt64) {
        let start = Bench.monotonicNanoseconds()
        let result = try body()
        return (result, max(1, Bench.monotonicNanoseconds() - start))
    }

    mutating func record(_ name: String, _ value: String) { figures.append((name, value)) }

    /// Progress of a long phase on standard error, unless the output is JSON.
    func progress(_ label: String) -> Progress? { options.format == .json ? nil : Progress(label: label) }

    mutating func run() throws {
        let base = options.directory ?? (FileManager.default.temporaryDirectory.path + "/caseledger-bench-\(getpid())")
        try? FileManager.default.removeItem(atPath: base)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        // 0. The workload, generated once to a file: no phase holds more than one batch of it.
        say("generating \(options.events) lines for \(options.persons) persons (seed \(options.seed))…")
        let input = base + "/input.jsonl"
        let lineCount = try writeWorkload(to: input)
        sample()
        record("persons", String(options.persons))
        record("inputLines", String(lineCount))
        let clock = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)
        try importPhase(base: base, input: input, lineCount: lineCount, clock: clock)
        try appendPhases(base: base, input: input, lineCount: lineCount, clock: clock)
        // Rebuild, replay and timelines run on the ledger opened afresh, as their commands would be.
        Bench.releaseFreedMemory()
        let ledger = try Ledger.open(at: base + "/append")
        sample()
        let openedAnonymous = Bench.anonymousBytes()
        let total = try ledger.head().sequence
        let rebuildPeak = try rebuildPhase(ledger, total: total)
        try replayPhase(ledger, total: total)
        try scanPhase(ledger)
        try timelinePhases(ledger)
        sample()
        record("peakRssAnonBytes", String(peakAnonymous))
        record("rebuildPeakRssAnonBytes", String(rebuildPeak))
        record("rebuildGrowthRssAnonBytes", String(max(0, rebuildPeak - openedAnonymous)))
        let lmdb = ledger.environment.figures()
        record("ledgerBytesPerEvent", String(lmdb.fileSizeBytes / max(1, Int(total))))
        // Of which pages on LMDB's free list: in the file, holding no data (docs/PERFORMANCE.md).
        let freeBytes = try ledger.environment.freePages() * lmdb.pageSizeBytes
        record("ledgerFreeBytesPerEvent", String(freeBytes / max(1, Int(total))))
        printFigures()
    }

    /// 1. Import end to end from the JSONL file: read, parse, check, decide, hash, index, project.
    mutating func importPhase(base: String, input: String, lineCount: Int, clock: Timestamp) throws {
        var importLedger: Ledger? = try Ledger.open(at: base + "/import", create: true)
        var importProgress = progress("import")
        var batches = try LineBatches(path: input, size: options.batch)
        let writtenBefore = Bench.writtenBytes()
        let (_, importSeconds) = try time {
            while let batch = try batches.next() {
                // As `import` reads a batch into a ledger that exists: checked piece by piece on the
                // second core while the pieces before are appended.
                let pieces = BatchPieces(batch.bytes)
                do {
                    _ = try importLedger?.append(pieces, clock: { clock })
                } catch LedgerError.refused(let problems) {
                    throw batch.refusal(problems)
                }
                importProgress?.update(done: UInt64(batch.firstLine + batch.count - 1), total: UInt64(lineCount))
            }
        }
        sample()
        importLedger = nil  // closed: its warm histories are not the other phases' memory
        let written = Bench.writtenBytes() - writtenBefore
        record("importLinesPerSecond", rate(lineCount, importSeconds))
        say("import: \(figures.last!.1) lines/s")
        record("importWrittenBytesPerLine", String(written / max(1, lineCount)))
    }

    /// 5. Rebuild of every projection from sequence 1, `--repeats` times (each alternates the
    /// generation written), the median reported; returns the peak anonymous memory during them.
    mutating func rebuildPhase(_ ledger: Ledger, total: UInt64) throws -> Int {
        var sampler = PeakSampler()
        var times: [UInt64] = []
        for run in 0..<options.repeats {
            // Each starts as a rebuild command would, without the heap the one before freed.
            if run > 0 { Bench.releaseFreedMemory() }
            var rebuildProgress = progress("rebuild")
            let (_, seconds) = try time {
                _ = try ledger.rebuildProjections(chunkEvents: 100_000) { done, total in
                    sampler.sample(always: done == total)
                    rebuildProgress?.update(done: done, total: total)
                }
            }
            times.append(seconds)
            say("rebuild: \(rate(Int(total), seconds)) events/s")
        }
        let rebuildPeak = sampler.peak
        peakAnonymous = max(peakAnonymous, rebuildPeak)
        sample()
        record("rebuildEventsPerSecond", rate(Int(total), median(times)))
        say("rebuild, the median of \(times.count): \(figures.last!.1) events/s")
        return rebuildPeak
    }

    /// 6. replay --verify.
    mutating func replayPhase(_ ledger: Ledger, total: UInt64) throws {
        var replayProgress = progress("replay --verify")
        Bench.releaseFreedMemory()
        // Sampled as it goes, as the rebuild is: a replay holds the city's histories and
        // accumulators until it ends.
        var sampler = PeakSampler()
        let (replay, replaySeconds) = try time {
            try ledger.replayVerify { done, total in
                sampler.sample(always: done == total)
                replayProgress?.update(done: done, total: total)
            }
        }
        peakAnonymous = max(peakAnonymous, sampler.peak)
        sample()
        record("replayVerifyEventsPerSecond", rate(Int(total), replaySeconds))
        record("replayClean", replay.isClean ? "true" : "false")
        say("replay --verify: \(figures[figures.count - 2].1) events/s, clean: \(replay.isClean)")
    }

    /// 7. The floor: a cursor-only scan of the same log database, no decoding, `--repeats` times,
    /// the median reported.
    mutating func scanPhase(_ ledger: Ledger) throws {
        let log = ledger.environment.database("log")
        var times: [UInt64] = []
        var scanned = 0
        for _ in 0..<options.repeats {
            let seconds: UInt64
            (scanned, seconds) = try time {
                try ledger.environment.read { transaction in
                    try transaction.withCursor(log) { cursor in
                        var count = 0
                        var bytes = 0
                        var entry = try cursor.first()
                        while let current = entry { count += 1; bytes &+= current.value.count; entry = try cursor.next() }
                        return count + (bytes & 0)
                    }
                }
            }
            times.append(seconds)
            say("raw scan: \(rate(scanned, seconds)) events/s")
        }
        record("rawScanEventsPerSecond", rate(scanned, median(times)))
        say("raw scan, the median of \(times.count): \(figures.last!.1) events/s")
    }

    /// 8. Timelines of random persons, then of the person with 100 events.
    mutating func timelinePhases(_ ledger: Ledger) throws {
        var random = SeededRandom(seed: options.seed ^ 0x7177)
        var timelineTimes: [UInt64] = []
        var longest = 0
        for _ in 0..<options.timelines {
            let person = ScenarioGenerator.personID(1 + random.below(options.persons))
            let (events, seconds) = time { (try? ledger.timeline(of: person).events.count) ?? 0 }
            longest = max(longest, events)
            timelineTimes.append(seconds)
        }
        let timeline = percentiles(timelineTimes)
        record("timelineMicrosecondsP50", micro(timeline.p50))
        record("timelineMicrosecondsP99", micro(timeline.p99))
        record("timelineLongestEvents", String(longest))
        say("timeline: p50 \(micro(timeline.p50)) µs, p99 \(micro(timeline.p99)) µs (longest \(longest) events)")
        var busyTimes: [UInt64] = []
        var busyEvents = 0
        for _ in 0..<options.timelines {
            let (events, seconds) = try time { try ledger.timeline(of: Bench.busyPerson).events.count }
            busyEvents = events
            busyTimes.append(seconds)
        }
        let busy = percentiles(busyTimes)
        record("busyTimelineEvents", String(busyEvents))
        record("busyTimelineMicrosecondsP50", micro(busy.p50))
        record("busyTimelineMicrosecondsP99", micro(busy.p99))
        say("timeline of \(Bench.busyPerson) (\(busyEvents) events): p50 \(micro(busy.p50)) µs, p99 \(micro(busy.p99)) µs")
    }

    /// Phases 2 to 4 on one ledger, closed when they end: the append path, LMDB's own append floor,
    /// and single-claim durable commits.
    mutating func appendPhases(base: String, input: String, lineCount: Int, clock: Timestamp) throws {
        // 2. The append path: each batch parsed just before its append, only the append timed.
        let ledger = try Ledger.open(at: base + "/append", create: true)
        var appendProgress = progress("append")
        var appendSeconds: UInt64 = 0
        var batches = try LineBatches(path: input, size: options.batch)
        while let batch = try batches.next() {
            let submissions = try batch.submissions()
            appendSeconds += try time { _ = try ledger.append(submissions, recordedAt: clock) }.1
            appendProgress?.update(done: UInt64(batch.firstLine + batch.count - 1), total: UInt64(lineCount))
            sample()
        }
        let head = try ledger.head().sequence
        record("ledgerEvents", String(head))
        record("appendEventsPerSecond", rate(lineCount, appendSeconds))
        say("append: \(figures.last!.1) events/s (\(head) events in the log with decisions)")
        try rawAppendPhase(base: base, from: ledger, head: head, lineCount: lineCount)
        try settlePhase(ledger, clock: clock)
        try giveTheBusyPersonHundredEvents(ledger, clock: clock)
    }

    /// 3. The floor: the same stored records into a log database alone, same transaction size; each
    /// batch is copied out of the ledger untimed, only its write is timed.
    mutating func rawAppendPhase(base: String, from ledger: Ledger, head: UInt64, lineCount: Int) throws {
        try FileManager.default.createDirectory(atPath: base + "/raw", withIntermediateDirectories: true)
        let raw = try Environment(path: base + "/raw", databases: [DatabaseSpec("log")])
        let rawLog = raw.database("log")
        let log = ledger.environment.database("log")
        var rawSeconds: UInt64 = 0
        var rawWritten = 0
        var copied: UInt64 = 0
        while copied < head {
            var records: [[UInt8]] = []
            records.reserveCapacity(options.batch)
            try ledger.environment.read { transaction in
                try transaction.withCursor(log) { cursor in
                    var entry = try cursor.seek(atLeast: bigEndian(copied + 1))
                    while let current = entry, records.count < options.batch {
                        records.append(Array(current.value))
                        entry = try cursor.next()
                    }
                }
            }
            guard !records.isEmpty else { break }
            let writtenBefore = Bench.writtenBytes()
            rawSeconds += try time {
                // Retry-safe: the keys restart from the same `first` on a second run.
                let first = copied
                try raw.write(retrySafe: true) { transaction in
                    for (offset, record) in records.enumerated() {
                        try transaction.put(rawLog, key: bigEndian(first + UInt64(offset) + 1), value: record, append: true)
                    }
                }
                copied = first + UInt64(records.count)
            }.1
            rawWritten += Bench.writtenBytes() - writtenBefore
        }
        record("rawAppendEventsPerSecond", rate(Int(copied), rawSeconds))
        say("raw append: \(figures.last!.1) events/s")
        // Per input line, as the import's: the same events, with their decisions, in the log alone.
        record("rawAppendWrittenBytesPerLine", String(rawWritten / max(1, lineCount)))
    }

    /// 4. One claim per durable commit, as a single API append.
    mutating func settlePhase(_ ledger: Ledger, clock: Timestamp) throws {
        var random = SeededRandom(seed: options.seed ^ 0xBEEF)
        var settleTimes: [UInt64] = []
        for index in 0..<options.settles {
            let person = ScenarioGenerator.personID(1 + random.below(options.persons))
            let event = Event(type: .settlementRecorded, source: Source(system: "bench", key: "s\(index)"), person: person, fields: [
                .claim: .text("BENCH\(index)"), .claimKind: ClaimKind.inpatient.symbol, .hospital: .text("H1"),
                .settledOn: .date(CivilDate(year: 2024, month: 12, day: 28)!), .totalCost: .money(Money.yuan(5000)),
                .inListCost: .money(Money.yuan(4800)), .basicPaid: .money(Money.yuan(3000)), .criticalPaid: .money(.zero),
            ])
            // A person merged away refuses the claim: that commit is not a settle, and is not timed.
            guard let (_, seconds) = try? time({ _ = try ledger.append([Submission(line: 1, event: event)], recordedAt: clock) })
            else { continue }
            settleTimes.append(seconds)
        }
        let settle = percentiles(settleTimes)
        record("settleMicrosecondsP50", micro(settle.p50))
        record("settleMicrosecondsP99", micro(settle.p99))
        say("settle: p50 \(micro(settle.p50)) µs, p99 \(micro(settle.p99)) µs")
    }

    /// The timeline target is for a person with 100 events: give one person that many.
    func giveTheBusyPersonHundredEvents(_ ledger: Ledger, clock: Timestamp) throws {
        let busy = Bench.busyPerson
        var claims = 0
        while try ledger.timeline(of: busy).events.count < 100 {
            let batch = (0..<10).map { offset -> Submission in
                let claim = claims + offset
                return Submission(line: offset + 1, event: Event(
                    type: .settlementRecorded, source: Source(system: "bench", key: "busy\(claim)"), person: busy, fields: [
                        .claim: .text("BUSY\(claim)"), .claimKind: ClaimKind.outpatientSpecialChronic.symbol,
                        .disease: Disease.dialysis.symbol, .hospital: .text("H1"),
                        .settledOn: .date(CivilDate(year: 2024, month: 1 + claim % 12, day: 1 + claim % 28)!),
                        .totalCost: .money(Money.yuan(900)), .inListCost: .money(Money.yuan(800)),
                        .basicPaid: .money(Money.yuan(500)), .criticalPaid: .money(.zero),
                    ]))
            }
            claims += batch.count
            _ = try ledger.append(batch, recordedAt: clock)
        }
    }

    /// The person the bench gives at least 100 events (the first is never merged into another).
    static let busyPerson = ScenarioGenerator.personID(1)

    /// Writes the generated city to `path`, one line each, at most `--events` lines; returns how many.
    func writeWorkload(to path: String) throws -> Int {
        // About 3.5 lines a person besides claims (registration, identity, enrolment, payment…).
        let claimsPerPerson = max(1, (options.events * 2 / options.persons - 7) / 2)
        var generator = ScenarioGenerator(.init(persons: options.persons, claimsPerPerson: claimsPerPerson, seed: options.seed))
        guard let file = fopen(path, "w") else { throw ioFailure("cannot write \(path)") }
        var written = 0
        var newline: UInt8 = 10
        generator.renderedLines { line in
            guard written < options.events else { return }
            fwrite(line.baseAddress, 1, line.count, file)
            fwrite(&newline, 1, 1, file)
            written += 1
        }
        guard fclose(file) == 0 else { throw ioFailure("cannot write \(path)") }
        return written
    }

    func bigEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

    /// Per second, from a count and nanoseconds.
    func rate(_ count: Int, _ nanoseconds: UInt64) -> String { String(UInt64(count) * 1_000_000_000 / nanoseconds) }
    func micro(_ nanoseconds: UInt64) -> String { String((nanoseconds + 500) / 1000) }

    /// The middle value (of an even count, the upper of the two middle ones, as ``percentiles(_:)``'s p50).
    func median(_ values: [UInt64]) -> UInt64 { percentiles(values).p50 }

    func percentiles(_ values: [UInt64]) -> (p50: UInt64, p99: UInt64) {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return (0, 0) }
        return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
    }

    /// The figures as docs/PERFORMANCE.md shows them: the command, the machine and the date, then
    /// one row per figure.
    var markdown: String {
        var system = utsname()
        uname(&system)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        let memory = Int64(sysconf(Int32(_SC_PHYS_PAGES))) * Int64(sysconf(Int32(_SC_PAGESIZE)))
        let command = "caseledger bench --persons \(options.persons) --events \(options.events) --seed \(options.seed) "
            + "--batch \(options.batch) --format markdown"
        var lines = [
            "`\(command)`, \(String(now().description.prefix(10))), on \(text(system.sysname)) \(text(system.machine)) "
                + "with \(cores) cores and \(memory >> 30) GiB, release build.", "", "| figure | value |", "|---|---:|",
        ]
        for (name, value) in figures { lines.append("| \(name) | \(value) |") }
        return lines.joined(separator: "\n")
    }

    func printFigures() {
        if options.format == .json {
            var writer = JSONWriter()
            writer.beginObject()
            for (name, value) in figures {
                writer.key(name)
                writer.raw(value)  // every figure is a number or a boolean
            }
            writer.endObject()
            print(writer.text)
        } else if options.format == .markdown {
            print(markdown)
        } else {
            let width = figures.map(\.0.count).max() ?? 0
            for (name, value) in figures { print(Render.column(name, width) + "  " + Render.column(value, 14, right: true)) }
        }
    }
}

/// A JSON Lines file read a batch of lines at a time.
struct LineBatches {
    struct Batch {
        var bytes: [UInt8] = []
        var firstLine: Int
        var count = 0

        /// The batch checked as `import` checks it (``Interchange/readBatch(_:)``); a generated
        /// line that does not parse is a defect of the generator.
        func submissions() throws -> [Submission] {
            let (submissions, problems, _) = Interchange.readBatch(bytes)
            guard problems.isEmpty else { throw refusal(problems) }
            return submissions
        }

        /// A generated line refused: a defect of the generator, named by its line in the workload.
        func refusal(_ problems: [LineProblem]) -> ExitCode {
            commandFailure(problems.first.map { "generated line \(firstLine + $0.line - 1) refused: \($0)" } ?? "a generated batch was refused")
        }
    }

    private var file: UnsafeMutablePointer<FILE>?
    private let size: Int
    private var nextLine = 1

    init(path: String, size: Int) throws {
        guard let file = fopen(path, "r") else { throw ioFailure("cannot read \(path)") }
        self.file = file
        self.size = size
    }

    /// The next batch, or nil at the end of the file (which is then closed).
    mutating func next() throws -> Batch? {
        guard let file else { return nil }
        var batch = Batch(firstLine: nextLine)
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while batch.count < size {
            let length = getline(&line, &capacity, file)
            guard length > 0, let line else { break }
            line.withMemoryRebound(to: UInt8.self, capacity: length) { batch.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
            if batch.bytes.last != 10 { batch.bytes.append(10) }
            batch.count += 1
        }
        nextLine += batch.count
        if batch.count == 0 {
            fclose(file)
            self.file = nil
            return nil
        }
        return batch
    }
}
