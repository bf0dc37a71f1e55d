/// A named invariant over span attributes, checked on every span at ingest.
///
/// A rule is `premise => conclusion`, `conclusion when premise`, or a bare `conclusion` (a
/// premise that always holds). It reads the span's fields and attributes, its resource's
/// attributes and aggregates over its direct children; it is parsed and type-checked once, at
/// configuration time, and cannot run code. For example:
///
/// ```
/// span.name == "checkout" => attr["order.total"] >= attr["order.items_sum"]
/// attr["recommendations.count"] >= 1 when attr["user.id"] exists
/// attr["auth.decision"] == "allow" => attr["auth.role"] in ["admin", "owner"]
/// span.name == "checkout" => attr["order.total"] == sum(children, attr["item.price"] * attr["item.quantity"])
/// ```
///
/// Grammar (EBNF; keywords are lower-case, `&&` and `||` mean `and` and `or`):
///
/// ```
/// rule       = expression [ ( "=>" | "when" ) expression ] ;
/// expression = conjunct { ( "or" | "||" ) conjunct } ;
/// conjunct   = negation { ( "and" | "&&" ) negation } ;
/// negation   = "not" negation | comparison ;
/// comparison = sum [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) sum
///                  | "in" "[" literal { "," literal } "]" | "exists" ] ;
/// sum        = product { ( "+" | "-" ) product } ;
/// product    = unary { ( "*" | "/" ) unary } ;
/// unary      = "-" unary | primary ;
/// primary    = literal | "(" expression ")"
///            | ( "attr" | "resource" ) "[" string "]"
///            | "span" "." ( "name" | "kind" | "status" | "duration_ms" ) | "service" "." "name"
///            | ( "count" | "sum" | "any" | "all" ) "(" "children" [ "," expression ] ")" ;
/// literal    = [ "-" ] number | string | "true" | "false" ;
/// ```
///
/// Both sides of a rule are conditions; `sum`, `any` and `all` need their second argument,
/// `count` counts all children without one. Comparisons do not chain and `exists` follows an
/// attribute. Numbers are decimal (`12`, `2.5`, `1e3`); strings are double-quoted with the
/// escapes `\"`, `\\`, `\n`, `\t`, `\r`. Precedence, loosest first: `=>`/`when`, `or`,
/// `and`, `not`, comparisons, `+ -`, `* /`, unary `-` — so `a or b and c` is
/// `a or (b and c)`, `not a == b` is `not (a == b)` (as in SQL and Python) and `-x * y` is
/// `(-x) * y`. A rule has at most 4096 characters, 64 levels of nesting and 256 list items.
///
/// Values are numbers (`Int64` and `Double` attributes compare exactly with each other and
/// with literals; `+ - *` on integers are exact, and `/` is exact when the quotient is whole,
/// a `Double` otherwise), strings (compared by their UTF-8 bytes, without Unicode
/// normalisation; a string of digits is still a string) and booleans. `span.name`,
/// `span.kind` (`"server"`, `"client"`, …), `span.status` (`"unset"`, `"ok"`, `"error"`) and
/// `service.name` are strings, `span.duration_ms` a double. Inside `count`, `sum`, `any` and
/// `all`, `attr[...]`, `resource[...]`, `span.*` and `service.name` refer to the child. Over no
/// children, `count` and `sum` are 0, `any` is false and `all` true.
///
/// Whatever depends on the data never violates a rule: a missing attribute, an attribute of the
/// wrong type, division by zero, integer overflow or a NaN operand (of a comparison or `in`)
/// make the rule ``InvariantOutcome/notApplicable(_:)`` for that span (see
/// ``InvariantSkipReason``). Such an unknown operand does not spread where the answer is
/// decided anyway: `false and unknown` is false, `true or unknown` true, `any` true when one
/// child's condition is true and `all` false when one child's is false (Kleene's three-valued
/// logic). `count` and `sum` are unknown when their argument is unknown for some child; write
/// `count(children, attr["k"] exists and attr["k"] > 0)` to count only the children that have
/// the attribute.
public struct InvariantRule: Sendable {
    /// The rule's name, as configured (used as a label value).
    public let name: String
    /// The rule's text.
    public let source: String

    /// The compiled form (read in place by ``SpanInvariantAggregator``).
    let program: InvariantProgram

    /// Parses and checks `source`.
    ///
    /// - Throws: ``InvariantSyntaxError`` with the column of the first offending token: a
    ///   malformed or over-long rule (over 4096 characters, 64 levels of nesting or 256 list
    ///   items), an unknown name or field, or operands whose types cannot fit
    ///   (`"a" + 1`, `not 3`, `span.kind == "sever"`).
    public init(name: String, source: String) throws(InvariantSyntaxError) {
        self.name = name
        self.source = source
        program = InvariantProgram(try InvariantParser.parse(source))
    }

    /// Checks the rule on `span`, whose direct children are `children` (possibly none; they are
    /// not looked at unless ``readsChildren``). A premise that is false or cannot be evaluated,
    /// or a conclusion that cannot be evaluated, gives `.notApplicable`.
    ///
    /// A convenience for checking one span: it copies the span (and children) into a
    /// ``SpanColumns`` first. An ingest loop checks whole batches with
    /// ``SpanInvariantAggregator``, which reads the batch's columns in place.
    ///
    /// - Complexity: O(size of the rule × attributes of the span), times the children for an
    ///   aggregate, plus the copy.
    public func evaluate(_ span: Span, children: some Collection<Span>) -> InvariantOutcome {
        let others = readsChildren ? Array(children) : []
        let batch = SpanColumns(spans: [span] + others)
        let positions = (1 ..< 1 + others.count).map { Int32($0) }
        return withUnsafePointer(to: batch) { pointer in
            batch.text.withUnsafeBytes { text in
                positions.withUnsafeBufferPointer { children in
                    program.evaluate(InvariantSpan(batch: pointer, text: text, index: 0), InvariantScope(children: children, slots: nil))
                }
            }
        }
    }

    /// The attribute keys the rule reads, through `attr[...]` or `resource[...]`, each once, in
    /// order of first appearance; a violation's exemplar can record their values (look each up on
    /// the span and on its resource).
    public var referencedAttributes: [String] { program.referencedAttributes }

    /// Whether the rule aggregates over children, so that a caller must hold the span until its
    /// children are known; when false, `evaluate(span, children: [])` is final.
    public var readsChildren: Bool { program.readsChildren }
}
