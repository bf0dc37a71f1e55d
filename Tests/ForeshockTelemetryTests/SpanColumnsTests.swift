@testable import ForeshockTelemetry
import Testing

/// ``SpanColumns``: the protobuf decoder's columns, the conversion from ``Span`` values and back,
/// and the metrics the aggregator derives from them.
@Suite struct SpanColumnsTests {
    private static let second: Int64 = 1_000_000_000
    private static let epoch: Int64 = 1_704_067_200 * second

    private static func spans() -> [Span] {
        let shop = SpanResource(attributes: [SpanAttribute("service.name", .string("shop")),
                                             SpanAttribute("service.version", .string("1.2"))])
        let pay = SpanResource(attributes: [SpanAttribute("service.name", .string("pay")), SpanAttribute("weight", .double(0.5))])
        let values: [AttributeValue] = [
            .string(""), .string("GET"), .string("ünïcødé ✓"), .string(String(repeating: "long value ", count: 20)),
            .bool(true), .bool(false), .int(0), .int(-42), .int(.max), .double(-0.0), .double(3.25), .double(.infinity),
            .bytes([0, 1, 255]), .array([.int(1), .string("two"), .array([])]),
            .keyValueList([SpanAttribute("inner", .bool(true)), SpanAttribute("list", .array([.double(1.5)]))]),
        ]
        return (0..<40).map { i in
            let attributes = (0..<(i % 6)).map { k in SpanAttribute("key\(k)", values[(i * 7 + k) % values.count]) }
            return Span(traceID: TraceID(high: UInt64(i / 8), low: UInt64(i) &* 0x9E37_79B9), spanID: SpanID(UInt64(i + 1)),
                        parentSpanID: i % 3 == 0 ? .zero : SpanID(UInt64(i)), name: i % 5 == 0 ? "" : "op \(i % 4)",
                        kind: SpanKind(rawValue: UInt8(i % 6)) ?? .internal, startNanos: epoch + Int64(i) * second,
                        endNanos: epoch + Int64(i) * second + Int64(i) * 1_000, status: SpanStatusCode(rawValue: UInt8(i % 3)) ?? .unset,
                        statusMessage: i % 3 == 2 ? "failed: \(i)" : "", attributes: attributes, resource: i % 2 == 0 ? shop : pay,
                        scopeName: i < 20 ? "scope.a" : "")
        }
    }

    /// Every field of `a` and `b`, the resource by identity or by attributes.
    private static func same(_ a: Span, _ b: Span, sameResource: Bool) -> Bool {
        a.traceID == b.traceID && a.spanID == b.spanID && a.parentSpanID == b.parentSpanID && a.name == b.name && a.kind == b.kind
            && a.startNanos == b.startNanos && a.endNanos == b.endNanos && a.status == b.status && a.statusMessage == b.statusMessage
            && a.attributes == b.attributes && a.scopeName == b.scopeName
            && (sameResource ? a.resource === b.resource : a.resource.attributes == b.resource.attributes)
    }

    @Test func spansRoundTripThroughColumns() {
        let spans = Self.spans()
        let back = SpanColumns(spans: spans).makeSpans()
        #expect(back.count == spans.count)
        #expect(zip(spans, back).allSatisfy { Self.same($0, $1, sameResource: true) })
    }

    @Test func protobufColumnsHoldEverySpanAndValue() throws {
        let spans = Self.spans()
        var decoder = OTLPProtobufDecoder()
        let columns = try decoder.decodeColumns(OTLPProtobufEncoder.encode(spans))
        #expect(columns.count == spans.count && columns.rejected == 0)
        // The encoder groups spans by resource, so compare as sets keyed by span id.
        let decoded = Dictionary(uniqueKeysWithValues: columns.makeSpans().map { ($0.spanID, $0) })
        for span in spans {
            let other = try #require(decoded[span.spanID])
            #expect(Self.same(span, other, sameResource: false), "span \(span.spanID)")
        }
        #expect(columns.latestEndNanos == spans.map(\.endNanos).max())
    }

    @Test func aRejectedSpanLeavesNoAttributesBehind() throws {
        let resource = SpanResource(attributes: [])
        func span(_ id: UInt64, _ key: String, end: Int64 = 20) -> Span {
            Span(traceID: TraceID(high: 1, low: 2), spanID: SpanID(id), name: "s\(id)", startNanos: 10, endNanos: end,
                 attributes: [SpanAttribute(key, .string(key + "-value")), SpanAttribute(key + ".list", .array([.int(Int64(id))]))],
                 resource: resource)
        }
        var scope: [UInt8] = []
        for item in [span(1, "first"), span(2, "rejected", end: 5), span(3, "third")] {
            OTLPProtobufEncoder.message(2, OTLPProtobufEncoder.encode(item), into: &scope)
        }
        var resourceSpans: [UInt8] = []
        OTLPProtobufEncoder.message(2, scope, into: &resourceSpans)
        var request: [UInt8] = []
        OTLPProtobufEncoder.message(1, resourceSpans, into: &request)
        var decoder = OTLPProtobufDecoder()
        let columns = try decoder.decodeColumns(request, source: "r.pb")
        #expect(columns.rejected == 1)
        #expect(columns.errors.first?.description.contains("spans[1].endTimeUnixNano") == true)
        let kept = columns.makeSpans()
        #expect(kept.map(\.name) == ["s1", "s3"])
        #expect(kept.map { $0.attributes.map(\.key) } == [["first", "first.list"], ["third", "third.list"]])
        #expect(kept[1].attributes[1].value == .array([.int(3)]))
    }

    @Test func integerStatusesInStringsAreReadLikeInt64Init() throws {
        // `http.response.status_code` as a string (Zipkin, some Jaeger clients): parsed exactly
        // as `Int64(String)` does, so only well-formed decimals make a 5xx.
        let resource = SpanResource(attributes: [SpanAttribute("service.name", .string("s"))])
        let texts = ["503", "+503", "-503", "0503", "503 ", " 503", "5o3", "", "+", "-", "9223372036854775807",
                     "9223372036854775808", "-9223372036854775808", "500.0", "499"]
        let spans = texts.enumerated().map { index, text in
            Span(traceID: TraceID(high: 1, low: 1), spanID: SpanID(UInt64(index + 1)), name: "t\(index)",
                 startNanos: Self.epoch, endNanos: Self.epoch + 1_000, attributes: [SpanAttribute("http.response.status_code", .string(text))],
                 resource: resource)
        }
        let aggregator = SpanMetricsAggregator()
        aggregator.ingest(spans)
        let errors = Dictionary(aggregator.drainAll().filter { $0.kind == .operation }.map {
            ($0.labels.first { $0.name == "operation" }?.value ?? "", $0.errors)
        }, uniquingKeysWith: +)
        for (index, text) in texts.enumerated() {
            let expected = (Int64(text) ?? 0) >= 500 ? 1 : 0
            #expect(errors["t\(index)"] == expected, "\(text)")
        }
    }

    @Test func integerAndBooleanDimensionsAreLabelledInDecimalAndWords() throws {
        var configuration = SpanMetricsConfiguration()
        configuration.dimensions = ["service.version", "feature.on", "weight"]
        configuration.redaction.allowedAttributes.formUnion(["feature.on", "weight"])
        let resource = SpanResource(attributes: [SpanAttribute("service.name", .string("s")),
                                                 SpanAttribute("service.version", .string("from-resource")),
                                                 SpanAttribute("weight", .string("heavy"))])
        let attributeSets: [[SpanAttribute]] = [
            [SpanAttribute("service.version", .int(-42)), SpanAttribute("feature.on", .bool(true))],
            [SpanAttribute("service.version", .int(Int64.min)), SpanAttribute("feature.on", .bool(false))],
            // A double is no label: the resource's value stays.
            [SpanAttribute("weight", .double(2.5))],
            // The last attribute with a label text wins.
            [SpanAttribute("service.version", .string("a")), SpanAttribute("service.version", .string("b"))],
        ]
        let spans = attributeSets.enumerated().map { index, attributes in
            Span(traceID: TraceID(high: 1, low: 1), spanID: SpanID(UInt64(index + 1)), name: "op", startNanos: Self.epoch,
                 endNanos: Self.epoch + 1_000, attributes: attributes, resource: resource)
        }
        var decoder = OTLPProtobufDecoder()
        for columns in [SpanColumns(spans: spans), try decoder.decodeColumns(OTLPProtobufEncoder.encode(spans))] {
            let aggregator = SpanMetricsAggregator(configuration: configuration)
            aggregator.ingest(columns)
            let labels = Set(aggregator.drainAll().filter { $0.kind == .operation }.map { record in
                record.labels.filter { ["service.version", "feature.on", "weight"].contains($0.name) }.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
            })
            #expect(labels == [
                "feature.on=true,service.version=-42,weight=heavy",
                "feature.on=false,service.version=-9223372036854775808,weight=heavy",
                "service.version=from-resource,weight=heavy",
                "service.version=b,weight=heavy",
            ])
        }
    }

    /// A request of `spans` (one resource, one scope), optionally with an unknown field of
    /// `padding` bytes in each span.
    private static func request(_ spans: [Span], padding: Int = 0) -> [UInt8] {
        var scope: [UInt8] = []
        for span in spans {
            var encoded = OTLPProtobufEncoder.encode(span)
            if padding > 0 { OTLPProtobufEncoder.message(99, [UInt8](repeating: 7, count: padding), into: &encoded) }
            OTLPProtobufEncoder.message(2, encoded, into: &scope)
        }
        var resource: [UInt8] = []
        OTLPProtobufEncoder.message(1, Array("service.name".utf8).keyValue(string: "s"), into: &resource)
        var resourceSpans: [UInt8] = []
        OTLPProtobufEncoder.message(1, resource, into: &resourceSpans)
        OTLPProtobufEncoder.message(2, scope, into: &resourceSpans)
        var request: [UInt8] = []
        OTLPProtobufEncoder.message(1, resourceSpans, into: &request)
        return request
    }

    @Test func invalidUTF8IsRepairedLikeStrings() throws {
        // Two names that differ only in invalid bytes are one operation, "GET \u{FFFD}", as
        // their strings are; a rule on the repaired name matches them.
        let resource = SpanResource(attributes: [])
        let base = Span(traceID: TraceID(high: 1, low: 1), spanID: SpanID(1), name: "GET ?", startNanos: Self.epoch,
                        endNanos: Self.epoch + 1_000, resource: resource)
        var bytes = Self.request([base, base, base])
        let marker = Array("GET ?".utf8)
        var replaced = 0
        // 0xFF and 0xFE never occur in UTF-8; 0xC3 starts a sequence that "?" does not continue.
        for invalid: UInt8 in [0xFF, 0xFE, 0xC3] {
            let at = try #require(Self.find(marker, in: bytes, from: replaced))
            bytes[at + 4] = invalid
            replaced = at + 5
        }
        var decoder = OTLPProtobufDecoder()
        let columns = try decoder.decodeColumns(bytes)
        #expect(columns.makeSpans().map(\.name) == Array(repeating: "GET \u{FFFD}", count: 3))
        let aggregator = SpanMetricsAggregator()
        let rules = SpanInvariantAggregator(rules: [try InvariantRule(name: "r", source: #"span.name == "GET \#u{FFFD}" => span.duration_ms < 1"#)])
        aggregator.ingest(columns, checking: rules)
        let operations = aggregator.drainAll().filter { $0.kind == .operation }
        #expect(operations.count == 1 && operations.first?.count == 3)
        #expect(operations.first?.labels.contains(MetricLabel("operation", "GET \u{FFFD}")) == true)
        #expect(rules.statistics.evaluations == 3)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in start...(haystack.count - needle.count) where Array(haystack[i ..< i + needle.count]) == needle { return i }
        return nil
    }

    @Test func aSparseRequestDoesNotStayAliveInItsColumns() throws {
        // A span with 200 KB of a field the decoder skips: the columns keep their texts, not
        // the request. A dense request is shared as it is.
        let resource = SpanResource(attributes: [])
        let span = Span(traceID: TraceID(high: 1, low: 1), spanID: SpanID(1), name: "op", startNanos: Self.epoch,
                        endNanos: Self.epoch + 1_000, attributes: [SpanAttribute("k", .string("v"))], resource: resource)
        var decoder = OTLPProtobufDecoder()
        let sparse = Self.request([span], padding: 200_000)
        let columns = try decoder.decodeColumns(sparse)
        #expect(columns.text.count < 64)
        // Nor the columns reserved for the spans a request of that size could have held.
        #expect(columns.attributeKeys.capacity < 2_048 && columns.names.capacity < 2_048)
        let kept = try #require(columns.makeSpans().first)
        #expect(kept.name == "op" && kept.attributes == [SpanAttribute("k", .string("v"))] && kept.resource.serviceName == "s")
        var named = span
        named.name = "GET /api/v1/orders/{order_id}/items"
        named.attributes = [SpanAttribute("http.route", .string("/api/v1/orders/{order_id}/items")),
                            SpanAttribute("user_agent.original", .string("Mozilla/5.0 (X11; Linux x86_64)"))]
        let dense = Self.request(Array(repeating: named, count: 2_000))
        #expect(try decoder.decodeColumns(dense).text.count == dense.count)
    }

    @Test func callEdgesCompareServicesNotResources() throws {
        // Two resources of one service (two versions) call each other: no edge; a call to
        // another service is one.
        let v1 = SpanResource(attributes: [SpanAttribute("service.name", .string("shop")), SpanAttribute("service.version", .string("1"))])
        let v2 = SpanResource(attributes: [SpanAttribute("service.name", .string("shop")), SpanAttribute("service.version", .string("2"))])
        let pay = SpanResource(attributes: [SpanAttribute("service.name", .string("pay"))])
        func span(_ id: UInt64, parent: UInt64, _ resource: SpanResource) -> Span {
            Span(traceID: TraceID(high: 9, low: 9), spanID: SpanID(id), parentSpanID: SpanID(parent), name: "op\(id)",
                 startNanos: Self.epoch, endNanos: Self.epoch + 1_000_000, resource: resource)
        }
        let aggregator = SpanMetricsAggregator()
        aggregator.ingest([span(1, parent: 0, v1), span(2, parent: 1, v2), span(3, parent: 1, pay), span(4, parent: 2, v1)])
        let edges = aggregator.drainAll().filter { $0.kind == .callEdge }
        #expect(edges.map { "\($0.labels.first { $0.name == "operation" }?.value ?? "")->\($0.labels.first { $0.name == "peer.service" }?.value ?? "")" } == ["op1->pay"])
    }
}

private extension [UInt8] {
    /// A `KeyValue` message with this key and a string value.
    func keyValue(string value: String) -> [UInt8] {
        var out: [UInt8] = []
        OTLPProtobufEncoder.message(1, self, into: &out)
        var any: [UInt8] = []
        OTLPProtobufEncoder.message(1, Array(value.utf8), into: &any)
        OTLPProtobufEncoder.message(2, any, into: &out)
        return out
    }
}
