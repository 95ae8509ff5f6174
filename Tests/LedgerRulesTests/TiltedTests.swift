import LedgerModel
@testable import LedgerRules
import Testing

/// Tilted assistance (RULES.md § 7), JC only, on application. Amounts worked by hand.
@Suite struct TiltedTests {
    @Test("self-pay after three tiers below 10 000 → not eligible")
    func belowEligibility() throws {
        var book = Book()
        book.add(jcPerson())
        // i1: base 20 000 − 12 000 = 8 000; eligible 5 000; regular grant 3 500.00.
        // Self-pay = 20 000 − 12 000 − 0 − 3 500 = 4 500.00 < 10 000.
        book.add(Fact.claim("i1", on: "2024-03-01", inList: "20000.00", basic: "12000.00"))
        book.add(Fact.applied(on: "2024-04-01"))
        let tilted = try #require(book.adjudicate().tilted.first)
        #expect(tilted.selfPay == yuan("4500.00"))
        #expect(tilted.grant == .zero)
        #expect(tilted.outcome == .none)
        #expect(tilted.reason?.contains("below") == true)
    }

    /// JC all year: i1 and s1 before the first application (shared by two tests).
    static let firstClaims = [
        // i1: base 60 000 − 36 000 = 24 000; eligible 21 000; pct(21 000, 70%) = 14 700.00.
        Fact.claim("i1", on: "2024-03-01", inList: "60000.00", basic: "36000.00"),
        // s1: base 10 000 − 6 000 = 4 000; eligible 4 000; 2 800.00 (≤ 20 000 − 14 700 = 5 300).
        Fact.claim("s1", on: "2024-04-01", kind: "outpatient-special-chronic", inList: "10000.00", basic: "6000.00"),
    ]

    @Test("self-pay above 10 000 → the gap to 90% inpatient is granted (I-8)")
    func aboveEligibility() throws {
        var book = Book()
        book.add(jcPerson())
        book.add(TiltedTests.firstClaims)
        book.add(Fact.applied(on: "2024-05-01"))
        let year = book.adjudicate()
        #expect(try #require(year.claim("i1")).grant == yuan("14700.00"))
        #expect(try #require(year.claim("s1")).grant == yuan("2800.00"))
        let tilted = try #require(year.tilted.first)
        // Self-pay: inpatient 60 000 − 36 000 − 14 700 = 9 300; special chronic 10 000 − 6 000 − 2 800
        // = 1 200; total 10 500.00 ≥ 10 000.
        #expect(tilted.selfPay == yuan("10500.00"))
        // gap_in = pct(60 000, 90%) − (36 000 + 14 700) = 54 000 − 50 700 = 3 300.00.
        // gap_out = max(0, pct(10 000, 80%) − (6 000 + 2 800)) = max(0, 8 000 − 8 800) = 0.
        #expect(tilted.inpatientGap == yuan("3300.00"))
        #expect(tilted.outpatientGap == .zero)
        #expect(tilted.grant == yuan("3300.00"))
        #expect(tilted.inpatientPart == yuan("3300.00"))
        #expect(tilted.outcome == .granted)
        #expect(year.tiltedGranted == yuan("3300.00"))
    }

    @Test("the grant hits the 100 000 tilted cap, separate from the 20 000 cap (I-4)")
    func tiltedCap() throws {
        var book = Book()
        book.add(jcPerson())
        book.add([
            // i1: base 1 000 000 − 600 000 − 100 000 = 300 000; eligible 297 000; pct 207 900 → cap 20 000.00.
            Fact.claim("i1", on: "2024-03-01", inList: "1000000.00", basic: "600000.00", critical: "100000.00"),
            // s1: base 100 000 − 50 000 = 50 000; the regular cap is spent → 0.
            Fact.claim("s1", on: "2024-04-01", kind: "outpatient-special-chronic", inList: "100000.00", basic: "50000.00"),
            Fact.applied(on: "2024-05-01"),
        ])
        let year = book.adjudicate()
        #expect(year.assistanceGranted == yuan("20000.00"))
        let tilted = try #require(year.tilted.first)
        // Self-pay: inpatient 1 000 000 − 600 000 − 100 000 − 20 000 = 280 000; chronic 100 000 − 50 000
        // = 50 000; total 330 000.00.
        #expect(tilted.selfPay == yuan("330000.00"))
        // gap_in = 900 000 − (600 000 + 100 000 + 20 000) = 180 000.00;
        // gap_out = pct(100 000, 80%) − 50 000 = 30 000.00.
        #expect(tilted.inpatientGap == yuan("180000.00"))
        #expect(tilted.outpatientGap == yuan("30000.00"))
        // grant = min(210 000, 100 000 − 0) = 100 000.00, all of it from gap_in (I-7); 110 000 remains.
        #expect(tilted.grant == yuan("100000.00"))
        #expect(tilted.inpatientPart == yuan("100000.00"))
        #expect(tilted.outpatientPart == .zero)
        #expect(tilted.remainingGap == yuan("110000.00"))
        #expect(tilted.reason?.contains("capped") == true)
        // Both caps bind at once: 20 000 regular + 100 000 tilted.
        #expect(year.assistanceGranted + year.tiltedGranted == yuan("120000.00"))
    }

    @Test("the gap is taken from inpatient first, then outpatient (I-7); a second application after the cap gets 0")
    func inpatientGapFirst() throws {
        var book = Book()
        book.add(jcPerson())
        book.add([
            // i1: base 500 000 − 300 000 − 50 000 = 150 000; eligible 147 000; pct 102 900 → cap 20 000.00.
            Fact.claim("i1", on: "2024-03-01", inList: "500000.00", basic: "300000.00", critical: "50000.00"),
            // s1: base 200 000 − 100 000 = 100 000; regular cap spent → 0.
            Fact.claim("s1", on: "2024-04-01", kind: "outpatient-special-chronic", inList: "200000.00", basic: "100000.00"),
            Fact.applied(on: "2024-05-01"),
            Fact.applied(on: "2024-06-01"),
        ])
        let year = book.adjudicate()
        #expect(year.tilted.count == 2)
        let first = year.tilted[0]
        // gap_in = pct(500 000, 90%) − (300 000 + 50 000 + 20 000) = 450 000 − 370 000 = 80 000.00.
        // gap_out = pct(200 000, 80%) − 100 000 = 160 000 − 100 000 = 60 000.00.
        // grant = min(140 000, 100 000) = 100 000.00: 80 000.00 inpatient, then 20 000.00 outpatient.
        #expect(first.inpatientGap == yuan("80000.00"))
        #expect(first.outpatientGap == yuan("60000.00"))
        #expect(first.grant == yuan("100000.00"))
        #expect(first.inpatientPart == yuan("80000.00"))
        #expect(first.outpatientPart == yuan("20000.00"))
        #expect(first.remainingGap == yuan("40000.00"))
        #expect(first.rules.contains(.I7))
        // Second application: room = 100 000 − 100 000 = 0 → grant 0.
        let second = year.tilted[1]
        #expect(second.tiltedBefore == yuan("100000.00"))
        #expect(second.grant == .zero)
        #expect(second.reason?.contains("cap") == true)
        #expect(year.tiltedGranted == yuan("100000.00"))
    }

    @Test("applicant not JC on the application date → nothing (I-8)")
    func notJcOnApplication() throws {
        var book = Book()
        book.add(tpPerson())
        // TP: base 24 000; eligible 21 000; pct(21 000, 50%) = 10 500.00; self-pay would be 13 500.
        book.add(Fact.claim("i1", on: "2024-03-01", inList: "60000.00", basic: "36000.00"))
        book.add(Fact.applied(on: "2024-05-01"))
        let year = book.adjudicate()
        #expect(try #require(year.claim("i1")).grant == yuan("10500.00"))
        let tilted = try #require(year.tilted.first)
        #expect(tilted.grant == .zero)
        #expect(tilted.outcome == .none)
        #expect(tilted.identityEvent == nil)
        #expect(tilted.reason?.contains("not JC") == true)
        #expect(year.tiltedGranted == .zero)
    }

    @Test("claims of the year while TP still count for a JC applicant (I-8)")
    func claimsWhileTpCount() throws {
        var book = Book()
        book.add(tpPerson())
        book.add([
            Fact.identity("JC", from: "2024-06-01"),
            // i1 (TP): base 24 000; eligible 21 000; pct(21 000, 50%) = 10 500.00.
            Fact.claim("i1", on: "2024-03-01", inList: "60000.00", basic: "36000.00"),
            // i2 (JC): base 4 000; B 24 000 → 28 000; eligible 4 000; pct 70% = 2 800.00.
            Fact.claim("i2", on: "2024-07-01", inList: "10000.00", basic: "6000.00"),
            Fact.applied(on: "2024-08-01"),
        ])
        let year = book.adjudicate()
        #expect(try #require(year.claim("i1")).grant == yuan("10500.00"))
        #expect(try #require(year.claim("i2")).grant == yuan("2800.00"))
        let tilted = try #require(year.tilted.first)
        // Over both claims: self-pay = 70 000 − 42 000 − 13 300 = 14 700.00 ≥ 10 000
        // (over the JC claim alone it would be 1 200 and not eligible).
        #expect(tilted.selfPay == yuan("14700.00"))
        // gap_in = pct(70 000, 90%) − (42 000 + 13 300) = 63 000 − 55 300 = 7 700.00.
        #expect(tilted.inpatientGap == yuan("7700.00"))
        #expect(tilted.grant == yuan("7700.00"))
        #expect(tilted.rules.contains(.I8))
    }

    @Test("a second application in the same year grants only what the first left")
    func secondApplication() throws {
        var book = Book()
        book.add(jcPerson())
        book.add(TiltedTests.firstClaims)
        // First application (as in aboveEligibility): 3 300.00.
        book.add(Fact.applied(on: "2024-05-01"))
        // i2: base 40 000 − 24 000 = 16 000; eligible 16 000; pct 11 200 > 20 000 − 17 500 = 2 500.00.
        book.add(Fact.claim("i2", on: "2024-06-01", inList: "40000.00", basic: "24000.00"))
        book.add(Fact.applied(on: "2024-07-01"))
        let year = book.adjudicate()
        #expect(try #require(year.claim("i2")).grant == yuan("2500.00"))
        #expect(year.tilted.count == 2)
        #expect(year.tilted[0].grant == yuan("3300.00"))
        let second = year.tilted[1]
        // Self-pay (three tiers, tilted not subtracted): inpatient 100 000 − 60 000 − (14 700 + 2 500)
        // = 22 800; chronic 1 200; total 24 000.00.
        #expect(second.selfPay == yuan("24000.00"))
        // gap_in = pct(100 000, 90%) − (60 000 + 17 200 + 3 300 earlier tilted) = 90 000 − 80 500 = 9 500.00.
        // (Without the first application it would be 12 800.)
        #expect(second.inpatientGap == yuan("9500.00"))
        #expect(second.outpatientGap == .zero)
        #expect(second.tiltedBefore == yuan("3300.00"))
        #expect(second.grant == yuan("9500.00"))
        #expect(second.tiltedAfter == yuan("12800.00"))
        #expect(year.tiltedGranted == yuan("12800.00"))
    }

    @Test("claims settled after the application date are not in it")
    func laterClaimsAreOutside() throws {
        var book = Book()
        book.add(jcPerson())
        book.add(TiltedTests.firstClaims)
        book.add(Fact.applied(on: "2024-05-01"))
        // Settled after the application: it changes nothing of it (still 3 300.00).
        book.add(Fact.claim("i2", on: "2024-06-01", inList: "40000.00", basic: "24000.00"))
        let tilted = try #require(book.adjudicate().tilted.first)
        #expect(tilted.selfPay == yuan("10500.00"))
        #expect(tilted.grant == yuan("3300.00"))
    }
}
