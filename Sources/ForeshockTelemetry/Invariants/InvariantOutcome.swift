/// The result of checking one invariant rule against one span.
public enum InvariantOutcome: Sendable, Equatable {
    /// The premise holds (or there is none) and so does the conclusion.
    case holds
    /// The premise holds (or there is none) and the conclusion is false.
    case violated
    /// The rule says nothing about this span, for the given reason.
    case notApplicable(InvariantSkipReason)
}

/// Why a rule did not apply to a span. The raw values are label values (`snake_case`).
///
/// Data-dependent problems never violate a rule: a rule that cannot be evaluated on a span is
/// skipped, and the reason is reported so that a rule that is never applicable can be noticed.
/// When several problems occur, the first one met in evaluation order is reported.
public enum InvariantSkipReason: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// The premise evaluated to false.
    case premiseFalse = "premise_false"
    /// An attribute the rule needs is absent (from the span, its resource or a child).
    case missingAttribute = "missing_attribute"
    /// A value has a type the operation cannot use: a string attribute compared with a number, a
    /// non-boolean used as a condition, an array or byte-string attribute used as a value.
    case typeMismatch = "type_mismatch"
    /// Division by zero or integer overflow (sums and products of `Int64` values are exact, and
    /// one that does not fit is not rounded).
    case arithmetic = "arithmetic"
    /// A comparison or list membership test met NaN, for which no answer is meaningful.
    case notANumber = "not_a_number"

    /// The raw value.
    public var description: String { rawValue }
}

/// The error evaluation throws internally to abandon a rule (typed throws, so no allocation).
struct InvariantSkip: Error {
    var reason: InvariantSkipReason

    init(_ reason: InvariantSkipReason) { self.reason = reason }
}
