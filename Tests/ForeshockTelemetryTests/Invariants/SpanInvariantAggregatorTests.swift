import ForeshockTelemetry
import Testing

@Suite struct SpanInvariantAggregatorTests {
    private static let second: Int64 = 1_000_000_000
    /// 2024-01-01T00:00:00Z in nanoseconds.
    private static let epoch: Int64 = 1_704_067_200 * second

    private static func order(total: Int64, sum: Int64, version: String, at seconds: Int64, id: UInt64,
                              email: String = "a@b.example") -> Span {
        let resource = SpanResource(attributes: [SpanAttribute("service.name", .string("checkout")),
                                                 SpanAttribute("service.version", .string(version))])
        return Span(traceID: TraceID(high: 1, low: id), spanID: SpanID(id), name: "PlaceOrder", kind: .server,
                    startNanos: epoch + seconds * second, endNanos: epoch + seconds * second + 1_000_000,
                    attributes: [SpanAttribute("order.total_cents", .int(total)), SpanAttribute("order.items_sum_cents", .int(sum)),
                                 SpanAttribute("customer.email", .string(email))],
                    resource: resource)
    }

    private static let rules = [
        try! InvariantRule(name: "total", source: #"span.name == "PlaceOrder" => attr["order.total_cents"] == attr["order.items_sum_cents"]"#),
        try! InvariantRule(name: "email-known", source: #"attr["customer.email"] != "" when attr["order.total_cents"] > 100000"#),
    ]

    /// Counts per window, series split by version, violations with exemplars carrying the
    /// values the rule read (masked by the redaction patterns), premise-false spans not counted.
    @Test func countsEvaluationsAndViolationsPerWindowAndVersion() throws {
        var configuration = SpanMetricsConfiguration()
        configuration.windowMilliseconds = 10_000
        let aggregator = SpanInvariantAggregator(rules: Self.rules, configuration: configuration)
        var spans: [Span] = []
        for i in 0..<20 { spans.append(Self.order(total: 500, sum: 500, version: "1.0", at: Int64(i % 10), id: UInt64(i + 1))) }
        for i in 0..<10 {
            let wrong = i < 3
            spans.append(Self.order(total: wrong ? 499 : 700, sum: 700, version: "2.0", at: Int64(i), id: UInt64(100 + i)))
        }
        aggregator.ingest(spans)
        let records = aggregator.drainAll()
        #expect(records.allSatisfy { $0.kind == .invariant && $0.windowStart == Self.epoch / 1_000_000 })
        let total = records.filter { $0.label("rule") == "total" }
        let old = try #require(total.first { $0.label("service.version") == "1.0" })
        let new = try #require(total.first { $0.label("service.version") == "2.0" })
        #expect(old.count == 20 && old.errors == 0 && old.exemplars.isEmpty)
        #expect(new.count == 10 && new.errors == 3)
        #expect(new.exemplars.count == 3)
        let exemplar = try #require(new.exemplars.first)
        #expect(exemplar.attributes.contains(SpanAttribute("order.total_cents", .int(499))))
        #expect(exemplar.attributes.contains(SpanAttribute("order.items_sum_cents", .int(700))))
        #expect(!exemplar.attributes.contains { $0.key == "customer.email" }, "only the attributes the rule read")
        #expect(records.filter { $0.label("rule") == "email-known" }.isEmpty, "a false premise counts nowhere")
        #expect(aggregator.statistics.evaluations == 30 && aggregator.statistics.violations == 3)
        let points = new.points()
        #expect(points.map(\.name) == ["invariant.evaluations", "invariant.violations", "invariant.violation_ratio"])
        #expect(points.last?.value == 0.3)
    }

    /// Data that does not fit the rule is "not applicable", counted by rule and reason, never
    /// a violation; late spans are dropped and counted.
    @Test func notApplicableAndLateSpansAreCounted() {
        let rule = try! InvariantRule(name: "ratio", source: #"span.name == "PlaceOrder" => attr["order.total_cents"] / attr["missing"] > 0"#)
        let aggregator = SpanInvariantAggregator(rules: [rule])
        aggregator.ingest([Self.order(total: 1, sum: 1, version: "1", at: 0, id: 1)])
        #expect(aggregator.statistics.notApplicable[.init(rule: "ratio", reason: .missingAttribute)] == 1)
        #expect(aggregator.drainAll().isEmpty)
        let total = try! InvariantRule(name: "total", source: #"attr["order.total_cents"] >= 0"#)
        let late = SpanInvariantAggregator(rules: [total])
        late.ingest([Self.order(total: 1, sum: 1, version: "1", at: 100, id: 1)])
        _ = late.drainAll()
        late.ingest([Self.order(total: 1, sum: 1, version: "1", at: 0, id: 2)])
        #expect(late.statistics.lateSpans == 1)
    }

    /// A label explosion (a million distinct versions) stays within the series cap: the rest
    /// goes to the rule's overflow series.
    @Test func seriesAreBoundedByTheCardinalityGuard() {
        var configuration = SpanMetricsConfiguration()
        configuration.maxSeriesPerService = 10
        configuration.maxServices = 1
        let rule = try! InvariantRule(name: "total", source: #"attr["order.total_cents"] >= 0"#)
        let aggregator = SpanInvariantAggregator(rules: [rule], configuration: configuration)
        var spans: [Span] = []
        for i in 0..<50_000 { spans.append(Self.order(total: 1, sum: 1, version: "v\(i)", at: 0, id: UInt64(i + 1))) }
        aggregator.ingest(spans)
        let records = aggregator.drainAll()
        #expect(records.count == 11)
        let overflow = records.first { $0.isOverflow }
        #expect(overflow?.count == 50_000 - 10)
        #expect(overflow?.label("otel.metric.overflow") == "true")
        #expect(aggregator.statistics.overflowSpans == 50_000 - 10)
    }
}
