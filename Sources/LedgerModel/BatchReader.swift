import Dispatch
import Synchronization

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
        let (ranges, lineNumber) = lineRanges(bytes)
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

    /// The non-blank lines' ranges (a quick scan for newlines), numbered from 1, blank lines
    /// counted; and the number of lines.
    static func lineRanges(_ bytes: [UInt8]) -> (ranges: [(number: Int, range: Range<Int>)], lines: Int) {
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
        return (ranges, lineNumber)
    }
}

/// A batch checked piece by piece on another thread while its reader takes the pieces in order:
/// an import appends piece k while piece k + 1 is being checked. The check of each line is
/// ``Interchange/readBatch(_:)``'s, so the submissions and problems are the same.
///
/// ```swift
/// let batch = BatchPieces(bytes)
/// while let piece = try batch.piece(index) { … }   // throws BatchRefused when any line is bad
/// ```
public final class BatchPieces: @unchecked Sendable {
    // @unchecked Sendable: `results` is behind its mutex; each piece's semaphore orders its
    // write (the checking thread) before any read.
    /// Lines in the batch, blank ones included.
    public let lines: Int
    /// Non-blank lines: the submissions of a batch without problems.
    public let submissionCount: Int
    private let pieceCount: Int
    private let done: [DispatchSemaphore]
    private let results: Mutex<[(submissions: [Submission], problems: [LineProblem])?]>

    /// Starts checking `bytes` on another thread, `linesPerPiece` non-blank lines a piece.
    public init(_ bytes: [UInt8], linesPerPiece: Int = 8_192) {
        let (ranges, lines) = Interchange.lineRanges(bytes)
        self.lines = lines
        submissionCount = ranges.count
        let per = max(1, linesPerPiece)
        pieceCount = (ranges.count + per - 1) / per
        done = (0..<pieceCount).map { _ in DispatchSemaphore(value: 0) }
        results = Mutex(Array(repeating: nil, count: pieceCount))
        DispatchQueue.global().async { [self] in
            bytes.withUnsafeBufferPointer { all in
                for piece in 0..<pieceCount {
                    var submissions: [Submission] = []
                    var problems: [LineProblem] = []
                    for (number, range) in ranges[(piece * per)..<min(ranges.count, (piece + 1) * per)] {
                        switch Interchange.parse(line: UnsafeBufferPointer(rebasing: all[range]), number: number) {
                        case .accepted(let submission): submissions.append(submission)
                        case .refused(let found): problems += found
                        }
                    }
                    results.withLock { $0[piece] = (submissions, problems) }
                    done[piece].signal()
                }
            }
        }
    }

    /// Piece `index` once it is checked, or nil past the last; the same piece each time it is asked for.
    /// - Throws: ``BatchRefused`` with every problem of the whole batch, in line order, when any line is bad.
    public func piece(_ index: Int) throws(BatchRefused) -> [Submission]? {
        guard index < pieceCount else { return nil }
        let result = wait(for: index)
        guard result.problems.isEmpty else { throw BatchRefused(problems: allProblems()) }
        return result.submissions
    }

    /// Every problem of the batch, in line order (waits for the whole batch to be checked).
    public func allProblems() -> [LineProblem] { (0..<pieceCount).flatMap { wait(for: $0).problems } }

    private func wait(for index: Int) -> (submissions: [Submission], problems: [LineProblem]) {
        // Signalled again at once, so that every later wait for a checked piece passes.
        done[index].wait()
        done[index].signal()
        return results.withLock { $0[index]! }
    }
}

/// A batch refused for the problems of its lines.
public struct BatchRefused: Error, Sendable {
    public let problems: [LineProblem]
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
