import Testing

@testable import LedgerModel

// INTERCHANGE.md § Every line (money as a yuan string) and RULES.md § 1 (fen, basis points, pct).

@Suite("Money parsing")
struct MoneyParsingTests {
    @Test(
        "accepted yuan strings",
        arguments: [
            ("3200", Int64(320_000)),
            ("3200.5", 320_050),
            ("3200.50", 320_050),
            ("0", 0),
            ("0.0", 0),
            ("0.00", 0),
            ("0.01", 1),
            ("0.1", 10),
            ("0.10", 10),
            ("12.05", 1205),
            ("30000.55", 3_000_055),
            ("1", 100),
            ("10000000000", 1_000_000_000_000),  // the documented maximum, 10 000 000 000 yuan
        ])
    func accepted(text: String, fen: Int64) throws {
        let money = try Money(yuan: text)
        #expect(money.fen == fen)
        #expect(money == Money(fen: fen))
    }

    @Test("a sign is refused")
    func signs() {
        #expect(throws: MoneyError.signed) { try Money(yuan: "-1") }
        #expect(throws: MoneyError.signed) { try Money(yuan: "+1") }
        #expect(throws: MoneyError.signed) { try Money(yuan: "-0") }
        #expect(throws: MoneyError.signed) { try Money(yuan: "-3200.50") }
    }

    @Test("an exponent is refused")
    func exponent() {
        #expect(throws: MoneyError.exponent) { try Money(yuan: "1e3") }
        #expect(throws: MoneyError.exponent) { try Money(yuan: "1E3") }
        #expect(throws: MoneyError.exponent) { try Money(yuan: "3.2e2") }
    }

    @Test("a third decimal is refused")
    func thirdDecimal() {
        #expect(throws: MoneyError.tooManyDecimals) { try Money(yuan: "1.234") }
        #expect(throws: MoneyError.tooManyDecimals) { try Money(yuan: "0.001") }
        #expect(throws: MoneyError.tooManyDecimals) { try Money(yuan: "3200.500") }
    }

    @Test("an empty string is refused")
    func empty() {
        #expect(throws: MoneyError.empty) { try Money(yuan: "") }
    }

    @Test(
        "malformed decimals are refused",
        arguments: ["1.", ".5", ".", "1.2.3", "abc", "1,5", " 1", "1 ", "1_000", "0x10", "١", "３２", "NaN", "12a"])
    func notADecimal(text: String) {
        #expect(throws: MoneyError.notADecimal) { try Money(yuan: text) }
    }

    @Test("amounts above 10 000 000 000 yuan are refused without overflowing")
    func tooLarge() {
        #expect(throws: MoneyError.tooLarge) { try Money(yuan: "10000000001") }
        #expect(throws: MoneyError.tooLarge) { try Money(yuan: "99999999999") }
        #expect(throws: MoneyError.tooLarge) { try Money(yuan: "99999999999999999999999999999999") }
        #expect(throws: MoneyError.tooLarge) { try Money(yuan: "100000000000.00") }
        #expect(throws: MoneyError.tooLarge) { try Money(yuan: "10000000000.01") }
        #expect(throws: MoneyError.tooLarge) { try Money(yuan: "10000000000.99") }
    }

    @Test("refusal messages are written for people")
    func messages() {
        #expect(MoneyError.notAString.description.contains("not a number"))
        #expect(MoneyError.tooManyDecimals.description.contains("two decimals"))
        #expect(MoneyError.signed.description.contains("sign"))
        #expect(MoneyError.exponent.description.contains("exponent"))
        #expect(MoneyError.empty.description.contains("empty"))
    }
}

@Suite("Money formatting and arithmetic")
struct MoneyFormattingTests {
    @Test(
        "yuanString writes two decimals",
        arguments: [
            (Int64(320_050), "3200.50"),
            (320_000, "3200.00"),
            (0, "0.00"),
            (1, "0.01"),
            (5, "0.05"),
            (9, "0.09"),
            (10, "0.10"),
            (99, "0.99"),
            (100, "1.00"),
            (101, "1.01"),
            (3_000_055, "30000.55"),
            (-1205, "-12.05"),
            (-1, "-0.01"),
            (-100, "-1.00"),
            (-1_194_961, "-11949.61"),
            (1_000_000_000_000, "10000000000.00"),
            (Int64.max, "92233720368547758.07"),
            (Int64.min, "-92233720368547758.08"),
        ])
    func yuanString(fen: Int64, text: String) {
        #expect(Money(fen: fen).yuanString == text)
        #expect(Money(fen: fen).description == text)
    }

    @Test("yuanString parses back to the same fen")
    func roundTrip() throws {
        var fen: Int64 = 0
        var values: [Int64] = Array(0...1_234)
        while fen < Money.maximumFen {
            values.append(fen)
            fen = fen * 7 + 13
        }
        values.append(Money.maximumFen)
        for value in values {
            let text = Money(fen: value).yuanString
            #expect(try Money(yuan: text).fen == value, "\(text)")
        }
    }

    @Test("arithmetic and order")
    func arithmetic() {
        let a = Money(fen: 320_050)
        let b = Money(fen: 1205)
        #expect((a + b).fen == 321_255)
        #expect((a - b).fen == 318_845)
        #expect((b - a).fen == -318_845)
        #expect((-a).fen == -320_050)
        var c = a
        c += b
        #expect(c.fen == 321_255)
        c -= a
        #expect(c == b)
        #expect(b < a)
        #expect(!(a < a))
        #expect(Money.zero.fen == 0)
        #expect(Money.yuan(3200).fen == 320_000)
        #expect(Money.yuan(-2).fen == -200)
        #expect([a, Money.zero, -b, b].sorted() == [-b, Money.zero, b, a])
    }
}

@Suite("pct: half up to the fen")
struct PctTests {
    @Test("the figures of RULES.md § 11")
    func workedExample() {
        // a3: 8 000.55 × 70% = 5 600.385, rounded half up to 5 600.39.
        #expect(pct(Money(fen: 800_055), BasisPoints(7000)) == Money(fen: 560_039))
        // a2: 3 500.00 × 70% = 2 450.00.
        #expect(pct(Money(fen: 350_000), BasisPoints(7000)) == Money(fen: 245_000))
        // gap_in: 90% × 222 000 = 199 800.
        #expect(pct(Money(fen: 22_200_000), BasisPoints(9000)) == Money(fen: 19_980_000))
        // gap_out: 80% × 30 000.55 = 24 000.44.
        #expect(pct(Money(fen: 3_000_055), BasisPoints(8000)) == Money(fen: 2_400_044))
        // a4: 50 000 × 70% = 35 000 before the cap.
        #expect(pct(Money(fen: 5_000_000), BasisPoints(7000)) == Money(fen: 3_500_000))
    }

    @Test("an exact half rounds up, just under a half rounds down")
    func halves() {
        #expect(pct(Money(fen: 1), BasisPoints(5000)).fen == 1)  // 0.5 → 1
        #expect(pct(Money(fen: 3), BasisPoints(5000)).fen == 2)  // 1.5 → 2
        #expect(pct(Money(fen: 5), BasisPoints(5000)).fen == 3)  // 2.5 → 3 (half up, not to even)
        #expect(pct(Money(fen: 15), BasisPoints(5000)).fen == 8)  // 7.5 → 8
        #expect(pct(Money(fen: 5), BasisPoints(1000)).fen == 1)  // 0.5 → 1
        #expect(pct(Money(fen: 100), BasisPoints(50)).fen == 1)  // 0.50 → 1
        #expect(pct(Money(fen: 100), BasisPoints(49)).fen == 0)  // 0.49 → 0
        #expect(pct(Money(fen: 1), BasisPoints(4999)).fen == 0)  // 0.4999 → 0
        #expect(pct(Money(fen: 1), BasisPoints(1)).fen == 0)  // 0.0001 → 0
        #expect(pct(Money(fen: 25), BasisPoints(7000)).fen == 18)  // 17.5 → 18
        #expect(pct(Money(fen: 35), BasisPoints(5000)).fen == 18)  // 17.5 → 18
        #expect(pct(Money(fen: 45), BasisPoints(5000)).fen == 23)  // 22.5 → 23
    }

    @Test("no amount traps: the product is taken at full width")
    func fullWidth() {
        // 2 100 claims of 10 000 000 000 yuan: 2.1e15 fen × 9 000 overflows 64 bits.
        let sum = Money(fen: 2_100 * Money.maximumFen)
        #expect(pct(sum, BasisPoints(9000)) == Money(fen: 1_890 * Money.maximumFen))
        // Int64.max × 100% is itself; × 50% is (2^63 − 1) / 2 = 4 611 686 018 427 387 903.5, half up.
        #expect(pct(Money(fen: .max), BasisPoints(10_000)) == Money(fen: .max))
        #expect(pct(Money(fen: .max), BasisPoints(5000)) == Money(fen: 4_611_686_018_427_387_904))
        #expect(pct(Money(fen: -.max), BasisPoints(7000)) == Money(fen: -6_456_360_425_798_343_065))
    }

    @Test("negative amounts: the magnitude is rounded and the sign kept")
    func negative() {
        #expect(pct(Money(fen: -800_055), BasisPoints(7000)) == Money(fen: -560_039))
        #expect(pct(Money(fen: -1), BasisPoints(5000)).fen == -1)
        #expect(pct(Money(fen: -100), BasisPoints(49)).fen == 0)
        for fen in Int64(0)...400 {
            for rate in [Int64(1), 49, 50, 1250, 3333, 5000, 7000, 9999] {
                let positive = pct(Money(fen: fen), BasisPoints(rate))
                let negative = pct(Money(fen: -fen), BasisPoints(rate))
                #expect(negative == -positive, "fen \(fen) rate \(rate)")
            }
        }
    }

    @Test("agrees with an independent half-up computation")
    func bruteForce() {
        var mismatches: [String] = []
        for fen in Int64(0)..<3000 {
            for rate in [Int64(0), 1, 5, 49, 50, 51, 999, 1000, 1250, 2500, 3333, 5000, 6667, 7000, 8000, 9000, 9999, 10_000] {
                let product = fen * rate
                let quotient = product / 10_000
                let remainder = product % 10_000
                let expected = remainder * 2 >= 10_000 ? quotient + 1 : quotient
                let actual = pct(Money(fen: fen), BasisPoints(rate)).fen
                if actual != expected { mismatches.append("pct(\(fen), \(rate)) = \(actual), expected \(expected)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("0% and 100% at the largest amount")
    func bounds() {
        let largest = Money(fen: Money.maximumFen)
        #expect(pct(largest, BasisPoints(10_000)) == largest)
        #expect(pct(largest, BasisPoints(0)) == .zero)
        #expect(pct(largest, BasisPoints(5000)).fen == Money.maximumFen / 2)
        #expect(pct(-largest, BasisPoints(10_000)) == -largest)
        #expect(pct(Money(fen: 123_457), BasisPoints(10_000)).fen == 123_457)
    }
}

@Suite("BasisPoints")
struct BasisPointsTests {
    @Test(
        "percent strings",
        arguments: [
            ("70%", Int64(7000)),
            ("12.5%", 1250),
            ("12.34%", 1234),
            ("12.05%", 1205),
            ("100%", 10_000),
            ("100.00%", 10_000),
            ("0%", 0),
            ("0.01%", 1),
            ("50%", 5000),
            ("90%", 9000),
        ])
    func parse(text: String, value: Int64) throws {
        let rate = try #require(BasisPoints(percent: text))
        #expect(rate.value == value)
    }

    @Test(
        "refused percent strings",
        arguments: ["70", "101%", "100.01%", "-1%", "+5%", "1.234%", "%", "", "70 %", " 70%", "70%%", "1e2%", "seventy%", "7O%", "%70"])
    func refused(text: String) {
        #expect(BasisPoints(percent: text) == nil)
    }

    @Test(
        "percentString",
        arguments: [
            (Int64(7000), "70%"),
            (1250, "12.5%"),
            (1234, "12.34%"),
            (1205, "12.05%"),
            (1200, "12%"),
            (5, "0.05%"),
            (50, "0.5%"),
            (1, "0.01%"),
            (0, "0%"),
            (10_000, "100%"),
            (9990, "99.9%"),
        ])
    func percentString(value: Int64, text: String) {
        #expect(BasisPoints(value).percentString == text)
        #expect(BasisPoints(value).description == text)
    }

    @Test("every rate survives percentString → BasisPoints(percent:)")
    func roundTrip() {
        var failures: [Int64] = []
        for value in Int64(0)...10_000 where BasisPoints(percent: BasisPoints(value).percentString)?.value != value {
            failures.append(value)
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    @Test("order")
    func order() {
        #expect(BasisPoints(5000) < BasisPoints(7000))
        #expect(!(BasisPoints(7000) < BasisPoints(7000)))
        #expect(BasisPoints(7000) == BasisPoints(percent: "70%"))
    }
}
