import ForeshockTelemetry
import Testing

@Suite struct InvariantEvaluationTests {
    typealias F = InvariantFixture

    @Test func checkoutTotalMustCoverItems() throws {
        let rule = #"span.name == "checkout" => attr["order.total"] >= attr["order.items_sum"]"#
        #expect(try F.outcome(rule, F.span("checkout", ["order.total": .int(100), "order.items_sum": .double(99.5)])) == .holds)
        #expect(try F.outcome(rule, F.span("checkout", ["order.total": .int(99), "order.items_sum": .double(99.5)])) == .violated)
        #expect(try F.outcome(rule, F.span("cart", ["order.total": .int(0), "order.items_sum": .int(1)])) == .notApplicable(.premiseFalse))
    }

    @Test func whenFormAndExists() throws {
        let rule = #"attr["recommendations.count"] >= 1 when attr["user.id"] exists"#
        #expect(try F.outcome(rule, F.span(["user.id": .string("u1"), "recommendations.count": .int(3)])) == .holds)
        #expect(try F.outcome(rule, F.span(["user.id": .string("u1"), "recommendations.count": .int(0)])) == .violated)
        #expect(try F.outcome(rule, F.span(["recommendations.count": .int(0)])) == .notApplicable(.premiseFalse))
        // `exists` is true whatever the type, even for an array.
        #expect(try F.outcome(#"attr["a"] exists"#, F.span(["a": .array([.int(1)])])) == .holds)
        #expect(try F.outcome(#"not attr["a"] exists"#, F.span()) == .holds)
    }

    @Test func membershipInAStringList() throws {
        let rule = #"attr["auth.decision"] == "allow" => attr["auth.role"] in ["admin","owner"]"#
        #expect(try F.outcome(rule, F.span(["auth.decision": .string("allow"), "auth.role": .string("owner")])) == .holds)
        #expect(try F.outcome(rule, F.span(["auth.decision": .string("allow"), "auth.role": .string("guest")])) == .violated)
        #expect(try F.outcome(rule, F.span(["auth.decision": .string("deny"), "auth.role": .string("guest")])) == .notApplicable(.premiseFalse))
        #expect(try F.outcome(rule, F.span(["auth.decision": .string("allow")])) == .notApplicable(.missingAttribute))
        #expect(try F.outcome(#"attr["n"] in [1, 2.5]"#, F.span(["n": .double(2.5)])) == .holds)
        #expect(try F.outcome(#"attr["n"] in [1, 2.5]"#, F.span(["n": .int(2)])) == .violated)
    }

    @Test func spanFieldsAndResource() throws {
        let span = F.span("GET /a", kind: .client, status: .error, durationNanos: 1_500_000)
        #expect(try F.outcome(#"span.name == "GET /a" and span.kind == "client" and span.status == "error""#, span) == .holds)
        #expect(try F.outcome(#"span.kind != "server" and span.status in ["error", "unset"]"#, span) == .holds)
        #expect(try F.outcome(#"span.kind in ["server", "producer"]"#, span) == .violated)
        #expect(try F.outcome("span.duration_ms == 1.5", span) == .holds)
        #expect(try F.outcome(#"service.name == "shop" and resource["deployment.environment"] == "prod""#, span) == .holds)
        #expect(try F.outcome(#"resource["service.version"] exists"#, span) == .violated)
        // Fields are strings too when compared generically.
        #expect(try F.outcome(#"span.kind == attr["expected.kind"]"#, F.span(["expected.kind": .string("server")])) == .holds)
        #expect(try F.outcome(#""GET /a" == span.name and "shop" != service.name"#, span) == .violated)
    }

    @Test func childrenFromAnyCollectionGiveTheSameOutcome() throws {
        let rule = try InvariantRule(name: "r", source: #"attr["n"] > 1 => count(children, attr["ok"] == true) == count(children)"#)
        let parent = F.span(["n": .int(2)])
        let children = [F.span("c", ["ok": .bool(true)], id: 2), F.span("c", ["ok": .bool(false)], id: 3)]
        let byValue = rule.evaluate(parent, children: children)
        #expect(byValue == .violated)
        #expect(rule.evaluate(parent, children: children[1...]) == .violated)
        #expect(rule.evaluate(parent, children: children[..<1]) == .holds)
        #expect(rule.evaluate(parent, children: children.lazy.filter { _ in true }) == byValue)
    }

    // MARK: - Skip reasons

    @Test func missingAttributeIsNotApplicable() throws {
        #expect(try F.outcome(#"attr["absent"] > 1"#) == .notApplicable(.missingAttribute))
        #expect(try F.outcome(#"attr["absent"] == "x" => true"#) == .notApplicable(.missingAttribute))
        #expect(try F.outcome(#"resource["absent"] == 1"#) == .notApplicable(.missingAttribute))
    }

    @Test func wrongTypesAreNotApplicable() throws {
        // A string of digits is a string.
        #expect(try F.outcome(#"attr["n"] == 5"#, F.span(["n": .string("5")])) == .notApplicable(.typeMismatch))
        #expect(try F.outcome(#"attr["n"] + 1 > 0"#, F.span(["n": .string("5")])) == .notApplicable(.typeMismatch))
        #expect(try F.outcome(#"attr["s"] == "x""#, F.span(["s": .int(1)])) == .notApplicable(.typeMismatch))
        #expect(try F.outcome(#"attr["a"] == 1"#, F.span(["a": .array([.int(1)])])) == .notApplicable(.typeMismatch))
        #expect(try F.outcome(#"attr["b"] == 1"#, F.span(["b": .bytes([1])])) == .notApplicable(.typeMismatch))
        #expect(try F.outcome(#"attr["kv"] == 1"#, F.span(["kv": .keyValueList([])])) == .notApplicable(.typeMismatch))
        // A non-boolean attribute as a condition, and booleans ordered.
        #expect(try F.outcome(#"attr["n"] => true"#, F.span(["n": .int(1)])) == .notApplicable(.typeMismatch))
        #expect(try F.outcome(#"attr["a"] < attr["b"]"#, F.span(["a": .bool(false), "b": .bool(true)])) == .notApplicable(.typeMismatch))
        #expect(try F.outcome(#"attr["n"] in ["a"]"#, F.span(["n": .int(1)])) == .notApplicable(.typeMismatch))
        #expect(try F.outcome(#"attr["flag"]"#, F.span(["flag": .bool(true)])) == .holds)
    }

    @Test func arithmeticFaultsAreNotApplicable() throws {
        #expect(try F.outcome(#"attr["a"] / attr["b"] > 1"#, F.span(["a": .int(1), "b": .int(0)])) == .notApplicable(.arithmetic))
        #expect(try F.outcome(#"attr["a"] / attr["b"] > 1"#, F.span(["a": .double(1), "b": .double(-0.0)])) == .notApplicable(.arithmetic))
        #expect(try F.outcome(#"attr["a"] + 1 > 0"#, F.span(["a": .int(.max)])) == .notApplicable(.arithmetic))
        #expect(try F.outcome(#"attr["a"] * 2 > 0"#, F.span(["a": .int(.min)])) == .notApplicable(.arithmetic))
        #expect(try F.outcome(#"attr["a"] - 1 < 0"#, F.span(["a": .int(.min)])) == .notApplicable(.arithmetic))
        #expect(try F.outcome(#"-attr["a"] > 0"#, F.span(["a": .int(.min)])) == .notApplicable(.arithmetic))
        #expect(try F.outcome(#"attr["a"] / -1 > 0"#, F.span(["a": .int(.min)])) == .notApplicable(.arithmetic))
    }

    @Test func divisionIsExactWhenWholeAndDecimalOtherwise() throws {
        #expect(try F.outcome("6 / 3 == 2 and 7 / 2 == 3.5 and -7 / 2 == -3.5") == .holds)
        #expect(try F.outcome("9223372036854775807 / 1 == 9223372036854775807") == .holds)
        #expect(try F.outcome("1.0 / 4 == 0.25") == .holds)
    }

    @Test func nanOperandsAreNotApplicable() throws {
        let nan = F.span(["x": .double(.nan), "inf": .double(.infinity)])
        for source in [#"attr["x"] > 1"#, #"attr["x"] == attr["x"]"#, #"attr["x"] != 1"#, #"attr["x"] in [1, 2]"#,
                       #"attr["inf"] - attr["inf"] == 0"#, #"1 < attr["x"]"#] {
            #expect(try F.outcome(source, nan) == .notApplicable(.notANumber), "\(source)")
        }
        // Infinity is an ordinary number.
        #expect(try F.outcome(#"attr["inf"] > 9223372036854775807"#, nan) == .holds)
    }

    @Test func premiseThatCannotBeEvaluatedGivesItsReason() throws {
        #expect(try F.outcome(#"attr["absent"] == 1 => false"#) == .notApplicable(.missingAttribute))
        #expect(try F.outcome(#"false when attr["n"] > 0"#, F.span(["n": .string("1")])) == .notApplicable(.typeMismatch))
    }

    // MARK: - Numbers

    @Test func integersAndDoublesCompareExactly() throws {
        let span = F.span([
            "max": .int(.max), "min": .int(.min), "twoTo63": .double(9.223372036854776e18),
            "i": .int(9_007_199_254_740_993), "d": .double(9_007_199_254_740_992),
            "three": .int(3), "threeD": .double(3), "negZero": .double(-0.0),
        ])
        let holding = [
            #"attr["max"] == 9223372036854775807"#,
            #"attr["max"] != 9.223372036854776e18"#,
            #"attr["max"] < 9.223372036854776e18"#,
            #"attr["max"] < attr["twoTo63"]"#,
            #"attr["twoTo63"] > attr["max"]"#,
            #"attr["min"] == -9.223372036854775808e18"#,
            #"attr["min"] <= -9223372036854775808"#,
            #"attr["i"] > attr["d"]"#,
            #"attr["i"] != attr["d"]"#,
            #"attr["d"] < attr["i"]"#,
            #"attr["i"] == 9007199254740993"#,
            #"attr["i"] > 9007199254740992.0"#,
            #"attr["three"] == attr["threeD"]"#,
            #"attr["three"] < 3.000000001"#,
            #"attr["three"] > 2.999999999"#,
            #"attr["negZero"] == 0"#,
            #"attr["three"] > -1e300 and attr["three"] < 1e300"#,
        ]
        for source in holding {
            #expect(try F.outcome(source, span) == .holds, "\(source)")
        }
    }

    @Test func mixedArithmeticBecomesDouble() throws {
        #expect(try F.outcome("1 + 0.5 == 1.5 and 2 * 0.25 == 0.5 and 1 - 0.5 == 0.5") == .holds)
        #expect(try F.outcome(#"attr["x"] * 2 == 5"#, F.span(["x": .double(2.5)])) == .holds)
    }

    // MARK: - Strings

    @Test func stringsCompareByTheirBytes() throws {
        #expect(try F.outcome(#""a" < "b" and "B" < "a" and "ab" > "a" and "" < "a""#) == .holds)
        // Canonically equivalent but differently encoded strings are different values.
        let decomposed = F.span(["s": .string("e\u{301}")])
        #expect(try F.outcome(#"attr["s"] == "é""#, decomposed) == .violated)
        #expect(try F.outcome(#"attr["s"] == "e\#u{301}""#, decomposed) == .holds)
        #expect(try F.outcome(#"attr["s"] != "x""#, decomposed) == .holds)
        // Long strings (not stored inline) compare the same way.
        let long = String(repeating: "payment-service-", count: 8)
        #expect(try F.outcome(#"attr["s"] == "\#(long)""#, F.span(["s": .string(long)])) == .holds)
        #expect(try F.outcome(#"attr["s"] == "\#(long)x""#, F.span(["s": .string(long + "y")])) == .violated)
    }

    @Test func theFirstOfRepeatedAttributesCounts() throws {
        let span = Span(traceID: TraceID(high: 0, low: 1), spanID: SpanID(1), name: "s", startNanos: 0, endNanos: 1,
                        attributes: [SpanAttribute("k", .int(1)), SpanAttribute("k", .int(2))], resource: F.resource)
        #expect(try F.outcome(#"attr["k"] == 1"#, span) == .holds)
    }

    // MARK: - Three-valued logic

    @Test func unknownOperandsFollowKleeneLogic() throws {
        let unknown = #"attr["absent"] == 1"#
        #expect(try F.outcome("\(unknown) or true") == .holds)
        #expect(try F.outcome("true or \(unknown)") == .holds)
        #expect(try F.outcome("\(unknown) and false") == .violated)
        #expect(try F.outcome("false and \(unknown)") == .violated)
        #expect(try F.outcome("\(unknown) and true") == .notApplicable(.missingAttribute))
        #expect(try F.outcome("\(unknown) or false") == .notApplicable(.missingAttribute))
        #expect(try F.outcome("not (\(unknown))") == .notApplicable(.missingAttribute))
        // The first reason met is reported.
        #expect(try F.outcome(#"attr["absent"] > 0 and 1 / 0 > 0"#) == .notApplicable(.missingAttribute))
        #expect(try F.outcome(#"1 / 0 > 0 and attr["absent"] > 0"#) == .notApplicable(.arithmetic))
    }

    @Test func skipReasonsHaveLabelValues() {
        #expect(InvariantSkipReason.allCases.map(\.description)
            == ["premise_false", "missing_attribute", "type_mismatch", "arithmetic", "not_a_number"])
    }
}
