import ForeshockSketches

/// One label of a derived series (mirrors ForeshockStorage's `Label`, into which it converts
/// one to one).
public struct MetricLabel: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (a: MetricLabel, b: MetricLabel) -> Bool { (a.name, a.value) < (b.name, b.value) }
    public var description: String { "\(name)=\"\(value)\"" }
}

/// One scalar sample of a derived metric: a storage point once the metric name and labels
/// become a `SeriesKey` (`SeriesKey(name: point.name, labels: point.labels.map { Label($0.name, $0.value) })`).
public struct MetricPoint: Sendable, Equatable {
    /// The metric name, e.g. `span.count`.
    public var name: String
    /// Sorted by name, unique names.
    public var labels: [MetricLabel]
    /// The window start, Unix milliseconds.
    public var timestamp: Int64
    public var value: Double
}

/// A span kept as an example of a series' window: one of its slowest spans or one of its
/// errors, with the attributes that survive the redaction policy.
public struct Exemplar: Sendable {
    public var traceID: TraceID
    public var spanID: SpanID
    public var durationNanos: Int64
    /// End time, Unix nanoseconds.
    public var endNanos: Int64
    public var isError: Bool
    /// The status message, masked (empty when none).
    public var statusMessage: String
    /// Allowed and masked span and resource attributes.
    public var attributes: [SpanAttribute]
}

/// The metrics of one series in one closed window.
///
/// Four kinds of series:
/// - ``Kind/operation``: labels `service`, `operation` (span name), `kind`, `status` (the
///   *effective* status: `error` also for spans with unset status and an HTTP 5xx or a non-zero
///   gRPC status) and the configured dimensions present on the spans; or, for the overflow
///   series, `service` and `otel.metric.overflow="true"`.
/// - ``Kind/callEdge``: a call from one service to another (a parent span and a child span of
///   different services, typically client → server): labels `service` and `operation` of the
///   caller (parent), `peer.service` and `peer.operation` of the callee (child). Counts, errors
///   and the duration sketch are the caller-side view (the parent span).
/// - ``Kind/utilization``: a utilisation resource attribute of a service: labels `service` and
///   `attribute`; ``utilizationMean``/``utilizationMax``.
/// - ``Kind/invariant``: an invariant rule on an operation (``SpanInvariantAggregator``): labels
///   `rule`, `service`, `operation` and the dimensions; ``count`` = evaluations, ``errors`` =
///   violations, exemplars = violating spans with the values the rule read.
public struct WindowMetrics: Sendable {
    public enum Kind: Sendable, Equatable {
        case operation
        case callEdge
        case utilization
        /// An invariant rule's evaluations and violations (``SpanInvariantAggregator``).
        case invariant
    }

    public var kind: Kind
    /// Window start, Unix milliseconds.
    public var windowStart: Int64
    /// Window length, milliseconds.
    public var windowLength: Int64
    /// Sorted by name.
    public var labels: [MetricLabel]
    /// Whether this is an overflow series of the cardinality guard.
    public var isOverflow: Bool
    /// Spans (calls, samples) counted.
    public var count: Int
    /// Of which errors.
    public var errors: Int
    /// Durations in **seconds** (operation, callEdge), nil for utilisation.
    public var duration: DDSketch?
    /// Σ duration in seconds ("in-flight time"); divided by the window length it is the mean
    /// number of spans in flight (Little's law).
    public var inflightSeconds: Double
    /// Σ exclusive ("self") time in seconds: each span's duration minus the part of its
    /// children's durations within it, floored at 0.
    public var selfSeconds: Double
    /// Σ `gen_ai.usage.input_tokens` / `output_tokens`.
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var utilizationMean: Double
    public var utilizationMax: Double
    /// The slowest spans, then error spans (a few of each).
    public var exemplars: [Exemplar]

    /// The value of label `name`.
    public func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }

    /// Spans per second.
    public var rate: Double { Double(count) * 1000 / Double(windowLength) }
    /// Mean number in flight: ``inflightSeconds`` / window seconds.
    public var concurrency: Double { inflightSeconds * 1000 / Double(windowLength) }

    /// The scalar samples of this record, named as the store will know them:
    /// `span.count`, `span.rate`, `span.errors`, `span.inflight_seconds`, `span.concurrency`,
    /// `span.self_seconds`, `span.duration.p50/p90/p99/max` (from the sketch), `gen_ai.tokens.input`,
    /// `gen_ai.tokens.output` (when non-zero); for edges `span.edge.calls`, `span.edge.errors`,
    /// `span.edge.duration.p50/p90/p99`; for utilisation `resource.utilization.mean`/`.max`; for
    /// invariants `invariant.evaluations`, `invariant.violations`, `invariant.violation_ratio`.
    /// The sketch itself is kept whole in ``duration`` for quantile queries after merging.
    public func points() -> [MetricPoint] {
        var out: [MetricPoint] = []
        func add(_ name: String, _ value: Double) {
            out.append(MetricPoint(name: name, labels: labels, timestamp: windowStart, value: value))
        }
        switch kind {
        case .operation:
            add("span.count", Double(count))
            add("span.rate", rate)
            add("span.errors", Double(errors))
            add("span.inflight_seconds", inflightSeconds)
            add("span.concurrency", concurrency)
            add("span.self_seconds", selfSeconds)
            if let duration, !duration.isEmpty {
                for (suffix, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
                    if let value = duration.quantile(q) { add("span.duration.\(suffix)", value) }
                }
                add("span.duration.max", duration.maximum)
            }
            if inputTokens != 0 { add("gen_ai.tokens.input", Double(inputTokens)) }
            if outputTokens != 0 { add("gen_ai.tokens.output", Double(outputTokens)) }
        case .callEdge:
            add("span.edge.calls", Double(count))
            add("span.edge.errors", Double(errors))
            if let duration, !duration.isEmpty {
                for (suffix, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
                    if let value = duration.quantile(q) { add("span.edge.duration.\(suffix)", value) }
                }
            }
        case .utilization:
            add("resource.utilization.mean", utilizationMean)
            add("resource.utilization.max", utilizationMax)
        case .invariant:
            add("invariant.evaluations", Double(count))
            add("invariant.violations", Double(errors))
            if count > 0 { add("invariant.violation_ratio", Double(errors) / Double(count)) }
        }
        return out
    }
}

/// Counters of a ``SpanMetricsAggregator`` since it was created.
public struct SpanMetricsStatistics: Sendable, Equatable {
    /// Spans counted into some series (overflow series included).
    public var spansIngested = 0
    /// Spans counted into an overflow series.
    public var overflowSpans = 0
    /// Spans dropped because their window had already been drained.
    public var lateSpans = 0
    /// Spans dropped because they would have opened more than `maxOpenWindows` windows.
    public var spansBeyondOpenWindows = 0
    /// Call edges counted.
    public var edgesJoined = 0
    /// Edges found after the caller's window was drained (not counted).
    public var lateEdges = 0
    /// Edges not counted because a window had `maxEdgesPerWindow` edge series.
    public var overflowEdges = 0
    /// Children whose buffered record was overwritten or expired before their parent came.
    public var unmatchedChildren = 0
}
