/// A refused batch's problems as an answer shows them: the first few, the count, and counts by field
/// and reason, so a batch of millions of bad lines answers in a few kilobytes (the
/// server's refusals and the command line's import share it).
public struct ProblemSummary: Sendable {
    public struct Group: Sendable, Equatable {
        public let field: String
        public let reason: String
        public let count: Int
    }

    public let count: Int
    public let shown: [LineProblem]
    /// By count, most first (ties by field, then reason); at most `shown` groups, the rest as one
    /// group whose field and reason are `*`.
    public let groups: [Group]

    public init(_ problems: [LineProblem], shown limit: Int) {
        count = problems.count
        shown = Array(problems.prefix(limit))
        var counts: [String: [String: Int]] = [:]
        var distinct = 0
        // Distinct (field, reason) pairs counted apart; the rest fall into one group.
        let distinctKept = limit > Int.max / 10 ? Int.max : 10 * limit
        var others = 0
        for problem in problems {
            if counts[problem.field]?[problem.reason] != nil {
                counts[problem.field]![problem.reason]! += 1
            } else if distinct < distinctKept {
                counts[problem.field, default: [:]][problem.reason] = 1
                distinct += 1
            } else {
                others += 1
            }
        }
        var groups = counts.flatMap { field, reasons in reasons.map { Group(field: field, reason: $0.key, count: $0.value) } }
        groups.sort { ($1.count, $0.field, $0.reason) < ($0.count, $1.field, $1.reason) }
        others += groups.dropFirst(limit).reduce(0) { $0 + $1.count }
        groups = Array(groups.prefix(limit))
        if others > 0 { groups.append(Group(field: "*", reason: "*", count: others)) }
        self.groups = groups
    }
}
