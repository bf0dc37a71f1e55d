@testable import ForeshockTelemetry
import ForeshockTestSupport
import Testing

// MARK: - Helpers

/// The repository's sibling `shared/formats` folder, found from this file's path.
private func formatsPath(_ relative: String) -> String {
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)
    return components.joined(separator: "/") + "/../shared/formats/" + relative
}

/// The bytes of a sample file.
func sampleBytes(_ relative: String) throws -> [UInt8] {
    let path = formatsPath(relative)
    guard let file = fopen(path, "rb") else {
        Issue.record("cannot open \(path)")
        return []
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, file)
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fields that a decode → encode → decode round trip must preserve.
private func sameSpan(_ a: Span, _ b: Span) -> Bool {
    a.traceID == b.traceID && a.spanID == b.spanID && a.parentSpanID == b.parentSpanID && a.name == b.name
        && a.kind == b.kind && a.startNanos == b.startNanos && a.endNanos == b.endNanos && a.status == b.status
        && a.statusMessage == b.statusMessage && a.attributes == b.attributes && a.scopeName == b.scopeName
        && a.resource.attributes == b.resource.attributes
}

// MARK: - OTLP JSON samples

@Test func otlpJSONProtoExampleDecodesEveryField() throws {
    var decoder = OTLPJSONDecoder()
    let batch = try decoder.decode(try sampleBytes("otlp-json/opentelemetry-proto.examples.trace.json"), source: "trace.json")
    #expect(batch.rejected == 0)
    #expect(batch.spans.count == 1)
    let span = try #require(batch.spans.first)
    #expect(span.traceID == TraceID(hex: "5b8efff798038103d269b633813fc60c"))
    #expect(span.spanID == SpanID(hex: "eee19b7ec3c1b174"))
    #expect(span.parentSpanID == SpanID(hex: "EEE19B7EC3C1B173"))
    #expect(span.name == "I'm a server span")
    #expect(span.kind == .server)
    #expect(span.startNanos == 1_544_712_660_000_000_000)
    #expect(span.durationNanos == 1_000_000_000)
    #expect(span.serviceName == "my.service")
    #expect(span.scopeName == "my.library")
    #expect(span.attribute("my.span.attr") == .string("some value"))
}

@Test func collectorFileExporterLinesDecodeWithEmptyIdsAndErrorStatus() throws {
    var decoder = OTLPJSONDecoder()
    let batch = decoder.decodeLines(try sampleBytes("otlp-json/otel-spec.file-exporter.traces.jsonl"), source: "traces.jsonl")
    #expect(batch.rejected == 0)
    #expect(batch.spans.count == 8)                 // 4 lines × 2 spans
    #expect(batch.spans.allSatisfy { $0.traceID.isZero && $0.spanID.isZero })
    #expect(batch.spans.filter { $0.status == .error }.count == 4)
    #expect(batch.spans.first?.statusMessage == "status-cancelled")
    #expect(batch.spans.first?.resource.attribute("resource-attr") == .string("resource-attr-val-1"))
    #expect(batch.spans.first?.serviceName == "unknown_service")
}

@Test func otlpJSONAcceptsEnumNamesNumbersAsIntsAndSnakeCase() throws {
    let text = """
    {"resource_spans":[{"scopeSpans":[{"spans":[{"trace_id":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708",
     "name":"x","kind":"SPAN_KIND_CLIENT","startTimeUnixNano":1000,"endTimeUnixNano":"3000",
     "status":{"code":"STATUS_CODE_ERROR"},"attributes":[{"key":"n","value":{"intValue":"42"}},
     {"key":"d","value":{"doubleValue":"NaN"}},{"key":"a","value":{"arrayValue":{"values":[{"boolValue":true}]}}},
     {"key":"b","value":{"bytesValue":"AAAwOQ=="}},{"key":"e\\u00e9","value":{"stringValue":"caf\\u00e9 \\ud83d\\ude00"}}]}],
     "scope":{"name":"late-scope"}}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]}}]}
    """
    var decoder = OTLPJSONDecoder()
    let batch = try decoder.decode(text: text)
    #expect(batch.rejected == 0)
    let span = try #require(batch.spans.first)
    #expect(span.kind == .client && span.status == .error)
    #expect(span.durationNanos == 2000)
    #expect(span.serviceName == "svc")                 // resource after scopeSpans
    #expect(span.scopeName == "late-scope")            // scope after spans
    #expect(span.attribute("n") == .int(42))
    #expect(span.attribute("a") == .array([.bool(true)]))
    #expect(span.attribute("b") == .bytes([0, 0, 48, 57]))
    #expect(span.attribute("eé") == .string("café 😀"))
    if case let .double(value)? = span.attribute("d") { #expect(value.isNaN) } else { Issue.record("d not a double") }
}

// MARK: - Protobuf

@Test func protobufRoundTripsEverySampleSpan() throws {
    var json = OTLPJSONDecoder()
    var jaeger = JaegerJSONDecoder()
    var zipkin = ZipkinJSONDecoder()
    var spans = try json.decode(try sampleBytes("otlp-json/opentelemetry-proto.examples.trace.json")).spans
    spans += json.decodeLines(try sampleBytes("otlp-json/otel-spec.file-exporter.traces.jsonl")).spans
    spans += try jaeger.decode(try sampleBytes("jaeger-json/jaeger-ui.testTraceNormal.petclinic.json")).spans
    spans += try zipkin.decode(try sampleBytes("zipkin-v2-json/zipkin-lens.smartthings-oauth-authorization.json")).spans
    #expect(spans.count > 180)
    let bytes = OTLPProtobufEncoder.encode(spans)
    var decoder = OTLPProtobufDecoder()
    let decoded = try decoder.decode(bytes, source: "roundtrip.pb")
    #expect(decoded.rejected == 0)
    #expect(decoded.spans.count == spans.count)
    // The encoder groups by resource: compare as multisets keyed by (span id, start, name).
    func key(_ s: Span) -> String { "\(s.traceID)/\(s.spanID)/\(s.startNanos)/\(s.name)/\(s.serviceName)" }
    let original = Dictionary(grouping: spans, by: key)
    for span in decoded.spans {
        let candidates = original[key(span)] ?? []
        #expect(candidates.contains { sameSpan($0, span) }, "no original for \(key(span))")
    }
}

@Test func protobufSkipsUnknownFieldsAndEventsAndFindsResourceAfterSpans() throws {
    let resource = SpanResource(attributes: [SpanAttribute("service.name", .string("a"))])
    let span = Span(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), name: "op", kind: .server,
                    startNanos: 10, endNanos: 20, resource: resource)
    // resourceSpans { scopeSpans (with an unknown varint field 99 in the span), resource }
    var spanBytes = OTLPProtobufEncoder.encode(span)
    OTLPProtobufEncoder.varint(99 << 3, into: &spanBytes)
    OTLPProtobufEncoder.varint(7, into: &spanBytes)
    var scope: [UInt8] = []
    OTLPProtobufEncoder.message(2, spanBytes, into: &scope)
    var resourceSpans: [UInt8] = []
    OTLPProtobufEncoder.message(2, scope, into: &resourceSpans)
    var resourceMessage: [UInt8] = []
    OTLPProtobufEncoder.message(1, OTLPProtobufEncoder.keyValue(SpanAttribute("service.name", .string("a"))), into: &resourceMessage)
    OTLPProtobufEncoder.message(1, resourceMessage, into: &resourceSpans)
    var request: [UInt8] = []
    OTLPProtobufEncoder.message(1, resourceSpans, into: &request)
    let batch = try OTLPProtobufDecoder.decode(request)
    #expect(batch.spans.count == 1)
    #expect(batch.spans.first?.serviceName == "a")
    #expect(batch.spans.first?.durationNanos == 10)
}

@Test func protobufRejectsBadSpansAndKeepsGoodOnes() throws {
    let resource = SpanResource(attributes: [])
    var good = Span(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), name: "ok", startNanos: 10, endNanos: 20, resource: resource)
    var scope: [UInt8] = []
    OTLPProtobufEncoder.message(2, OTLPProtobufEncoder.encode(good), into: &scope)
    // A span whose trace id has 5 bytes.
    var bad: [UInt8] = []
    OTLPProtobufEncoder.message(1, [1, 2, 3, 4, 5], into: &bad)
    OTLPProtobufEncoder.fixed64(7, 10, into: &bad)
    OTLPProtobufEncoder.fixed64(8, 20, into: &bad)
    OTLPProtobufEncoder.message(2, bad, into: &scope)
    // A span that ends before it starts.
    good.endNanos = 5
    OTLPProtobufEncoder.message(2, OTLPProtobufEncoder.encode(good), into: &scope)
    var resourceSpans: [UInt8] = []
    OTLPProtobufEncoder.message(2, scope, into: &resourceSpans)
    var request: [UInt8] = []
    OTLPProtobufEncoder.message(1, resourceSpans, into: &request)
    let batch = try OTLPProtobufDecoder.decode(request, source: "req.pb")
    #expect(batch.spans.count == 1)
    #expect(batch.rejected == 2)
    let first = try #require(batch.errors.first?.description)
    #expect(first.hasPrefix("req.pb: resourceSpans[0].scopeSpans[0].spans[1].traceId: 5 bytes, expected 16 (or 0) at byte"))
    #expect(batch.errors.last?.description.contains("spans[2].endTimeUnixNano") == true)
}

@Test func protobufTruncatedRequestThrowsWithOffset() throws {
    let resource = SpanResource(attributes: [])
    let span = Span(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), name: "ok", startNanos: 10, endNanos: 20, resource: resource)
    let bytes = OTLPProtobufEncoder.encode([span])
    do {
        _ = try OTLPProtobufDecoder.decode(Array(bytes.dropLast(3)), source: "cut.pb")
        Issue.record("expected an error")
    } catch {
        #expect(error.description.hasPrefix("cut.pb: resourceSpans[0]: length"))
        #expect(error.description.contains("at byte"))
    }
}

// MARK: - Jaeger

@Test func jaegerEnvelopeAndBareTracesDecode() throws {
    var decoder = JaegerJSONDecoder()
    let envelope = try decoder.decode(try sampleBytes("jaeger-json/jaeger-ui.2992f2a5b5d037a8aabffd08ef384237.api-traces-response.json"))
    #expect(envelope.spans.count == 2 && envelope.rejected == 0)
    let thread = try #require(envelope.spans.first { $0.name == "thread" })
    #expect(thread.parentSpanID == SpanID(hex: "ea7cfaca83f0724b"))      // FOLLOWS_FROM in the same trace
    #expect(thread.serviceName == "issue115")
    #expect(thread.startNanos == 1_509_533_706_521_220_000 && thread.durationNanos == 1_173_000)

    let petclinic = try decoder.decode(try sampleBytes("jaeger-json/jaeger-ui.testTraceNormal.petclinic.json"))
    #expect(petclinic.rejected == 0 && petclinic.spans.count > 3)
    #expect(petclinic.spans.contains { $0.kind == .server && $0.name == "GET /owners/8/pets/10" })
}

@Test func jaegerNastyFixtureKeepsDuplicatesTypesAndCrossTraceReferences() throws {
    var decoder = JaegerJSONDecoder()
    let batch = try decoder.decode(try sampleBytes("jaeger-json/jaeger.fixture.ui_01.json"), source: "ui_01.json")
    #expect(batch.rejected == 0)
    #expect(batch.spans.count == 5)                       // the duplicate spanID is kept
    let tagged = try #require(batch.spans.first { $0.name == "some-operation" && !$0.attributes.isEmpty })
    #expect(tagged.status == .error)                      // error=true tag
    #expect(tagged.attribute("javascript_limit") == .int(9_223_372_036_854_775_222))
    #expect(tagged.attribute("temperature") == .double(72.5))
    #expect(tagged.attribute("blob") == .bytes([0, 0, 48, 57]))
    #expect(tagged.serviceName == "service-x")
    let reference = try #require(batch.spans.first { $0.name == "reference-test" })
    #expect(reference.parentSpanID == SpanID(2))          // the cross-trace CHILD_OF is skipped
    #expect(reference.serviceName == "service-y")
}

// MARK: - Zipkin

@Test func zipkinSamplesDecodeAndSharedSpansBecomeClientServerPairs() throws {
    var decoder = ZipkinJSONDecoder()
    for name in ["zipkin-lens.yelp.json", "zipkin-lens.messaging-kafka.json", "zipkin-lens.smartthings-oauth-authorization.json"] {
        let batch = try decoder.decode(try sampleBytes("zipkin-v2-json/" + name), source: name)
        #expect(batch.spans.count + batch.rejected > 10, "\(name)")
        #expect(batch.rejected == 0, "\(name): \(batch.errors)")
    }
    let skew = try decoder.decode(try sampleBytes("zipkin-v2-json/zipkin-lens.skew.json"))
    #expect(skew.spans.count == 4)
    let server = try #require(skew.spans.first { $0.kind == .server && $0.serviceName == "serviceb" })
    let client = try #require(skew.spans.first { $0.kind == .client })
    #expect(server.spanID == SpanID(hex: "74280ae0c10d8062"))
    #expect(client.spanID != server.spanID)
    #expect(server.parentSpanID == client.spanID)
    #expect(skew.spans.first { $0.name == "async" }?.parentSpanID == server.spanID)
}

@Test func zipkinKeepsIncompleteSpansAndRejectsBadIds() throws {
    let text = """
    [{"traceId":"1e223ff1f80f1c69","id":"43210ae0c10d1234","name":"ok","timestamp":10,"duration":5,"localEndpoint":{"serviceName":"a"},"tags":{"error":"boom","http.status_code":"500"}},
     {"traceId":"1e223ff1f80f1c69","id":"43210ae0c10d1235","name":"no-duration","timestamp":10},
     {"traceId":"xyz","id":"43210ae0c10d1236","name":"bad-id","timestamp":10,"duration":1}]
    """
    var decoder = ZipkinJSONDecoder()
    let batch = try decoder.decode(Array(text.utf8), source: "z.json")
    #expect(batch.spans.count == 2 && batch.rejected == 1)
    #expect(batch.spans.first?.status == .error && batch.spans.first?.statusMessage == "boom")
    #expect(batch.spans.last?.durationNanos == 0)       // incomplete span: kept, zero duration
    #expect(batch.errors.map(\.description).contains { $0.hasPrefix("z.json:3: spans[2]: traceId: expected 32 hex digits") })
}

// MARK: - Malformed JSON

@Test func jsonSyntaxErrorsNameLineAndByte() {
    var decoder = OTLPJSONDecoder()
    do {
        _ = try decoder.decode(text: "{\"resourceSpans\": [\n {\"scopeSpans\": [}]}", source: "bad.json")
        Issue.record("expected an error")
    } catch {
        #expect(error.line == 2)
        #expect(error.description.hasPrefix("bad.json:2: expected a value, found '}' (byte"))
    }
}

@Test func jsonLinesKeepGoodLinesAndCountBadOnes() throws {
    let good = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"0000000000000001","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#
    let text = good + "\n{\"resourceSpans\": [{\"spanId\": \n" + good + "\n\n"
    var decoder = OTLPJSONDecoder()
    let batch = decoder.decodeLines(Array(text.utf8), source: "x.jsonl")
    #expect(batch.spans.count == 2)
    #expect(batch.rejected == 1)
    #expect(batch.errors.first?.line == 2)
}

@Test func deeplyNestedJSONIsRejectedNotRecursedForever() {
    let text = String(repeating: "[", count: 100_000)
    var decoder = JaegerJSONDecoder()
    #expect(throws: InputError.self) { _ = try decoder.decode(Array(text.utf8)) }
}

// MARK: - Fuzz


@Test func randomAndMutatedBytesNeverCrashAnyDecoder() throws {
    var rng = SplitMix64(seed: 42)
    let seeds: [[UInt8]] = [
        try sampleBytes("otlp-json/opentelemetry-proto.examples.trace.json"),
        try sampleBytes("jaeger-json/jaeger.fixture.ui_01.json"),
        try sampleBytes("zipkin-v2-json/zipkin-lens.skew.json"),
        OTLPProtobufEncoder.encode(try OTLPJSONDecoder().decodeCopy(try sampleBytes("otlp-json/opentelemetry-proto.examples.trace.json"))),
    ]
    var protobuf = OTLPProtobufDecoder()
    var json = OTLPJSONDecoder()
    var jaeger = JaegerJSONDecoder()
    var zipkin = ZipkinJSONDecoder()
    var decodedSomething = 0
    for round in 0..<3000 {
        var bytes: [UInt8]
        if round % 3 == 0 {
            bytes = (0..<Int.random(in: 0..<300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        } else {
            bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...8, using: &rng) where !bytes.isEmpty {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: i)
                default: bytes.insert(bytes[Int.random(in: 0..<bytes.count, using: &rng)], at: i)
                }
            }
        }
        if let batch = try? protobuf.decode(bytes) { decodedSomething += batch.spans.count }
        if let batch = try? json.decode(bytes) { decodedSomething += batch.spans.count }
        decodedSomething += json.decodeLines(bytes).spans.count
        if let batch = try? jaeger.decode(bytes) { decodedSomething += batch.spans.count }
        if let batch = try? zipkin.decode(bytes) { decodedSomething += batch.spans.count }
    }
    #expect(decodedSomething > 0)
}

extension OTLPJSONDecoder {
    /// Decodes with a copy of the decoder (for use in expressions).
    func decodeCopy(_ bytes: [UInt8]) throws -> [Span] {
        var copy = self
        return try copy.decode(bytes).spans
    }
}
