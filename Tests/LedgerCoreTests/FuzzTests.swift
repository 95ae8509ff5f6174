import Foundation
import LedgerCore
import LedgerModel
import LedgerSimulation
import Testing

/// A seeded mutator over valid interchange lines feeds the import checks: no crash, no hang, every
/// refusal names its line and field, and a refused batch leaves the ledger exactly as it was.
/// CASELEDGER_FUZZ_LINES sets the number of mutated lines (default 20 000; the full run takes 100 000).
@Suite struct FuzzTests {
    static let lineCount = ProcessInfo.processInfo.environment["CASELEDGER_FUZZ_LINES"].flatMap(Int.init) ?? 20_000

    struct Mutator {
        var random: SeededRandom
        static let fragments: [String] = [
            "\"", "\\", "{", "}", "[", "]", ":", ",", "null", "true", "-1", "1e9", "0.001", "\"\"", "\u{0}", "\u{7}", "é", "张",
            "\"amount\":1", "\"person\":\"\"", "\"settledOn\":\"2024-02-30\"", "\"type\":\"x\"", "99999999999999999999",
            "\"source\":{}", "\"kind\":\"outpatient\"", "\"ledger\":{\"sequence\":1}", "\u{D7FF}", "\\ud800",
        ]

        mutating func mutate(_ line: String) -> String {
            var bytes = Array(line.utf8)
            for _ in 0..<(1 + random.below(2)) {
                let position = bytes.isEmpty ? 0 : random.below(bytes.count)
                // Half the mutations only change digits: the line stays JSON and reaches the ledger's checks.
                switch random.chance(50) ? 5 : random.below(7) {
                case 0 where !bytes.isEmpty: bytes.remove(at: position)
                case 1: bytes.insert(UInt8(truncatingIfNeeded: random.below(256)), at: position)
                case 2 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: random.below(128))
                case 3: bytes.insert(contentsOf: Array(Mutator.fragments[random.below(Mutator.fragments.count)].utf8), at: position)
                case 4: bytes = Array(bytes.prefix(position))
                case 5 where !bytes.isEmpty:
                    // Swap two digits, dates and amounts stay plausible.
                    if let digit = bytes.indices.filter({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }).randomElement(using: &random) {
                        bytes[digit] = UInt8(0x30 + random.below(10))
                    }
                default: bytes += Array(String(repeating: "x", count: random.below(40)).utf8)
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test func mutatedLinesAreRefusedPreciselyAndWriteNothing() throws {
        let ledger = try Ledger.open(at: temporaryDirectory(), create: true)
        var generator = ScenarioGenerator(.init(persons: 40, seed: 5))
        let valid = generator.events().map { Interchange.render($0) }
        // The unmutated city goes in first, so that mutations meet known persons and claims.
        _ = try ledger.append(submissions(valid), recordedAt: fixedTime)
        var mutator = Mutator(random: SeededRandom(seed: 2026))
        var refusedLines = 0
        var refusedBatches = 0
        var acceptedBatches = 0
        var produced = 0
        while produced < FuzzTests.lineCount {
            let size = 1 + mutator.random.below(3)
            let lines = (0..<size).map { _ in mutator.mutate(valid[mutator.random.below(valid.count)]) }
            produced += size
            let batch = Interchange.readBatch(Array((lines.joined(separator: "\n") + "\n").utf8))
            for problem in batch.problems {
                // A mutation may insert a newline: the batch then has more physical lines than `size`.
                #expect((1...batch.lines).contains(problem.line), "a problem names a line of the batch: \(problem)")
                #expect(!problem.field.isEmpty && !problem.reason.isEmpty, "\(problem)")
            }
            refusedLines += Set(batch.problems.map(\.line)).count
            guard batch.problems.isEmpty else { continue }
            let before = try ledger.head()
            let outcome = Result { () throws(LedgerError) in try ledger.append(batch.submissions, recordedAt: fixedTime) }
            switch outcome {
            case .success:
                acceptedBatches += 1
            case .failure(let error):
                guard case .refused(let problems) = error else { throw error }
                refusedBatches += 1
                let named = problems.allSatisfy { !$0.field.isEmpty && !$0.reason.isEmpty }
                #expect(!problems.isEmpty && named, "\(problems)")
                let after = try ledger.head()
                #expect(after == before, "a refused batch leaves the ledger exactly as it was")
            }
        }
        print("fuzz: \(produced) mutated lines, \(refusedLines) refused by the line checks, "
            + "\(refusedBatches) batches refused by the ledger, \(acceptedBatches) accepted (duplicates or harmless mutations)")
        #expect(refusedLines > produced / 4, "the mutator does produce bad lines")
        #expect(refusedBatches > 0 && acceptedBatches > 0, "mutations reach the ledger's own checks too")
        #expect(try ledger.verify().isClean)
        #expect(try ledger.replayVerify().isClean)
    }
}
