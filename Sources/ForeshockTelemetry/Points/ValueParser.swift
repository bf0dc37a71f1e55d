/// Parses one value field, given as UTF-8 bytes, into a `Double`.
///
/// Accepted (the field must already be trimmed and non-empty):
///
/// - Decimal numbers with optional sign, fraction and exponent: `[+-]?(D+(.D*)?|.D+)([eE][+-]?D+)?`.
///   Hexadecimal floats and other forms `strtod` would take are rejected.
/// - `NaN` and `Inf`/`Infinity` in any letter case, with an optional sign.
/// - When the file's delimiter is not a comma, `,` thousands separators in the integer part,
///   only in well-formed groups (`1,721,992,142.283`; Grafana 5 exports write these).
///   `1,5` is rejected rather than guessed to be a decimal comma.
///
/// The result is bit-identical to Swift's `Double(_: StringProtocol)` (correctly rounded, as
/// `strtod`): values with at most 2^53 as significand and a decimal exponent within ±22 use the
/// exact Clinger fast path (one correctly rounded multiplication or division of two exact
/// doubles); everything else is handed to `Double(String)`.
enum ValueParser {
    /// The value in `field`, or nil when it is not a number.
    static func parse(_ field: UnsafeBufferPointer<UInt8>, allowThousandsSeparators: Bool) -> Double? {
        let n = field.count
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        let first = field[0]
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            i = 1
        }
        guard i < n else { return nil }
        if field[i] | 0x20 >= UInt8(ascii: "a"), field[i] | 0x20 <= UInt8(ascii: "z") {
            return special(field, from: i, negative: negative)
        }

        var significand: UInt64 = 0
        var exact = true                     // significand ≤ 2^53 so far
        var exponent10 = 0
        var digits = 0
        var sawSeparator = false
        var groupLength = 0                  // digits since the start or the last separator
        // Integer part, with optional thousands separators.
        while i < n {
            let byte = field[i]
            let digit = byte &- 48
            if digit < 10 {
                accumulate(digit, into: &significand, exact: &exact, exponent10: &exponent10, afterPoint: false)
                digits += 1
                groupLength += 1
            } else if byte == UInt8(ascii: ","), allowThousandsSeparators {
                let validGroup = sawSeparator ? groupLength == 3 : (1...3).contains(groupLength)
                guard validGroup else { return nil }
                sawSeparator = true
                groupLength = 0
            } else {
                break
            }
            i += 1
        }
        if sawSeparator, groupLength != 3 { return nil }
        if i < n, field[i] == UInt8(ascii: ".") {
            i += 1
            while i < n {
                let digit = field[i] &- 48
                guard digit < 10 else { break }
                accumulate(digit, into: &significand, exact: &exact, exponent10: &exponent10, afterPoint: true)
                digits += 1
                i += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < n, field[i] == UInt8(ascii: "e") || field[i] == UInt8(ascii: "E") {
            i += 1
            var exponentNegative = false
            if i < n, field[i] == UInt8(ascii: "-") || field[i] == UInt8(ascii: "+") {
                exponentNegative = field[i] == UInt8(ascii: "-")
                i += 1
            }
            let start = i
            var explicitExponent = 0
            while i < n {
                let digit = field[i] &- 48
                guard digit < 10 else { break }
                if explicitExponent < 100_000 { explicitExponent = explicitExponent * 10 + Int(digit) }
                i += 1
            }
            guard i > start else { return nil }
            exponent10 += exponentNegative ? -explicitExponent : explicitExponent
        }
        guard i == n else { return nil }

        if exact {
            if significand == 0 { return negative ? -0.0 : 0.0 }
            if exponent10 >= -22, exponent10 <= 22 {
                let m = Double(significand)
                let result = exponent10 >= 0 ? m * powersOfTen[exponent10] : m / powersOfTen[-exponent10]
                return negative ? -result : result
            }
        }
        return slowPath(field, strippingSeparators: sawSeparator)
    }

    /// Folds one digit into the significand while it stays exactly representable; digits that
    /// no longer fit mark the parse inexact (the slow path then converts the whole field).
    @inline(__always)
    private static func accumulate(_ digit: UInt8, into significand: inout UInt64, exact: inout Bool,
                                   exponent10: inout Int, afterPoint: Bool) {
        guard exact else { return }
        let next = significand &* 10 &+ UInt64(digit)
        if significand > 900_719_925_474_099 || next > 9_007_199_254_740_992 {
            exact = false
            return
        }
        significand = next
        if afterPoint { exponent10 -= 1 }
    }

    /// Exact powers of ten: every 10^k for k ≤ 22 is representable in a Double.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    private static func slowPath(_ field: UnsafeBufferPointer<UInt8>, strippingSeparators: Bool) -> Double? {
        let text: String
        if strippingSeparators {
            text = String(decoding: field.lazy.filter { $0 != UInt8(ascii: ",") }, as: UTF8.self)
        } else {
            text = String(decoding: field, as: UTF8.self)
        }
        return Double(text)
    }

    /// `nan`, `inf` or `infinity` (any case) from `start` to the end of `field`.
    private static func special(_ field: UnsafeBufferPointer<UInt8>, from start: Int, negative: Bool) -> Double? {
        let rest = UnsafeBufferPointer(rebasing: field[start...])
        if equalsIgnoringCase(rest, "nan") { return .nan }
        if equalsIgnoringCase(rest, "inf") || equalsIgnoringCase(rest, "infinity") {
            return negative ? -.infinity : .infinity
        }
        return nil
    }

    /// Whether `bytes` spell the lowercase ASCII word `word`, in any letter case.
    private static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        let letters = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for index in 0..<bytes.count where bytes[index] | 0x20 != letters[index] {
            return false
        }
        return true
    }
}
