import ForeshockTelemetry
import ForeshockTestSupport
import Testing

/// The three ways a rule is checked must agree: ``InvariantRule/evaluate(_:children:)`` alone
/// (attributes found by scanning), ``SpanInvariantAggregator/ingest(_:)`` (attributes found once
/// per span for all rules, series found by its own identity hash) and
/// ``SpanMetricsAggregator/ingest(_:checking:)`` (attribute positions and series identity
/// handed over from the metrics pass).
@Suite struct InvariantCheckingPathsTests {
    private static let second: Int64 = 1_000_000_000
    private static let epoch: Int64 = 1_704_067_200 * second

    /// Rules of every compiled shape: dedicated string and numeric comparisons (either operand
    /// first), string membership, `exists`, kind/status masks, resource attributes, generic
    /// arithmetic, a scoped rule and one over children.
    private static let rules = [
        #"span.kind == "server" => attr["http.route"] exists"#,
        #"attr["http.request.method"] in ["GET", "POST"]"#,
        #"span.name == "GET /a" => span.duration_ms < 50"#,
        #"attr["tokens"] <= 500 when attr["model"] exists"#,
        #"100 <= attr["http.response.status_code"] and attr["http.response.status_code"] < 500"#,
        #"attr["order.total"] == attr["order.items"] * 2"#,
        #"resource["deployment.environment.name"] == "production" => attr["code.origin"] != "unknown""#,
        #"span.status == "error" => attr["http.response.status_code"] >= 500"#,
        #"span.name == "GET /b" => count(children) == 0 or any(children, attr["http.route"] exists)"#,
        #"attr["code.origin"] in ["ai", "human"] when attr["service.version"] exists"#,
    ].enumerated().map { try! InvariantRule(name: "rule\($0.offset)", source: $0.element) }

    /// Spans with attributes drawn at random: present or missing, of the expected type or not
    /// (numbers as strings, booleans, doubles, NaN), duplicated keys, dimensions on the span,
    /// on the resource or on both, empty values, and parents with children in the batch.
    private static func spans(seed: UInt64, count: Int) -> [Span] {
        var random = SplitMix64(seed: seed)
        func pick<T>(_ options: [T]) -> T { options[Int(random.next() % UInt64(options.count))] }
        let resources = ["production", "staging"].flatMap { environment in
            ["1.0", "2.0", ""].map { version in
                SpanResource(attributes: [
                    SpanAttribute("service.name", .string(pick(["cart", "pay"]))),
                    SpanAttribute("deployment.environment.name", .string(environment)),
                    SpanAttribute("service.version", .string(version)),
                ])
            }
        }
        let values: [String: [AttributeValue?]] = [
            "http.route": [nil, .string("/a"), .string("/b")],
            "http.request.method": [nil, .string("GET"), .string("POST"), .string("PUT"), .int(3)],
            "tokens": [nil, .int(10), .int(900), .double(.nan), .string("12")],
            "model": [nil, .string("m1"), .bool(true)],
            "http.response.status_code": [nil, .int(200), .int(503), .double(99.5), .string("200")],
            "order.total": [nil, .int(10), .int(12), .double(12.0)],
            "order.items": [nil, .int(5), .int(6), .int(Int64.max)],
            "code.origin": [nil, .string("ai"), .string("human"), .string("unknown"), .string("")],
            "service.version": [nil, .string("3.0"), .int(4), .string("")],
        ]
        var out: [Span] = []
        for index in 0..<count {
            var attributes: [SpanAttribute] = []
            for key in values.keys.sorted() {
                if let value = pick(values[key] ?? []) { attributes.append(SpanAttribute(key, value)) }
            }
            if random.next() % 8 == 0, let first = attributes.first {
                attributes.append(SpanAttribute(first.key, .string("duplicate")))
            }
            attributes.shuffle(using: &random)
            let isChild = index > 0 && random.next() % 3 == 0
            let end = epoch + Int64(random.next() % 30) * second
            out.append(Span(traceID: TraceID(high: 1, low: UInt64(index / 4)), spanID: SpanID(UInt64(index + 1)),
                            parentSpanID: isChild ? SpanID(UInt64(index)) : .zero, name: pick(["GET /a", "GET /b", "POST /c"]),
                            kind: pick([.server, .client, .internal]), startNanos: end - Int64(random.next() % 100) * 1_000_000,
                            endNanos: end, status: pick([.unset, .ok, .error]), attributes: attributes, resource: pick(resources)))
        }
        return out
    }

    /// The fields of a record that must agree.
    private static func summary(_ records: [WindowMetrics]) -> [String] {
        records.map { record in
            let labels = record.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
            let exemplars = record.exemplars.map { "\($0.spanID)" }.joined(separator: ",")
            return "\(record.windowStart) \(labels) \(record.count)/\(record.errors) [\(exemplars)]"
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func allCheckingPathsAgree(seed: UInt64) {
        var configuration = SpanMetricsConfiguration()
        configuration.dimensions.append("code.origin") // listed twice: labels it once
        let batch = Self.spans(seed: seed, count: 3_000)

        let standalone = SpanInvariantAggregator(rules: Self.rules, configuration: configuration)
        standalone.ingest(batch)
        let fusedInvariants = SpanInvariantAggregator(rules: Self.rules, configuration: configuration)
        SpanMetricsAggregator(configuration: configuration).ingest(SpanColumns(spans: batch), checking: fusedInvariants)

        // The reference: each rule on each span, children found by parent id in the batch.
        var evaluations = 0, violations = 0
        var skipped: [InvariantStatistics.Skip: Int] = [:]
        let children = Dictionary(grouping: batch.filter { !$0.parentSpanID.isZero }, by: \.parentSpanID)
        for span in batch {
            for rule in Self.rules {
                switch rule.evaluate(span, children: children[span.spanID] ?? []) {
                case .holds: evaluations += 1
                case .violated: evaluations += 1; violations += 1
                case .notApplicable(.premiseFalse): break
                case let .notApplicable(reason): skipped[.init(rule: rule.name, reason: reason), default: 0] += 1
                }
            }
        }
        #expect(standalone.statistics.evaluations == evaluations && standalone.statistics.violations == violations)
        #expect(standalone.statistics.notApplicable == skipped)
        #expect(violations > 0 && !skipped.isEmpty, "the data exercises both verdicts and skips")
        #expect(fusedInvariants.statistics == standalone.statistics)

        let records = standalone.drainAll()
        #expect(records.allSatisfy { Set($0.labels.map(\.name)).count == $0.labels.count })
        let expected = Self.summary(records)
        #expect(expected.count > 50, "several series per rule")
        #expect(Self.summary(fusedInvariants.drainAll()) == expected)
    }
}
