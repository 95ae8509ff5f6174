import LedgerModel
@testable import LedgerRules
import Testing

/// The critical-illness tier check (RULES.md § 12). Amounts worked by hand; the ordinary terms are a
/// region's: threshold 15 000, rate 60%, cap 400 000 (none of them in the seeds).
@Suite struct CriticalCheckTests {
    static let ordinaryTerms = [
        Fact.policy("critical.threshold", "15000", from: "2024-01-01", to: "2024-12-31"),
        Fact.policy("critical.rate", "60%", from: "2024-01-01", to: "2024-12-31"),
        Fact.policy("critical.cap", "400000", from: "2024-01-01", to: "2024-12-31"),
    ]

    func check(_ book: Book) -> [String: CriticalCheck] {
        Dictionary(uniqueKeysWithValues: CriticalCheck.check(book.history, year: 2024, parameters: book.parameters).map { ($0.claim.id, $0) })
    }

    @Test("JC: half the threshold, +10 points, no cap, annual cumulative; a tier that skipped the tilt shows its underpayment")
    func jcTilt() throws {
        var book = Book(policies: CriticalCheckTests.ordinaryTerms)
        book.add(jcPerson())
        // i1: criticalBase = 20 000 − 14 000 = 6 000 (I-10); C 0 → 6 000; threshold 7 500: eligible 0.
        book.add(Fact.claim("i1", on: "2024-02-01", inList: "20000.00", basic: "14000.00"))
        // i2: criticalBase = 50 000 − 30 000 = 20 000; eligible = (6 000 + 20 000) − max(6 000, 7 500) = 18 500;
        // rate 60% + 10 points = 70%: expected 12 950.00. The tier paid as for an ordinary person:
        // (26 000 − 15 000) × 60% = 6 600.00, so it underpaid 6 350.00.
        book.add(Fact.claim("i2", on: "2024-03-01", inList: "50000.00", basic: "30000.00", critical: "6600.00"))
        // o1: ordinary outpatient: not checked (I-2).
        book.add(Fact.claim("o1", on: "2024-03-05", kind: "outpatient", inList: "500.00", basic: "200.00"))
        // s1: special chronic, criticalBase 3 333.33; all above the threshold: pct(3 333.33, 70%) = 2 333.331 → 2 333.33.
        book.add(Fact.claim("s1", on: "2024-04-01", kind: "outpatient-special-chronic", disease: "dialysis",
                            inList: "5333.33", basic: "2000.00", critical: "2333.33"))
        let checks = check(book)
        #expect(checks.count == 3)
        let i1 = try #require(checks["i1"])
        #expect(i1.category == .JC && i1.threshold == yuan("7500.00") && i1.rate == BasisPoints(7000) && i1.cap == nil)
        #expect(i1.criticalBase == yuan("6000.00") && i1.expected == .zero && i1.difference == .zero)
        let i2 = try #require(checks["i2"])
        #expect(i2.baseBefore == yuan("6000.00"))
        #expect(i2.expected == yuan("12950.00"))
        #expect(i2.difference == yuan("6350.00"), "the critical tier skipped the tilt")
        let s1 = try #require(checks["s1"])
        #expect(s1.expected == yuan("2333.33") && s1.difference == .zero)
        #expect(s1.outcome == .checked)
    }

    @Test("TP: half the threshold, +5 points; ordinary: the full threshold, the rate and the cap")
    func tpAndOrdinary() throws {
        var tp = Book(policies: CriticalCheckTests.ordinaryTerms)
        tp.add(tpPerson())
        // criticalBase 30 000; eligible 30 000 − 7 500 = 22 500; 65%: 14 625.00.
        tp.add(Fact.claim("t1", on: "2024-05-01", inList: "40000.00", basic: "10000.00", critical: "14625.00"))
        let t1 = try #require(check(tp)["t1"])
        #expect(t1.category == .TP && t1.rate == BasisPoints(6500) && t1.expected == yuan("14625.00") && t1.difference == .zero)

        var ordinary = Book(policies: CriticalCheckTests.ordinaryTerms)
        ordinary.add([Fact.registered(), Fact.enrolled()])
        // r1: criticalBase 700 000; eligible 685 000; 60% = 411 000 → capped at 400 000.00.
        ordinary.add(Fact.claim("r1", on: "2024-05-01", inList: "1000000.00", basic: "300000.00", critical: "400000.00"))
        // r2: criticalBase 10 000; the cap is spent: expected 0; the tier paid 1 000 too much (difference −1 000).
        ordinary.add(Fact.claim("r2", on: "2024-06-01", inList: "20000.00", basic: "10000.00", critical: "1000.00"))
        let checks = check(ordinary)
        #expect(checks["r1"]?.category == nil && checks["r1"]?.expected == yuan("400000.00"))
        #expect(checks["r2"]?.expected == .zero && checks["r2"]?.difference == -yuan("1000.00"))
    }

    @Test("a reversed claim is not checked and adds nothing to the base")
    func reversed() throws {
        var book = Book(policies: CriticalCheckTests.ordinaryTerms)
        book.add(jcPerson())
        book.add(Fact.claim("i1", on: "2024-02-01", inList: "20000.00", basic: "4000.00"))
        book.add(Fact.reversed("i1", on: "2024-02-02"))
        // Alone in the year: criticalBase 10 000, eligible 2 500, 70%: 1 750.00.
        book.add(Fact.claim("i2", on: "2024-03-01", inList: "20000.00", basic: "10000.00"))
        let checks = check(book)
        #expect(checks["i1"] == nil)
        #expect(checks["i2"]?.baseBefore == .zero && checks["i2"]?.expected == yuan("1750.00"))
    }

    @Test("pending where the regional terms are unpublished, naming the parameter")
    func pending() throws {
        var book = Book()
        book.add(jcPerson())
        book.add(Fact.claim("i1", on: "2024-02-01", inList: "20000.00", basic: "14000.00"))
        let i1 = try #require(check(book)["i1"])
        #expect(i1.outcome == .pending(parameter: ParameterName.criticalThreshold, on: day("2024-02-01")))
    }
}
