import ForeshockDetection
import ForeshockTelemetry

/// Count-aware error-ratio detection for span-derived operations: per operation (service,
/// operation, kind and dimensions — across the `status` split of the span series), each closed
/// window's errors and spans feed an ``ErrorRatioDetector``, whose incidents are raised on
/// `span.error_ratio{…}` with the window's error exemplars. Complements the per-series
/// detectors, which see `span.errors` and `span.count` separately and so cannot weigh an error
/// by the requests around it.
///
/// Bounded: at most `maxSeries` operations are tracked (later ones are not); state is kept in
/// memory only (after a restart the baselines relearn, with their warm-up).
struct ErrorRatioTracking {
    let configuration: ErrorRatioDetector.Configuration
    let maxSeries: Int
    private var detectors: [[MetricLabel]: ErrorRatioDetector] = [:]

    init(configuration: ErrorRatioDetector.Configuration, maxSeries: Int) {
        self.configuration = configuration
        self.maxSeries = maxSeries
    }

    /// Feeds the closed windows' operation records; returns the incident events.
    mutating func absorb(_ windows: [WindowMetrics]) -> [AnomalyEvent] {
        var totals: [OperationWindow: (errors: Int, spans: Int, exemplars: [String])] = [:]
        for record in windows where record.kind == .operation && !record.isOverflow {
            let group = OperationWindow(record)
            var total = totals[group] ?? (0, 0, [])
            total.errors += record.errors
            total.spans += record.count
            if total.exemplars.count < 3 { total.exemplars += record.exemplars.filter(\.isError).prefix(3 - total.exemplars.count).map { "\($0.traceID)" } }
            totals[group] = total
        }
        var events: [AnomalyEvent] = []
        for (group, total) in totals.sorted(by: { $0.key < $1.key }) {
            if detectors[group.labels] == nil {
                guard detectors.count < maxSeries else { continue }
                guard let detector = try? ErrorRatioDetector(series: group.series(named: "span.error_ratio"), configuration: configuration) else { continue }
                detectors[group.labels] = detector
            }
            guard let event = detectors[group.labels]?.update(timestamp: group.window, errors: total.errors, requests: total.spans) else {
                continue
            }
            events.append(event.withEvidence(traceIDs: total.exemplars))
        }
        return events
    }
}
