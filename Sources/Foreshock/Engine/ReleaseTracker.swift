import ForeshockDetection
import ForeshockSketches
import ForeshockTelemetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deploy-aware baselines: compares each new release of an operation with the release it
/// replaces, side by side, and raises a ``AnomalyKind/releaseRegression`` when the new one is
/// slower, fails more, or violates an invariant more — with the tests and rules of
/// `foreshock gate` (one-sided Mann–Whitney U on the latency sketches, two-proportion z-tests
/// on the error and violation ratios, the latter confirmed by an exact Poisson tail, since a
/// release's first minutes hold only a handful of errors).
///
/// ## Model
/// Per operation (or invariant rule on an operation) and release (`releaseAttribute`, a span
/// dimension), the window records of the engine are summed: a latency sketch, spans, errors
/// (violations). When a new release appears, every older release closes its running sum and
/// starts a fresh one: the baseline is the older release's sum since the release before that
/// appeared plus everything since (so a release that stopped at once, a big-bang switch, still
/// has one, and a canary running beside it keeps adding to it). Every release with
/// `minimumSpans` spans is compared with the oldest release that has as many — the stable one,
/// while canaries, A/B arms or several candidates run beside it.
///
/// One incident per (operation, rule, release, signal): opened when the rule first fails,
/// closed when the release is gone (silent for `adoptAfterWindows` windows: rolled back or
/// replaced) or adopted — left alone once the others are gone — after which it is the
/// baseline and the confirmed new normal raises nothing more.
///
/// Memory: at most `maxGroups` operations × 4 releases × 2 sketches.
struct ReleaseTracker {
    let configuration: ReleaseComparisonConfiguration
    let windowLength: Int64
    private let attributionDimensions: [String]
    private var groups: [GroupKey: [String: Release]] = [:]
    private var open: [IncidentKey: Anomaly] = [:]
    private var reported: Set<IncidentKey> = []
    private var nextID: UInt64 = 1

    init(configuration: ReleaseComparisonConfiguration, windowLength: Int64, attributionDimensions: [String]) {
        self.configuration = configuration
        self.windowLength = windowLength
        self.attributionDimensions = attributionDimensions
    }

    /// Sums the closed windows and returns the incidents they open or close.
    mutating func absorb(_ records: [WindowMetrics]) -> [AnomalyEvent] {
        guard configuration.enabled, !records.isEmpty else { return [] }
        var touched: Set<GroupKey> = []
        var now = Int64.min
        for record in records where !record.isOverflow && (record.kind == .operation || record.kind == .invariant) {
            guard let release = record.label(configuration.releaseAttribute),
                  let service = record.label("service"), let operation = record.label("operation") else { continue }
            let key = GroupKey(service: service, operation: operation, rule: record.label("rule"))
            guard groups[key] != nil || groups.count < configuration.maxGroups else { continue }
            add(record, release: release, to: key)
            touched.insert(key)
            now = max(now, record.windowStart + record.windowLength)
        }
        var events: [AnomalyEvent] = []
        for key in touched.sorted() { events += compare(key, now: now) }
        return events
    }

    private mutating func add(_ record: WindowMetrics, release: String, to key: GroupKey) {
        var releases = groups[key] ?? [:]
        if releases[release] == nil {
            // A new release: the others restart their sums so both sides cover the same time.
            for name in releases.keys { releases[name]?.restart() }
            releases[release] = Release(firstWindow: record.windowStart)
            if releases.count > 4, let oldest = releases.min(by: { $0.value.firstWindow < $1.value.firstWindow })?.key {
                releases[oldest] = nil
            }
        }
        releases[release]?.add(record, attributionDimensions: attributionDimensions)
        groups[key] = releases
    }

    private mutating func compare(_ key: GroupKey, now: Int64) -> [AnomalyEvent] {
        guard var releases = groups[key] else { return [] }
        var events: [AnomalyEvent] = []
        // Releases silent for adoptAfterWindows are gone (a finished rollout, a rollback):
        // forget them and close their incidents. The one left alone is adopted as the
        // baseline: its incidents close too, and the confirmed new normal raises nothing more.
        let silentSince = now - Int64(configuration.adoptAfterWindows) * windowLength
        let newest = releases.max { ($0.value.lastWindow, $0.key) < ($1.value.lastWindow, $1.key) }?.key
        for (name, release) in releases where name != newest && release.lastWindow < silentSince {
            releases[name] = nil
            events += close(key, release: name, now: now)
        }
        if releases.count == 1, let only = releases.first?.key { events += close(key, release: only, now: now) }
        groups[key] = releases
        guard releases.count >= 2 else { return events }
        // Every newer release with enough spans against the oldest one with enough (the stable
        // version, while canaries, A/B arms or several candidates run beside it).
        let minimum = UInt64(configuration.minimumSpans)
        let ordered = releases.sorted { ($0.value.firstWindow, $0.key) < ($1.value.firstWindow, $1.key) }
        guard let baseline = ordered.first(where: { $0.value.comparable.count >= minimum }) else { return events }
        for candidate in ordered where candidate.value.firstWindow > baseline.value.firstWindow && candidate.value.current.count >= minimum {
            events += regressions(key, candidate: candidate, baseline: baseline, now: now)
        }
        return events
    }

    /// The p-value of a ratio regression (errors, violations), or nil when there is none: the
    /// gate's rule (the rise beyond `allowance` and a significant one-sided two-proportion
    /// z-test) and, because that normal approximation is poor with a handful of events, an
    /// exact Poisson tail of the candidate's count under the baseline's ratio (smoothed by one
    /// event) below the significance level too. The larger p-value is returned.
    private func ratioRegression(_ base: Totals, _ cand: Totals, allowance: Double, _ options: ReleaseGate.Options) -> Double? {
        let z = TwoProportionZTest(baselineSuccesses: Int(base.errors), baselineCount: Int(base.count),
                                   candidateSuccesses: Int(cand.errors), candidateCount: Int(cand.count))
        guard ReleaseGate.ratioRegressed(baseline: base.ratio, candidate: cand.ratio, allowance: allowance, test: z, options) else {
            return nil
        }
        let smoothed = (Double(base.errors) + 1) / (Double(base.count) + 1)
        let exact = exp(PoissonTail.logProbability(atLeast: Int(cand.errors), mean: Double(cand.count) * smoothed))
        return exact < options.significance ? max(z.pValue, exact) : nil
    }

    /// The closing events of `release`'s open incidents in group `key`; the release is no longer
    /// a candidate (forgotten, or the baseline now), so its record of reported signals goes too.
    private mutating func close(_ key: GroupKey, release: String, now: Int64) -> [AnomalyEvent] {
        Signal.allCases.compactMap { signal in
            let incident = IncidentKey(group: key, release: release, signal: signal)
            reported.remove(incident)
            guard var anomaly = open.removeValue(forKey: incident) else { return nil }
            anomaly.time = now
            return .closed(anomaly)
        }
    }

    /// The incidents `candidate` opens against `baseline` (each signal once per release).
    private mutating func regressions(_ key: GroupKey, candidate: (key: String, value: Release), baseline: (key: String, value: Release),
                                      now: Int64) -> [AnomalyEvent] {
        var events: [AnomalyEvent] = []
        let base = baseline.value.comparable, cand = candidate.value.current
        var options = ReleaseGate.Options()
        options.maxLatencyRegression = configuration.maxLatencyRegression
        options.significance = configuration.significance
        var findings: [(Signal, observed: Double, expected: Double, pValue: Double)] = []
        if key.rule == nil {
            if let b = base.sketch, let c = cand.sketch {
                let test = MannWhitneyU(baseline: b, candidate: c)
                let changes = options.quantiles.compactMap { q -> QuantileChange? in
                    guard let x = b.quantile(q), let y = c.quantile(q) else { return nil }
                    return QuantileChange(quantile: q, baseline: x, candidate: y)
                }
                if ReleaseGate.latencyRegressed(changes, test, options), let p99 = changes.last {
                    findings.append((.latency, p99.candidate * 1000, p99.baseline * 1000, test.pValue))
                }
            }
            if let p = ratioRegression(base, cand, allowance: configuration.maxErrorRateIncrease, options) {
                findings.append((.errors, cand.ratio, base.ratio, p))
            }
        } else if let p = ratioRegression(base, cand, allowance: configuration.maxViolationRateIncrease, options) {
            findings.append((.violations, cand.ratio, base.ratio, p))
        }
        for (signal, observed, expected, pValue) in findings {
            let incident = IncidentKey(group: key, release: candidate.key, signal: signal)
            guard !reported.contains(incident) else { continue }
            reported.insert(incident)
            var labels = ["service": key.service, "operation": key.operation,
                          configuration.releaseAttribute: candidate.key, "baseline.\(configuration.releaseAttribute)": baseline.key]
            if let rule = key.rule { labels["rule"] = rule }
            let surprise = -log(max(pValue, 1e-300)), alert = -log(configuration.significance)
            let score = surprise / (surprise + alert)
            var anomaly = Anomaly(id: nextID, series: SeriesRef(name: signal.seriesName, labels: labels), time: now,
                                  onset: candidate.value.firstWindow, observed: observed, expected: expected, lower: expected,
                                  upper: expected, score: score, severity: AnomalySeverity(score: score), kind: .releaseRegression,
                                  exemplarTraceIDs: candidate.value.exemplars.map(\.traceID),
                                  dimension: "\(configuration.releaseAttribute)=\(candidate.key)")
            anomaly.exemplars = candidate.value.exemplars.isEmpty ? nil : candidate.value.exemplars
            anomaly.attribution = candidate.value.attribution.shares
            nextID += 1
            open[incident] = anomaly
            events.append(.opened(anomaly))
        }
        return events
    }

    // MARK: - State

    enum Signal: String, CaseIterable {
        case latency, errors, violations

        var seriesName: String { "release.\(rawValue)" }
    }

    struct GroupKey: Hashable, Comparable {
        var service: String
        var operation: String
        var rule: String?

        static func < (a: GroupKey, b: GroupKey) -> Bool {
            (a.service, a.operation, a.rule ?? "") < (b.service, b.operation, b.rule ?? "")
        }
    }

    struct IncidentKey: Hashable {
        var group: GroupKey
        var release: String
        var signal: Signal
    }

    /// Sums of one release of one operation.
    struct Totals {
        var sketch: DDSketch?
        var count: UInt64 = 0
        /// Errors, or violations for a rule.
        var errors: UInt64 = 0

        var ratio: Double { count == 0 ? 0 : Double(errors) / Double(count) }

        /// Adds `other` to the latency sketch. Every sketch here comes from the same span
        /// aggregator, so their mappings agree and the merge cannot fail.
        private mutating func mergeSketch(_ other: DDSketch) {
            if sketch == nil { sketch = other } else { try? sketch?.merge(other) }
        }

        mutating func merge(_ other: Totals) {
            count += other.count
            errors += other.errors
            if let theirs = other.sketch { mergeSketch(theirs) }
        }

        mutating func add(_ record: WindowMetrics) {
            count += UInt64(max(0, record.count))
            errors += UInt64(max(0, record.errors))
            if let duration = record.duration { mergeSketch(duration) }
        }
    }

    struct Release {
        var firstWindow: Int64
        var lastWindow: Int64 = .min
        /// Since the last release appeared in the group.
        var current = Totals()
        /// Before that, back to the release before (bounded: one restart replaces it).
        var previous = Totals()
        var exemplars: [AnomalyExemplar] = []
        var attribution: SpanAttribution

        init(firstWindow: Int64) {
            self.firstWindow = firstWindow
            attribution = SpanAttribution(dimensions: [])
        }

        /// The sums to compare against: those since the newer release appeared plus those from
        /// before it (the release's recent history; a release that stopped at once still has one).
        var comparable: Totals {
            var totals = previous
            totals.merge(current)
            return totals
        }

        mutating func restart() {
            if current.count > 0 { previous = current }
            current = Totals()
        }

        mutating func add(_ record: WindowMetrics, attributionDimensions: [String]) {
            if attribution.dimensions.isEmpty { attribution = SpanAttribution(dimensions: attributionDimensions) }
            current.add(record)
            lastWindow = max(lastWindow, record.windowStart)
            attribution.add(record, weight: Double(record.kind == .invariant || record.errors > 0 ? record.errors : record.count))
            if record.kind == .invariant, exemplars.count < 3 {
                exemplars += record.exemplars.prefix(3 - exemplars.count).map(AnomalyExemplar.init)
            }
        }
    }
}

extension AnomalyExemplar {
    /// A telemetry exemplar with its attribute values as text.
    init(_ exemplar: Exemplar) {
        var attributes: [String: String] = [:]
        for attribute in exemplar.attributes { attributes[attribute.key] = attribute.value.displayText }
        self.init(traceID: "\(exemplar.traceID)", spanID: "\(exemplar.spanID)", attributes: attributes)
    }
}

extension AttributeValue {
    /// The value as text for reports: labels as ``labelText``, doubles in shortest form,
    /// arrays and lists in brackets, bytes as a count.
    var displayText: String {
        switch self {
        case let .double(value): "\(value)"
        case let .bytes(bytes): "<\(bytes.count) bytes>"
        case let .array(items): "[" + items.map(\.displayText).joined(separator: ",") + "]"
        case let .keyValueList(items): "{" + items.map { "\($0.key)=\($0.value.displayText)" }.joined(separator: ",") + "}"
        default: labelText ?? ""
        }
    }
}
