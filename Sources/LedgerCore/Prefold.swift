import Dispatch
import LedgerModel
import LedgerRules
import LedgerStorage

/// Folds the histories of the persons of a batch's next piece on another core, while the pieces
/// before it are appended.
///
/// A batch imported by a process of its own (`caseledger import`) starts with no history in
/// memory: the first line of each person that needs one folded the person's history from the log,
/// a walk of its stream and a read of each of its events at random places of the file
/// (docs/PERFORMANCE.md, item 47). Here those folds run on another core, a piece ahead.
///
/// A history folded here is the log as the append transaction found it: the read snapshot is
/// taken while the writer holds the ledger, so it has the transaction's starting head (checked).
/// It is handed over only for a person none of whose events the transaction can have written
/// before the piece begins: a person named by no line of an earlier piece (as its person or as the
/// survivor of a merge), and nobody in a piece after one that held a policy, whose decisions may
/// reach any person. The engine adopts it only where it holds no history of the person. At the
/// start of the piece it is then the fold of the person's log, as a history the engine folded
/// itself would be, and the engine keeps it current from there as it keeps every history it holds.
///
/// Only persons a line of the piece reads the history of are folded: a payment, a refund or a
/// registration reads none, nor does a line the ledger holds already (a duplicate; when it is the
/// person's first such line, the person is left to the engine), and a person merged away is
/// refused. A merge is no reason to fold its survivor: writing it drops the survivor's history.
/// Whatever goes wrong here (a damaged stream, no reader slot) only leaves the piece without
/// histories folded ahead: the engine folds them itself and meets the same damage.
final class HistoryPrefolder {
    private let ledger: Ledger
    private let head: UInt64
    private lazy var queue = DispatchQueue(label: "caseledger.prefold")
    private let jobs = DispatchGroup()
    private let results = LockedValue<[Int: [String: PersonHistory]]>([:])
    private var seen: Set<String> = []
    private var stopped = false
    private var started: [Int: DispatchSemaphore] = [:]

    init(ledger: Ledger, head: UInt64) {
        self.ledger = ledger
        self.head = head
    }

    /// The person whose history a line reads when it is appended, if any
    /// (``DecisionEngine/decisions(after:sequence:)``). A merge reads its survivor's, but writing
    /// it drops the survivor's history from the engine, so a fold ahead of it would be wasted.
    static func reader(of event: Event) -> String? {
        switch event.type {
        case .personAmended, .identityRecognized, .identityRevoked, .enrollmentRegistered, .settlementRecorded,
            .settlementReversed, .assistanceApplied:
            event.person
        default: nil
        }
    }

    /// Whether folding ahead pays for a batch whose first piece is `piece`: whether it holds no
    /// policy (after which nothing is folded) and at least one line in eight reads the history of a
    /// person `held` (the engine's cache) does not hold. A file of payments reads none, and taking
    /// each piece ahead would only wait for its check.
    static func worthFolding(_ piece: [Submission], held: (String) -> Bool) -> Bool {
        var reading = 0
        for submission in piece {
            if submission.event.type == .policyPublished { return false }
            if let person = reader(of: submission.event), !held(person) { reading += 1 }
        }
        return reading > 0 && reading * 8 >= piece.count
    }

    /// Notes the persons the first piece names, and whether it holds a policy: its lines are
    /// appended before any fold ahead is taken, so the engine folds their histories as it goes.
    func note(_ piece: [Submission]) {
        for submission in piece { seen.formUnion(noting(submission.event)) }
    }

    /// Starts folding the histories that lines of piece `index` (after the first) read, of persons
    /// no earlier piece named and `held` (the engine's cache) does not hold; then notes the persons
    /// the piece names. A person's history is read by any of its lines in the piece: one folded as
    /// the log stood at the piece's start is kept current by the engine through the lines before.
    func plan(_ piece: [Submission], index: Int, held: (String) -> Bool) {
        guard !stopped else { return }
        var names: Set<String> = []
        var taken: Set<String> = []
        var wanted: [(person: String, source: Source?)] = []
        for submission in piece {
            let event = submission.event
            if let person = HistoryPrefolder.reader(of: event), !seen.contains(person), !held(person),
                taken.insert(person).inserted
            {
                wanted.append((person, event.source))
            }
            names.formUnion(noting(event))
        }
        seen.formUnion(names)
        guard !wanted.isEmpty else { return }
        let done = DispatchSemaphore(value: 0)
        started[index] = done
        queue.async(group: jobs) { [ledger, head, results, wanted] in
            defer { done.signal() }
            let folded = try? ledger.environment.read { transaction -> [String: PersonHistory] in
                guard try ledger.head(in: transaction).sequence == head else { return [:] }
                var folded: [String: PersonHistory] = [:]
                folded.reserveCapacity(wanted.count)
                let sourceKeys = SourceKeys(ledger.sourceIndex, transaction: transaction)
                for (person, source) in wanted {
                    // A line the ledger holds already is a duplicate or a conflict: it reads nothing.
                    if let source, let key = try sourceKeys.key(source), try transaction.get(sourceKeys.database, key: key) != nil { continue }
                    guard let entry = try ledger.personEntry(person, in: transaction), entry.mergedInto == 0 else { continue }
                    folded[person] = try ledger.foldHistory(of: person, entry: entry, upTo: head, in: transaction, pending: nil)
                }
                return folded
            }
            if let folded { results.withLock { $0[index] = folded } }
        }
    }

    /// Notes a policy, which may reach anyone, so that no later piece is folded ahead; returns the
    /// persons whose events `event` can write: its person, and a merge's survivor.
    private func noting(_ event: Event) -> [String] {
        if event.type == .policyPublished { stopped = true }
        var persons: [String] = []
        if let person = event.person { persons.append(person) }
        if event.type == .personMerged, let survivor = event.text(.into) { persons.append(survivor) }
        return persons
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
