import Testing

@testable import LedgerModel

/// GB 11643-1999 check character, written independently of the code under test:
/// Σ digitᵢ × weightᵢ over the first 17 digits, then "10X98765432"[sum mod 11].
func gb11643Check(_ first17: String) -> Character {
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    let digits = first17.map { Int(String($0))! }
    precondition(digits.count == 17)
    var sum = 0
    for index in 0..<17 { sum += digits[index] * weights[index] }
    return Array("10X98765432")[sum % 11]
}

/// A full, valid 18-character number for the given first 17 digits.
func validResidentID(_ first17: String) -> String { first17 + String(gb11643Check(first17)) }

@Suite("ResidentID (GB 11643)")
struct ResidentIDTests {
    @Test("the test's own check-digit helper agrees with hand computation")
    func helperSanity() {
        // 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → X
        #expect(gb11643Check("11010519491231002") == "X")
        // 4·7+4·9+0+5·5+2·8+4·4+1·2+8·1+8·6+0+0+1·9+0+1·5+0+0+1·2 = 195; 195 mod 11 = 8 → 4
        #expect(gb11643Check("44052418800101001") == "4")
        // 4·7+5·9+0+1·5+0+2·4+1·2+9·1+9·6+0+0+1·9+0+1·5+1·8+2·4+3·2 = 187; 187 mod 11 = 0 → 1
        #expect(gb11643Check("45010219900101123") == "1")
    }

    @Test("checkCharacter for known numbers")
    func knownCheckCharacters() {
        #expect(ResidentID.checkCharacter(forFirst17: Array("11010519491231002".utf8)) == "X")
        #expect(ResidentID.checkCharacter(forFirst17: Array("44052418800101001".utf8)) == "4")
        #expect(ResidentID.checkCharacter(forFirst17: Array("45010219900101123".utf8)) == "1")
    }

    @Test("checkCharacter agrees with the independent computation")
    func checkCharacterAgrees() {
        var state: UInt64 = 12_345
        var mismatches: [String] = []
        for _ in 0..<5_000 {
            var first17 = ""
            for _ in 0..<17 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                first17.append(Character(String((state >> 33) % 10)))
            }
            if ResidentID.checkCharacter(forFirst17: Array(first17.utf8)) != gb11643Check(first17) {
                mismatches.append(first17)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test(
        "valid numbers are accepted",
        arguments: [
            "11010519491231002X",
            "450102199001011231",
        ])
    func knownValid(id: String) {
        #expect(ResidentID.problem(id) == nil)
    }

    @Test(
        "numbers with a computed check character are accepted, every other check character is refused",
        arguments: [
            "45010219900101123",
            "45012720000229001",  // born on a leap day
            "45030519491001567",
            "11010520241231000",
            "51070219000101999",
            "65010220991231888",
            "44030619870615411",
        ])
    func computedValid(first17: String) {
        let check = gb11643Check(first17)
        #expect(ResidentID.problem(first17 + String(check)) == nil, "\(first17)\(check)")
        for other in "0123456789X" where other != check {
            #expect(ResidentID.problem(first17 + String(other)) != nil, "\(first17)\(other)")
        }
    }

    @Test("a lowercase x is accepted and normalized to X")
    func lowercaseX() {
        #expect(ResidentID.problem("11010519491231002x") == nil)
        #expect(ResidentID.normalized("11010519491231002x") == "11010519491231002X")
        #expect(ResidentID.normalized("11010519491231002X") == "11010519491231002X")
        #expect(ResidentID.normalized("450102199001011231") == "450102199001011231")
        // A lowercase x where the check digit is not X is still wrong.
        #expect(ResidentID.problem("45010219900101123x") != nil)
    }

    @Test("a wrong check digit names the right one")
    func badCheckDigit() throws {
        let reason = try #require(ResidentID.problem("110105194912310021"))
        #expect(reason.contains("X"))
        #expect(ResidentID.problem("11010519491231002Y") != nil)
        #expect(ResidentID.problem("450102199001011230") != nil)
    }

    @Test(
        "wrong length is refused",
        arguments: ["", "1", "45010219900101123", "4501021990010112311", "11010519491231002XX", "110105194912310"])
    func wrongLength(id: String) throws {
        let reason = try #require(ResidentID.problem(id))
        #expect(reason.contains("18"))
    }

    @Test(
        "non-digits among the first 17 are refused",
        arguments: [
            "A1010519491231002X",
            "1101051949123100AX",
            "11010519491231 02X",
            "1101051949-231002X",
            "110105194912310X2X",
            "1101051949123100é",  // 16 digits + a 2-byte character: 18 bytes
            "１101051949123100",  // a full-width digit (3 bytes) + 15 digits: 18 bytes
        ])
    func nonDigits(id: String) throws {
        #expect(id.utf8.count == 18)
        let reason = try #require(ResidentID.problem(id))
        #expect(reason.contains("digits"))
    }

    @Test(
        "an impossible embedded birth date is refused even with a correct check character",
        arguments: [
            "45010220230229001",  // 2023-02-29
            "45010219901301001",  // month 13
            "45010219900001001",  // month 0
            "45010219900100001",  // day 0
            "45010219900431001",  // 1990-04-31
            "45010219000229001",  // 1900-02-29
        ])
    func impossibleBirthDate(first17: String) throws {
        let reason = try #require(ResidentID.problem(validResidentID(first17)))
        #expect(reason.contains("birth date"))
    }

    @Test("masked shows the first 4 and last 4 characters")
    func masked() {
        #expect(ResidentID.masked("45010219900101123X") == "4501**********123X")
        #expect(ResidentID.masked("11010519491231002X") == "1101**********002X")
        let masked = ResidentID.masked("450102199001011231")
        #expect(masked.count == 18)
        #expect(masked.filter { $0 == "*" }.count == 10)
        #expect(masked.hasPrefix("4501") && masked.hasSuffix("1231"))
        #expect(ResidentID.masked("123456789") == "1234*6789")
        #expect(ResidentID.masked("12345678") == "********")
        #expect(ResidentID.masked("") == "")
    }
}
