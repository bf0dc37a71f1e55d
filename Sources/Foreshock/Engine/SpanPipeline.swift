import ForeshockDetection
import ForeshockSketches
import ForeshockStorage
import ForeshockTelemetry
import Logging

/// The engine worker's span side: spans → windowed golden signals and invariant series →
/// points (stored and scored like any series), one latency sketch per series and window
/// (stored as a payload series `<metric>.sketch`, see ``StoredSketches``), and side-by-side
/// release comparisons (``ReleaseTracker``).
///
/// Owned by the worker task alone. Windows close when the data's clock (the newest span end
/// seen) or the wall clock passes them by the allowed lateness; shutdown closes them all.
struct SpanPipeline {
    private let aggregator: SpanMetricsAggregator
    private let invariants: SpanInvariantAggregator?
    private var releases: ReleaseTracker
    private var errorRatios: ErrorRatioTracking
    private var latencyTails: LatencyTailTracking
    private let attributionDimensions: [String]
    private let maxStoredSeries: Int
    private var newestEnd: Int64 = .min
    /// When the last batch arrived (Unix ms, wall clock).
    private var lastIngestWallClock: Int64 = .min
    private let windowLength: Int64
    private let allowedLateness: Int64

    /// What closed windows produced.
    struct Output {
        var points: [SeriesPoints] = []
        /// Release regressions and error-ratio incidents, opened, updated or closed.
        var events: [AnomalyEvent] = []
        /// Latency sketches not stored because the store holds `maxStoredSeries` series.
        var rejectedSketches = 0
        /// Invariant rule outcomes since the previous output.
        var invariants = InvariantCounts()
    }

    /// - Precondition: `configuration` passed ``EngineConfiguration/validate(source:)`` (its
    ///   rules compile).
    /// - Parameters:
    ///   - maxStoredSeries: new latency-sketch series are not created beyond this many series in
    ///     the store (``EngineConfiguration/maxStoredSeries``).
    ///   - maxDetectedSeries: operations whose error ratio is tracked
    ///     (``EngineConfiguration/maxDetectedSeries``).
    init(configuration: SpanIngestConfiguration, maxStoredSeries: Int = .max, maxDetectedSeries: Int = 100_000) {
        self.maxStoredSeries = maxStoredSeries
        let metrics = configuration.metricsConfiguration
        aggregator = SpanMetricsAggregator(configuration: metrics)
        let rules = (try? configuration.compiledInvariants()) ?? []
        invariants = rules.isEmpty ? nil : SpanInvariantAggregator(rules: rules, configuration: metrics)
        releases = ReleaseTracker(configuration: configuration.releases, windowLength: metrics.windowMilliseconds,
                                  attributionDimensions: configuration.attributionDimensions)
        attributionDimensions = configuration.attributionDimensions
        errorRatios = ErrorRatioTracking(configuration: configuration.errorRatio, maxSeries: maxDetectedSeries)
        latencyTails = LatencyTailTracking(configuration: configuration.latencyTail)
        windowLength = max(1, metrics.windowMilliseconds)
        allowedLateness = max(0, metrics.allowedLatenessWindows)
    }

    /// The invariant counters already reported in an ``Output``.
    private var reportedInvariants = InvariantCounts()

    /// Aggregates a batch and returns what the windows it closed produced.
    mutating func ingest(_ batch: SpanColumns, store: Store, logger: Logger, wallClock: Int64) -> Output {
        lastIngestWallClock = wallClock
        if batch.count > 0 { newestEnd = max(newestEnd, batch.latestEndNanos / 1_000_000) }
        if let invariants {
            aggregator.ingest(batch, checking: invariants)
        } else {
            aggregator.ingest(batch)
        }
        return convert(aggregator.drainClosedWindows(now: newestEnd) + (invariants?.drainClosedWindows(now: newestEnd) ?? []),
                       store: store, logger: logger)
    }

    /// Closes the windows that the clock has passed, or all of them.
    ///
    /// The clock is the data's own (the newest span end) while spans keep arriving, so that a
    /// replay of historical traces, far behind the wall clock, does not have each flush close
    /// the window it is filling (its later spans would be dropped as late); once no span has
    /// arrived for the allowed lateness, the wall clock closes what is left (a quiet service's
    /// last windows). For live traffic the two clocks agree.
    mutating func drain(now: Int64, all: Bool, store: Store, logger: Logger) -> Output {
        let idle = lastIngestWallClock == .min || now.subtractingReportingOverflow(lastIngestWallClock).partialValue
            > windowLength * (1 + allowedLateness)
        let clock = idle ? max(now, newestEnd) : newestEnd
        let windows = all
            ? aggregator.drainAll() + (invariants?.drainAll() ?? [])
            : aggregator.drainClosedWindows(now: clock) + (invariants?.drainClosedWindows(now: clock) ?? [])
        return convert(windows, store: store, logger: logger)
    }

    private mutating func convert(_ windows: [WindowMetrics], store: Store, logger: Logger) -> Output {
        var output = Output()
        let attribution = attributions(windows)
        for window in windows {
            let traceIDs = window.exemplars.map { "\($0.traceID)" }
            let exemplars = window.kind == .invariant ? window.exemplars.map(AnomalyExemplar.init) : []
            let group = AttributionKey(window)
            for point in window.points() {
                guard let key = try? SeriesKey(name: point.name, labels: point.labels.map { Label($0.name, $0.value) }) else { continue }
                var points = SeriesPoints(key: key, timestamps: [point.timestamp], values: [point.value], exemplarTraceIDs: traceIDs)
                points.exemplars = exemplars
                if let pair = attribution[group] {
                    let weighsErrors = AttributionKey.weighsErrors(point.name)
                    points.attribution = pair[weighsErrors ? 1 : 0].shares
                    if weighsErrors { points.dimension = Self.explainingDimension(all: pair[0].shares, affected: pair[1].shares) }
                }
                output.points.append(points)
            }
            if let sketch = window.duration, !sketch.isEmpty {
                let name = window.kind == .callEdge ? "span.edge.duration.sketch" : "span.duration.sketch"
                do {
                    let key = try SeriesKey(name: name, labels: window.labels.map { Label($0.name, $0.value) })
                    guard store.kind(of: key) != nil || store.seriesCount < maxStoredSeries else {
                        output.rejectedSketches += 1
                        continue
                    }
                    try store.appendPayloads(series: key, timestamps: [window.windowStart], payloads: [sketch.serialized()])
                } catch {
                    logger.error("latency sketch not stored", metadata: ["error": "\(error)"])
                }
            }
        }
        output.events = releases.absorb(windows) + errorRatios.absorb(windows) + latencyTails.absorb(windows)
        if let statistics = invariants?.statistics {
            let total = InvariantCounts(evaluations: statistics.evaluations, violations: statistics.violations,
                                        notApplicable: statistics.notApplicable.values.reduce(0, +))
            output.invariants = InvariantCounts(evaluations: total.evaluations - reportedInvariants.evaluations,
                                                violations: total.violations - reportedInvariants.violations,
                                                notApplicable: total.notApplicable - reportedInvariants.notApplicable)
            reportedInvariants = total
        }
        return output
    }

    /// Per (kind, service, operation, rule, window): attribution of all spans [0] and of the
    /// affected (error, violating) spans [1] across the dimension splits.
    private func attributions(_ windows: [WindowMetrics]) -> [AttributionKey: [SpanAttribution]] {
        var out: [AttributionKey: [SpanAttribution]] = [:]
        for window in windows where window.kind == .operation || window.kind == .invariant {
            let key = AttributionKey(window)
            var pair = out[key] ?? [SpanAttribution(dimensions: attributionDimensions), SpanAttribution(dimensions: attributionDimensions)]
            pair[0].add(window, weight: Double(window.count))
            pair[1].add(window, weight: Double(window.errors))
            out[key] = pair
        }
        return out
    }

    /// The dimension value whose share among the affected spans exceeds its share among all
    /// spans the most (by at least 0.3): `code.origin=ai` when AI-written code holds 10 % of the
    /// traffic and 90 % of the errors. Nil when nothing stands out.
    static func explainingDimension(all: [String: [String: Double]]?, affected: [String: [String: Double]]?) -> String? {
        guard let all, let affected else { return nil }
        var best: (lift: Double, label: String)?
        for (name, shares) in affected.sorted(by: { $0.key < $1.key }) {
            for (value, share) in shares.sorted(by: { $0.key < $1.key }) {
                let lift = share - (all[name]?[value] ?? 0)
                if lift >= 0.3, lift > (best?.lift ?? 0) { best = (lift, "\(name)=\(value)") }
            }
        }
        return best?.label
    }

    /// Invariant rule outcomes: applied with a verdict, violated, not applicable (data).
    struct InvariantCounts {
        var evaluations = 0
        var violations = 0
        var notApplicable = 0
    }

    /// The group an anomaly's attribution is taken over: one operation (or one rule on it) in
    /// one window, across versions, origins and models.
    private struct AttributionKey: Hashable {
        var kind: WindowMetrics.Kind
        var window: Int64
        var service: String?
        var operation: String?
        var rule: String?

        init(_ record: WindowMetrics) {
            kind = record.kind
            window = record.windowStart
            service = record.label("service")
            operation = record.label("operation")
            rule = record.label("rule")
        }

        /// Whether a metric is about errors or violations (weighted by them) rather than all spans.
        static func weighsErrors(_ metric: String) -> Bool {
            metric == "span.errors" || metric.hasPrefix("invariant.violation") || metric == "span.edge.errors"
        }
    }
}
