import Foreshock
import ForeshockTestSupport
import Logging
import Synchronization
import Foundation
import Testing

@Suite struct EngineSpanTests {
    /// OTLP protobuf in → golden-signal series, latency sketches and an anomaly with
    /// exemplars out: the embedded path end to end.
    @Test func otlpSpansBecomeSeriesSketchesAndAnAnomalyWithExemplars() async throws {
        var configuration = EngineConfiguration()
        configuration.spans.windowMilliseconds = 10_000
        configuration.detector.warmupLength = 60
        let engine = try Engine(configuration: configuration)
        let events = engine.anomalyEvents()
        let resource = SpanResource(attributes: [SpanAttribute("service.name", .string("checkout")),
                                                 SpanAttribute("service.version", .string("1.4.2"))])
        let start: Int64 = 1_767_225_600_000_000_000  // ns
        let windows = 200, spansPerWindow = 50, slowWindow = 170
        var slowTrace = ""
        for w in 0..<windows {
            var spans: [Span] = []
            for i in 0..<spansPerWindow {
                let end = start + Int64(w) * 10_000_000_000 + Int64(i) * 150_000_000
                var duration = Int64(20 + (i * 7 + w * 3) % 11) * 1_000_000  // 20–30 ms, deterministic
                if w == slowWindow { duration *= 40 }
                let trace = TraceID(high: UInt64(w), low: UInt64(i + 1))
                if w == slowWindow && i == 0 { slowTrace = "\(trace)" }
                spans.append(Span(traceID: trace, spanID: SpanID(UInt64(i + 1)), name: "POST /checkout", kind: .server,
                                  startNanos: end - duration, endNanos: end, resource: resource))
            }
            let body = OTLPProtobufEncoder.encode(spans)
            let (result, rejected, _) = try engine.ingest(otlp: body, format: .protobuf)
            #expect(result.acceptedPoints == spansPerWindow && rejected == 0)
        }
        try await engine.shutdown()

        let p99 = engine.store.series(matching: [.equal("__name__", "span.duration.p99"), .equal("service", "checkout")])
        #expect(p99.count == 1)
        let count = try #require(engine.store.series(matching: [.equal("__name__", "span.count")]).first)
        let counts = try engine.store.read(series: count)
        #expect(counts.count == windows)
        #expect(counts.values.allSatisfy { $0 == Double(spansPerWindow) })
        #expect(count["service.version"] == "1.4.2")

        let merged = try #require(try StoredSketches.merged(in: engine.store, matching: [.equal("service", "checkout")],
                                                            from: .min, to: .max))
        #expect(merged.count == UInt64(windows * spansPerWindow))

        var found: Anomaly?
        for await event in events {
            if case let .opened(anomaly) = event, anomaly.series.name == "span.duration.p99",
               anomaly.time == start / 1_000_000 + Int64(slowWindow) * 10_000 { found = anomaly; break }
        }
        let anomaly = try #require(found)
        #expect(anomaly.observed > anomaly.upper)
        // Exemplars are the slowest spans of the anomalous window: all from the slow window.
        #expect(!anomaly.exemplarTraceIDs.isEmpty)
        #expect(anomaly.exemplarTraceIDs.allSatisfy { $0.prefix(16) == slowTrace.prefix(16) })
    }

    @Test func malformedOTLPIsAnErrorAndPartlyBadBatchesKeepTheGoodSpans() async throws {
        let engine = try Engine(configuration: EngineConfiguration())
        #expect(throws: InputError.self) { _ = try engine.ingest(otlp: [0x0A, 0xFF, 0xFF, 0x01], format: .protobuf) }
        #expect(throws: InputError.self) { _ = try engine.ingest(otlp: Array("{\"resourceSpans\": [".utf8), format: .json) }
        try await engine.shutdown()
    }
}

/// Log messages collected by ``CollectingLogHandler``.
private final class CollectedMessages: Sendable {
    let messages = Mutex<[String]>([])
}

/// Collects log messages at warning level and above (for tests).
private struct CollectingLogHandler: LogHandler {
    let collected: CollectedMessages
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
             function: String, line: UInt) {
        collected.messages.withLock { $0.append("\(level) \(message) \(metadata ?? [:])") }
    }
}

@Suite struct EngineReopenTests {
    /// Reopening a data directory that holds span-derived series and their latency sketches
    /// (payload series) catches every numeric series' detector up without an error.
    @Test func reopeningAfterSpanIngestCatchesUpWithoutErrors() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foreshock-reopen-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = EngineConfiguration()
        configuration.dataDirectory = dir
        let first = try Engine(configuration: configuration)
        var generator = SpanStreamGenerator(scenario: SimulationScenario.invariantRegression)
        for _ in 0..<120 { first.ingest(spans: SpanBatch(spans: generator.nextSecond() ?? [])) }
        try await first.shutdown()
        #expect(!first.store.series(matching: [.equal("__name__", "span.duration.sketch")]).isEmpty)

        let collected = CollectedMessages()
        let logger = Logger(label: "test") { _ in CollectingLogHandler(collected: collected) }
        let second = try Engine(configuration: configuration, logger: logger)
        try await second.flush()
        try await second.shutdown()
        let logged = collected.messages.withLock { $0 }
        #expect(logged.isEmpty, "\(logged.prefix(3))")
    }
}
