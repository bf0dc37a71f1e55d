@testable import ForeshockTelemetry
import Testing

private func intern(_ interner: inout StringInterner, _ text: String) -> String {
    Array(text.utf8).withUnsafeBytes { interner.string($0) }
}

/// Many distinct strings (more than the slots, so they collide and compete for slots) always
/// come back with their own content, however often they repeat and in whatever order.
@Test func internerReturnsTheRightStringUnderCollisionsAndEviction() {
    var interner = StringInterner()
    let texts = (0..<(StringInterner.slotCount * 3)).map { "/api/v1/resource\($0 % 24)/\($0 * 7919)" }
        + ["GET", "", "é✓ ünïcode", String(repeating: "x", count: StringInterner.maxLength),
           String(repeating: "y", count: StringInterner.maxLength + 1)]
    for round in 0..<3 {
        for (i, text) in texts.enumerated() where (i + round) % 2 == 0 || round == 2 {
            #expect(intern(&interner, text) == text)
        }
    }
    // Repeated values are admitted on their second miss and then served from the cache.
    for _ in 0..<3 { #expect(intern(&interner, "http.request.method") == "http.request.method") }
}

/// A copy of an interner (a copied decoder) keeps working on its own cache.
@Test func copiedInternersAreIndependent() {
    var first = StringInterner()
    #expect(intern(&first, "service.name") == "service.name")
    var second = first
    #expect(intern(&second, "service.name") == "service.name")
    #expect(intern(&second, "other.key") == "other.key")
    #expect(intern(&first, "service.name") == "service.name")
    #expect(intern(&first, "other.key") == "other.key")
}

/// Decoding the same payload twice with one decoder (interned strings reused) gives the same
/// spans as a fresh decoder, and deriving from both counts the same.
@Test func reusedProtobufDecoderGivesIdenticalSpans() throws {
    let resource = SpanResource(attributes: [SpanAttribute("service.name", .string("svc"))])
    let start: Int64 = 1_704_067_200_000_000_000
    var spans: [Span] = []
    for i in 0..<500 {
        var attributes: [SpanAttribute] = []
        for k in 0..<(i % 12) { attributes.append(SpanAttribute("key" + String(k), .string("value" + String(i * k)))) }
        let parent: SpanID = i % 5 == 0 ? .zero : SpanID(UInt64(i - i % 5 + 1))
        let end: Int64 = start + Int64(i) * 1000
        spans.append(Span(traceID: TraceID(high: 1, low: UInt64(i / 5)), spanID: SpanID(UInt64(i + 1)), parentSpanID: parent,
                          name: "op" + String(i % 7), startNanos: start, endNanos: end, attributes: attributes, resource: resource))
    }
    let payload = OTLPProtobufEncoder.encode(spans)
    var decoder = OTLPProtobufDecoder()
    for _ in 0..<3 {
        let batch = try decoder.decode(payload)
        #expect(batch.spans.count == spans.count)
        for (decoded, original) in zip(batch.spans, spans) {
            #expect(decoded.name == original.name)
            #expect(decoded.attributes == original.attributes)
            #expect(decoded.parentSpanID == original.parentSpanID)
        }
    }
}
