import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Splits a JSON Lines batch and checks every line on its own.
extension Interchange {
    /// The submissions of the non-blank lines, every problem found, and the number of lines.
    ///
    /// Lines are checked on every core: each line's check depends on that line alone, and the
    /// results are put back in line order, so the answer is the same on one core or many.
    public static func readBatch(_ bytes: [UInt8]) -> (submissions: [Submission], problems: [LineProblem], lines: Int) {
        // Line ranges first (a quick scan for newlines), numbered from 1, blank lines counted.
        var ranges: [(number: Int, range: Range<Int>)] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            if !bytes[start..<lineEnd].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                ranges.append((lineNumber, start..<lineEnd))
            }
            start = end + 1
        }
        let lines = ranges
        let parsed = ParsedLines(count: lines.count)
        let workers = ranges.count < 4_096 ? 1 : max(1, min(8, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        bytes.withUnsafeBufferPointer { all in
            let shared = SharedBytes(buffer: all)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let from = lines.count * worker / workers
                let to = lines.count * (worker + 1) / workers
                for index in from..<to {
                    let (number, range) = lines[index]
                    parsed.store(parse(line: UnsafeBufferPointer(rebasing: shared.buffer[range]), number: number), at: index)
                }
            }
        }
        var submissions: [Submission] = []
        submissions.reserveCapacity(ranges.count)
        var problems: [LineProblem] = []
        for index in 0..<ranges.count {
            switch parsed.take(at: index) {
            case .accepted(let submission): submissions.append(submission)
            case .refused(let found): problems += found
            }
        }
        return (submissions, problems, lineNumber)
    }
}

/// The batch's bytes, read (never written) by the workers while `readBatch` holds them.
private struct SharedBytes: @unchecked Sendable {
    // @unchecked Sendable: read-only for the whole of `concurrentPerform`.
    let buffer: UnsafeBufferPointer<UInt8>
}

/// One slot per line: each worker writes only the slots of its own lines, and they are read after
/// every worker has finished.
private final class ParsedLines: @unchecked Sendable {
    // @unchecked Sendable: disjoint slots per worker; read only after `concurrentPerform` returns.
    private let slots: UnsafeMutablePointer<ParsedLine?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(1, count))
        slots.initialize(repeating: nil, count: max(1, count))
    }

    func store(_ line: ParsedLine, at index: Int) { slots[index] = line }

    func take(at index: Int) -> ParsedLine {
        guard let line = slots[index] else { preconditionFailure("every line was parsed") }
        return line
    }

    deinit {
        slots.deinitialize(count: max(1, count))
        slots.deallocate()
    }
}
