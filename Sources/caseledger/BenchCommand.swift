import ArgumentParser
import Foundation
import LedgerCore
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
            docs/PERFORMANCE.md explains every figure.

            Examples:
              caseledger bench --persons 10000 --events 100000
              caseledger bench --persons 1000000 --events 10000000 --json > bench.json
            """)

    @Option(help: "Persons in the generated city.") var persons = 10_000
    @Option(help: "Input lines to generate (approximately).") var events = 100_000
    @Option(help: "The seed.") var seed: UInt64 = 1
    @Option(help: "Lines per import transaction.") var batch = 50_000
    @Option(help: "Single-claim durable commits to time.") var settles = 1_000
    @Option(help: "Timelines of random persons to time.") var timelines = 1_000
    @Option(help: "Where to put the ledgers (a temporary directory by default; removed afterwards).") var directory: String?
    @Flag(help: "One JSON object.") var json = false

    func validate() throws {
        guard persons >= 10, events >= persons else { throw ValidationError("--persons ≥ 10 and --events ≥ --persons") }
        guard batch > 0, settles > 0, timelines > 0 else { throw ValidationError("--batch, --settles and --timelines are positive") }
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

    static func anonymousBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        return 0
    }

    mutating func sample() { peakAnonymous = max(peakAnonymous, Bench.anonymousBytes()) }

    func say(_ text: String) { if !options.json { printError(text) } }

    /// Runs `body` and returns its result with the nanoseconds it took (timings stay integers).
    func time<T>(_ body: () throws -> T) rethrows -> (T, UInt64) {
        let start = Bench.monotonicNanoseconds()
        let result = try body()
        return (result, max(1, Bench.monotonicNanoseconds() - start))
    }

    mutating func record(_ name: String, _ value: String) { figures.append((name, value)) }

    mutating func run() throws {
        let base = options.directory ?? (FileManager.default.temporaryDirectory.path + "/caseledger-bench-\(getpid())")
        try? FileManager.default.removeItem(atPath: base)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }

        say("generating \(options.events) lines for \(options.persons) persons (seed \(options.seed))…")
        // About 3.5 lines a person besides claims (registration, identity, enrolment, payment…).
        let claimsPerPerson = max(1, (options.events * 2 / options.persons - 7) / 2)
        var generator = ScenarioGenerator(.init(persons: options.persons, claimsPerPerson: claimsPerPerson, seed: options.seed))
        let generated = generator.events()
        var lines: [[UInt8]] = generated.map { Array(Interchange.render($0).utf8) }
        if lines.count > options.events { lines.removeLast(lines.count - options.events) }
        sample()
        record("persons", String(options.persons))
        record("inputLines", String(lines.count))
        let batches = stride(from: 0, to: lines.count, by: options.batch).map { Array(lines[$0..<min(lines.count, $0 + options.batch)]) }

        // 1. Import end to end: parse, check, decide, hash, index, project.
        let importLedger = try Ledger.open(at: base + "/import", create: true)
        let clock = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)
        var firstLine = 1
        let (_, importSeconds) = try time {
            for batch in batches {
                var submissions: [Submission] = []
                submissions.reserveCapacity(batch.count)
                for (offset, line) in batch.enumerated() {
                    let parsed = line.withUnsafeBufferPointer { Interchange.parse(line: $0, number: firstLine + offset) }
                    guard case .accepted(let submission) = parsed else { throw ValidationError("generated line \(firstLine + offset) refused") }
                    submissions.append(submission)
                }
                firstLine += batch.count
                _ = try importLedger.append(submissions, recordedAt: clock)
            }
        }
        sample()
        record("importLinesPerSecond", rate(lines.count, importSeconds))
        say("import: \(figures.last!.1) lines/s")

        // 2. The append path with events already parsed.
        let parsedBatches: [[Submission]] = batches.map { batch in
            batch.enumerated().compactMap { offset, line in
                if case .accepted(let submission) = line.withUnsafeBufferPointer({ Interchange.parse(line: $0, number: offset + 1) }) { return submission }
                return nil
            }
        }
        let ledger = try Ledger.open(at: base + "/append", create: true)
        let (_, appendSeconds) = try time {
            for batch in parsedBatches { _ = try ledger.append(batch, recordedAt: clock) }
        }
        sample()
        let head = try ledger.head().sequence
        record("ledgerEvents", String(head))
        record("appendEventsPerSecond", rate(lines.count, appendSeconds))
        say("append: \(figures.last!.1) events/s (\(head) events in the log with decisions)")

        // 3. The floor: the same stored records, into a log database alone, same transaction size.
        var records: [[UInt8]] = []
        records.reserveCapacity(Int(head))
        try ledger.environment.read { transaction in
            try transaction.withCursor(ledger.environment.database("log")) { cursor in
                var entry = try cursor.first()
                while let current = entry { records.append(Array(current.value)); entry = try cursor.next() }
            }
        }
        let raw = try Environment(path: { try? FileManager.default.createDirectory(atPath: base + "/raw", withIntermediateDirectories: true); return base + "/raw" }(),
                                  databases: [DatabaseSpec("log")])
        let rawLog = raw.database("log")
        let (_, rawSeconds) = try time {
            var sequence: UInt64 = 0
            for start in stride(from: 0, to: records.count, by: options.batch) {
                try raw.write { transaction in
                    for record in records[start..<min(records.count, start + options.batch)] {
                        sequence += 1
                        try transaction.put(rawLog, key: (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (56 - 8 * $0)) }, value: record, append: true)
                    }
                }
            }
        }
        records = []
        record("rawAppendEventsPerSecond", rate(Int(head), rawSeconds))
        say("raw append: \(figures.last!.1) events/s")

        // 4. One claim per durable commit, as a single API append.
        var random = SeededRandom(seed: options.seed ^ 0xBEEF)
        var settleTimes: [UInt64] = []
        for index in 0..<options.settles {
            let person = ScenarioGenerator.personID(1 + random.below(options.persons))
            let event = Event(type: .settlementRecorded, source: Source(system: "bench", key: "s\(index)"), person: person, fields: [
                .claim: .text("BENCH\(index)"), .claimKind: .symbol(0), .hospital: .text("H1"),
                .settledOn: .date(CivilDate(year: 2024, month: 12, day: 28)!), .totalCost: .money(Money.yuan(5000)),
                .inListCost: .money(Money.yuan(4800)), .basicPaid: .money(Money.yuan(3000)), .criticalPaid: .money(.zero),
            ])
            let (_, seconds) = try time { _ = try? ledger.append([Submission(line: 1, event: event)], recordedAt: clock) }
            settleTimes.append(seconds)
        }
        let settle = percentiles(settleTimes)
        record("settleMicrosecondsP50", micro(settle.p50))
        record("settleMicrosecondsP99", micro(settle.p99))
        say("settle: p50 \(micro(settle.p50)) µs, p99 \(micro(settle.p99)) µs")

        // 5. Rebuild of every projection from sequence 1.
        let total = try ledger.head().sequence
        let (_, rebuildSeconds) = try time { _ = try ledger.rebuildProjections(chunkEvents: 100_000) }
        sample()
        record("rebuildEventsPerSecond", rate(Int(total), rebuildSeconds))
        say("rebuild: \(figures.last!.1) events/s")

        // 6. replay --verify.
        let (replay, replaySeconds) = try time { try ledger.replayVerify() }
        sample()
        record("replayVerifyEventsPerSecond", rate(Int(total), replaySeconds))
        record("replayClean", replay.isClean ? "true" : "false")
        say("replay --verify: \(figures[figures.count - 2].1) events/s, clean: \(replay.isClean)")

        // 7. The floor: a cursor-only scan of the same log database, no decoding.
        let log = ledger.environment.database("log")
        let (scanned, scanSeconds) = try time {
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
        record("rawScanEventsPerSecond", rate(scanned, scanSeconds))
        say("raw scan: \(figures.last!.1) events/s")

        // 8. Timelines of random persons.
        var timelineTimes: [UInt64] = []
        var longest = 0
        for _ in 0..<options.timelines {
            let person = ScenarioGenerator.personID(1 + random.below(options.persons))
            let (events, seconds) = try time { (try? ledger.timeline(of: person).events.count) ?? 0 }
            longest = max(longest, events)
            timelineTimes.append(seconds)
        }
        let timeline = percentiles(timelineTimes)
        record("timelineMicrosecondsP50", micro(timeline.p50))
        record("timelineMicrosecondsP99", micro(timeline.p99))
        record("timelineLongestEvents", String(longest))
        say("timeline: p50 \(micro(timeline.p50)) µs, p99 \(micro(timeline.p99)) µs (longest \(longest) events)")

        sample()
        record("peakRssAnonBytes", String(peakAnonymous))
        let fileBytes = ledger.environment.figures().fileSizeBytes
        record("ledgerBytesPerEvent", String(fileBytes / max(1, Int(total))))
        printFigures()
    }

    /// Per second, from a count and nanoseconds.
    func rate(_ count: Int, _ nanoseconds: UInt64) -> String { String(UInt64(count) * 1_000_000_000 / nanoseconds) }
    func micro(_ nanoseconds: UInt64) -> String { String((nanoseconds + 500) / 1000) }

    func percentiles(_ values: [UInt64]) -> (p50: UInt64, p99: UInt64) {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return (0, 0) }
        return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
    }

    func printFigures() {
        if options.json {
            var writer = JSONWriter()
            writer.beginObject()
            for (name, value) in figures {
                writer.key(name)
                if value == "true" || value == "false" { writer.raw(value) } else { writer.raw(value) }
            }
            writer.endObject()
            print(writer.text)
        } else {
            let width = figures.map(\.0.count).max() ?? 0
            for (name, value) in figures { print(Render.column(name, width) + "  " + Render.column(value, 14, right: true)) }
        }
    }
}
