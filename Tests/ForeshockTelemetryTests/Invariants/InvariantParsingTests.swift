import ForeshockTelemetry
import Testing

@Suite struct InvariantParsingTests {
    typealias F = InvariantFixture

    @Test(arguments: [
        #"span.name == "checkout" => attr["order.total"] >= attr["order.items_sum"]"#,
        #"attr["recommendations.count"] >= 1 when attr["user.id"] exists"#,
        #"attr["auth.decision"] == "allow" => attr["auth.role"] in ["admin","owner"]"#,
        #"span.name == "checkout" => attr["order.total"] == sum(children, attr["item.price"] * attr["item.quantity"])"#,
        #"span.kind == "server" and span.status != "error" => span.duration_ms < 2.5e3"#,
        #"resource["deployment.environment"] == "prod" && service.name == "shop" || not (attr["x"] exists)"#,
        #"count(children) == count(children, span.status == "ok") when any(children, attr["retry"] == true)"#,
        #"all(children, -attr["delta"] * 2 <= 1e-3 / 4) => attr["flag"]"#,
        #"attr["code"] in [-1, 2.5, 1E3, -9223372036854775808]"#,
        "true",
    ])
    func parsesTheDocumentedForms(source: String) throws {
        let rule = try InvariantRule(name: "example", source: source)
        #expect(rule.source == source)
        #expect(rule.name == "example")
    }

    @Test func referencedAttributesListSpanAndResourceKeysOnceInOrder() throws {
        let rule = try InvariantRule(
            name: "r", source: #"attr["b"] == 1 and resource["a"] exists => attr["b"] < sum(children, attr["c"]) or attr["d"] == "x""#)
        #expect(rule.referencedAttributes == ["b", "a", "c", "d"])
        #expect(try InvariantRule(name: "r", source: #"span.name == "x""#).referencedAttributes.isEmpty)
    }

    @Test func readsChildrenOnlyWithAnAggregate() throws {
        #expect(try InvariantRule(name: "r", source: #"span.name == "a" => count(children) > 0"#).readsChildren)
        #expect(try InvariantRule(name: "r", source: #"any(children, true) when true"#).readsChildren)
        #expect(try !InvariantRule(name: "r", source: #"span.name == "a" => attr["x"] > 0"#).readsChildren)
    }

    // MARK: - Precedence (loosest first: => / when, or, and, not, comparison, + -, * /, unary -)

    @Test func andBindsTighterThanOr() throws {
        // a or (b and c) is true; (a or b) and c would be false.
        #expect(try F.outcome("true or false and false") == .holds)
        // (a and b) or c is true; a and (b or c) would be false.
        #expect(try F.outcome("false and false or true") == .holds)
    }

    @Test func notBindsLooserThanComparison() throws {
        // not (1 == 2); `(not 1) == 2` would be a type error.
        #expect(try F.outcome("not 1 == 2") == .holds)
        #expect(try F.outcome("not not true") == .holds)
    }

    @Test func unaryMinusBindsTighterThanMultiplication() throws {
        // (-x) * 0 overflows for x = Int64.min; -(x * 0) would be 0.
        let span = F.span(["x": .int(.min)])
        #expect(try F.outcome(#"-attr["x"] * 0 == 0"#, span) == .notApplicable(.arithmetic))
        #expect(try F.outcome("-2 * 3 == -6") == .holds)
        #expect(try F.outcome("- -2 == 2") == .holds)
    }

    @Test func arithmeticHasTheUsualPrecedenceAndIsLeftAssociative() throws {
        #expect(try F.outcome("1 + 2 * 3 == 7") == .holds)
        #expect(try F.outcome("(1 + 2) * 3 == 9") == .holds)
        #expect(try F.outcome("10 - 2 - 3 == 5") == .holds)
        #expect(try F.outcome("8 / 4 / 2 == 1") == .holds)
        #expect(try F.outcome("1 + 2 < 4 and 2 * 2 >= 4") == .holds)
    }

    @Test func implicationIsLoosest() throws {
        #expect(try F.outcome("true or false => false") == .violated)
        #expect(try F.outcome("false when true or false") == .violated)
        #expect(try F.outcome("true when false and true") == .notApplicable(.premiseFalse))
    }

    @Test func literalsAndEscapes() throws {
        let span = F.span(["q": .string("a\"b\\c\nd\te\r")])
        #expect(try F.outcome(#"attr["q"] == "a\"b\\c\nd\te\r""#, span) == .holds)
        #expect(try F.outcome("1e3 == 1000 and 2.5E-1 == 0.25 and 6.02e+2 == 602") == .holds)
        #expect(try F.outcome("-9223372036854775808 < -9223372036854775807") == .holds)
        #expect(try F.outcome(#""é" == "é""#) == .holds)
    }
}
