/// Splits a JSON Lines batch and checks every line on its own.
extension Interchange {
    /// The submissions of the non-blank lines, every problem found, and the number of lines.
    public static func readBatch(_ bytes: [UInt8]) -> (submissions: [Submission], problems: [LineProblem], lines: Int) {
        var submissions: [Submission] = []
        var problems: [LineProblem] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            let slice = bytes[start..<lineEnd]
            if !slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                let parsed = slice.withUnsafeBufferPointer { parse(line: $0, number: lineNumber) }
                switch parsed {
                case .accepted(let submission): submissions.append(submission)
                case .refused(let found): problems += found
                }
            }
            start = end + 1
        }
        return (submissions, problems, lineNumber)
    }
}
