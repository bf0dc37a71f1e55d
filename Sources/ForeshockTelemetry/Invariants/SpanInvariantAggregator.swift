/// Checks invariant rules on every span and counts, per window and series, the spans each rule
/// applied to and those that violated it — the semantic signal beside latency and errors.
///
/// ## Series
/// One series per (rule, service, operation, configured dimension values), labels `rule`,
/// `service`, `operation` and the dimensions present (span attribute first, then resource
/// attribute), in records of kind ``WindowMetrics/Kind/invariant``: ``WindowMetrics/count`` =
/// evaluations (the rule's premise held and its conclusion could be evaluated),
/// ``WindowMetrics/errors`` = violations. Spans whose premise is false are not counted anywhere
/// (they are most spans); spans whose data made the rule not applicable (a missing attribute,
/// a wrong type, an arithmetic fault, NaN) are counted per rule and reason in
/// ``statistics`` — never an error, never a crash.
///
/// ## Exemplars
/// Up to `exemplarsPerSeries` violating spans per series and window, with the values of the
/// attributes the rule reads: those are kept even when not on the redaction allow-list (the
/// rule's author named them), but masked by its patterns (e-mail, tokens, card numbers).
///
/// ## Children
/// Rules that aggregate over children see the children that arrive in the same batch as the
/// parent (an OpenTelemetry SDK's batch processor usually exports a trace's spans together;
/// a child exported in an earlier batch is not seen).
///
/// ## Bounds
/// At most `maxSeriesPerService × maxServices` series per window (beyond: the rule's overflow
/// series with `otel.metric.overflow="true"`, counted in ``InvariantStatistics/overflowSpans``),
/// at most `maxOpenWindows` open windows; late spans are dropped and counted. Windows close as
/// in ``SpanMetricsAggregator``. Not thread-safe.
///
/// - Complexity: O(rules) per span for rules whose premise is false (≈ 10 ns each); building
///   a series key costs O(dimensions) only for spans a rule applies to.
public final class SpanInvariantAggregator {
    public let rules: [InvariantRule]
    public let configuration: SpanMetricsConfiguration
    public private(set) var statistics = InvariantStatistics()

    private let windowLength: Int64
    private let readsChildren: Bool
    private let seriesLimit: Int
    private var windows: [Int64: [SeriesKey: Accumulator]] = [:]
    /// Windows starting before this are closed.
    private var watermark: Int64 = .min

    public init(rules: [InvariantRule], configuration: SpanMetricsConfiguration = SpanMetricsConfiguration()) {
        self.rules = rules
        self.configuration = configuration
        windowLength = max(1, configuration.windowMilliseconds)
        readsChildren = rules.contains { $0.readsChildren }
        seriesLimit = max(1, configuration.maxSeriesPerService) * max(1, configuration.maxServices)
    }

    /// Evaluates every rule on every span of `spans`.
    public func ingest(_ spans: [Span]) {
        guard !rules.isEmpty, !spans.isEmpty else { return }
        let children = readsChildren ? Self.childrenByParent(spans) : [:]
        spans.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for index in 0..<buffer.count {
                let span = base + index
                let kids = children[span.pointee.spanID] ?? []
                for (ruleIndex, rule) in rules.enumerated() {
                    let outcome = kids.isEmpty
                        ? rule.evaluate(span, children: UnsafeBufferPointer(start: nil, count: 0))
                        : kids.withUnsafeBufferPointer { rule.evaluate(span, children: $0) }
                    record(outcome, rule: ruleIndex, span: span.pointee)
                }
            }
        }
    }

    /// Returns and forgets the windows closed at `now` (Unix ms): those ending at least
    /// `allowedLatenessWindows` window lengths before it.
    public func drainClosedWindows(now: Int64) -> [WindowMetrics] {
        let closeBefore = now - windowLength * (1 + max(0, configuration.allowedLatenessWindows))
        let closing = windows.keys.filter { $0 < closeBefore - windowLength + 1 }.sorted()
        if let last = closing.last { watermark = max(watermark, last + windowLength) }
        return closing.flatMap { emit($0) }
    }

    /// Returns and forgets every open window.
    public func drainAll() -> [WindowMetrics] {
        let all = windows.keys.sorted()
        if let last = all.last { watermark = max(watermark, last + windowLength) }
        return all.flatMap { emit($0) }
    }

    // MARK: - Counting

    private func record(_ outcome: InvariantOutcome, rule: Int, span: Span) {
        let violated: Bool
        switch outcome {
        case .notApplicable(.premiseFalse):
            return
        case let .notApplicable(reason):
            statistics.notApplicable[InvariantStatistics.Skip(rule: rules[rule].name, reason: reason), default: 0] += 1
            return
        case .holds:
            violated = false
        case .violated:
            violated = true
        }
        statistics.evaluations += 1
        if violated { statistics.violations += 1 }
        guard let (window, key) = locate(rule: rule, span: span) else { return }
        var accumulator = windows[window]?[key] ?? Accumulator()
        accumulator.evaluations += 1
        if violated {
            accumulator.violations += 1
            if accumulator.exemplars.count < configuration.exemplarsPerSeries {
                accumulator.exemplars.append(exemplar(of: span, rule: rules[rule]))
            }
        }
        windows[window, default: [:]][key] = accumulator
    }

    /// The window and series of a span that a rule applied to, or nil when the span is late or
    /// would open one window too many (both counted).
    private func locate(rule: Int, span: Span) -> (Int64, SeriesKey)? {
        let end = span.endNanos / 1_000_000
        let window = end - ((end % windowLength) + windowLength) % windowLength
        guard window >= watermark else {
            statistics.lateSpans += 1
            return nil
        }
        if windows[window] == nil, windows.count >= configuration.maxOpenWindows {
            statistics.spansBeyondOpenWindows += 1
            return nil
        }
        var key = SeriesKey(rule: rule, service: span.serviceName, operation: span.name, dimensions: [])
        for name in configuration.dimensions where configuration.redaction.allows(name) {
            guard let value = (span.attribute(name) ?? span.resource.attribute(name))?.labelText else { continue }
            key.dimensions.append(MetricLabel(name, value))
        }
        if let series = windows[window], series[key] == nil, series.count >= seriesLimit {
            statistics.overflowSpans += 1
            return (window, SeriesKey(rule: rule, service: "", operation: "", dimensions: [], overflow: true))
        }
        return (window, key)
    }

    private func exemplar(of span: Span, rule: InvariantRule) -> Exemplar {
        let policy = configuration.redaction
        var attributes: [SpanAttribute] = []
        for name in rule.referencedAttributes {
            if let value = span.attribute(name) ?? span.resource.attribute(name) {
                attributes.append(SpanAttribute(name, policy.redact(value)))
            }
        }
        return Exemplar(traceID: span.traceID, spanID: span.spanID, durationNanos: span.durationNanos, endNanos: span.endNanos,
                        isError: span.isEffectiveError, statusMessage: policy.redact(span.statusMessage), attributes: attributes)
    }

    private func emit(_ window: Int64) -> [WindowMetrics] {
        guard let series = windows.removeValue(forKey: window) else { return [] }
        let limit = configuration.maxLabelValueBytes
        let policy = configuration.redaction
        return series.sorted { $0.key < $1.key }.map { key, accumulator in
            var labels = [MetricLabel("rule", rules[key.rule].name.truncated(toUTF8: limit))]
            if key.overflow {
                labels.append(MetricLabel("otel.metric.overflow", "true"))
            } else {
                labels.append(MetricLabel("service", policy.redact(key.service).truncated(toUTF8: limit)))
                labels.append(MetricLabel("operation", policy.redact(key.operation).truncated(toUTF8: limit)))
                labels += key.dimensions.map { MetricLabel($0.name, policy.redact($0.value).truncated(toUTF8: limit)) }
            }
            return WindowMetrics(
                kind: .invariant, windowStart: window, windowLength: windowLength, labels: labels.sorted(), isOverflow: key.overflow,
                count: accumulator.evaluations, errors: accumulator.violations, duration: nil, inflightSeconds: 0, selfSeconds: 0,
                inputTokens: 0, outputTokens: 0, utilizationMean: 0, utilizationMax: 0, exemplars: accumulator.exemplars)
        }
    }

    /// Indices of each span's children within the batch, as contiguous copies.
    private static func childrenByParent(_ spans: [Span]) -> [SpanID: [Span]] {
        var out: [SpanID: [Span]] = [:]
        for span in spans where !span.parentSpanID.isZero { out[span.parentSpanID, default: []].append(span) }
        return out
    }

    private struct SeriesKey: Hashable, Comparable {
        var rule: Int
        var service: String
        var operation: String
        var dimensions: [MetricLabel]
        var overflow = false

        static func < (a: SeriesKey, b: SeriesKey) -> Bool {
            if a.rule != b.rule { return a.rule < b.rule }
            if a.overflow != b.overflow { return !a.overflow }
            if a.service != b.service { return a.service < b.service }
            if a.operation != b.operation { return a.operation < b.operation }
            return a.dimensions.lexicographicallyPrecedes(b.dimensions)
        }
    }

    private struct Accumulator {
        var evaluations = 0
        var violations = 0
        var exemplars: [Exemplar] = []
    }
}

/// Counters of a ``SpanInvariantAggregator`` since it was created.
public struct InvariantStatistics: Sendable, Equatable {
    /// Rule applications with a verdict (holds or violated).
    public var evaluations = 0
    public var violations = 0
    /// A rule and why it could not be decided on a span.
    public struct Skip: Hashable, Sendable {
        public var rule: String
        public var reason: InvariantSkipReason

        public init(rule: String, reason: InvariantSkipReason) {
            self.rule = rule
            self.reason = reason
        }
    }

    /// Applications that could not be decided, by rule and reason (a false premise is not
    /// counted).
    public var notApplicable: [Skip: Int] = [:]
    /// Applications counted in a rule's overflow series.
    public var overflowSpans = 0
    /// Applications dropped because their window had been drained.
    public var lateSpans = 0
    /// Applications dropped because they would have opened more than `maxOpenWindows` windows.
    public var spansBeyondOpenWindows = 0
}
