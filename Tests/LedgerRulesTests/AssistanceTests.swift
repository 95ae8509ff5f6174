import LedgerModel
@testable import LedgerRules
import Testing

/// Medical assistance per claim (RULES.md § 6). Amounts worked by hand in fen, half-up `pct`.
@Suite struct AssistanceTests {
    @Test("threshold crossed inside a claim, cap reached inside a claim, a claim after the cap (I-6)")
    func thresholdAndCapInsideClaims() throws {
        var book = Book()
        book.add(jcPerson())
        book.add([
            // c1: base 5 000 − 3 000 = 2 000.00; B 0 → 2 000; eligible max(0, 2 000 − 3 000) = 0.
            Fact.claim("c1", on: "2024-03-01", inList: "5000.00", basic: "3000.00"),
            // c2: base 9 000 − 5 000 = 4 000.00; B 2 000 → 6 000; eligible = 6 000 − max(2 000, 3 000)
            // = 3 000.00 (only the part above the threshold); grant pct(3 000, 70%) = 2 100.00.
            Fact.claim("c2", on: "2024-03-10", inList: "9000.00", basic: "5000.00"),
            // c3: base 100 000 − 60 000 − 10 000 = 30 000.00; B 6 000 → 36 000; eligible 30 000;
            // pct = 21 000.00 > cap − granted = 20 000 − 2 100 = 17 900.00 → grant 17 900.00.
            Fact.claim("c3", on: "2024-04-01", inList: "100000.00", basic: "60000.00", critical: "10000.00"),
            // c4: base 3 000.33 − 1 000 = 2 000.33; eligible 2 000.33; pct = 1 400.23 but the cap is
            // spent: grant min(1 400.23, 0) = 0. It still accumulates: B 36 000 → 38 000.33.
            Fact.claim("c4", on: "2024-05-01", inList: "3000.33", basic: "1000.00"),
        ])
        let year = book.adjudicate()
        let c1 = try #require(year.claim("c1"))
        #expect(c1.eligible == .zero && c1.grant == .zero && c1.counted && c1.baseAfter == yuan("2000.00"))
        #expect(c1.reason?.contains("threshold") == true)

        let c2 = try #require(year.claim("c2"))
        #expect(c2.claim.base == yuan("4000.00"))
        #expect(c2.eligible == yuan("3000.00"))
        #expect(c2.grant == yuan("2100.00"))
        #expect(c2.baseAfter == yuan("6000.00"))

        let c3 = try #require(year.claim("c3"))
        #expect(c3.eligible == yuan("30000.00"))
        #expect(c3.grant == yuan("17900.00"))
        #expect(c3.grantedAfter == yuan("20000.00"))
        #expect(c3.outcome == .granted)
        #expect(c3.reason?.contains("cap") == true, "\(c3.reason ?? "")")

        let c4 = try #require(year.claim("c4"))
        #expect(c4.eligible == yuan("2000.33"))
        #expect(c4.grant == .zero)
        #expect(c4.outcome == .none)
        #expect(c4.counted)
        #expect(c4.baseAfter == yuan("38000.33"))
        #expect(c4.grantedBefore == yuan("20000.00") && c4.grantedAfter == yuan("20000.00"))
        #expect(c4.reason?.contains("cap") == true, "\(c4.reason ?? "")")

        #expect(year.assistanceBase == yuan("38000.33"))
        #expect(year.assistanceGranted == yuan("20000.00"))
    }

    @Test("TP at 50% with half-up rounding of one fen and three fen")
    func tpRateAndRounding() throws {
        var book = Book()
        book.add(tpPerson())
        // t1: base 10 000.01 − 7 000 = 3 000.01; eligible 0.01 (1 fen); pct(1 fen, 50%) = 0.5 fen → 1 fen.
        book.add(Fact.claim("t1", on: "2024-03-01", inList: "10000.01", basic: "7000.00"))
        // t2: base 100.03 − 100 = 0.03; eligible = 3 000.04 − max(3 000.01, 3 000) = 0.03;
        // pct(3 fen, 50%) = 1.5 fen → 2 fen.
        book.add(Fact.claim("t2", on: "2024-03-02", inList: "100.03", basic: "100.00"))
        let year = book.adjudicate()
        let t1 = try #require(year.claim("t1"))
        #expect(t1.eligible == Money(fen: 1))
        #expect(t1.grant == Money(fen: 1))
        #expect(t1.category == .TP)
        #expect(t1.rate == BasisPoints(5000))
        #expect(t1.fundedBy == .cityCountyFinance)
        let t2 = try #require(year.claim("t2"))
        #expect(t2.eligible == Money(fen: 3))
        #expect(t2.grant == Money(fen: 2))
        #expect(year.assistanceGranted == Money(fen: 3))
    }

    @Test("category change mid-year: TP then JC share one B and one cap (I-6); a day with neither gets nothing")
    func categoryChangeSharesOneAccumulator() throws {
        var book = Book()
        book.add([
            Fact.registered(),
            Fact.identity("TP", from: "2020-01-01", exitYear: 2019),
            Fact.enrolled(),
            Fact.revoked("TP", to: "2024-03-31"),
            Fact.identity("JC", from: "2024-06-01"),
            // c1 (TP): base 20 000 − 15 000 = 5 000; B 0 → 5 000; eligible 2 000; pct(2 000, 50%) = 1 000.00.
            Fact.claim("c1", on: "2024-02-10", inList: "20000.00", basic: "15000.00"),
            // c2 (neither TP nor JC on 2024-04-15): base 8 000, not counted, nothing; B stays 5 000.
            Fact.claim("c2", on: "2024-04-15", inList: "20000.00", basic: "12000.00"),
            // c3 (JC): base 40 000 − 30 000 = 10 000; B 5 000 → 15 000; eligible 15 000 − max(5 000, 3 000)
            // = 10 000; pct(10 000, 70%) = 7 000.00; granted 8 000.00.
            Fact.claim("c3", on: "2024-07-01", inList: "40000.00", basic: "30000.00"),
            // c4 (JC): base 20 000; eligible 20 000; pct = 14 000 > 20 000 − 8 000 = 12 000 → 12 000.00.
            Fact.claim("c4", on: "2024-09-01", inList: "80000.00", basic: "60000.00"),
        ])
        let year = book.adjudicate()
        let c1 = try #require(year.claim("c1"))
        #expect(c1.category == .TP)
        #expect(c1.rate == BasisPoints(5000))
        #expect(c1.grant == yuan("1000.00"))
        #expect(c1.baseAfter == yuan("5000.00"))

        let c2 = try #require(year.claim("c2"))
        #expect(c2.category == nil)
        #expect(!c2.counted)
        #expect(c2.grant == .zero)
        #expect(c2.baseBefore == yuan("5000.00") && c2.baseAfter == yuan("5000.00"))
        #expect(c2.reason?.contains("not JC or TP") == true)

        let c3 = try #require(year.claim("c3"))
        #expect(c3.category == .JC)
        #expect(c3.rate == BasisPoints(7000))
        #expect(c3.baseBefore == yuan("5000.00"), "one B across TP and JC (I-6)")
        #expect(c3.eligible == yuan("10000.00"))
        #expect(c3.grant == yuan("7000.00"))
        #expect(c3.fundedBy == .assistanceFund)
        #expect(c3.rules.contains(.I6))

        let c4 = try #require(year.claim("c4"))
        #expect(c4.grantedBefore == yuan("8000.00"), "one cap across TP and JC (I-6)")
        #expect(c4.grant == yuan("12000.00"))
        #expect(year.assistanceBase == yuan("35000.00"))
        #expect(year.assistanceGranted == yuan("20000.00"))
    }

    @Test("claims settled the same day are taken in ledger order (RULES.md § 6 ties)")
    func sameDayTiesByLedgerSequence() throws {
        var book = Book()
        book.add(jcPerson())
        // Recorded first (lower sequence), listed second by id: k2 base 500, then k1 base 3 000.
        book.add(Fact.claim("k2", on: "2024-03-01", inList: "1500.00", basic: "1000.00"))
        book.add(Fact.claim("k1", on: "2024-03-01", inList: "8000.00", basic: "5000.00"))
        let year = book.adjudicate()
        #expect(year.claims.map(\.claim.id) == ["k2", "k1"])
        // k2: B 0 → 500, eligible 0. k1: B 500 → 3 500; eligible 3 500 − 3 000 = 500; grant 350.00.
        // (In the other order k1 would get 0 and k2 350.00.)
        #expect(try #require(year.claim("k2")).grant == .zero)
        #expect(try #require(year.claim("k1")).eligible == yuan("500.00"))
        #expect(try #require(year.claim("k1")).grant == yuan("350.00"))
    }

    @Test("JC and TP held together: treated as JC (RULES.md § 2)")
    func jcWinsOverTp() throws {
        var book = Book()
        book.add(tpPerson())
        book.add(Fact.identity("JC", from: "2024-01-01"))
        // base 10 000 − 5 000 = 5 000; eligible 2 000; pct(2 000, 70%) = 1 400.00 (not 50% = 1 000).
        book.add(Fact.claim("c1", on: "2024-03-01", inList: "10000.00", basic: "5000.00"))
        let c1 = try #require(book.adjudicate().claim("c1"))
        #expect(c1.category == .JC)
        #expect(c1.held.map(\.word).sorted() == ["JC", "TP"])
        #expect(c1.grant == yuan("1400.00"))
    }

    @Test("2022 before 2022-08-01 is recorded without accumulation or grant (I-3); from 2022-08-01 it is decided")
    func policyStartsOn20220801() throws {
        var book = Book()
        book.add([
            Fact.registered(), Fact.identity("JC", from: "2022-01-01"),
            Fact.enrolled(year: 2022, on: "2021-11-01"), Fact.enrolled(year: 2026, on: "2025-11-01"),
            // Before the policy: base 30 000 − 20 000 = 10 000, neither accumulated nor granted.
            Fact.claim("c1", on: "2022-07-31", inList: "30000.00", basic: "20000.00"),
            // First day of the policy: base 15 000 − 10 000 = 5 000; B 0 → 5 000 (c1 did not count);
            // eligible 2 000; pct(2 000, 70%) = 1 400.00. Had c1 counted it would be 3 500.00.
            Fact.claim("c2", on: "2022-08-01", inList: "15000.00", basic: "10000.00"),
            // 2026: no published assistance policy covers the date.
            Fact.claim("c3", on: "2026-02-01", inList: "30000.00", basic: "20000.00"),
        ])
        let year2022 = book.adjudicate(2022)
        let c1 = try #require(year2022.claim("c1"))
        #expect(!c1.counted)
        #expect(c1.grant == .zero)
        #expect(c1.rules.contains(.I3))
        #expect(c1.reason?.contains("no medical assistance policy in force") == true)
        let c2 = try #require(year2022.claim("c2"))
        #expect(c2.baseBefore == .zero)
        #expect(c2.eligible == yuan("2000.00"))
        #expect(c2.grant == yuan("1400.00"))
        #expect(year2022.assistanceBase == yuan("5000.00"))

        let year2026 = book.adjudicate(2026)
        let c3 = try #require(year2026.claim("c3"))
        #expect(!c3.counted)
        #expect(c3.grant == .zero)
        #expect(c3.outcome == .none)
        #expect(c3.reason?.contains("no medical assistance policy in force") == true)
        #expect(year2026.assistanceBase == .zero)
    }

    @Test("outpatient special chronic shares B and cap with inpatient (I-2); ordinary outpatient gets nothing")
    func specialChronicSharesTheAccumulator() throws {
        var book = Book()
        book.add(jcPerson())
        book.add([
            // s1 dialysis: base 8 000 − 6 000 = 2 000; B 0 → 2 000; below the threshold.
            Fact.claim("s1", on: "2024-02-01", kind: "outpatient-special-chronic", disease: "dialysis",
                       inList: "8000.00", basic: "6000.00"),
            // o1 ordinary outpatient: base 6 000 − 1 000 = 5 000, not counted, nothing.
            Fact.claim("o1", on: "2024-02-15", kind: "outpatient", inList: "6000.00", basic: "1000.00"),
            // i1 inpatient: base 2 000; B 2 000 → 4 000; eligible 4 000 − 3 000 = 1 000; grant 700.00.
            // (Had o1 counted, B before would be 7 000 and the eligible 2 000.)
            Fact.claim("i1", on: "2024-03-01", inList: "10000.00", basic: "8000.00"),
            // s2 haemophilia: base 1 000; B 4 000 → 5 000; eligible 1 000; grant 700.00.
            Fact.claim("s2", on: "2024-04-01", kind: "outpatient-special-chronic", disease: "haemophilia",
                       inList: "3000.00", basic: "2000.00"),
        ])
        let year = book.adjudicate()
        let s1 = try #require(year.claim("s1"))
        #expect(s1.counted && s1.grant == .zero && s1.baseAfter == yuan("2000.00"))
        #expect(s1.rules.contains(.I2))
        let o1 = try #require(year.claim("o1"))
        #expect(!o1.counted)
        #expect(o1.grant == .zero)
        #expect(o1.baseAfter == yuan("2000.00"))
        #expect(o1.rules.contains(.I2))
        #expect(o1.reason?.contains("ordinary outpatient") == true)
        let i1 = try #require(year.claim("i1"))
        #expect(i1.baseBefore == yuan("2000.00"))
        #expect(i1.eligible == yuan("1000.00"))
        #expect(i1.grant == yuan("700.00"))
        let s2 = try #require(year.claim("s2"))
        #expect(s2.eligible == yuan("1000.00"))
        #expect(s2.grant == yuan("700.00"))
        #expect(year.assistanceBase == yuan("5000.00"))
        #expect(year.assistanceGranted == yuan("1400.00"))
    }

    @Test("the year of a claim is its settlement year (I-1): admitted in December, settled in January")
    func settlementYearCounts() throws {
        var book = Book()
        book.add([
            Fact.registered(), Fact.identity("JC", from: "2023-01-01"),
            Fact.enrolled(year: 2023, on: "2022-11-01"), Fact.enrolled(year: 2024, on: "2023-11-15"),
            // 2023: base 60 000 − 20 000 = 40 000; eligible 37 000; pct = 25 900 → capped at 20 000.00.
            Fact.claim("y1", on: "2023-06-01", inList: "60000.00", basic: "20000.00"),
            // Admitted 2023-12-20, settled 2024-01-05: base 15 000 − 10 000 = 5 000 in 2024's B;
            // eligible 2 000; grant 1 400.00. Counted in 2023 it would have got 0 (cap spent).
            Fact.claim("d1", on: "2024-01-05", inList: "15000.00", basic: "10000.00", admitted: "2023-12-20"),
        ])
        let year2023 = book.adjudicate(2023)
        #expect(year2023.claims.map(\.claim.id) == ["y1"])
        #expect(year2023.assistanceGranted == yuan("20000.00"))
        let year2024 = book.adjudicate(2024)
        #expect(year2024.claims.map(\.claim.id) == ["d1"])
        let d1 = try #require(year2024.claim("d1"))
        #expect(d1.baseBefore == .zero)
        #expect(d1.eligible == yuan("2000.00"))
        #expect(d1.grant == yuan("1400.00"))
        #expect(d1.rules.contains(.I1))
        #expect(book.history.claims["d1"]?.year == 2024)
    }

    @Test("merge: the survivor's history holds both streams; their claims share one B and one cap")
    func mergedPersonsShareTheAccumulator() throws {
        // Ledger order: S's events, then M's, then the merge; the survivor folds both streams.
        let survivorEvents: [Event] = [
            Fact.registered("S"), Fact.identity("S", "JC", from: "2024-01-01"), Fact.enrolled("S"),
            Fact.claim("S", "s1", on: "2024-03-01", inList: "10000.00", basic: "6000.00"),
        ]
        let mergedEvents: [Event] = [
            Fact.registered("M"), Fact.identity("M", "JC", from: "2024-01-01"), Fact.enrolled("M", on: "2023-11-20"),
            Fact.claim("M", "m1", on: "2024-04-01", inList: "10000.00", basic: "5000.00"),
            Fact.claim("M", "m2", on: "2024-05-01", inList: "100000.00", basic: "70000.00"),
        ]
        var survivor = Book(person: "S")
        survivor.add(survivorEvents + mergedEvents + [Fact.merged("M", into: "S")])
        let year = survivor.adjudicate()
        #expect(year.claims.map(\.claim.id) == ["s1", "m1", "m2"])
        // s1: base 4 000; eligible 1 000; grant 700.00.
        // m1: base 5 000; B 4 000 → 9 000; eligible 9 000 − 4 000 = 5 000; grant 3 500.00.
        // m2: base 30 000; B 9 000 → 39 000; eligible 30 000; pct 21 000 > 20 000 − 4 200 = 15 800.00.
        #expect(try #require(year.claim("s1")).grant == yuan("700.00"))
        #expect(try #require(year.claim("m1")).eligible == yuan("5000.00"))
        #expect(try #require(year.claim("m1")).grant == yuan("3500.00"))
        #expect(try #require(year.claim("m2")).grant == yuan("15800.00"))
        #expect(year.assistanceBase == yuan("39000.00"))
        #expect(year.assistanceGranted == yuan("20000.00"))
        // The duplicate enrolment of the merged record is refused a subsidy, naming the first (重复参保).
        #expect(year.subsidies.count == 2)
        #expect(year.subsidies[1].subsidy == .zero)
        #expect(year.subsidies[1].reason?.contains("重复参保") == true)

        // M alone, before the merge: m1 eligible 5 000 − 3 000 = 2 000 → 1 400.00;
        // m2 eligible 30 000 → 21 000 > 20 000 − 1 400 = 18 600.00.
        var alone = Book(person: "M")
        alone.add(mergedEvents)
        let aloneYear = alone.adjudicate()
        #expect(try #require(aloneYear.claim("m1")).grant == yuan("1400.00"))
        #expect(try #require(aloneYear.claim("m2")).grant == yuan("18600.00"))
    }
}
