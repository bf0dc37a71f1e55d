import Foreshock
import ForeshockSimulation
import ForeshockTelemetry
import Synchronization
import Testing

/// A simulated scenario streamed through an engine, as the engine tests need it.
enum ScenarioEngineRun {
    /// Streams `scenario` through a new engine in batches of `batchSeconds` seconds of spans
    /// (waiting when the queue is half full, so nothing is shed) and returns every anomaly event
    /// after shutdown.
    static func events(_ scenario: SimulationScenario, configuration: EngineConfiguration = EngineConfiguration(),
                       batchSeconds: Int64 = 10) async throws -> (engine: Engine, events: [AnomalyEvent]) {
        let engine = try Engine(configuration: configuration)
        let events = Mutex<[AnomalyEvent]>([])
        engine.onAnomaly { event in events.withLock { $0.append(event) } }
        var generator = SpanStreamGenerator(scenario: scenario)
        var batch: [Span] = []
        while let spans = generator.nextSecond() {
            batch += spans
            guard generator.second % batchSeconds == 0 else { continue }
            while engine.queueDepth > configuration.queueCapacity / 2 { try await Task.sleep(for: .milliseconds(2)) }
            let result = engine.ingest(spans: SpanBatch(spans: batch))
            #expect(result.shedPoints == 0)
            batch.removeAll(keepingCapacity: true)
        }
        try await engine.shutdown()
        return (engine, events.withLock { $0 })
    }

    /// The `opened` incidents on series `name`.
    static func opened(_ events: [AnomalyEvent], on name: String) -> [Anomaly] {
        events.compactMap { event -> Anomaly? in
            if case let .opened(a) = event, a.series.name == name { a } else { nil }
        }
    }
}
