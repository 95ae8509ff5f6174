import LedgerModel
@testable import LedgerRules
import Testing

/// A new fact against the facts its person already has (INTERCHANGE.md § Checks beyond syntax).
@Suite struct AdmissionTests {
    @Test func aSecondEnrolmentForTheSameYearIsRefusedNamingTheFirst() {
        var book = Book()
        book.add([Fact.registered(), Fact.enrolled(year: 2024)])
        let again = Admission.problem(of: Fact.enrolled(year: 2024, on: "2024-03-01"), history: book.history)
        #expect(again?.field == "insuranceYear")
        #expect(again?.reason == "P1 is already enrolled for 2024 at sequence 102 (重复参保)")
        #expect(again?.withheld == "P1 is already enrolled for 2024 (重复参保)")
        #expect(Admission.problem(of: Fact.enrolled(year: 2025, on: "2024-11-01"), history: book.history) == nil)
    }

    /// A merged duplicate's enrolment is the survivor's history, not its own enrolment: the survivor
    /// may still enrol (the decisions then see the second enrolment as 重复参保).
    @Test func aMergedPersonsEnrolmentIsNotTheSurvivorsOwn() {
        var book = Book(person: "P1")
        book.add([Fact.registered("P1"), Fact.registered("P2"), Fact.enrolled("P2", year: 2024), Fact.merged("P2", into: "P1")])
        #expect(book.history.enrollments.count == 1)
        #expect(Admission.problem(of: Fact.enrolled("P1", year: 2024), history: book.history) == nil)
    }

    @Test func aRevocationMustCloseAnIntervalTheLedgerHolds() {
        var book = Book()
        book.add([Fact.registered(), Fact.identity("TP", from: "2023-01-01"), Fact.identity("TP", from: "2024-03-01")])
        // Never held.
        #expect(Admission.problem(of: Fact.revoked("JC", to: "2024-06-30"), history: book.history)?.reason == "the person never held JC")
        // The latest TP interval opens on 2024-03-01: it may close on 2024-02-29 (no days) or later, not before.
        #expect(Admission.problem(of: Fact.revoked("TP", to: "2024-02-29"), history: book.history) == nil)
        let early = Admission.problem(of: Fact.revoked("TP", to: "2024-02-28"), history: book.history)
        #expect(early?.field == "validTo")
        #expect(early?.reason == "before the latest TP interval opens on 2024-03-01")
        #expect(early?.withheld == "does not close a TP recognition the ledger holds for this person")
    }
}
