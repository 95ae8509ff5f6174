import Dispatch
import LedgerModel
import LedgerRules
import LedgerStorage

/// Folds the histories of the persons of a batch's next piece on another core, while the pieces
/// before it are appended.
///
/// A batch imported by a process of its own (`caseledger import`) starts with no history in
/// memory: the first line of each person folds the person's history from the log, a walk of its
/// stream and a read of each of its events at random places of the file (docs/PERFORMANCE.md,
/// item 47). Here those folds run on the second core, a piece ahead.
///
/// A history folded here is the log as the append transaction found it: the read snapshot is
/// taken while the writer holds the ledger, so it has the transaction's starting head, which is
/// checked. It is handed over only for a person none of whose events the transaction can have
/// written before the piece: a person named by no line of an earlier piece (as its person or as
/// the survivor of a merge), and nobody once a piece held a policy, whose decisions may reach any
/// person. The engine then adopts it only where it holds no history of the person, so it is the
/// history the engine would have folded itself at the person's first line.
///
/// Whatever goes wrong here (a damaged stream, no reader slot) only leaves the piece without
/// histories folded ahead: the engine folds them itself and meets the same damage.
final class HistoryPrefolder: @unchecked Sendable {
    // @unchecked Sendable: `seen`, `stopped` and `started` belong to the appending thread; the
    // folding jobs touch only `ledger` and `results`, which is locked.
    private let ledger: Ledger
    private let head: UInt64
    private let queue = DispatchQueue(label: "caseledger.prefold")
    private let jobs = DispatchGroup()
    private let results = LockedValue<[Int: [String: PersonHistory]]>([:])
    private var seen: Set<String> = []
    private var stopped = false
    private var started: [Int: DispatchSemaphore] = [:]

    init(ledger: Ledger, head: UInt64) {
        self.ledger = ledger
        self.head = head
    }

    /// Notes the persons of piece `index` and, for every piece but the first, starts folding those
    /// of them no earlier piece named and `held` (the engine's cache) does not hold.
    func plan(_ piece: [Submission], index: Int, held: (String) -> Bool) {
        var persons: [String] = []
        let folding = !stopped && index > 0
        for submission in piece {
            let event = submission.event
            if event.type == .policyPublished { stopped = true }
            for person in [event.person, event.type == .personMerged ? event.text(.into) : nil].compactMap({ $0 }) {
                if seen.insert(person).inserted, folding, !held(person) { persons.append(person) }
            }
        }
        guard !persons.isEmpty else { return }
        let done = DispatchSemaphore(value: 0)
        started[index] = done
        queue.async(group: jobs) { [ledger, head, results, persons] in
            defer { done.signal() }
            let folded = try? ledger.environment.read { transaction -> [String: PersonHistory] in
                guard try ledger.head(in: transaction).sequence == head else { return [:] }
                var folded: [String: PersonHistory] = [:]
                folded.reserveCapacity(persons.count)
                for person in persons {
                    if let history = try ledger.foldHistory(of: person, upTo: head, in: transaction) { folded[person] = history }
                }
                return folded
            }
            if let folded { results.withLock { $0[index] = folded } }
        }
    }

    /// The histories folded for piece `index`, once they are; none when none were started.
    func take(_ index: Int) -> [String: PersonHistory] {
        guard let done = started.removeValue(forKey: index) else { return [:] }
        done.wait()
        return results.withLock { $0.removeValue(forKey: index) } ?? [:]
    }

    /// Waits for every fold started: none outlives the append.
    func finish() { jobs.wait() }
}
