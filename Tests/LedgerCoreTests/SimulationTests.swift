import Foundation
import LedgerModel
import LedgerRules
import LedgerSimulation
import Testing

@testable import LedgerCore

/// A seeded whole-ledger simulation: one seed drives a generated city through the ledger in batches
/// of random size, with crashes (a write transaction that dies half-way), restarts (the ledger closed
/// and opened again from its files), re-pushed and conflicting lines, refused batches and rebuilds
/// stopped half-way and resumed later. Every step is checked against a model of what was committed;
/// at checkpoints and at the end, the whole log must equal, event for event, a reference ledger that
/// took the same facts in one batch.
///
/// A failing seed reproduces exactly: `CASELEDGER_SIMULATION_SEED=S swift test --filter SimulationTests`.
/// `CASELEDGER_SIMULATION_SEEDS=N` runs seeds 1…N (default 20).
@Suite struct SimulationTests {
    struct SimulatedCrash: Error {}

    enum Step: String, CaseIterable {
        case append, duplicate, conflict, refused, crash, restart, halfRebuild, rebuild
    }

    /// What the simulation knows: the facts committed so far, in the order they were committed.
    struct Model {
        var committed: [Event] = []
        var sources: Set<Source> = []
        var next = 0
    }

    static var seeds: [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let one = environment["CASELEDGER_SIMULATION_SEED"].flatMap(UInt64.init) { return [one] }
        let count = environment["CASELEDGER_SIMULATION_SEEDS"].flatMap(UInt64.init) ?? 20
        return Array(1...max(1, count))
    }

    /// Picks a step: mostly appends, every disturbance now and then.
    static func step(_ random: inout SeededRandom) -> Step {
        let roll = random.below(100)
        switch roll {
        case ..<55: return .append
        case ..<63: return .duplicate
        case ..<68: return .conflict
        case ..<73: return .refused
        case ..<83: return .crash
        case ..<90: return .restart
        case ..<96: return .halfRebuild
        default: return .rebuild
        }
    }

    @Test func aSeededWorkloadOfAppendsCrashesRestartsAndRebuildsKeepsEveryInvariant() throws {
        var totals: [Step: Int] = [:]
        var steps = 0
        for seed in SimulationTests.seeds {
            let counts = try SimulationTests.run(seed: seed)
            for (step, count) in counts { totals[step, default: 0] += count }
            steps += counts.values.reduce(0, +)
        }
        let summary = Step.allCases.map { "\($0.rawValue) \(totals[$0, default: 0])" }.joined(separator: ", ")
        print("simulation: \(SimulationTests.seeds.count) seeds, \(steps) steps (\(summary)); every invariant held after every step")
        for step in Step.allCases { #expect(totals[step, default: 0] > 0, "the seeds exercise \(step.rawValue)") }
    }

    /// Runs one seed to the end of its city; returns how many steps of each kind it took.
    static func run(seed: UInt64) throws -> [Step: Int] {
        var generator = ScenarioGenerator(.init(persons: 30, year: 2024, claimsPerPerson: 3, seed: seed))
        let city = generator.events()
        let path = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        var ledger: Ledger? = try Ledger.open(at: path, create: true)
        var random = SeededRandom(seed: seed &* 0x5851_F42D_4C95_7F2D &+ 11)
        var model = Model()
        var counts: [Step: Int] = [:]
        var number = 0
        while model.next < city.count {
            number += 1
            let label = "seed \(seed), step \(number)"
            let step = SimulationTests.step(&random)
            counts[step, default: 0] += 1
            let before = try live(ledger).head()
            let batch = Array(city[model.next..<min(city.count, model.next + 1 + random.below(40))])
            let time = Timestamp(millisecondsSinceEpoch: fixedTime.millisecondsSinceEpoch + Int64(number) * 1_000)
            switch step {
            case .append:
                _ = try live(ledger).append(submissions(batch), recordedAt: time)
                model.commit(batch)
            case .duplicate:
                guard !model.committed.isEmpty else { continue }
                let start = random.below(model.committed.count)
                let again = Array(model.committed[start..<min(model.committed.count, start + 1 + random.below(20))])
                let summary = try live(ledger).append(submissions(again), recordedAt: time)
                #expect(summary.appended == 0 && summary.duplicates == again.count, "\(label): a re-push appends nothing")
            case .conflict:
                guard let original = model.committed.last(where: { $0.source != nil && $0.type != .personRegistered }) else { continue }
                expectRefusal(try live(ledger), [SimulationTests.altered(original)], time, label, field: "source")
            case .refused:
                let stranger = Event(type: .contributionPaid, source: Source(system: "simulation", key: "stranger-\(number)"),
                                     person: "NOBODY\(number)", fields: [
                                         .insuranceYear: .integer(2024), .amount: .money(Money.yuan(1)),
                                         .paidOn: .date(CivilDate(year: 2024, month: 1, day: 5)!),
                                     ])
                expectRefusal(try live(ledger), batch + [stranger], time, label, field: "person")
            case .crash:
                try live(ledger).appendAndCrash(submissions(batch), after: random.below(batch.count + 1), recordedAt: time)
            case .restart:
                ledger = nil  // LMDB: one environment per process, so the old one closes first
                ledger = try Ledger.open(at: path)
            case .halfRebuild:
                // Folded in memory from sequence 1 without bound, with a bound of a few person-years, or in chunks only.
                let inMemory = [Ledger.rebuildPersonYearsInMemory, 1 + random.below(40), 0][random.below(3)]
                _ = try live(ledger).rebuildProjections(chunkEvents: 1 + random.below(200), stoppingAfterChunks: 1 + random.below(3),
                                                        personYearsInMemory: inMemory, progress: nil)
            case .rebuild:
                let accumulators = try live(ledger).accumulators().map(\.encoded)
                _ = try live(ledger).rebuildProjections(chunkEvents: 1 + random.below(500))
                #expect(try live(ledger).accumulators().map(\.encoded) == accumulators, "\(label): a rebuild changes no byte")
            }
            let current = try live(ledger)
            if step != .append && step != .restart {
                #expect(try current.head() == before, "\(label): \(step.rawValue) leaves the log as it was")
            }
            try checkInvariants(current, model, label)
            if number % 25 == 0 { try checkAgainstReference(current, model, label) }
        }
        let final = try live(ledger)
        try checkAgainstReference(final, model, "seed \(seed), end")
        let replay = try final.replayVerify()
        #expect(replay.isClean, "seed \(seed): replay --verify \(replay.decisionProblems.prefix(3))")
        return counts
    }

    /// The ledger between steps; only a restart lets go of it, and only for the time of a reopen.
    static func live(_ ledger: Ledger?) throws -> Ledger {
        try #require(ledger, "the ledger is open between steps")
    }

    static func expectRefusal(_ ledger: Ledger, _ events: [Event], _ time: Timestamp, _ label: String, field: String) {
        do {
            _ = try ledger.append(submissions(events), recordedAt: time)
            Issue.record("\(label): the batch was appended, not refused")
        } catch .refused(let problems) {
            #expect(problems.contains { $0.field == field && $0.line > 0 }, "\(label): the refusal names line and \(field): \(problems)")
        } catch {
            Issue.record("\(label): refused for another reason: \(error)")
        }
    }

    /// The same source with other content: one amount or date moved.
    static func altered(_ event: Event) -> Event {
        var fields = event.fields
        if let (field, value) = fields.sorted(by: { $0.key < $1.key }).first(where: {
            if case .money = $0.value { return true }
            if case .date = $0.value { return true }
            return false
        }) {
            switch value {
            case .money(let money): fields[field] = .money(money + Money(fen: 1))
            case .date(let date): fields[field] = .date(date.adding(days: 1))
            default: break
            }
        } else {
            fields[.name] = .text("另一个")
        }
        return Event(type: event.type, source: event.source, person: event.person, fields: fields)
    }

    /// After every step: the chain and every index verify; the facts in the log are exactly those
    /// committed; the projection has applied the head; the counts add up to the head.
    static func checkInvariants(_ ledger: Ledger, _ model: Model, _ label: String) throws {
        let report = try ledger.verify()
        #expect(report.isClean, "\(label): verify \(report.problems.prefix(3))")
        var inputs: [Source] = []
        try ledger.forEachEvent { recorded in
            if let source = recorded.event.source, recorded.event.type.isInput { inputs.append(source) }
        }
        #expect(Set(inputs) == model.sources.union(defaultSources), "\(label): the log holds exactly the committed facts")
        #expect(inputs.count == Set(inputs).count, "\(label): no fact twice")
        let status = try ledger.projectionStatus()
        #expect(status.checkpoint == status.head, "\(label): the live projection applied the head")
    }

    static let defaultSources: Set<Source> = Set(DefaultParameters.events.compactMap(\.source))

    /// The log, event for event (content, not recorded time), equals that of a fresh ledger given the
    /// committed facts in one batch: batching, crashes, restarts and rebuilds change no decision.
    static func checkAgainstReference(_ ledger: Ledger, _ model: Model, _ label: String) throws {
        let path = temporaryDirectory("reference")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let reference = try Ledger.open(at: path, create: true)
        if !model.committed.isEmpty { _ = try reference.append(submissions(model.committed), recordedAt: fixedTime) }
        var simulated: [Event] = [], expected: [Event] = []
        try ledger.forEachEvent { simulated.append($0.event) }
        try reference.forEachEvent { expected.append($0.event) }
        #expect(simulated.count == expected.count, "\(label): \(simulated.count) events, the reference \(expected.count)")
        if let index = simulated.indices.first(where: { $0 < expected.count && simulated[$0] != expected[$0] }) {
            Issue.record("\(label): event \(index + 1) differs from the reference: \(simulated[index].type.name) vs \(expected[index].type.name)")
        }
        #expect(try ledger.accumulators().map(\.encoded) == (try reference.accumulators().map(\.encoded)), "\(label): accumulators")
    }

    static func submissions(_ events: [Event]) -> [Submission] {
        events.enumerated().map { Submission(line: $0.offset + 1, event: $0.element) }
    }
}

extension SimulationTests.Model {
    /// Records a committed batch; a line repeating a committed fact was a no-op.
    mutating func commit(_ batch: [Event]) {
        for event in batch {
            if let source = event.source {
                guard sources.insert(source).inserted else { continue }
            }
            committed.append(event)
        }
        next += batch.count
    }
}

extension Ledger {
    /// Submits the first `count` of `submissions` in a write transaction and dies before the commit,
    /// as a process killed mid-batch would: LMDB discards the transaction whole.
    func appendAndCrash(_ submissions: [Submission], after count: Int, recordedAt: Timestamp) throws {
        do {
            try environment.write { transaction in
                var appender = try Appender(ledger: self, transaction: transaction, recordedAt: recordedAt)
                for submission in submissions.prefix(count) { _ = try appender.submit(submission) }
                throw SimulationTests.SimulatedCrash()
            }
        } catch is SimulationTests.SimulatedCrash {
            return
        }
    }
}
