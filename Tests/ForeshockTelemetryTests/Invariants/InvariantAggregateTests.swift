import ForeshockTelemetry
import Testing

@Suite struct InvariantAggregateTests {
    typealias F = InvariantFixture

    static func item(_ price: AttributeValue, _ quantity: AttributeValue, id: UInt64) -> Span {
        F.span("item", ["item.price": price, "item.quantity": quantity], kind: .internal, status: .ok, id: id)
    }

    @Test func orderTotalEqualsTheSumOfItems() throws {
        let rule = try InvariantRule(
            name: "order_total",
            source: #"span.name == "checkout" => attr["order.total"] == sum(children, attr["item.price"] * attr["item.quantity"])"#)
        let items = [Self.item(.int(10), .int(2), id: 2), Self.item(.double(2.5), .int(4), id: 3)]
        #expect(rule.evaluate(F.span(["order.total": .int(30)]), children: items) == .holds)
        #expect(rule.evaluate(F.span(["order.total": .double(29.99)]), children: items) == .violated)
        #expect(rule.evaluate(F.span(["order.total": .int(0)]), children: [Span]()) == .holds)
        // A child without a price makes the sum unknown, not smaller.
        let incomplete = items + [F.span("item", ["item.quantity": .int(1)], id: 4)]
        #expect(rule.evaluate(F.span(["order.total": .int(30)]), children: incomplete) == .notApplicable(.missingAttribute))
    }

    @Test func sumStaysExactInIntegersAndReportsOverflow() throws {
        let big = [F.span("c", ["v": .int(.max - 1)], id: 2), F.span("c", ["v": .int(1)], id: 3)]
        #expect(try F.outcome(#"sum(children, attr["v"]) == 9223372036854775807"#, children: big) == .holds)
        let overflowing = big + [F.span("c", ["v": .int(1)], id: 4)]
        #expect(try F.outcome(#"sum(children, attr["v"]) > 0"#, children: overflowing) == .notApplicable(.arithmetic))
    }

    @Test func countWithAndWithoutACondition() throws {
        let children = [F.span("db", status: .error, id: 2), F.span("db", status: .ok, id: 3), F.span("cache", status: .error, id: 4)]
        #expect(try F.outcome("count(children) == 3", children: children) == .holds)
        #expect(try F.outcome(#"count(children, span.status == "error") == 2"#, children: children) == .holds)
        #expect(try F.outcome(#"count(children, span.name == "db" and span.status == "error") == 1"#, children: children) == .holds)
        #expect(try F.outcome("count(children) == 0") == .holds)
        // Unknown on one child makes the count unknown; `exists and …` makes it definite.
        let mixed = [F.span("a", ["http.status": .int(503)], id: 2), F.span("b", id: 3)]
        #expect(try F.outcome(#"count(children, attr["http.status"] >= 500) == 1"#, children: mixed) == .notApplicable(.missingAttribute))
        #expect(try F.outcome(#"count(children, attr["http.status"] exists and attr["http.status"] >= 500) == 1"#, children: mixed) == .holds)
    }

    @Test func anyAndAllFollowKleeneLogicOverChildren() throws {
        let children = [F.span("a", ["retry": .bool(true)], id: 2), F.span("b", id: 3), F.span("c", ["retry": .bool(false)], id: 4)]
        #expect(try F.outcome(#"any(children, attr["retry"] == true)"#, children: children) == .holds)
        #expect(try F.outcome(#"all(children, attr["retry"] == true)"#, children: children) == .violated)
        let unknownOnly = [F.span("b", id: 3), F.span("c", ["retry": .bool(false)], id: 4)]
        #expect(try F.outcome(#"any(children, attr["retry"] == true)"#, children: unknownOnly) == .notApplicable(.missingAttribute))
        let allTrueOrUnknown = [F.span("a", ["retry": .bool(true)], id: 2), F.span("b", id: 3)]
        #expect(try F.outcome(#"all(children, attr["retry"] == true)"#, children: allTrueOrUnknown) == .notApplicable(.missingAttribute))
        #expect(try F.outcome(#"not any(children, true) and all(children, false)"#) == .holds)
    }

    @Test func insideAnAggregateFieldsReferToTheChild() throws {
        let parent = F.span("parent", ["limit": .int(5)], kind: .server, durationNanos: 10_000_000)
        let children = [F.span("child", kind: .client, durationNanos: 2_000_000, id: 2)]
        #expect(try F.outcome(#"all(children, span.name == "child" and span.kind == "client" and span.duration_ms == 2)"#, parent, children: children) == .holds)
        // attr["limit"] inside the aggregate is the child's, which has none.
        #expect(try F.outcome(#"all(children, attr["limit"] exists)"#, parent, children: children) == .violated)
        #expect(try F.outcome(#"sum(children, span.duration_ms) < span.duration_ms"#, parent, children: children) == .holds)
        let otherResource = SpanResource(attributes: [SpanAttribute("service.name", .string("payments"))])
        let remote = [F.span("charge", resource: otherResource, id: 3)]
        #expect(try F.outcome(#"any(children, service.name == "payments") and service.name == "shop""#, parent, children: remote) == .holds)
    }

    @Test func childrenAreIgnoredByRulesThatDoNotReadThem() throws {
        let rule = try InvariantRule(name: "r", source: "true")
        #expect(rule.evaluate(F.span(), children: [F.span(id: 2)]) == .holds)
    }
}
