import LedgerModel

/// The checks of a new fact against what its person's history already holds (INTERCHANGE.md
/// § Checks beyond syntax): pure, so the append path and a test ask the same question.
/// Only the person's own facts count here, not those of persons merged into it.
public enum Admission {
    /// Why `event` cannot be added to `history`, or nil. `reason` may name stored data (a sequence);
    /// `withheld` is what a caller who may not read is told.
    public struct Problem: Equatable, Sendable {
        public let field: String
        public let reason: String
        public let withheld: String
    }

    public static func problem(of event: Event, history: PersonHistory) -> Problem? {
        switch event.type {
        case .enrollmentRegistered:
            guard let year = event.integer(.insuranceYear),
                let first = history.enrollments.first(where: { $0.isOwn && $0.insuranceYear == Int(year) })
            else { return nil }
            return Problem(field: "insuranceYear", reason: "\(history.person) is already enrolled for \(year) at sequence \(first.sequence) (重复参保)",
                           withheld: "\(history.person) is already enrolled for \(year) (重复参保)")
        case .identityRevoked:
            guard let category = event.word(.category, Category.self), let validTo = event.date(.validTo) else { return nil }
            let withheld = "does not close a \(category) recognition the ledger holds for this person"
            // The latest interval of the category opens on its latest validFrom; a revocation may close
            // it the day before it opens (an interval of no days), not earlier.
            guard let latestFrom = history.identities.filter({ $0.isOwn && $0.category == category }).map(\.validFrom).max() else {
                return Problem(field: "category", reason: "the person never held \(category)", withheld: withheld)
            }
            guard validTo >= latestFrom.adding(days: -1) else {
                return Problem(field: "validTo", reason: "before the latest \(category) interval opens on \(latestFrom)", withheld: withheld)
            }
            return nil
        default:
            return nil
        }
    }
}
