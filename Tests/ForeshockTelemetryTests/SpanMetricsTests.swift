import ForeshockTestSupport
import ForeshockSketches
import ForeshockTelemetry
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Helpers

private let second: Int64 = 1_000_000_000
/// 2024-01-01T00:00:00Z in nanoseconds (a window boundary for any window dividing a day).
private let epoch: Int64 = 1_704_067_200 * second

private func resource(_ service: String, _ extra: [SpanAttribute] = []) -> SpanResource {
    SpanResource(attributes: [SpanAttribute("service.name", .string(service))] + extra)
}

private func span(_ resource: SpanResource, _ name: String, trace: UInt64 = 1, id: UInt64, parent: UInt64 = 0,
                  kind: SpanKind = .server, start: Int64, durationNanos: Int64, status: SpanStatusCode = .unset,
                  attributes: [SpanAttribute] = []) -> Span {
    Span(traceID: TraceID(high: 0, low: trace), spanID: SpanID(id), parentSpanID: SpanID(parent), name: name, kind: kind,
         startNanos: start, endNanos: start + durationNanos, status: status, attributes: attributes, resource: resource)
}

private func operations(_ records: [WindowMetrics]) -> [WindowMetrics] { records.filter { $0.kind == .operation } }

// MARK: - Derivation against a direct computation

@Test func countsErrorsAndQuantilesMatchADirectComputation() throws {
    var rng = SplitMix64(seed: 7)
    let services = [resource("checkout", [SpanAttribute("service.version", .string("1.2"))]), resource("payments")]
    var spans: [Span] = []
    for i in 0..<20_000 {
        let service = services[i % 2]
        let name = ["GET /a", "POST /b", "rpc c"][Int.random(in: 0..<3, using: &rng)]
        // Log-normal-ish durations from 50 µs to ~1 s.
        let duration = Int64(50_000 * exp(Double.random(in: 0..<10, using: &rng)))
        let end = epoch + Int64.random(in: 0..<(20 * second), using: &rng)     // two 10 s windows
        var attributes: [SpanAttribute] = []
        var status = SpanStatusCode.unset
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: status = .error
        case 1: attributes.append(SpanAttribute("http.response.status_code", .int(503)))
        case 2: attributes.append(SpanAttribute("rpc.grpc.status_code", .int(14)))
        case 3: attributes.append(SpanAttribute("http.response.status_code", .int(404)))
        case 4: status = .ok
        default: break
        }
        spans.append(span(service, name, trace: UInt64(i), id: UInt64(i + 1), start: end - duration, durationNanos: duration,
                          status: status, attributes: attributes))
    }
    let aggregator = SpanMetricsAggregator()
    for chunk in stride(from: 0, to: spans.count, by: 1000) {
        aggregator.ingest(Array(spans[chunk..<min(chunk + 1000, spans.count)]))
    }
    #expect(aggregator.drainClosedWindows(now: epoch / 1_000_000 + 15_000).isEmpty)   // lateness keeps both open
    let records = operations(aggregator.drainClosedWindows(now: epoch / 1_000_000 + 40_000))
    #expect(aggregator.statistics.spansIngested == spans.count)

    // Direct computation per (window, service, operation).
    struct Key: Hashable { var window: Int64; var service: String; var operation: String }
    var direct: [Key: (count: Int, errors: Int, durations: [Double])] = [:]
    for s in spans {
        let key = Key(window: s.endNanos / 1_000_000 / 10_000 * 10_000, service: s.serviceName, operation: s.name)
        let code = s.attribute("http.response.status_code")?.intValue ?? 0
        let grpc = s.attribute("rpc.grpc.status_code")?.intValue ?? 0
        let error = s.status == .error || (s.status == .unset && (code >= 500 || grpc != 0))
        direct[key, default: (0, 0, [])].count += 1
        direct[key, default: (0, 0, [])].errors += error ? 1 : 0
        direct[key, default: (0, 0, [])].durations.append(Double(s.durationNanos) * 1e-9)
    }
    var derived: [Key: (count: Int, errors: Int, sketch: DDSketch)] = [:]
    for record in records {
        let key = Key(window: record.windowStart, service: record.label("service") ?? "", operation: record.label("operation") ?? "")
        var entry = derived[key] ?? (0, 0, DDSketch())
        entry.count += record.count
        entry.errors += record.errors
        try entry.sketch.merge(try #require(record.duration))
        derived[key] = entry
        #expect(record.label("service.version") == (key.service == "checkout" ? "1.2" : nil))
    }
    #expect(Set(derived.keys) == Set(direct.keys))
    for (key, expected) in direct {
        let got = try #require(derived[key])
        #expect(got.count == expected.count)
        #expect(got.errors == expected.errors)
        let sorted = expected.durations.sorted()
        for q in [0.5, 0.9, 0.99] {
            let exact = sorted[Int(q * Double(sorted.count - 1))]
            let estimate = try #require(got.sketch.quantile(q))
            #expect(abs(estimate - exact) <= 0.01 * exact + 1e-12, "\(key) q\(q): \(estimate) vs \(exact)")
        }
    }
    // In-flight time is the exact sum of durations.
    let totalInflight = records.reduce(0) { $0 + $1.inflightSeconds }
    let exactInflight = spans.reduce(0.0) { $0 + Double($1.durationNanos) * 1e-9 }
    #expect(abs(totalInflight - exactInflight) < 1e-6 * exactInflight)
}

@Test func genAITokensAreSummedPerModel() throws {
    let llm = resource("assistant")
    var spans: [Span] = []
    for i in 0..<10 {
        spans.append(span(llm, "chat", id: UInt64(i + 1), kind: .client, start: epoch, durationNanos: second, attributes: [
            SpanAttribute("gen_ai.request.model", .string(i % 2 == 0 ? "gpt-4o" : "claude-sonnet")),
            SpanAttribute("gen_ai.usage.input_tokens", .int(100)),
            SpanAttribute("gen_ai.usage.output_tokens", .int(Int64(i))),
        ]))
    }
    let aggregator = SpanMetricsAggregator()
    aggregator.ingest(spans)
    let records = operations(aggregator.drainAll())
    let byModel = Dictionary(uniqueKeysWithValues: records.map { ($0.label("gen_ai.request.model") ?? "", $0) })
    #expect(byModel["gpt-4o"]?.inputTokens == 500)
    #expect(byModel["gpt-4o"]?.outputTokens == Int64(20))      // 0 + 2 + 4 + 6 + 8
    #expect(byModel["claude-sonnet"]?.outputTokens == Int64(25))  // 1 + 3 + 5 + 7 + 9
    let points = try #require(byModel["gpt-4o"]).points()
    #expect(points.contains { $0.name == "gen_ai.tokens.input" && $0.value == 500 })
    #expect(points.allSatisfy { $0.labels == $0.labels.sorted() })
}

// MARK: - Cardinality guard

@Test func seriesBeyondTheCapGoToTheServiceOverflowSeries() throws {
    var configuration = SpanMetricsConfiguration()
    configuration.maxSeriesPerService = 10
    let aggregator = SpanMetricsAggregator(configuration: configuration)
    let service = resource("api")
    let spans = (0..<50).map { i in
        span(service, "op", id: UInt64(i + 1), start: epoch, durationNanos: 1000,
             attributes: [SpanAttribute("code.function.name", .string("handler\(i)"))])
    }
    aggregator.ingest(spans)
    #expect(aggregator.activeSeries == 11)
    #expect(aggregator.statistics.overflowSpans == 40)
    let records = operations(aggregator.drainAll())
    let overflow = try #require(records.first { $0.isOverflow })
    #expect(overflow.count == 40)
    #expect(overflow.labels == [MetricLabel("otel.metric.overflow", "true"), MetricLabel("service", "api")])
    #expect(records.filter { !$0.isOverflow }.count == 10)
    // Once drained, idle series are released and new ones fit again.
    #expect(aggregator.activeSeries == 0)
}

@Test func memoryStaysBoundedUnderAMillionDistinctAttributeValues() throws {
    var configuration = SpanMetricsConfiguration()
    configuration.maxSeriesPerService = 1_000
    let aggregator = SpanMetricsAggregator(configuration: configuration)
    let service = resource("exploding")
    var peakMemory = 0
    for chunk in 0..<100 {
        let spans = (0..<10_000).map { i in
            let n = chunk * 10_000 + i
            return span(service, "op", trace: UInt64(n), id: UInt64(n + 1), start: epoch + Int64(n) * 10_000,
                        durationNanos: 1_000_000, attributes: [SpanAttribute("code.function.name", .string("fn-\(n)"))])
        }
        aggregator.ingest(spans)
        #expect(aggregator.activeSeries <= 1_001)
        peakMemory = max(peakMemory, aggregator.estimatedMemoryBytes)
    }
    #expect(aggregator.statistics.spansIngested == 1_000_000)
    #expect(aggregator.statistics.overflowSpans == 1_000_000 - 1_000)
    // 1,001 series with sketches and exemplars, two fixed 64 Ki-slot join buffers: well under 64 MiB.
    #expect(peakMemory < 64 << 20, "peak \(peakMemory) bytes")
    let records = operations(aggregator.drainAll())
    #expect(records.reduce(0) { $0 + $1.count } == 1_000_000)
}

// MARK: - Redaction

@Test func patternsAreMaskedAndNothingElse() {
    let policy = RedactionPolicy()
    #expect(policy.redact("mail bob.smith+x@example.co.uk now") == "mail [REDACTED] now")
    #expect(policy.redact("Authorization: Bearer abcDEF123456.xyz") == "Authorization: Bearer [REDACTED]")
    #expect(policy.redact("card 4111 1111 1111 1111 ok") == "card [REDACTED] ok")
    #expect(policy.redact("card 4111-1111-1111-1112") == "card 4111-1111-1111-1112")      // fails Luhn
    #expect(policy.redact("order 1704067200123") == "order 1704067200123")                // 13 digits, not Luhn-valid
    #expect(policy.redact("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature") == "jwt [REDACTED]")
    #expect(policy.redact("user@localhost, 1.2.3.4, GET /api/v1") == "user@localhost, 1.2.3.4, GET /api/v1")
    #expect(policy.redact("") == "")
}

@Test func dimensionsAndExemplarsAreAllowListedAndMasked() throws {
    let aggregator = SpanMetricsAggregator()
    let service = resource("shop", [SpanAttribute("host.secret", .string("s3cr3t"))])
    let failing = span(service, "POST /login", id: 1, start: epoch, durationNanos: 5 * second, status: .error, attributes: [
        SpanAttribute("code.function.name", .string("login for alice@example.com")),
        SpanAttribute("http.request.method", .string("POST")),
        SpanAttribute("http.request.header.authorization", .string("Bearer abcdefghijkl")),
        SpanAttribute("code.origin", .string("ai")),
    ])
    aggregator.ingest([failing, span(service, "POST /login", id: 2, start: epoch, durationNanos: second, attributes: failing.attributes)])
    let records = operations(aggregator.drainAll())
    let errorSeries = try #require(records.first { $0.label("status") == "error" })
    #expect(errorSeries.label("code.function.name") == "login for [REDACTED]")
    #expect(errorSeries.label("code.origin") == "ai")
    let exemplar = try #require(errorSeries.exemplars.first)
    #expect(exemplar.spanID == SpanID(1) && exemplar.isError)
    let keys = Set(exemplar.attributes.map(\.key))
    #expect(keys.contains("http.request.method") && keys.contains("service.name"))
    #expect(!keys.contains("http.request.header.authorization") && !keys.contains("host.secret"))
    #expect(exemplar.attributes.first { $0.key == "code.function.name" }?.value == .string("login for [REDACTED]"))
}

@Test func exemplarsAreTheSlowestAndTheErrors() throws {
    var configuration = SpanMetricsConfiguration()
    configuration.exemplarsPerSeries = 2
    let aggregator = SpanMetricsAggregator(configuration: configuration)
    let service = resource("s")
    let spans = (1...100).map { i in span(service, "op", id: UInt64(i), start: epoch, durationNanos: Int64((i * 37) % 101) * 1000) }
    aggregator.ingest(spans)
    let record = try #require(operations(aggregator.drainAll()).first)
    let slowest = spans.sorted { $0.durationNanos > $1.durationNanos }.prefix(2).map(\.spanID)
    #expect(record.exemplars.map(\.spanID) == Array(slowest))
}

@Test func aRedeliveredSpanIsNotKeptAsTwoExemplars() throws {
    // An exporter that retries sends the same spans again: counts double (Foreshock cannot
    // tell a retry from traffic), but the exemplars stay distinct spans.
    var configuration = SpanMetricsConfiguration()
    configuration.exemplarsPerSeries = 3
    let aggregator = SpanMetricsAggregator(configuration: configuration)
    let service = resource("s")
    let spans = (1...20).map { i in
        span(service, "op", id: UInt64(i), start: epoch, durationNanos: Int64(i) * 1000, status: i % 5 == 0 ? .error : .unset)
    }
    for _ in 0..<3 { aggregator.ingest(spans) }
    let records = operations(aggregator.drainAll())
    let ok = try #require(records.first { $0.labels.contains(MetricLabel("status", "unset")) })
    #expect(ok.count == 48)
    #expect(ok.exemplars.map(\.spanID) == [SpanID(19), SpanID(18), SpanID(17)])
    let failed = try #require(records.first { $0.labels.contains(MetricLabel("status", "error")) })
    // The slowest three (20, 15, 10), then the first three errors (5, 10, 15).
    #expect(failed.exemplars.map(\.spanID) == [SpanID(20), SpanID(15), SpanID(10), SpanID(5), SpanID(10), SpanID(15)])
}

// MARK: - Call edges and self time

@Test func callEdgesAndSelfTimeWithinOneBatch() throws {
    let frontend = resource("frontend")
    let backend = resource("backend")
    let spans = [
        span(frontend, "GET /", id: 1, kind: .server, start: epoch, durationNanos: 100_000_000),
        span(frontend, "call backend", id: 2, parent: 1, kind: .client, start: epoch + 10_000_000, durationNanos: 60_000_000, status: .error),
        span(backend, "GET /data", id: 3, parent: 2, kind: .server, start: epoch + 15_000_000, durationNanos: 50_000_000),
    ]
    let aggregator = SpanMetricsAggregator()
    aggregator.ingest(spans)
    let records = aggregator.drainAll()
    let edge = try #require(records.first { $0.kind == .callEdge })
    #expect(edge.labels == [MetricLabel("operation", "call backend"), MetricLabel("peer.operation", "GET /data"),
                            MetricLabel("peer.service", "backend"), MetricLabel("service", "frontend")])
    #expect(edge.count == 1 && edge.errors == 1)
    #expect(abs((edge.duration?.maximum ?? 0) - 0.06) < 1e-9)
    let selfTime = Dictionary(uniqueKeysWithValues: operations(records).map { ($0.label("operation") ?? "", $0.selfSeconds) })
    #expect(abs((selfTime["GET /"] ?? -1) - 0.04) < 1e-9)
    #expect(abs((selfTime["call backend"] ?? -1) - 0.01) < 1e-9)
    #expect(abs((selfTime["GET /data"] ?? -1) - 0.05) < 1e-9)
}

@Test func childrenAndParentsInDifferentBatchesStillJoin() throws {
    let frontend = resource("frontend")
    let backend = resource("backend")
    let aggregator = SpanMetricsAggregator()
    // The server child is exported first (it ends first) ...
    aggregator.ingest([span(backend, "GET /data", id: 3, parent: 2, kind: .server, start: epoch + 15_000_000, durationNanos: 50_000_000)])
    // ... then the client parent, in the next batch.
    aggregator.ingest([span(frontend, "call backend", id: 2, kind: .client, start: epoch + 10_000_000, durationNanos: 60_000_000)])
    // A late child of the client (a retry log span) after the parent.
    aggregator.ingest([span(frontend, "retry", id: 4, parent: 2, kind: .internal, start: epoch + 11_000_000, durationNanos: 2_000_000)])
    #expect(aggregator.statistics.edgesJoined == 1)
    let records = aggregator.drainAll()
    #expect(records.filter { $0.kind == .callEdge }.map(\.count) == [1])
    let client = try #require(operations(records).first { $0.label("operation") == "call backend" })
    #expect(abs(client.selfSeconds - 0.008) < 1e-9)     // 60 − 50 − 2 ms
}

// MARK: - Windows

@Test func lateSpansForDrainedWindowsAreCountedNotAdded() {
    let aggregator = SpanMetricsAggregator()
    let service = resource("s")
    aggregator.ingest([span(service, "op", id: 1, start: epoch, durationNanos: 1000)])
    let first = aggregator.drainClosedWindows(now: epoch / 1_000_000 + 20_000)
    #expect(first.count == 1)
    aggregator.ingest([span(service, "op", id: 2, start: epoch + 1000, durationNanos: 1000)])
    #expect(aggregator.statistics.lateSpans == 1)
    #expect(aggregator.drainAll().isEmpty)
}

@Test func samplesDeriveMetricsEndToEnd() throws {
    var zipkin = ZipkinJSONDecoder()
    let batch = try zipkin.decode(try sampleBytes("zipkin-v2-json/zipkin-lens.yelp.json"))
    let aggregator = SpanMetricsAggregator()
    aggregator.ingest(batch)
    let records = aggregator.drainAll()
    #expect(operations(records).reduce(0) { $0 + $1.count } == batch.spans.count)
    #expect(records.contains { $0.kind == .callEdge && $0.label("service") == "mobile_api" && $0.label("peer.service") == "spectre" })
    for record in records { for point in record.points() { #expect(point.value.isFinite) } }
}

/// A child from another service arriving after its parent's batch makes an edge labelled with
/// the parent's service and name (read back from the parent's series, or kept aside when the
/// parent went to an overflow series); once the parent's window is drained, it is a late edge.
@Test func laterChildrenOfEarlierParentsMakeEdgesWithTheCallersNames() throws {
    var configuration = SpanMetricsConfiguration()
    configuration.maxSeriesPerService = 1
    let aggregator = SpanMetricsAggregator(configuration: configuration)
    let frontend = resource("frontend")
    let backend = resource("backend")
    // Parent 1 creates frontend's only series; parent 2 goes to frontend's overflow series.
    aggregator.ingest([span(frontend, "call backend", id: 1, kind: .client, start: epoch, durationNanos: 50_000_000),
                       span(frontend, "call cache", trace: 2, id: 1, kind: .client, start: epoch, durationNanos: 40_000_000)])
    aggregator.ingest([span(backend, "GET /data", id: 5, parent: 1, start: epoch + 1_000_000, durationNanos: 10_000_000),
                       span(backend, "GET /cached", trace: 2, id: 6, parent: 1, start: epoch + 1_000_000, durationNanos: 10_000_000)])
    #expect(aggregator.statistics.edgesJoined == 2)
    let records = aggregator.drainAll()
    let edges = records.filter { $0.kind == .callEdge }.map { [$0.label("operation"), $0.label("peer.operation"), $0.label("service")] }
    #expect(edges.count == 2)
    #expect(edges.contains(["call backend", "GET /data", "frontend"]))
    #expect(edges.contains(["call cache", "GET /cached", "frontend"]))
    let client = try #require(operations(records).first { $0.label("operation") == "call backend" })
    #expect(abs(client.selfSeconds - 0.04) < 1e-9)
    // The parents' window is drained: a further child of another service is a late edge,
    // one of the same service is not an edge at all.
    // (The children end in the next window, still open.)
    aggregator.ingest([span(backend, "GET /more", id: 7, parent: 1, start: epoch + 2_000_000, durationNanos: 10 * second),
                       span(frontend, "log", id: 8, parent: 1, start: epoch + 2_000_000, durationNanos: 10 * second)])
    #expect(aggregator.statistics.lateEdges == 1)
}
