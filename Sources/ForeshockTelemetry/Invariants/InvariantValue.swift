/// A value computed while evaluating a rule: one of the scalar attribute types.
///
/// Integers stay `Int64` and decimals `Double`; the two compare exactly (see `order`), so no
/// integer is rounded to make a comparison. A string attribute is a string, even when its text
/// is a number.
enum InvariantValue {
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)

    var type: InvariantType {
        switch self {
        case .int, .double: .number
        case .string: .string
        case .bool: .boolean
        }
    }

    /// The value of an attribute, or a `typeMismatch` for byte strings, arrays and key-value lists.
    init(_ attribute: borrowing AttributeValue) throws(InvariantSkip) {
        switch attribute {
        case let .string(text): self = .string(text)
        case let .bool(value): self = .bool(value)
        case let .int(value): self = .int(value)
        case let .double(value): self = .double(value)
        case .bytes, .array, .keyValueList: throw InvariantSkip(.typeMismatch)
        }
    }
}

// MARK: - Comparison

extension InvariantValue {
    /// Whether `left op right` holds.
    ///
    /// Numbers compare by value whatever their representation; strings by their UTF-8 bytes
    /// (that is, by Unicode scalars, without normalisation); booleans only for equality.
    /// - Throws: `notANumber` when a number is NaN, `typeMismatch` for any other pair of types.
    static func compare(_ op: InvariantComparison, _ left: InvariantValue, _ right: InvariantValue) throws(InvariantSkip) -> Bool {
        switch (left, right) {
        case let (.string(a), .string(b)):
            return op.holds(order(a, b))
        case let (.bool(a), .bool(b)):
            guard op.isEquality else { throw InvariantSkip(.typeMismatch) }
            return (a == b) == (op == .equal)
        default:
            return op.holds(try numericOrder(left, right))
        }
    }

    /// Whether `value` equals one of `list` (by ``compare(_:_:_:)``'s `==`).
    ///
    /// - Throws: `notANumber` when `value` is NaN; `typeMismatch` when `value`'s type is not the
    ///   list's (the parser makes lists homogeneous).
    static func isMember(_ value: InvariantValue, of list: [InvariantValue]) throws(InvariantSkip) -> Bool {
        for candidate in list where try compare(.equal, value, candidate) { return true }
        return false
    }

    /// The order of two numbers.
    /// - Throws: `notANumber` when either is NaN, `typeMismatch` when either is not a number.
    static func numericOrder(_ left: InvariantValue, _ right: InvariantValue) throws(InvariantSkip) -> InvariantOrder {
        let order: InvariantOrder?
        switch (left, right) {
        case let (.int(a), .int(b)): order = a < b ? .less : a == b ? .equal : .greater
        case let (.int(a), .double(b)): order = Self.order(a, b)
        case let (.double(a), .int(b)): order = Self.order(b, a).map(reversed)
        case let (.double(a), .double(b)): order = a.isNaN || b.isNaN ? nil : a < b ? .less : a == b ? .equal : .greater
        default: throw InvariantSkip(.typeMismatch)
        }
        guard let order else { throw InvariantSkip(.notANumber) }
        return order
    }

    /// The exact order of an integer and a double (nil for NaN): no rounding of either, so
    /// `Int64.max < 9.223372036854776e18` (which is 2⁶³) and `2⁵³ + 1 > 9007199254740992.0`.
    static func order(_ integer: Int64, _ double: Double) -> InvariantOrder? {
        if double.isNaN { return nil }
        // 2⁶³ is exactly representable; every double at or beyond it exceeds every Int64.
        if double >= 9_223_372_036_854_775_808.0 { return .less }
        if double < -9_223_372_036_854_775_808.0 { return .greater }
        let truncated = double.rounded(.towardZero)
        let whole = Int64(truncated) // exact: |truncated| < 2⁶³ or truncated == -2⁶³
        if integer != whole { return integer < whole ? .less : .greater }
        return double > truncated ? .less : double < truncated ? .greater : .equal
    }

    /// The byte-wise order of two strings' UTF-8 encodings.
    static func order(_ a: String, _ b: String) -> InvariantOrder {
        if utf8Equal(a, b) { return .equal }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? .less : .greater
    }

    /// Whether two strings have the same UTF-8 bytes. Compares lengths first, which are stored,
    /// so most unequal strings are told apart without reading their bytes.
    @inline(__always)
    static func utf8Equal(_ a: String, _ b: String) -> Bool {
        let count = a.utf8.count
        guard count == b.utf8.count else { return false }
        let same = a.utf8.withContiguousStorageIfAvailable { bytesA in
            b.utf8.withContiguousStorageIfAvailable { bytesB in
                guard let a = bytesA.baseAddress, let b = bytesB.baseAddress else { return true } // both empty
                return memcmpEqual(a, b, count)
            }
        }
        return (same ?? nil) ?? a.utf8.elementsEqual(b.utf8)
    }

    private static func reversed(_ order: InvariantOrder) -> InvariantOrder {
        switch order {
        case .less: .greater
        case .equal: .equal
        case .greater: .less
        }
    }
}

// MARK: - Arithmetic

extension InvariantValue {
    /// `left op right` on numbers.
    ///
    /// Two integers add, subtract and multiply exactly in `Int64`, and divide exactly when the
    /// quotient is whole (`6 / 3` is the integer `2`, `7 / 2` the double `3.5`); a double
    /// operand makes the operation a `Double` one.
    /// - Throws: `arithmetic` on division by zero or `Int64` overflow, `typeMismatch` when an
    ///   operand is not a number.
    static func apply(_ op: InvariantArithmetic, _ left: InvariantValue, _ right: InvariantValue) throws(InvariantSkip) -> InvariantValue {
        guard case let .int(a) = left, case let .int(b) = right else {
            let a = try double(left), b = try double(right)
            switch op {
            case .add: return .double(a + b)
            case .subtract: return .double(a - b)
            case .multiply: return .double(a * b)
            case .divide:
                guard b != 0 else { throw InvariantSkip(.arithmetic) }
                return .double(a / b)
            }
        }
        let (result, overflow) = switch op {
        case .add: a.addingReportingOverflow(b)
        case .subtract: a.subtractingReportingOverflow(b)
        case .multiply: a.multipliedReportingOverflow(by: b)
        case .divide: a.dividedReportingOverflow(by: b) // overflows for b == 0 and for Int64.min / -1
        }
        guard !overflow else { throw InvariantSkip(.arithmetic) }
        if op == .divide, result &* b != a { return .double(Double(a) / Double(b)) }
        return .int(result)
    }

    /// `-value` on a number.
    /// - Throws: `arithmetic` for `-Int64.min`, `typeMismatch` for a non-number.
    static func negate(_ value: InvariantValue) throws(InvariantSkip) -> InvariantValue {
        switch value {
        case let .int(a):
            guard a != .min else { throw InvariantSkip(.arithmetic) }
            return .int(-a)
        case let .double(a): return .double(-a)
        case .string, .bool: throw InvariantSkip(.typeMismatch)
        }
    }

    private static func double(_ value: InvariantValue) throws(InvariantSkip) -> Double {
        switch value {
        case let .int(a): Double(a)
        case let .double(a): a
        case .string, .bool: throw InvariantSkip(.typeMismatch)
        }
    }
}
