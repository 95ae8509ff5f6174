/// An amount of money in fen (分, 1/100 yuan). The only representation of money in the ledger.
///
/// Parsed exactly from the interchange's yuan strings; never passes through floating point.
/// ```swift
/// let amount = try Money(yuan: "3200.5")   // 320050 fen
/// amount.yuanString                        // "3200.50"
/// ```
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var fen: Int64

    public init(fen: Int64) { self.fen = fen }

    public static let zero = Money(fen: 0)

    /// Whole yuan.
    public static func yuan(_ amount: Int64) -> Money { Money(fen: amount * 100) }

    /// The largest amount one interchange field may carry: 10 000 000 000 yuan. Sums of a person's
    /// year and `amount × rate` stay far inside Int64 below it.
    public static let maximumFen: Int64 = 1_000_000_000_000

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.fen < rhs.fen }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(fen: lhs.fen + rhs.fen) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(fen: lhs.fen - rhs.fen) }
    public static func += (lhs: inout Money, rhs: Money) { lhs.fen += rhs.fen }
    public static func -= (lhs: inout Money, rhs: Money) { lhs.fen -= rhs.fen }
    public static prefix func - (amount: Money) -> Money { Money(fen: -amount.fen) }

    /// Two decimals, a minus sign when negative: `"3200.50"`, `"-12.05"`.
    public var yuanString: String {
        let magnitude = fen.magnitude
        let whole = magnitude / 100
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + String(whole) + (cents < 10 ? ".0" : ".") + String(cents)
    }

    public var description: String { yuanString }

    /// Parses the interchange form: a yuan amount, digits with at most two decimals, no sign, no exponent.
    /// - Throws: ``MoneyError`` naming what is wrong.
    public init(yuan text: String) throws(MoneyError) {
        self = try Money.parse(Array(text.utf8))
    }

    static func parse(_ bytes: [UInt8]) throws(MoneyError) -> Money {
        if bytes.isEmpty { throw .empty }
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") { throw .signed }
        var whole: Int64 = 0
        var cents: Int64 = 0
        var decimals = -1
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte - UInt8(ascii: "0"))
                if decimals < 0 {
                    whole = whole * 10 + digit
                    if whole > Money.maximumFen / 100 { throw .tooLarge }
                } else {
                    decimals += 1
                    if decimals > 2 { throw .tooManyDecimals }
                    cents = cents * 10 + digit
                }
            case UInt8(ascii: "."):
                if decimals >= 0 { throw .notADecimal }
                decimals = 0
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                throw .exponent
            default:
                throw .notADecimal
            }
        }
        if decimals == 0 || bytes[0] == UInt8(ascii: ".") { throw .notADecimal }
        if decimals == 1 { cents *= 10 }
        let fen = whole * 100 + cents
        if fen > Money.maximumFen { throw .tooLarge }
        return Money(fen: fen)
    }
}

/// Why a money string was refused.
public enum MoneyError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAString
    case empty
    case signed
    case exponent
    case tooManyDecimals
    case notADecimal
    case tooLarge

    public var description: String {
        switch self {
        case .notAString: return "money must be a JSON string in yuan, such as \"3200.50\", not a number"
        case .empty: return "money must not be empty"
        case .signed: return "money must not carry a sign"
        case .exponent: return "money must not use an exponent"
        case .tooManyDecimals: return "money has more than two decimals (fen is the smallest unit)"
        case .notADecimal: return "money must be digits with at most two decimals, such as \"3200.50\""
        case .tooLarge: return "money exceeds 10 000 000 000 yuan"
        }
    }
}

/// A rate in basis points (1/10 000): 70% is 7000.
public struct BasisPoints: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: Int64

    public init(_ value: Int64) {
        precondition(value >= 0 && value <= 10_000, "a rate is between 0 and 10 000 basis points")
        self.value = value
    }

    public static func < (lhs: BasisPoints, rhs: BasisPoints) -> Bool { lhs.value < rhs.value }

    /// `"70%"`, `"12.5%"`, `"12.34%"`.
    public var percentString: String {
        let whole = value / 100
        let fraction = value % 100
        if fraction == 0 { return "\(whole)%" }
        if fraction % 10 == 0 { return "\(whole).\(fraction / 10)%" }
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)%"
    }

    public var description: String { percentString }

    /// Parses a percentage with at most two decimals, `"70%"` or `"12.5%"`, at most 100%.
    public init?(percent text: String) {
        guard text.hasSuffix("%") else { return nil }
        guard let money = try? Money(yuan: String(text.dropLast())), money.fen <= 10_000 else { return nil }
        self.init(money.fen)
    }
}

/// `amount × rate / 10 000`, rounded half up to the fen (四舍五入) — the one rounding of RULES.md § 1.
///
/// For a negative amount the magnitude is rounded half up and the sign kept, so that
/// `pct(-x, r) == -pct(x, r)`.
public func pct(_ amount: Money, _ rate: BasisPoints) -> Money {
    // Full width: a rate is at most 10 000, so the result never exceeds the amount's magnitude and
    // no amount, however large, can trap here.
    let product = amount.fen.magnitude.multipliedFullWidth(by: UInt64(rate.value))
    let (low, carry) = product.low.addingReportingOverflow(5_000)
    let high = product.high + (carry ? 1 : 0)
    let rounded = UInt64(10_000).dividingFullWidth((high: high, low: low)).quotient
    // rounded ≤ |amount|: a positive amount's fits in Int64, a negative one's negation does too.
    return Money(fen: amount.fen < 0 ? Int64(truncatingIfNeeded: 0 &- rounded) : Int64(rounded))
}
