import ForeshockTelemetry
import Testing

@Suite struct InvariantSyntaxErrorTests {
    typealias F = InvariantFixture

    /// (rule, column of the offending token, a fragment of the message).
    @Test(arguments: [
        (#"attr["order.total" >= 1"#, 20, "expected ']' after attribute key, found '>='"),
        (#"attr[1] exists"#, 6, "expected a quoted attribute key after 'attr[', found number 1"),
        (#"attr."x" exists"#, 5, "expected '[' after 'attr'"),
        (#"span.nme == "x""#, 1, "unknown field span.nme (known: name, kind, status, duration_ms)"),
        (#"span. == "x""#, 7, "expected a field name after 'span.'"),
        (#"service.version == "1""#, 1, "unknown field service.version (known: name)"),
        (#"attr["a"] == "a" + 1"#, 18, "cannot add string and number"),
        (#"1 - "a" == 0"#, 3, "cannot subtract string from number"),
        (#"-"a" == 0"#, 2, "cannot negate a string"),
        (#"span.name == "abc"#, 14, "unterminated string starting"),
        (#""a\q" == "b""#, 3, #"unknown escape '\q'"#),
        ("not 3", 5, "'not' needs a condition, found a number"),
        (#"attr["a"] and "yes""#, 15, "'and' needs conditions, found a string"),
        (#"span.kind == "sever""#, 14, #"unknown span kind "sever" (known: unspecified, internal, server, client, producer, consumer)"#),
        (#"span.status in ["ok", "eror"]"#, 23, #"unknown span status "eror" (known: unset, ok, error)"#),
        (#"span.kind < "server""#, 11, "span.kind can only be compared with '==', '!=' or 'in'"),
        (#"attr["a"] == 1 == 2"#, 16, "comparisons cannot be chained"),
        (#"attr["a"] + 1 exists"#, 15, "'exists' must follow attr[\"key\"] or resource[\"key\"]"),
        (#"count(children, sum(children, attr["x"]) > 1) > 0"#, 17, "aggregates cannot be nested"),
        ("children > 1", 1, "'children' is only allowed as the first argument"),
        ("count(attr) > 1", 7, "expected 'children' as the first argument of count, found 'attr'"),
        ("sum(children) > 1", 13, "expected ',' and an expression after 'sum(children', found ')'"),
        (#"any(children, 1)"#, 15, "any needs a condition, found a number"),
        (#"sum(children, "a") > 1"#, 15, "sum needs a number, found a string"),
        (#"attr["x"] in []"#, 15, "expected a literal (number, string, true or false) in list, found ']'"),
        (#"attr["x"] in [1, "a"]"#, 18, "list mixes number and string items"),
        (#"attr["x"] in [1 2]"#, 17, "expected ',' or ']' in list, found number 2"),
        (#"attr["x"] in 1"#, 14, "expected '[' after 'in', found number 1"),
        (#"span.name in [1]"#, 11, "cannot look for a string in a list of number items"),
        (#"[1] == 1"#, 1, "a list is only allowed after 'in'"),
        (#"attr["x"] == 1 =>"#, 18, "expected an operand, found end of rule"),
        (#"(attr["x"] == 1"#, 16, "expected ')' to close '(' at column 1, found end of rule"),
        (#"attr["x"] = 1"#, 11, "unexpected '='; comparison is '=='"),
        (#"!attr["x"] exists"#, 1, "unexpected '!'; negation is 'not'"),
        (#"attr["x"] & true"#, 11, "unexpected '&'"),
        (#"attr['x'] exists"#, 6, "strings are double-quoted"),
        ("1 @ 2", 3, #"unexpected character "@""#),
        ("span.duration_ms > 1.", 22, "expected a digit after '.' in number"),
        ("1e > 0", 3, "expected exponent digits in number"),
        ("12abc > 0", 3, "unexpected 'a' after number"),
        ("99999999999999999999 > 1", 1, "integer 99999999999999999999 is out of range"),
        ("9223372036854775808 > 1", 1, "integer 9223372036854775808 is out of range"),
        ("1e400 > 1", 1, "number 1e400 is out of range"),
        ("foo == 1", 1, "unknown name 'foo'"),
        ("and", 1, "expected an operand, found 'and'"),
        ("1 < 2 when true => false", 17, "expected an operator or the end of the rule after the premise, found '=>'"),
        ("true => false => true", 15, "expected an operator or the end of the rule after the conclusion, found '=>'"),
        ("true false", 6, "expected an operator, '=>', 'when' or the end of the rule after the condition, found 'false'"),
        ("true < false", 6, "booleans can only be compared with '==' or '!='"),
        (#""a" < 1"#, 5, "cannot compare string with number using '<'"),
        (#"attr["x"] + 1"#, 1, "a rule must be a condition, found a number"),
        (#"span.name == "x" => 3"#, 21, "a conclusion must be a condition, found a number"),
        (#"true when "x""#, 11, "a premise must be a condition, found a string"),
        ("", 1, "expected an operand, found end of rule"),
        (#"attr["a"] + "x" > 0"#, 11, "cannot add attribute and string"),
        // The first problem by position wins, even when a later one is a lexical error.
        (#"span.nme == "abc"#, 1, "unknown field span.nme"),
    ])
    func reportsTheOffendingColumnAndWhatWasExpected(source: String, column: Int, fragment: String) {
        let error = F.syntaxError(source)
        #expect(error?.column == column, "\(source)")
        #expect(error?.message.contains(fragment) == true, "\(source): \(error?.message ?? "parsed")")
    }

    @Test func descriptionAppendsTheColumn() {
        let error = F.syntaxError(#"attr["order.total" >= 1"#)
        #expect(error?.description == "expected ']' after attribute key, found '>=' at column 20")
    }

    @Test func columnsCountUnicodeScalars() {
        // "é" and "😀" are one scalar each.
        #expect(F.syntaxError(#"attr["é😀"] == 1 ="#)?.column == 17)
    }

    // MARK: - Bounds

    @Test func rejectsRulesLongerThan4096Characters() {
        #expect(F.syntaxError(String(repeating: " ", count: 4092) + "true") == nil)
        let tooLong = F.syntaxError(String(repeating: " ", count: 4093) + "true")
        #expect(tooLong?.column == 4097)
        #expect(tooLong?.message == "rule is longer than 4096 characters")
    }

    @Test func rejectsNestingDeeperThan64() {
        let parentheses = { (depth: Int) in String(repeating: "(", count: depth) + "true" + String(repeating: ")", count: depth) }
        #expect(F.syntaxError(parentheses(63)) == nil)
        let tooDeep = F.syntaxError(parentheses(64))
        #expect(tooDeep?.column == 65)
        #expect(tooDeep?.message == "expression nested more than 64 levels deep")

        let negations = { (depth: Int) in String(repeating: "not ", count: depth) + "true" }
        #expect(F.syntaxError(negations(63)) == nil)
        #expect(F.syntaxError(negations(64))?.message == "expression nested more than 64 levels deep")

        let minuses = { (depth: Int) in String(repeating: "- ", count: depth) + "attr[\"x\"] > 0" }
        #expect(F.syntaxError(minuses(62)) == nil)
        #expect(F.syntaxError(minuses(64))?.message == "expression nested more than 64 levels deep")
    }

    @Test func rejectsOperatorChainsTallerThan64() {
        let sum = { (terms: Int) in "1" + String(repeating: " + 1", count: terms - 1) + " > 0" }
        #expect(F.syntaxError(sum(63)) == nil)
        let tooTall = F.syntaxError(sum(65))
        // The 64th '+' would make the tree 65 high.
        #expect(tooTall?.column == 1 + 63 * 4 + 2)
        #expect(tooTall?.message == "expression nested more than 64 levels deep")
    }

    @Test func rejectsListsLongerThan256Items() {
        let list = { (count: Int) in #"attr["x"] in ["# + Array(repeating: "7", count: count).joined(separator: ",") + "]" }
        #expect(F.syntaxError(list(256)) == nil)
        let tooLong = F.syntaxError(list(257))
        #expect(tooLong?.column == 15 + 256 * 2)
        #expect(tooLong?.message == "list has more than 256 items")
    }
}
