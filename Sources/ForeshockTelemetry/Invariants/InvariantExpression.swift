/// A parsed, type-checked expression of the rule language (the output of ``InvariantParser``,
/// the input of ``InvariantCompiler``; the grammar is on ``InvariantRule``).
indirect enum InvariantExpression {
    case literal(InvariantValue)
    case field(InvariantField)
    case attribute(InvariantAttributeScope, key: String)
    /// `attr["k"] exists`: true when the attribute is present, whatever its type.
    case exists(InvariantAttributeScope, key: String)
    case not(InvariantExpression)
    case negate(InvariantExpression)
    case and(InvariantExpression, InvariantExpression)
    case or(InvariantExpression, InvariantExpression)
    case comparison(InvariantComparison, InvariantExpression, InvariantExpression)
    case arithmetic(InvariantArithmetic, InvariantExpression, InvariantExpression)
    /// `e in [literals]`; the literals are all numbers, all strings or all booleans.
    case membership(InvariantExpression, [InvariantValue])
    /// `count(children)` (no condition) or `count(children, condition)`; the condition, like
    /// the bodies of the other aggregates, is evaluated on each direct child.
    case count(InvariantExpression?)
    case sum(InvariantExpression)
    case any(InvariantExpression)
    case all(InvariantExpression)
}

/// What the parser knows of an expression's type. Attributes are `unknown` until run time.
enum InvariantType: CustomStringConvertible {
    case number, string, boolean, unknown

    /// The type as a message names it; `unknown` is only ever an attribute's type.
    var description: String {
        switch self {
        case .number: "number"
        case .string: "string"
        case .boolean: "boolean"
        case .unknown: "attribute"
        }
    }

    /// Whether a value of this type may be a condition (`and`, `or`, `not`, a rule's sides).
    var canBeCondition: Bool { self == .boolean || self == .unknown }

    /// Whether a value of this type may be an arithmetic operand.
    var canBeNumber: Bool { self == .number || self == .unknown }

    /// Whether values of the two types may be compared (equal known types, or one unknown).
    func isComparable(with other: InvariantType) -> Bool { self == other || self == .unknown || other == .unknown }
}

/// A field of the span itself (`span.name`, …) or of its service.
enum InvariantField: String {
    case name, kind, status
    case durationMilliseconds = "duration_ms"
    /// `service.name`, the resource's service name.
    case serviceName = "service.name"

    /// The fields written `span.<field>`, in the order a message lists them.
    static let spanFields: [InvariantField] = [.name, .kind, .status, .durationMilliseconds]

    var type: InvariantType { self == .durationMilliseconds ? .number : .string }

    /// How the rule text writes the field.
    var spelling: String { self == .serviceName ? rawValue : "span." + rawValue }
}

/// Where `attr[...]` (the span) and `resource[...]` (its resource) look a key up.
enum InvariantAttributeScope {
    case span, resource
}

/// `==`, `!=`, `<`, `<=`, `>`, `>=`.
enum InvariantComparison: String {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    init?(_ symbol: InvariantSymbol) { self.init(rawValue: symbol.rawValue) }

    /// Whether the operator is `==` or `!=` (the only ones booleans, kinds and statuses admit).
    var isEquality: Bool { self == .equal || self == .notEqual }

    /// Whether two values in the given order satisfy the operator.
    func holds(_ order: InvariantOrder) -> Bool {
        switch self {
        case .equal: order == .equal
        case .notEqual: order != .equal
        case .less: order == .less
        case .lessOrEqual: order != .greater
        case .greater: order == .greater
        case .greaterOrEqual: order != .less
        }
    }
}

/// The order of two values.
enum InvariantOrder {
    case less, equal, greater
}

/// `+`, `-`, `*`, `/`.
enum InvariantArithmetic {
    case add, subtract, multiply, divide

    /// The message for operands of the wrong types: `cannot add string and number`.
    func mismatch(_ left: InvariantType, _ right: InvariantType) -> String {
        switch self {
        case .add: "cannot add \(left) and \(right)"
        case .subtract: "cannot subtract \(right) from \(left)"
        case .multiply: "cannot multiply \(left) by \(right)"
        case .divide: "cannot divide \(left) by \(right)"
        }
    }
}

/// The aggregates over direct children, by name.
enum InvariantAggregate: String {
    case count, sum, any, all
}
