import ForeshockSketches
import ForeshockStorage
import ForeshockTelemetry
import Logging

/// The engine worker's span side: spans → windowed golden signals → points (stored and
/// scored like any series) and one latency sketch per series and window (stored as a payload
/// series `<metric>.sketch`, see ``StoredSketches``).
///
/// Owned by the worker task alone. Windows close when the data's clock (the newest span end
/// seen) or the wall clock passes them by the allowed lateness; shutdown closes them all.
struct SpanPipeline {
    private let aggregator: SpanMetricsAggregator
    private var newestEnd: Int64 = .min

    init(configuration: SpanIngestConfiguration) {
        aggregator = SpanMetricsAggregator(configuration: configuration.metricsConfiguration)
    }

    /// Aggregates a batch and returns the series points of the windows it closed.
    mutating func ingest(_ batch: SpanBatch, store: Store, logger: Logger) -> [SeriesPoints] {
        for span in batch.spans { newestEnd = max(newestEnd, span.endNanos / 1_000_000) }
        aggregator.ingest(batch)
        return convert(aggregator.drainClosedWindows(now: newestEnd), store: store, logger: logger)
    }

    /// Closes the windows that the wall clock (or the data's clock) has passed, or all of them.
    mutating func drain(now: Int64, all: Bool, store: Store, logger: Logger) -> [SeriesPoints] {
        convert(all ? aggregator.drainAll() : aggregator.drainClosedWindows(now: max(now, newestEnd)), store: store, logger: logger)
    }

    private func convert(_ windows: [WindowMetrics], store: Store, logger: Logger) -> [SeriesPoints] {
        var out: [SeriesPoints] = []
        for window in windows {
            let exemplars = window.exemplars.map { "\($0.traceID)" }
            for point in window.points() {
                guard let key = try? SeriesKey(name: point.name, labels: point.labels.map { Label($0.name, $0.value) }) else { continue }
                out.append(SeriesPoints(key: key, timestamps: [point.timestamp], values: [point.value], exemplarTraceIDs: exemplars))
            }
            if let sketch = window.duration, !sketch.isEmpty {
                let name = window.kind == .callEdge ? "span.edge.duration.sketch" : "span.duration.sketch"
                do {
                    let key = try SeriesKey(name: name, labels: window.labels.map { Label($0.name, $0.value) })
                    try store.appendPayloads(series: key, timestamps: [window.windowStart], payloads: [sketch.serialized()])
                } catch {
                    logger.error("latency sketch not stored", metadata: ["error": "\(error)"])
                }
            }
        }
        return out
    }
}
