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
}
