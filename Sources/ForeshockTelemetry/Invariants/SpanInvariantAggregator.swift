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
    private let dimensionKeys: [String]
    /// The rules' compiled premises and conclusions, called in place on the ingest path.
    private let premises: ContiguousArray<InvariantProgram.Condition>
    private let conclusions: ContiguousArray<InvariantProgram.Condition>
    /// Rules whose premise requires a span name, by that name; the others apply to every span.
    private let rulesByRequiredName: [String: [Int]]
    private let unscopedRules: [Int]
    private var windows: [Int64: Window] = [:]
    /// Windows starting before this are closed.
    private var watermark: Int64 = .min

    public init(rules: [InvariantRule], configuration: SpanMetricsConfiguration = SpanMetricsConfiguration()) {
        self.rules = rules
        self.configuration = configuration
        windowLength = max(1, configuration.windowMilliseconds)
        readsChildren = rules.contains { $0.readsChildren }
        seriesLimit = max(1, configuration.maxSeriesPerService) * max(1, configuration.maxServices)
        dimensionKeys = configuration.dimensions.filter { configuration.redaction.allows($0) }
        premises = ContiguousArray(rules.map(\.program.premise))
        conclusions = ContiguousArray(rules.map(\.program.conclusion))
        rulesByRequiredName = Dictionary(grouping: rules.indices.filter { rules[$0].program.requiredSpanName != nil }) {
            rules[$0].program.requiredSpanName ?? ""
        }
        unscopedRules = rules.indices.filter { rules[$0].program.requiredSpanName == nil }
    }

    /// Evaluates every rule on every span of `spans`.
    public func ingest(_ spans: [Span]) {
        guard !rules.isEmpty, !spans.isEmpty else { return }
        let children = readsChildren ? Self.childrenByParent(spans) : [:]
        let none = UnsafeBufferPointer<Span>(start: nil, count: 0)
        // The compiled conditions are called in place: copying a rule per span would cost a
        // retain and a release for each string and closure it holds, more than the evaluation.
        premises.withUnsafeBufferPointer { premises in
        conclusions.withUnsafeBufferPointer { conclusions in
        spans.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for index in 0..<buffer.count {
                let span = base + index
                let kids = readsChildren ? children[span.pointee.spanID] ?? [] : []
                // The span's series within its window, found once for all the rules it applies to.
                var located: (window: Int64, series: Int32)?
                func apply(_ ruleIndex: Int) {
                    let outcome = kids.isEmpty
                        ? InvariantProgram.evaluate(premise: premises[ruleIndex], conclusion: conclusions[ruleIndex], span, children: none)
                        : kids.withUnsafeBufferPointer {
                            InvariantProgram.evaluate(premise: premises[ruleIndex], conclusion: conclusions[ruleIndex], span, children: $0)
                        }
                    let violated: Bool
                    switch outcome {
                    case .notApplicable(.premiseFalse):
                        return
                    case let .notApplicable(reason):
                        statistics.notApplicable[InvariantStatistics.Skip(rule: rules[ruleIndex].name, reason: reason), default: 0] += 1
                        return
                    case .holds:
                        violated = false
                    case .violated:
                        violated = true
                    }
                    statistics.evaluations += 1
                    if violated { statistics.violations += 1 }
                    if located == nil { located = locate(span) }
                    guard let (window, series) = located else { return }
                    windows[window]?.count(rule: ruleIndex, series: series, violated: violated, limit: configuration.exemplarsPerSeries) {
                        exemplar(of: span, rule: rules[ruleIndex])
                    }
                }
                // Rules scoped to another span name are skipped unevaluated (their premise is false).
                for ruleIndex in unscopedRules { apply(ruleIndex) }
                if !rulesByRequiredName.isEmpty, let scoped = rulesByRequiredName[span.pointee.name] {
                    for ruleIndex in scoped { apply(ruleIndex) }
                }
            }
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

    /// The window and the series (within it) of a span some rule applied to, or nil when the
    /// span is late or would open one window too many (both counted).
    private func locate(_ span: UnsafePointer<Span>) -> (Int64, Int32)? {
        let end = span.pointee.endNanos / 1_000_000
        let window = end - ((end % windowLength) + windowLength) % windowLength
        guard window >= watermark else {
            statistics.lateSpans += 1
            return nil
        }
        if windows[window] == nil {
            guard windows.count < configuration.maxOpenWindows else {
                statistics.spansBeyondOpenWindows += 1
                return nil
            }
            windows[window] = Window()
        }
        // Known series are found by a 64-bit hash of their identity, computed without building
        // a single string; the key is built (and checked) only for a new series. Two series
        // whose hashes collide would share counts: about 10⁻¹¹ a window at 10,000 series.
        let hash = seriesHash(span)
        if let series = windows[window]?.byHash[hash] { return (window, series) }
        var key = SeriesKey(service: span.pointee.serviceName, operation: span.pointee.name, dimensions: [])
        for name in dimensionKeys {
            guard let value = (span.pointee.attribute(name) ?? span.pointee.resource.attribute(name))?.labelText else { continue }
            key.dimensions.append(MetricLabel(name, value))
        }
        guard let series = windows[window]?.intern(key, hash: hash, limit: seriesLimit) else { return nil }
        if series == Window.overflow { statistics.overflowSpans += 1 }
        return (window, series)
    }

    /// The hash of a span's series identity: service, span name and each dimension's value as
    /// its label would read (strings as such, integers and booleans by value; absent ones and
    /// other types alike).
    private func seriesHash(_ span: UnsafePointer<Span>) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(span.pointee.resource.serviceName)
        hasher.combine(span.pointee.name)
        for name in dimensionKeys {
            switch span.pointee.attribute(name) ?? span.pointee.resource.attribute(name) {
            case let .string(text)?: hasher.combine(1 as UInt8); hasher.combine(text)
            case let .int(value)?: hasher.combine(2 as UInt8); hasher.combine(value)
            case let .bool(value)?: hasher.combine(3 as UInt8); hasher.combine(value)
            default: hasher.combine(0 as UInt8)
            }
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    private func exemplar(of span: UnsafePointer<Span>, rule: InvariantRule) -> Exemplar {
        let policy = configuration.redaction
        var attributes: [SpanAttribute] = []
        for name in rule.referencedAttributes {
            if let value = span.pointee.attribute(name) ?? span.pointee.resource.attribute(name) {
                attributes.append(SpanAttribute(name, policy.redact(value)))
            }
        }
        return Exemplar(traceID: span.pointee.traceID, spanID: span.pointee.spanID, durationNanos: span.pointee.durationNanos,
                        endNanos: span.pointee.endNanos, isError: span.pointee.isEffectiveError,
                        statusMessage: policy.redact(span.pointee.statusMessage), attributes: attributes)
    }

    private func emit(_ start: Int64) -> [WindowMetrics] {
        guard let window = windows.removeValue(forKey: start) else { return [] }
        let limit = configuration.maxLabelValueBytes
        let policy = configuration.redaction
        var rows: [(rule: Int, key: SeriesKey?, accumulator: Accumulator)] = []
        for (packed, accumulator) in window.counts {
            let series = Int32(truncatingIfNeeded: packed)
            rows.append((Int(packed >> 32), series == Window.overflow ? nil : window.keys[Int(series)], accumulator))
        }
        rows.sort { a, b in
            if a.rule != b.rule { return a.rule < b.rule }
            guard let x = a.key else { return false }
            guard let y = b.key else { return true }
            return x < y
        }
        return rows.map { row in
            var labels = [MetricLabel("rule", rules[row.rule].name.truncated(toUTF8: limit))]
            if let key = row.key {
                labels.append(MetricLabel("service", policy.redact(key.service).truncated(toUTF8: limit)))
                labels.append(MetricLabel("operation", policy.redact(key.operation).truncated(toUTF8: limit)))
                labels += key.dimensions.map { MetricLabel($0.name, policy.redact($0.value).truncated(toUTF8: limit)) }
            } else {
                labels.append(MetricLabel("otel.metric.overflow", "true"))
            }
            return WindowMetrics(
                kind: .invariant, windowStart: start, windowLength: windowLength, labels: labels.sorted(), isOverflow: row.key == nil,
                count: row.accumulator.evaluations, errors: row.accumulator.violations, duration: nil, inflightSeconds: 0,
                selfSeconds: 0, inputTokens: 0, outputTokens: 0, utilizationMean: 0, utilizationMax: 0,
                exemplars: row.accumulator.exemplars)
        }
    }

    /// Each span's children within the batch, as contiguous copies.
    private static func childrenByParent(_ spans: [Span]) -> [SpanID: [Span]] {
        var out: [SpanID: [Span]] = [:]
        for span in spans where !span.parentSpanID.isZero { out[span.parentSpanID, default: []].append(span) }
        return out
    }

    /// An operation's series identity, without the rule.
    private struct SeriesKey: Hashable, Comparable {
        var service: String
        var operation: String
        var dimensions: [MetricLabel]

        static func < (a: SeriesKey, b: SeriesKey) -> Bool {
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

    /// One open window: its series (interned once per span) and the counts per (rule, series).
    private struct Window {
        /// The series id of the overflow series.
        static let overflow: Int32 = -1
        var ids: [SeriesKey: Int32] = [:]
        var keys: [SeriesKey] = []
        /// Series ids by ``SpanInvariantAggregator/seriesHash(_:)`` (admitted series only).
        var byHash: [UInt64: Int32] = [:]
        /// By `rule << 32 | series id`.
        var counts: [UInt64: Accumulator] = [:]

        /// The id of `key`, a new one, or ``overflow`` once the window holds `limit` series.
        mutating func intern(_ key: SeriesKey, hash: UInt64, limit: Int) -> Int32 {
            if let id = ids[key] {
                byHash[hash] = id
                return id
            }
            // Overflowing spans are not remembered by hash: under a label explosion that map
            // would grow without bound.
            guard keys.count < limit else { return Self.overflow }
            let id = Int32(keys.count)
            ids[key] = id
            keys.append(key)
            byHash[hash] = id
            return id
        }

        mutating func count(rule: Int, series: Int32, violated: Bool, limit: Int, exemplar: () -> Exemplar) {
            let packed = UInt64(rule) << 32 | UInt64(UInt32(bitPattern: series))
            counts[packed, default: Accumulator()].evaluations += 1
            guard violated else { return }
            counts[packed, default: Accumulator()].violations += 1
            if counts[packed, default: Accumulator()].exemplars.count < limit {
                counts[packed, default: Accumulator()].exemplars.append(exemplar())
            }
        }
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
