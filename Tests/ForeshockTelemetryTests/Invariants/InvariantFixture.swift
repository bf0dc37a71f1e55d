import ForeshockTelemetry

/// Spans and rule shorthands shared by the invariant tests.
enum InvariantFixture {
    static let resource = SpanResource(attributes: [
        SpanAttribute("service.name", .string("shop")),
        SpanAttribute("deployment.environment", .string("prod")),
    ])

    /// A span with the given name and attributes (1.5 ms long, server, status unset by default).
    static func span(_ name: String = "checkout", _ attributes: [String: AttributeValue] = [:], kind: SpanKind = .server,
                     status: SpanStatusCode = .unset, durationNanos: Int64 = 1_500_000,
                     resource: SpanResource = resource, id: UInt64 = 1) -> Span {
        Span(traceID: TraceID(high: 0, low: 1), spanID: SpanID(id), name: name, kind: kind, startNanos: 1_000,
             endNanos: 1_000 + durationNanos, status: status,
             attributes: attributes.sorted { $0.key < $1.key }.map { SpanAttribute($0.key, $0.value) }, resource: resource)
    }

    /// A `checkout` span with the given attributes.
    static func span(_ attributes: [String: AttributeValue]) -> Span { span("checkout", attributes) }

    /// The outcome of rule `source` on `span` and `children`; fails the parse loudly.
    static func outcome(_ source: String, _ span: Span = span(), children: [Span] = []) throws -> InvariantOutcome {
        try InvariantRule(name: "test", source: source).evaluate(span, children: children)
    }

    /// The syntax error `source` raises, or nil when it parses.
    static func syntaxError(_ source: String) -> InvariantSyntaxError? {
        do {
            _ = try InvariantRule(name: "test", source: source)
            return nil
        } catch {
            return error
        }
    }
}
