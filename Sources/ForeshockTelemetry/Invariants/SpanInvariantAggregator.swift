/// Checks invariant rules on every span and counts, per window and series, the spans each rule
/// applied to and those that violated it — the semantic signal beside latency and errors.
///
/// ## Series
/// One series per (rule, service, operation, configured dimension values), labels `rule`,
/// `service`, `operation` and the dimensions present (resolved as ``SpanMetricsAggregator``
/// does: the span's attribute, else the resource's; empty values are absent), in records of kind ``WindowMetrics/Kind/invariant``: ``WindowMetrics/count`` =
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
/// - Complexity: per span, the rules without a `span.name` premise, plus one hash of the span
///   name and the rules scoped to it (the others are skipped unevaluated); the span's series is
///   found once (one hash lookup) when some rule gives a verdict, and a series key is built
///   only for a new series.
public final class SpanInvariantAggregator {
    public let rules: [InvariantRule]
    public let configuration: SpanMetricsConfiguration

    /// The counters since the aggregator was created.
    public var statistics: InvariantStatistics {
        var statistics = counters
        for (rule, name) in rules.map(\.name).enumerated() {
            for (offset, reason) in InvariantSkipReason.allCases.enumerated() {
                let count = skipCounts[rule * Self.reasonCount + offset]
                if count > 0 { statistics.notApplicable[InvariantStatistics.Skip(rule: name, reason: reason), default: 0] += count }
            }
        }
        return statistics
    }

    /// ``statistics`` without ``InvariantStatistics/notApplicable``, which ``skipCounts`` holds.
    @exclusivity(unchecked) private var counters = InvariantStatistics()
    /// Not-applicable outcomes by `rule × reasonCount + reason` (a dictionary keyed by the rule's
    /// name would hash a string per outcome). Allocated once, like ``verdicts``: see
    /// ``InvariantDispatchTable`` for why the per-span path avoids stored arrays.
    private let skipCounts: UnsafeMutableBufferPointer<Int>
    private static let reasonCount = InvariantSkipReason.allCases.count
    /// The current span's verdicts, `rule << 1 | violated` (room for one per rule).
    private let verdicts: UnsafeMutableBufferPointer<Int>
    private let dispatch: InvariantDispatchTable

    private let windowLength: Int64
    private let ruleCount: Int
    private let readsChildren: Bool
    private let seriesLimit: Int
    /// The configured dimensions allowed by the redaction policy, in order: the same as a
    /// ``SpanMetricsAggregator``'s with this configuration.
    let dimensionKeys: [String]
    /// The span attribute keys the rules read (`attr[...]`), each once.
    var attributeKeys: [String] { dispatch.attributeKeys }
    @exclusivity(unchecked) private var windows: [Window] = []
    @exclusivity(unchecked) private var lastWindow = -1
    /// The current batch's children (batch positions) by parent, when a rule reads them.
    @exclusivity(unchecked) private var children: [SpanID: [Int32]] = [:]
    @exclusivity(unchecked) private var identityScratch = SeriesIdentity()
    /// Windows starting before this are closed.
    @exclusivity(unchecked) private var watermark: Int64 = .min

    public init(rules: [InvariantRule], configuration: SpanMetricsConfiguration = SpanMetricsConfiguration()) {
        self.rules = rules
        self.configuration = configuration
        windowLength = max(1, configuration.windowMilliseconds)
        ruleCount = rules.count
        readsChildren = rules.contains { $0.readsChildren }
        seriesLimit = max(1, configuration.maxSeriesPerService) * max(1, configuration.maxServices)
        dimensionKeys = configuration.labelDimensions
        skipCounts = .allocate(capacity: rules.count * Self.reasonCount)
        skipCounts.initialize(repeating: 0)
        verdicts = .allocate(capacity: rules.count)
        verdicts.initialize(repeating: 0)
        dispatch = InvariantDispatchTable(rules: rules)
    }

    deinit {
        identityScratch.deallocate()
        skipCounts.deallocate()
        verdicts.deallocate()
        dispatch.deallocate()
    }

    /// Evaluates every rule on every span of `spans`.
    ///
    /// - Complexity: O(unscoped rules) evaluations per span, plus one hash of the span name
    ///   and the rules scoped to it; the span's series is found once, by a hash of its
    ///   identity, when some rule gives a verdict.
    public func ingest(_ spans: [Span]) {
        ingest(SpanColumns(spans: spans))
    }

    /// Evaluates every rule on every span of `batch` (see ``ingest(_:)-([Span])``).
    public func ingest(_ batch: SpanColumns) {
        guard batch.count > 0 else { return }
        withUnsafePointer(to: batch) { pointer in
            batch.text.withUnsafeBytes { text in
                beginBatch(batch)
                for index in 0..<batch.count { check(InvariantSpan(batch: pointer, text: text, index: index), identity: 0) }
                endBatch()
            }
        }
    }

    /// Starts checking `batch`, whose spans are then passed one by one to
    /// ``check(_:identity:attributePositions:)`` (so that a caller walking the batch for its own
    /// reasons checks each span while it is in cache), then ``endBatch()``. Rules that read
    /// children see those of the same batch.
    func beginBatch(_ batch: SpanColumns) {
        guard readsChildren else { return }
        children.removeAll(keepingCapacity: true)
        for index in 0..<batch.count where !batch.parentSpanIDs[index].isZero {
            children[batch.parentSpanIDs[index], default: []].append(Int32(index))
        }
    }

    func endBatch() {
        children.removeAll()
    }

    /// Evaluates every rule on `span` (of the current batch) and counts the verdicts.
    ///
    /// `identity` is the span's operation identity hash (``SeriesIdentity/operationHash``) when
    /// the caller has it (``SpanMetricsAggregator`` with the same dimensions), or 0 to have it
    /// computed here when needed; `attributePositions`, when given, holds per key of
    /// ``attributeKeys`` the batch position of the span's first attribute with that key, or -1
    /// (found by a caller already walking the attributes); otherwise they are found here.
    @inline(__always)
    func check(_ span: InvariantSpan, identity: UInt64, attributePositions: UnsafePointer<Int32>? = nil) {
        // A span's verdicts are gathered, then counted together: the series is found once, and
        // the counts touched once per span, not per rule.
        let found: Int
        if readsChildren, let kids = children[span.batch.pointee.spanIDs[span.index]] {
            found = kids.withUnsafeBufferPointer { evaluateRules(on: span, children: $0, attributePositions: attributePositions) }
        } else {
            found = evaluateRules(on: span, children: UnsafeBufferPointer(start: nil, count: 0), attributePositions: attributePositions)
        }
        if found > 0 { count(span: span, verdicts: UnsafeBufferPointer(rebasing: verdicts[..<found]), identity: identity) }
    }

    /// Evaluates the rules that may apply to the span (the unscoped ones and those scoped to its
    /// name), writing its verdicts to ``verdicts`` and counting skips; returns the verdicts.
    /// (Loops and `inout` state rather than a nested function: a local captured by one is
    /// boxed and checked for exclusivity at run time.)
    @inline(__always)
    private func evaluateRules(on span: InvariantSpan, children: UnsafeBufferPointer<Int32>,
                               attributePositions: UnsafePointer<Int32>?) -> Int {
        var found = 0
        var prepared = false
        for rule in dispatch.unscoped {
            evaluate(rule, on: span, children: children, attributePositions: attributePositions, found: &found, prepared: &prepared)
        }
        // Rules scoped to another span name are skipped unevaluated (their premise is false).
        if dispatch.hasScopedRules {
            for position in dispatch.rules(scopedTo: span.name) {
                evaluate(dispatch.scoped[position], on: span, children: children, attributePositions: attributePositions,
                         found: &found, prepared: &prepared)
            }
        }
        return found
    }

    @inline(__always)
    private func evaluate(_ rule: Int, on span: InvariantSpan, children: UnsafeBufferPointer<Int32>,
                          attributePositions: UnsafePointer<Int32>?, found: inout Int, prepared: inout Bool) {
        if !prepared {
            if let attributePositions { dispatch.prepare(positions: attributePositions) } else { dispatch.prepare(span) }
            prepared = true
        }
        switch dispatch.evaluate(rule, span, children: children) {
        case .holds:
            verdicts[found] = rule << 1
            found += 1
        case .violated:
            verdicts[found] = rule << 1 | 1
            found += 1
        case .notApplicable(.premiseFalse):
            break
        case let .notApplicable(reason):
            skipCounts[rule * Self.reasonCount + reason.ordinal] += 1
        }
    }

    /// Returns and forgets the windows closed at `now` (Unix ms): those ending at least
    /// `allowedLatenessWindows` window lengths before it.
    public func drainClosedWindows(now: Int64) -> [WindowMetrics] {
        let closeBefore = now - windowLength * (1 + max(0, configuration.allowedLatenessWindows))
        return drain { $0 < closeBefore - windowLength + 1 }
    }

    /// Returns and forgets every open window.
    public func drainAll() -> [WindowMetrics] {
        drain { _ in true }
    }

    // MARK: - Counting

    /// Counts a span's verdicts (`rule << 1 | violated`) in its series.
    private func count(span: InvariantSpan, verdicts: UnsafeBufferPointer<Int>, identity: UInt64) {
        counters.evaluations += verdicts.count
        guard let (window, series) = locate(span, identity: identity) else {
            for verdict in verdicts where verdict & 1 != 0 { counters.violations += 1 }
            return
        }
        let first = Int(series) * ruleCount
        for verdict in verdicts {
            let cell = first + verdict >> 1
            windows[window].counts[cell].evaluations += 1
            guard verdict & 1 != 0 else { continue }
            counters.violations += 1
            windows[window].counts[cell].violations += 1
            if windows[window].exemplars[cell, default: []].count < configuration.exemplarsPerSeries {
                windows[window].exemplars[cell, default: []].append(exemplar(of: span, rule: rules[verdict >> 1]))
            }
        }
    }

    /// The window and series of a span some rule gave a verdict on, or nil when the span is
    /// late or would open one window too many (both counted).
    private func locate(_ span: InvariantSpan, identity: UInt64) -> (window: Int, series: Int32)? {
        let end = span.batch.pointee.endNanos[span.index] / 1_000_000
        let start = end - ((end % windowLength) + windowLength) % windowLength
        guard start >= watermark else {
            counters.lateSpans += 1
            return nil
        }
        guard let window = windows.openWindow(startingAt: start, last: &lastWindow, limit: configuration.maxOpenWindows) else {
            counters.spansBeyondOpenWindows += 1
            return nil
        }
        // Known series are found by a 64-bit hash of their identity (computed without building
        // a single string, or handed over by the metrics pass); the key is built (and checked)
        // only for a new series. Two series whose hashes collide would share counts: about
        // 10⁻¹¹ a window at 10,000 series.
        let hash = identity != 0 ? identity : identityHash(span)
        if let series = windows[window].byHash.find(hash) { return (window, series) }
        let series = windows[window].intern(seriesKey(span), hash: hash, limit: seriesLimit, rules: rules.count)
        if windows[window].keys[Int(series)] == nil { counters.overflowSpans += 1 }
        return (window, series)
    }

    /// A dimension's value on a span as its label reads, as ``SpanMetricsAggregator`` resolves
    /// it: the last span attribute of that key with a label text, else the resource's, "" when
    /// neither has one.
    private static func dimensionValue(_ key: String, of span: InvariantSpan) -> String {
        var value = span.resource.attribute(key)?.labelText ?? ""
        var key = key
        key.withUTF8 { key in
            for position in span.attributePositions where InvariantSpan.equal(span.key(at: position), UnsafeRawBufferPointer(key)) {
                switch span.value(at: position) {
                case let .text(range): value = range.string(in: span.text)
                case let .int(number): value = String(number)
                case let .bool(flag): value = flag ? "true" : "false"
                case .double, .complex: break
                }
            }
        }
        return value
    }

    /// The span's operation identity hash (``SeriesIdentity/operationHash``: service, span
    /// name, dimension values; empty values count as absent).
    private func identityHash(_ span: InvariantSpan) -> UInt64 {
        identityScratch.reset()
        identityScratch.append(span.resource.serviceName)
        identityScratch.append(span.name)
        for key in dimensionKeys { identityScratch.append(Self.dimensionValue(key, of: span)) }
        return identityScratch.operationHash
    }

    private func seriesKey(_ span: InvariantSpan) -> SeriesKey {
        var key = SeriesKey(service: span.resource.serviceName, operation: String(decoding: span.name, as: UTF8.self), dimensions: [])
        for name in dimensionKeys {
            let value = Self.dimensionValue(name, of: span)
            if !value.isEmpty { key.dimensions.append(MetricLabel(name, value)) }
        }
        return key
    }

    private func exemplar(of invariantSpan: InvariantSpan, rule: InvariantRule) -> Exemplar {
        let span = invariantSpan.batch.pointee.span(at: invariantSpan.index, text: invariantSpan.text)
        let policy = configuration.redaction
        var attributes: [SpanAttribute] = []
        for name in rule.referencedAttributes {
            if let value = span.attribute(name) ?? span.resource.attribute(name) {
                attributes.append(SpanAttribute(name, policy.redact(value)))
            }
        }
        return Exemplar(traceID: span.traceID, spanID: span.spanID, durationNanos: span.durationNanos,
                        endNanos: span.endNanos, isError: span.isEffectiveError,
                        statusMessage: policy.redact(span.statusMessage), attributes: attributes)
    }

    // MARK: - Emitting

    /// Removes the windows whose start satisfies `closing` and returns their records, oldest first.
    private func drain(where closing: (Int64) -> Bool) -> [WindowMetrics] {
        let closed = windows.filter { closing($0.start) }.sorted { $0.start < $1.start }
        guard let last = closed.last else { return [] }
        windows.removeAll { closing($0.start) }
        lastWindow = -1
        watermark = max(watermark, last.start + windowLength)
        return closed.flatMap(emit)
    }

    private func emit(_ window: Window) -> [WindowMetrics] {
        let limit = configuration.maxLabelValueBytes
        let policy = configuration.redaction
        var rows: [(rule: Int, key: SeriesKey?, cell: Int)] = []
        for series in window.keys.indices {
            for rule in rules.indices where window.counts[series * rules.count + rule].evaluations > 0 {
                rows.append((rule, window.keys[series], series * rules.count + rule))
            }
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
            let counts = window.counts[row.cell]
            return WindowMetrics(
                kind: .invariant, windowStart: window.start, windowLength: windowLength, labels: labels.sorted(), isOverflow: row.key == nil,
                count: counts.evaluations, errors: counts.violations, duration: nil, inflightSeconds: 0,
                selfSeconds: 0, inputTokens: 0, outputTokens: 0, utilizationMean: 0, utilizationMax: 0,
                exemplars: window.exemplars[row.cell] ?? [])
        }
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

    /// A rule's counts on one series in one window.
    private struct RuleCounts {
        var evaluations = 0
        var violations = 0
    }

    /// One open window: its series (interned once per span) and, per series, one
    /// ``RuleCounts`` for each rule.
    private struct Window: OpenWindow {
        let start: Int64
        /// Series by id; nil is the overflow series.
        var keys: [SeriesKey?] = []
        var ids: [SeriesKey: Int32] = [:]
        var overflowID: Int32 = -1
        /// Series ids by identity hash (admitted series only).
        var byHash = HashIndex()
        /// By `series id × rules + rule`.
        var counts: [RuleCounts] = []
        /// Violating spans kept, by the same index.
        var exemplars: [Int: [Exemplar]] = [:]

        init(start: Int64) {
            self.start = start
        }

        /// The id of `key`, a new one, or the overflow series' once the window holds `limit` series.
        mutating func intern(_ key: SeriesKey, hash: UInt64, limit: Int, rules: Int) -> Int32 {
            if let id = ids[key] {
                byHash.insert(hash, id)
                return id
            }
            // Overflowing spans are not remembered by hash: under a label explosion that map
            // would grow without bound.
            guard ids.count < limit else {
                if overflowID < 0 { overflowID = append(nil, rules: rules) }
                return overflowID
            }
            let id = append(key, rules: rules)
            ids[key] = id
            byHash.insert(hash, id)
            return id
        }

        private mutating func append(_ key: SeriesKey?, rules: Int) -> Int32 {
            keys.append(key)
            counts.append(contentsOf: repeatElement(RuleCounts(), count: rules))
            return Int32(keys.count - 1)
        }
    }
}

extension InvariantSkipReason {
    /// The position among `allCases`.
    var ordinal: Int {
        switch self {
        case .premiseFalse: 0
        case .missingAttribute: 1
        case .typeMismatch: 2
        case .arithmetic: 3
        case .notANumber: 4
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
