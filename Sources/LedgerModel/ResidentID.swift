/// The 18-character resident identity number of GB 11643-1999 (公民身份号码).
public enum ResidentID {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [UInt8] = Array("10X98765432".utf8)

    /// The check character for the first 17 digits.
    public static func checkCharacter(forFirst17 digits: some Collection<UInt8>) -> Character {
        var sum = 0
        for (weight, byte) in zip(weights, digits) { sum += weight * Int(byte - UInt8(ascii: "0")) }
        return Character(UnicodeScalar(checkCharacters[sum % 11]))
    }

    /// Why an identity number is refused, or `nil` when it is valid. A lowercase `x` is accepted
    /// (see ``normalized(_:)``).
    public static func problem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 18 else { return "an identity number has 18 characters, this one \(bytes.count)" }
        guard bytes[0..<17].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return "the first 17 characters of an identity number are digits"
        }
        let year = Int(String(decoding: bytes[6..<10], as: UTF8.self)) ?? 0
        let month = Int(String(decoding: bytes[10..<12], as: UTF8.self)) ?? 0
        let day = Int(String(decoding: bytes[12..<14], as: UTF8.self)) ?? 0
        guard CivilDate(year: year, month: month, day: day) != nil else {
            return "characters 7–14 of an identity number are not a real birth date"
        }
        let expected = checkCharacter(forFirst17: bytes[0..<17])
        let given = Character(UnicodeScalar(bytes[17])).uppercased()
        guard given == String(expected) else {
            return "check character is \(Character(UnicodeScalar(bytes[17]))), GB 11643 gives \(expected)"
        }
        return nil
    }

    /// The canonical form: the check character `x` written as `X`.
    public static func normalized(_ text: String) -> String { text.uppercased() }

    /// The masked form shown to investigators: the first 4 and the last 4 characters.
    public static func masked(_ text: String) -> String {
        guard text.count > 8 else { return String(repeating: "*", count: text.count) }
        return String(text.prefix(4)) + String(repeating: "*", count: text.count - 8) + String(text.suffix(4))
    }
}
