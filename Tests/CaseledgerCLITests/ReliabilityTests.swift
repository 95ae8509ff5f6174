import Foundation
import LedgerSimulation
import Testing

/// Crashes, concurrency and resource limits, against the real binary in child processes.
/// CASELEDGER_CRASH_TRIALS sets the number of kills (default 6; the full run takes 50).
@Suite(.serialized) struct ReliabilityTests {
    static let trials = ProcessInfo.processInfo.environment["CASELEDGER_CRASH_TRIALS"].flatMap(Int.init) ?? 6
    /// The kill delays are drawn from this seed, printed with each failure, so a failing trial
    /// replays: CASELEDGER_CRASH_SEED.
    static let seed = ProcessInfo.processInfo.environment["CASELEDGER_CRASH_SEED"].flatMap(UInt64.init) ?? 20_261_126
    static let recordedAt = "2026-02-01T00:00:00.000Z"

    /// A city split in two batches: the first is committed before every trial, the second is the one killed.
    static func batches() throws -> (first: String, second: String) {
        let city = try CLI.run(["generate", "--persons", "600", "--seed", "21"]).standardOutput
        let lines = city.split(separator: "\n", omittingEmptySubsequences: false)
        let half = lines.count / 3
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseledger-reliability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let first = directory.appendingPathComponent("first.jsonl").path
        let second = directory.appendingPathComponent("second.jsonl").path
        try Data((lines[..<half].joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: first))
        try Data(lines[half...].joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: second))
        return (first, second)
    }

    static func head(_ ledger: String) throws -> String {
        let stat = try CLI.run(["--ledger", ledger, "stat", "--format", "json"]).standardOutput
        return String(stat.prefix { $0 != "}" })
    }

    static func copy(_ source: String, to target: String) throws {
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for file in ["data.mdb"] {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: target + "/" + file)
        }
    }

    /// Starts the binary, kills it with SIGKILL after `microseconds`, and waits for it.
    static func kill(_ arguments: [String], after microseconds: UInt32) throws -> Int32 {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(microseconds)
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func aKilledImportLeavesTheWholeBatchOrNoneOfIt() throws {
        let (first, second) = try ReliabilityTests.batches()
        let base = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", base, "import", "--recorded-at", ReliabilityTests.recordedAt, first]).status == 0)
        let before = try ReliabilityTests.head(base)
        let beforeAccumulators = try CLI.run(["--ledger", base, "accumulators"]).standardOutput
        // The reference: the same second batch imported without a kill.
        let reference = CLI.temporaryDirectory()
        try ReliabilityTests.copy(base, to: reference)
        #expect(try CLI.run(["--ledger", reference, "import", "--recorded-at", ReliabilityTests.recordedAt, second]).status == 0)
        let after = try ReliabilityTests.head(reference)
        let afterAccumulators = try CLI.run(["--ledger", reference, "accumulators"]).standardOutput
        var random = SeededRandom(seed: ReliabilityTests.seed)
        var outcomes: [String: Int] = [:]
        for trial in 0..<ReliabilityTests.trials {
            let ledger = CLI.temporaryDirectory()
            try ReliabilityTests.copy(base, to: ledger)
            let delay = UInt32.random(in: 0...3_000_000, using: &random)
            _ = try ReliabilityTests.kill(["--ledger", ledger, "import", "--recorded-at", ReliabilityTests.recordedAt, second], after: delay)
            let verify = try CLI.run(["--ledger", ledger, "verify"])
            #expect(verify.status == 0, "trial \(trial), killed after \(delay) µs (seed \(ReliabilityTests.seed)): \(verify.standardOutput)")
            let head = try ReliabilityTests.head(ledger)
            #expect(head == before || head == after, "trial \(trial): the ledger holds the whole batch or none of it")
            let accumulators = try CLI.run(["--ledger", ledger, "accumulators"]).standardOutput
            #expect(accumulators == (head == before ? beforeAccumulators : afterAccumulators))
            let replay = try CLI.run(["--ledger", ledger, "replay", "--verify"])
            #expect(replay.status == 0, "trial \(trial): rebuilding every projection gives the stored digest")
            outcomes[head == before ? "none" : "whole", default: 0] += 1
        }
        print("crash: \(ReliabilityTests.trials) kills during import: \(outcomes["none", default: 0]) left none of the batch, "
            + "\(outcomes["whole", default: 0]) the whole; every ledger verified and replayed clean")
    }

    @Test func aKilledRebuildResumesToTheSameBytes() throws {
        let (first, _) = try ReliabilityTests.batches()
        let ledger = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", ledger, "import", "--recorded-at", ReliabilityTests.recordedAt, first]).status == 0)
        let expected = try CLI.run(["--ledger", ledger, "accumulators"]).standardOutput
        var random = SeededRandom(seed: ReliabilityTests.seed)
        for trial in 0..<max(2, ReliabilityTests.trials / 2) {
            let delay = UInt32.random(in: 0...400_000, using: &random)
            _ = try ReliabilityTests.kill(["--ledger", ledger, "rebuild", "--chunk", "200"], after: delay)
            // Readers are served the old projection meanwhile.
            #expect(try CLI.run(["--ledger", ledger, "accumulators"]).standardOutput == expected,
                    "trial \(trial), killed after \(delay) µs (seed \(ReliabilityTests.seed))")
            let resumed = try CLI.run(["--ledger", ledger, "rebuild", "--chunk", "200"])
            #expect(resumed.status == 0, "\(resumed.standardError)")
            #expect(try CLI.run(["--ledger", ledger, "accumulators"]).standardOutput == expected, "trial \(trial): byte-identical")
        }
        #expect(try CLI.run(["--ledger", ledger, "replay", "--verify"]).status == 0)
    }

    @Test func readersInOtherProcessesSeeAConsistentLedgerDuringAnImport() throws {
        let (first, second) = try ReliabilityTests.batches()
        let ledger = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", ledger, "import", "--recorded-at", ReliabilityTests.recordedAt, first]).status == 0)
        // The second batch in chunks, imported one after another by a shell, so that readers meet many heads.
        let lines = try String(contentsOfFile: second, encoding: .utf8).split(separator: "\n")
        var chunks: [String] = []
        for (index, start) in stride(from: 0, to: lines.count, by: 300).enumerated() {
            let path = second + ".\(index)"
            try Data((lines[start..<min(lines.count, start + 300)].joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
            chunks.append(path)
        }
        let startHead = try ReliabilityTests.head(ledger)
        let summaries = second + ".summaries"
        let importer = Process()
        importer.executableURL = URL(fileURLWithPath: "/bin/sh")
        importer.arguments = ["-c", "for f in \"$@\"; do \"\(CLI.binary.path)\" --ledger \"\(ledger)\" import \"$f\" || exit 1; done", "sh"] + chunks
        _ = FileManager.default.createFile(atPath: summaries, contents: nil)
        importer.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: summaries))
        importer.standardError = FileHandle.nullDevice
        try importer.run()
        var snapshots = 0
        var heads: Set<Int> = []
        let person = "P0000001"
        while importer.isRunning || snapshots == 0 {
            let stat = try CLI.run(["--ledger", ledger, "stat", "--format", "json"]).standardOutput
            let events = Int(stat.split(separator: "\"events\":").last?.prefix { $0.isNumber } ?? "") ?? -1
            let sequence = Int(stat.split(separator: "\"sequence\":").dropFirst().first?.prefix { $0.isNumber } ?? "") ?? -2
            #expect(events == sequence, "the counts and the head come from one snapshot")
            let verify = try CLI.run(["--ledger", ledger, "verify"])
            #expect(verify.status == 0, "never a decision without its claim, never half a batch: \(verify.standardOutput)")
            // The readers investigators and operations use, during the import.
            for reader in [["timeline", person], ["accumulators", "--year", "2024"], ["report", "totals", "--year", "2024"]] {
                let result = try CLI.run(["--ledger", ledger] + reader)
                #expect(result.status == 0, "\(reader.joined(separator: " ")) during an import: \(result.standardError)")
            }
            heads.insert(sequence)
            snapshots += 1
        }
        importer.waitUntilExit()
        #expect(importer.terminationStatus == 0)
        // Every head a reader saw is one an import committed whole: the start, or after a chunk.
        let committed = try String(contentsOfFile: summaries, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("head sequence ") }.compactMap { Int($0.split(separator: " ")[2]) }
        let start = Int(startHead.split(separator: "\"sequence\":").dropFirst().first?.prefix { $0.isNumber } ?? "") ?? -3
        #expect(committed.count == chunks.count, "one summary per chunk")
        #expect(heads.isSubset(of: Set(committed + [start])), "never half a batch: saw \(heads.sorted()), committed \(committed)")
        print("concurrency: \(snapshots) snapshots read in other processes during the import saw \(heads.count) heads, each consistent")
    }

    @Test func aSecondWriterWaitsAndNeitherCorrupts() throws {
        let (first, second) = try ReliabilityTests.batches()
        let ledger = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", ledger, "init"]).status == 0)
        let writers = [first, second].map { batch -> Process in
            let process = Process()
            process.executableURL = CLI.binary
            process.arguments = ["--ledger", ledger, "import", batch]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }
        for writer in writers { try writer.run() }
        for writer in writers { writer.waitUntilExit() }
        // The second batch's events need the first's persons: if it ran first it was refused whole.
        let statuses = writers.map(\.terminationStatus)
        #expect(statuses.allSatisfy { $0 == 0 || $0 == 1 }, "\(statuses)")
        #expect(try CLI.run(["--ledger", ledger, "verify"]).status == 0)
        #expect(try CLI.run(["--ledger", ledger, "replay", "--verify"]).status == 0)
    }

    /// Whether this process may mount a tmpfs (root, and a machine that allows it): tried once.
    static let canMountTmpfs: Bool = {
        guard getuid() == 0 else { return false }
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("caseledger-probe-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mount) }
        func run(_ tool: String, _ arguments: [String]) -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return -1 }
            process.waitUntilExit()
            return process.terminationStatus
        }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mount]) == 0 else { return false }
        _ = run("/bin/umount", [mount])
        return true
    }()

    @Test(.enabled(if: ReliabilityTests.canMountTmpfs, "mounting a small tmpfs needs root on a machine that allows it"))
    func aFullDiskIsACleanErrorAndTheLedgerStillVerifies() throws {
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("caseledger-full-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let mounted = Process()
        mounted.executableURL = URL(fileURLWithPath: "/bin/mount")
        mounted.arguments = ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount]
        try mounted.run()
        mounted.waitUntilExit()
        try #require(mounted.terminationStatus == 0, "the probe could mount a tmpfs; this mount failed")
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
            unmount.arguments = [mount]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let (first, second) = try ReliabilityTests.batches()
        let ledger = mount + "/ledger"
        #expect(try CLI.run(["--ledger", ledger, "init"]).status == 0)
        let committed = try ReliabilityTests.head(ledger)
        var last = committed
        var failure: CLI.Result?
        for batch in [first, second] {
            let result = try CLI.run(["--ledger", ledger, "import", "--recorded-at", ReliabilityTests.recordedAt, batch])
            if result.status != 0 { failure = result; break }
            last = try ReliabilityTests.head(ledger)
        }
        let refused = try #require(failure, "a 1 MiB file system cannot hold the whole city")
        #expect(refused.status == 2, "\(refused.standardError)")
        #expect(refused.standardError.contains("disk is full"), "\(refused.standardError)")
        #expect(try ReliabilityTests.head(ledger) == last, "all that was committed stays, nothing of the failed batch")
        #expect(try CLI.run(["--ledger", ledger, "verify"]).status == 0)
    }
}

/// Random bytes flipped in copies of a ledger file: verify reports what touched events or indexes,
/// and no command crashes — each exits 0, 1 or 2 with a clear message.
/// CASELEDGER_CORRUPTION_TRIALS sets the number of flips (default 40; the full run takes 1 000).
@Suite struct CorruptionTests {
    static let trials = ProcessInfo.processInfo.environment["CASELEDGER_CORRUPTION_TRIALS"].flatMap(Int.init) ?? 40
    /// The flips are drawn from this seed, so a failing trial reproduces: CASELEDGER_CORRUPTION_SEED.
    static let seed = ProcessInfo.processInfo.environment["CASELEDGER_CORRUPTION_SEED"].flatMap(UInt64.init) ?? 20_261_124

    @Test func flippedBytesAreReportedAndNothingCrashes() throws {
        let original = CLI.temporaryDirectory()
        let city = try CLI.run(["generate", "--persons", "150", "--seed", "9"]).standardOutput
        #expect(try CLI.run(["--ledger", original, "import", "--recorded-at", "2026-01-01T00:00:00.000Z", "-"], input: city).status == 0)
        let export = try CLI.run(["--ledger", original, "export"]).standardOutput
        let bytes = try Data(contentsOf: URL(fileURLWithPath: original + "/data.mdb"))
        var flips = SeededRandom(seed: CorruptionTests.seed)
        var outcomes = [Int32: Int]()
        var crashes = 0
        for trial in 0..<CorruptionTests.trials {
            let copy = CLI.temporaryDirectory()
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            var damaged = bytes
            let offset = flips.below(damaged.count)
            damaged[offset] ^= UInt8(1) << UInt8(flips.below(8))
            try damaged.write(to: URL(fileURLWithPath: copy + "/data.mdb"))
            let verify = try CLI.run(["--ledger", copy, "verify"])
            outcomes[verify.status, default: 0] += 1
            if ![0, 1, 2].contains(verify.status) { crashes += 1 }
            #expect([0, 1, 2].contains(verify.status), "trial \(trial), byte \(offset) (seed \(CorruptionTests.seed)): verify exited \(verify.status)")
            if verify.status == 2 { #expect(verify.standardError.contains("damaged") || verify.standardError.contains("error:")) }
            if verify.status == 0 {
                // Nothing reported: then nothing of the events changed.
                let exported = try CLI.run(["--ledger", copy, "export"])
                #expect(exported.status == 0 && exported.standardOutput == export, "trial \(trial), byte \(offset): an unreported flip changed the log")
            }
            for command in [["stat"], ["timeline", "P0000005"], ["accumulators", "--person", "P0000005"]] {
                let result = try CLI.run(["--ledger", copy] + command)
                if ![0, 1, 2].contains(result.status) { crashes += 1 }
                #expect([0, 1, 2].contains(result.status),
                        "trial \(trial), byte \(offset) (seed \(CorruptionTests.seed)): \(command[0]) exited \(result.status)")
            }
            try? FileManager.default.removeItem(atPath: copy)
        }
        print("corruption: \(CorruptionTests.trials) flipped bytes (seed \(CorruptionTests.seed)): \(outcomes[1, default: 0]) reported by verify, "
            + "\(outcomes[2, default: 0]) refused as a damaged file, \(outcomes[0, default: 0]) harmless (the log exported unchanged); "
            + (crashes == 0 ? "no crash" : "\(crashes) commands CRASHED"))
    }
}

/// The fault guard tells a damaged file from a defect: a SIGSEGV that did not come from reading the
/// ledger's map (nor from inside LMDB) is reported as a crash and kills the process with the signal.
@Suite struct FaultGuardTests {
    @Test func aFaultOutsideTheMapIsACrashNotADamagedFile() throws {
        // Once the server listens its ledger is open and the guard installed.
        let (process, _, error, said) = try ServeTests.serve([])
        var text = said
        kill(process.processIdentifier, SIGSEGV)
        text += String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGSEGV, "\(process.terminationStatus): \(text)")
        #expect(text.contains("caseledger crashed: SIGSEGV outside the ledger's map and outside LMDB"), "\(text)")
        #expect(!text.contains("the ledger file is damaged"))
    }
}
