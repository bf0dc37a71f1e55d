/// Why the text of an invariant rule was rejected, and where.
///
/// `column` is 1-based and counts Unicode scalars from the start of the rule; a problem at the
/// end of the text (a missing `)`, say) has column `length + 1`. The message says what was found
/// and what was expected, without the location; ``description`` appends it:
/// `expected ']' after attribute key, found end of rule at column 17`.
public struct InvariantSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based column (in Unicode scalars) of the offending token.
    public var column: Int
    /// What was found and what was expected.
    public var message: String

    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    /// `<message> at column <column>`.
    public var description: String { "\(message) at column \(column)" }
}
