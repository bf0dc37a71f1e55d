/// Parses and type-checks the text of an invariant rule (the grammar and precedence are on
/// ``InvariantRule``), by recursive descent with one token of lookahead.
///
/// Everything the text alone decides is checked here, so evaluation never meets it:
/// operand types where they are known (`"a" + 1`, `not 3`, `true < false`), `span.kind` and
/// `span.status` literals (`span.kind == "sever"`), `exists` only after an attribute, lists
/// of one type, aggregates not nested and only over `children`. Bounds keep the work and the
/// recursion (here and in evaluation) small: ``InvariantLexer/maximumLength`` characters,
/// ``maximumDepth`` levels of nesting (parentheses, prefix operators and the operator tree's
/// height alike) and ``maximumListCount`` list items.
struct InvariantParser {
    /// The deepest nesting accepted.
    static let maximumDepth = 64
    /// The longest list accepted after `in`.
    static let maximumListCount = 256

    /// The parsed rule: the premise, if any, and the conclusion, both conditions.
    struct Rule {
        var premise: InvariantExpression?
        var conclusion: InvariantExpression
    }

    /// A parsed expression with what the checks need: its type, where it starts, how tall it is.
    private struct Parsed {
        var expression: InvariantExpression
        var type: InvariantType
        var column: Int
        var height: Int
    }

    private var lexer: InvariantLexer
    private var token: InvariantToken
    /// The current recursion depth (parentheses, prefix operators, aggregate bodies).
    private var depth = 0
    /// The column of the aggregate whose body is being parsed, if any.
    private var enclosingAggregate: Int?

    /// Parses `source` into a ``Rule``.
    /// - Throws: the first problem by position, with its column.
    static func parse(_ source: String) throws(InvariantSyntaxError) -> Rule {
        var parser = try InvariantParser(source)
        return try parser.rule()
    }

    private init(_ source: String) throws(InvariantSyntaxError) {
        lexer = try InvariantLexer(source)
        token = try lexer.next()
    }

    // MARK: - Rule

    private mutating func rule() throws(InvariantSyntaxError) -> Rule {
        let first = try condition(role: "a rule")
        if token.isSymbol(.implies) {
            try advance()
            let conclusion = try condition(role: "a conclusion")
            try expectEnd(after: "the conclusion")
            return Rule(premise: first.expression, conclusion: conclusion.expression)
        }
        if token.isWord("when") {
            try advance()
            let premise = try condition(role: "a premise")
            try expectEnd(after: "the premise")
            return Rule(premise: premise.expression, conclusion: first.expression)
        }
        try expectEnd(after: "the condition", orImplication: true)
        return Rule(premise: nil, conclusion: first.expression)
    }

    /// A whole side of a rule, which must be a condition.
    private mutating func condition(role: String) throws(InvariantSyntaxError) -> Parsed {
        let parsed = try disjunction()
        guard parsed.type.canBeCondition else {
            throw InvariantSyntaxError(column: parsed.column, message: "\(role) must be a condition, found a \(parsed.type)")
        }
        return parsed
    }

    private func expectEnd(after what: String, orImplication: Bool = false) throws(InvariantSyntaxError) {
        guard token.kind != .end else { return }
        let expected = orImplication ? "an operator, '=>', 'when' or the end of the rule" : "an operator or the end of the rule"
        throw InvariantSyntaxError(column: token.column, message: "expected \(expected) after \(what), found \(token.quoted)")
    }

    // MARK: - Logic

    private mutating func disjunction() throws(InvariantSyntaxError) -> Parsed {
        try enter()
        defer { depth -= 1 }
        var left = try conjunction()
        while token.isWord("or") || token.isSymbol(.or) {
            let column = token.column
            try advance()
            let right = try conjunction()
            try requireCondition(left, of: "or")
            try requireCondition(right, of: "or")
            left = try combine(.or(left.expression, right.expression), .boolean, left, right, at: column)
        }
        return left
    }

    private mutating func conjunction() throws(InvariantSyntaxError) -> Parsed {
        var left = try negation()
        while token.isWord("and") || token.isSymbol(.and) {
            let column = token.column
            try advance()
            let right = try negation()
            try requireCondition(left, of: "and")
            try requireCondition(right, of: "and")
            left = try combine(.and(left.expression, right.expression), .boolean, left, right, at: column)
        }
        return left
    }

    private mutating func negation() throws(InvariantSyntaxError) -> Parsed {
        guard token.isWord("not") else { return try comparison() }
        let column = token.column
        try advance()
        try enter()
        let operand = try negation()
        depth -= 1
        try requireCondition(operand, of: "not")
        return try combine(.not(operand.expression), .boolean, operand, operand, at: column)
    }

    private func requireCondition(_ operand: Parsed, of keyword: String) throws(InvariantSyntaxError) {
        guard operand.type.canBeCondition else {
            let needs = keyword == "not" ? "a condition" : "conditions"
            throw InvariantSyntaxError(column: operand.column, message: "'\(keyword)' needs \(needs), found a \(operand.type)")
        }
    }

    // MARK: - Comparisons

    private mutating func comparison() throws(InvariantSyntaxError) -> Parsed {
        let left = try sum()
        let result: Parsed
        let column = token.column
        if let op = Self.comparisonOperator(token) {
            try advance()
            let right = try sum()
            try checkComparison(op, left, right, at: column)
            result = try combine(.comparison(op, left.expression, right.expression), .boolean, left, right, at: column)
        } else if token.isWord("in") {
            try advance()
            result = try membership(left, at: column)
        } else if token.isWord("exists") {
            guard case let .attribute(scope, key) = left.expression else {
                throw InvariantSyntaxError(column: column, message: "'exists' must follow attr[\"key\"] or resource[\"key\"]")
            }
            try advance()
            result = Parsed(expression: .exists(scope, key: key), type: .boolean, column: left.column, height: left.height)
        } else {
            return left
        }
        if token.isWord("in") || token.isWord("exists") || Self.comparisonOperator(token) != nil {
            throw InvariantSyntaxError(column: token.column, message: "comparisons cannot be chained; combine them with 'and'")
        }
        return result
    }

    private static func comparisonOperator(_ token: InvariantToken) -> InvariantComparison? {
        guard case let .symbol(symbol) = token.kind else { return nil }
        return InvariantComparison(symbol)
    }

    private func checkComparison(_ op: InvariantComparison, _ left: Parsed, _ right: Parsed, at column: Int) throws(InvariantSyntaxError) {
        guard left.type.isComparable(with: right.type) else {
            throw InvariantSyntaxError(column: column, message: "cannot compare \(left.type) with \(right.type) using '\(op.rawValue)'")
        }
        if !op.isEquality, left.type == .boolean || right.type == .boolean {
            throw InvariantSyntaxError(column: column, message: "booleans can only be compared with '==' or '!='")
        }
        for (side, other) in [(left, right), (right, left)] {
            guard case let .field(field) = side.expression, field == .kind || field == .status else { continue }
            guard op.isEquality else {
                throw InvariantSyntaxError(column: column, message: "\(field.spelling) can only be compared with '==', '!=' or 'in'")
            }
            if case let .literal(.string(text)) = other.expression {
                try Self.checkEnumerated(field, text, at: other.column)
            }
        }
    }

    private mutating func membership(_ left: Parsed, at column: Int) throws(InvariantSyntaxError) -> Parsed {
        guard token.isSymbol(.leftBracket) else {
            throw InvariantSyntaxError(column: token.column, message: "expected '[' after 'in', found \(token.quoted)")
        }
        try advance()
        var items: [InvariantValue] = []
        var itemType = InvariantType.unknown
        while true {
            let itemColumn = token.column
            let item = try literal()
            guard items.count < Self.maximumListCount else {
                throw InvariantSyntaxError(column: itemColumn, message: "list has more than \(Self.maximumListCount) items")
            }
            if itemType == .unknown {
                itemType = item.type
            } else if item.type != itemType {
                throw InvariantSyntaxError(column: itemColumn, message: "list mixes \(itemType) and \(item.type) items")
            }
            if case let .field(field) = left.expression, field == .kind || field == .status, case let .string(text) = item {
                try Self.checkEnumerated(field, text, at: itemColumn)
            }
            items.append(item)
            if token.isSymbol(.comma) {
                try advance()
            } else if token.isSymbol(.rightBracket) {
                try advance()
                break
            } else {
                throw InvariantSyntaxError(column: token.column, message: "expected ',' or ']' in list, found \(token.quoted)")
            }
        }
        guard left.type.isComparable(with: itemType) else {
            throw InvariantSyntaxError(column: column, message: "cannot look for a \(left.type) in a list of \(itemType) items")
        }
        return try combine(.membership(left.expression, items), .boolean, left, left, at: column)
    }

    /// A list item: a number (optionally negative), a string, `true` or `false`.
    private mutating func literal() throws(InvariantSyntaxError) -> InvariantValue {
        let negative = token.isSymbol(.minus)
        if negative { try advance() }
        let value: InvariantValue
        switch token.kind {
        case let .integer(magnitude): value = try Self.integer(magnitude, negative: negative, at: token.column)
        case let .decimal(number): value = .double(negative ? -number : number)
        case let .string(text) where !negative: value = .string(text)
        case .word("true") where !negative: value = .bool(true)
        case .word("false") where !negative: value = .bool(false)
        default:
            let expected = negative ? "a number after '-'" : "a literal (number, string, true or false)"
            throw InvariantSyntaxError(column: token.column, message: "expected \(expected) in list, found \(token.quoted)")
        }
        try advance()
        return value
    }

    /// Rejects a `span.kind` or `span.status` literal that no span can have.
    private static func checkEnumerated(_ field: InvariantField, _ text: String, at column: Int) throws(InvariantSyntaxError) {
        let known = field == .kind ? SpanKind.allCases.map(\.description) : SpanStatusCode.allCases.map(\.description)
        guard !known.contains(text) else { return }
        let what = field == .kind ? "span kind" : "span status"
        throw InvariantSyntaxError(column: column, message: "unknown \(what) \(InputError.quoted(text)) (known: \(known.joined(separator: ", ")))")
    }

    // MARK: - Arithmetic

    private mutating func sum() throws(InvariantSyntaxError) -> Parsed {
        var left = try product()
        while case let .symbol(symbol) = token.kind, symbol == .plus || symbol == .minus {
            let column = token.column
            try advance()
            left = try arithmetic(symbol == .plus ? .add : .subtract, left, try product(), at: column)
        }
        return left
    }

    private mutating func product() throws(InvariantSyntaxError) -> Parsed {
        var left = try unary()
        while case let .symbol(symbol) = token.kind, symbol == .star || symbol == .slash {
            let column = token.column
            try advance()
            left = try arithmetic(symbol == .star ? .multiply : .divide, left, try unary(), at: column)
        }
        return left
    }

    private func arithmetic(_ op: InvariantArithmetic, _ left: Parsed, _ right: Parsed, at column: Int) throws(InvariantSyntaxError) -> Parsed {
        guard left.type.canBeNumber, right.type.canBeNumber else {
            throw InvariantSyntaxError(column: column, message: op.mismatch(left.type, right.type))
        }
        return try combine(.arithmetic(op, left.expression, right.expression), .number, left, right, at: column)
    }

    private mutating func unary() throws(InvariantSyntaxError) -> Parsed {
        guard token.isSymbol(.minus) else { return try primary() }
        let column = token.column
        try advance()
        // A negative literal is folded, which also admits -9223372036854775808.
        switch token.kind {
        case let .integer(magnitude):
            let value = try Self.integer(magnitude, negative: true, at: token.column)
            try advance()
            return Parsed(expression: .literal(value), type: .number, column: column, height: 1)
        case let .decimal(number):
            try advance()
            return Parsed(expression: .literal(.double(-number)), type: .number, column: column, height: 1)
        default:
            try enter()
            let operand = try unary()
            depth -= 1
            guard operand.type.canBeNumber else {
                throw InvariantSyntaxError(column: operand.column, message: "cannot negate a \(operand.type)")
            }
            return try combine(.negate(operand.expression), .number, operand, operand, at: column)
        }
    }

    private static func integer(_ magnitude: UInt64, negative: Bool, at column: Int) throws(InvariantSyntaxError) -> InvariantValue {
        if negative { return .int(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)) }
        guard let value = Int64(exactly: magnitude) else {
            throw InvariantSyntaxError(column: column, message: "integer \(magnitude) is out of range (64-bit)")
        }
        return .int(value)
    }

    // MARK: - Operands

    private mutating func primary() throws(InvariantSyntaxError) -> Parsed {
        let column = token.column
        let leaf = { (expression: InvariantExpression, type: InvariantType) in
            Parsed(expression: expression, type: type, column: column, height: 1)
        }
        switch token.kind {
        case let .integer(magnitude):
            let value = try Self.integer(magnitude, negative: false, at: column)
            try advance()
            return leaf(.literal(value), .number)
        case let .decimal(number):
            try advance()
            return leaf(.literal(.double(number)), .number)
        case let .string(text):
            try advance()
            return leaf(.literal(.string(text)), .string)
        case .symbol(.leftParenthesis):
            try advance()
            var inner = try disjunction()
            try expect(.rightParenthesis, "to close '(' at column \(column)")
            inner.column = column
            return inner
        case .symbol(.leftBracket):
            throw InvariantSyntaxError(column: column, message: "a list is only allowed after 'in'")
        case let .word(word):
            return try named(word, at: column)
        case .symbol, .end:
            throw InvariantSyntaxError(column: column, message: "expected an operand, found \(token.quoted)")
        }
    }

    /// An operand that starts with a word: `true`, `attr[...]`, `span.name`, `count(...)`, …
    private mutating func named(_ word: String, at column: Int) throws(InvariantSyntaxError) -> Parsed {
        let leaf = { (expression: InvariantExpression, type: InvariantType) in
            Parsed(expression: expression, type: type, column: column, height: 1)
        }
        if let aggregate = InvariantAggregate(rawValue: word) { return try self.aggregate(aggregate, at: column) }
        switch word {
        case "true", "false":
            try advance()
            return leaf(.literal(.bool(word == "true")), .boolean)
        case "attr", "resource":
            try advance()
            try expect(.leftBracket, "after '\(word)'")
            guard case let .string(key) = token.kind else {
                throw InvariantSyntaxError(column: token.column, message: "expected a quoted attribute key after '\(word)[', found \(token.quoted)")
            }
            try advance()
            try expect(.rightBracket, "after attribute key")
            return leaf(.attribute(word == "attr" ? .span : .resource, key: key), .unknown)
        case "span", "service":
            try advance()
            try expect(.dot, "after '\(word)'")
            let fields = word == "span" ? InvariantField.spanFields : [.serviceName]
            let names = fields.map { $0 == .serviceName ? "name" : $0.rawValue }
            guard case let .word(name) = token.kind else {
                throw InvariantSyntaxError(column: token.column, message: "expected a field name after '\(word).' (known: \(names.joined(separator: ", "))), found \(token.quoted)")
            }
            guard let index = names.firstIndex(of: name) else {
                throw InvariantSyntaxError(column: column, message: "unknown field \(word).\(name) (known: \(names.joined(separator: ", ")))")
            }
            try advance()
            return leaf(.field(fields[index]), fields[index].type)
        case "children":
            throw InvariantSyntaxError(column: column, message: "'children' is only allowed as the first argument of count, sum, any or all")
        case "and", "or", "not", "in", "exists", "when":
            throw InvariantSyntaxError(column: column, message: "expected an operand, found '\(word)'")
        default:
            throw InvariantSyntaxError(
                column: column,
                message: "unknown name '\(word)' (expected attr[\"key\"], resource[\"key\"], span.<field>, service.name, count, sum, any, all, a literal or '(')")
        }
    }

    private mutating func aggregate(_ kind: InvariantAggregate, at column: Int) throws(InvariantSyntaxError) -> Parsed {
        let word = kind.rawValue
        if let outer = enclosingAggregate {
            throw InvariantSyntaxError(column: column, message: "aggregates cannot be nested (this one is inside the one at column \(outer))")
        }
        try advance()
        try expect(.leftParenthesis, "after '\(word)'")
        guard token.isWord("children") else {
            throw InvariantSyntaxError(column: token.column, message: "expected 'children' as the first argument of \(word), found \(token.quoted)")
        }
        try advance()
        var body: Parsed?
        if token.isSymbol(.comma) {
            try advance()
            enclosingAggregate = column
            body = try disjunction()
            enclosingAggregate = nil
        } else if kind != .count {
            throw InvariantSyntaxError(column: token.column, message: "expected ',' and an expression after '\(word)(children', found \(token.quoted)")
        }
        try expect(.rightParenthesis, "to close '\(word)(' at column \(column)")
        guard let body else {
            return Parsed(expression: .count(nil), type: .number, column: column, height: 1)
        }
        if kind == .sum {
            guard body.type.canBeNumber else {
                throw InvariantSyntaxError(column: body.column, message: "sum needs a number, found a \(body.type)")
            }
        } else if !body.type.canBeCondition {
            throw InvariantSyntaxError(column: body.column, message: "\(word) needs a condition, found a \(body.type)")
        }
        let (expression, type): (InvariantExpression, InvariantType) = switch kind {
        case .count: (.count(body.expression), .number)
        case .sum: (.sum(body.expression), .number)
        case .any: (.any(body.expression), .boolean)
        case .all: (.all(body.expression), .boolean)
        }
        return try combine(expression, type, body, body, at: column)
    }

    // MARK: - Tokens and limits

    private mutating func advance() throws(InvariantSyntaxError) {
        token = try lexer.next()
    }

    private mutating func expect(_ symbol: InvariantSymbol, _ context: String) throws(InvariantSyntaxError) {
        guard token.isSymbol(symbol) else {
            throw InvariantSyntaxError(column: token.column, message: "expected '\(symbol.rawValue)' \(context), found \(token.quoted)")
        }
        try advance()
    }

    private mutating func enter() throws(InvariantSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw InvariantSyntaxError(column: token.column, message: "expression nested more than \(Self.maximumDepth) levels deep")
        }
    }

    /// A node over one or two operands, within the height bound.
    private func combine(_ expression: InvariantExpression, _ type: InvariantType, _ left: Parsed, _ right: Parsed, at column: Int) throws(InvariantSyntaxError) -> Parsed {
        let height = max(left.height, right.height) + 1
        guard height <= Self.maximumDepth else {
            throw InvariantSyntaxError(column: column, message: "expression nested more than \(Self.maximumDepth) levels deep")
        }
        return Parsed(expression: expression, type: type, column: min(left.column, column), height: height)
    }
}
