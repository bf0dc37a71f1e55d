/// One token of an invariant rule.
struct InvariantToken {
    enum Kind: Equatable {
        /// An integer literal's magnitude, at most 2⁶³ (the parser applies a leading `-`, so that
        /// `-9223372036854775808` is representable).
        case integer(UInt64)
        /// A literal with a fraction or an exponent (`2.5`, `1e3`), always finite.
        case decimal(Double)
        /// A string literal, escapes resolved.
        case string(String)
        /// An identifier or keyword: `[A-Za-z_][A-Za-z0-9_]*`.
        case word(String)
        case symbol(InvariantSymbol)
        case end
    }

    var kind: Kind
    /// The 1-based column (in Unicode scalars) of the token's first character.
    var column: Int

    /// How the token is named in a message: `'=='`, `'span'`, `string "abc"`, `end of rule`.
    var quoted: String {
        switch kind {
        case let .integer(magnitude): "number \(magnitude)"
        case let .decimal(value): "number \(value)"
        case let .string(text): "string \(InputError.quoted(text))"
        case let .word(text): "'\(text)'"
        case let .symbol(symbol): "'\(symbol.rawValue)'"
        case .end: "end of rule"
        }
    }

    func isWord(_ text: String) -> Bool { kind == .word(text) }
    func isSymbol(_ symbol: InvariantSymbol) -> Bool { kind == .symbol(symbol) }
}

/// The punctuation and operators of the rule language.
enum InvariantSymbol: String {
    case leftBracket = "[", rightBracket = "]", leftParenthesis = "(", rightParenthesis = ")"
    case comma = ",", dot = "."
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case plus = "+", minus = "-", star = "*", slash = "/"
    case implies = "=>", and = "&&", or = "||"
}

/// Splits a rule into tokens on demand, so that the first error by position is the one reported.
///
/// Whitespace (space, tab, CR, LF) separates tokens. String literals are double-quoted with the
/// escapes `\"`, `\\`, `\n`, `\t` and `\r`; any other character, including a line break, stands
/// for itself. Numbers are decimal: `12`, `2.5`, `1e3`, `6.02E+23` (no leading `.`, no sign:
/// a `-` is an operator).
struct InvariantLexer {
    /// The longest accepted rule, in Unicode scalars.
    static let maximumLength = 4096

    private let scalars: [Unicode.Scalar]
    private var position = 0

    /// - Throws: when `source` is longer than ``maximumLength``.
    init(_ source: String) throws(InvariantSyntaxError) {
        var scalars: [Unicode.Scalar] = []
        for scalar in source.unicodeScalars {
            guard scalars.count < Self.maximumLength else {
                throw InvariantSyntaxError(column: Self.maximumLength + 1,
                                           message: "rule is longer than \(Self.maximumLength) characters")
            }
            scalars.append(scalar)
        }
        self.scalars = scalars
    }

    /// The next token; `.end` (at column `length + 1`) once the text is exhausted, repeatedly.
    mutating func next() throws(InvariantSyntaxError) -> InvariantToken {
        while position < scalars.count, Self.isSpace(scalars[position]) { position += 1 }
        let column = position + 1
        guard position < scalars.count else { return InvariantToken(kind: .end, column: column) }
        let scalar = scalars[position]
        if Self.isDigit(scalar) { return InvariantToken(kind: try number(), column: column) }
        if Self.isWordStart(scalar) {
            let start = position
            while position < scalars.count, Self.isWordStart(scalars[position]) || Self.isDigit(scalars[position]) {
                position += 1
            }
            return InvariantToken(kind: .word(text(start..<position)), column: column)
        }
        if scalar == "\"" { return InvariantToken(kind: .string(try string()), column: column) }
        return InvariantToken(kind: .symbol(try symbol()), column: column)
    }

    // MARK: - Token kinds

    private mutating func number() throws(InvariantSyntaxError) -> InvariantToken.Kind {
        let start = position
        var isDecimal = false
        skipDigits()
        if peek(0) == "." {
            guard let next = peek(1), Self.isDigit(next) else {
                throw InvariantSyntaxError(column: position + 2, message: "expected a digit after '.' in number")
            }
            position += 1
            skipDigits()
            isDecimal = true
        }
        if let e = peek(0), e == "e" || e == "E" {
            position += 1
            if let sign = peek(0), sign == "+" || sign == "-" { position += 1 }
            guard let digit = peek(0), Self.isDigit(digit) else {
                throw InvariantSyntaxError(column: position + 1, message: "expected exponent digits in number")
            }
            skipDigits()
            isDecimal = true
        }
        if let after = peek(0), Self.isWordStart(after) {
            throw InvariantSyntaxError(column: position + 1, message: "unexpected '\(after)' after number")
        }
        let literal = text(start..<position)
        if isDecimal {
            guard let value = Double(literal), value.isFinite else {
                throw InvariantSyntaxError(column: start + 1, message: "number \(literal) is out of range")
            }
            return .decimal(value)
        }
        guard let magnitude = UInt64(literal), magnitude <= UInt64(Int64.max) + 1 else {
            throw InvariantSyntaxError(column: start + 1, message: "integer \(literal) is out of range (64-bit)")
        }
        return .integer(magnitude)
    }

    private mutating func string() throws(InvariantSyntaxError) -> String {
        let start = position
        var value = String.UnicodeScalarView()
        position += 1
        while position < scalars.count {
            let scalar = scalars[position]
            position += 1
            switch scalar {
            case "\"":
                return String(value)
            case "\\":
                guard position < scalars.count else { break }
                let escaped = scalars[position]
                position += 1
                switch escaped {
                case "\"", "\\": value.append(escaped)
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                default:
                    throw InvariantSyntaxError(
                        column: position - 1,
                        message: "unknown escape '\\\(escaped)' in string (known: \\\" \\\\ \\n \\t \\r)")
                }
            default:
                value.append(scalar)
            }
        }
        throw InvariantSyntaxError(column: start + 1, message: "unterminated string starting")
    }

    private mutating func symbol() throws(InvariantSyntaxError) -> InvariantSymbol {
        let column = position + 1
        let first = scalars[position]
        let second = peek(1)
        position += 1
        if let second, let pair = InvariantSymbol(rawValue: String(first) + String(second)) {
            position += 1
            return pair
        }
        if let single = InvariantSymbol(rawValue: String(first)) { return single }
        let message = switch first {
        case "=": "unexpected '='; comparison is '=='"
        case "!": "unexpected '!'; negation is 'not'"
        case "&": "unexpected '&'; conjunction is 'and' or '&&'"
        case "|": "unexpected '|'; disjunction is 'or' or '||'"
        case "'": "unexpected \"'\"; strings are double-quoted"
        default: "unexpected character \(InputError.quoted(String(first)))"
        }
        throw InvariantSyntaxError(column: column, message: message)
    }

    // MARK: - Characters

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private mutating func skipDigits() {
        while position < scalars.count, Self.isDigit(scalars[position]) { position += 1 }
    }

    private func text(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    private static func isWordStart(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }
}
