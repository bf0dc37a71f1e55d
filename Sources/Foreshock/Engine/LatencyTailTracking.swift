import ForeshockDetection
import ForeshockSketches
import ForeshockTelemetry

/// Count-aware latency detection for span-derived operations, from the duration sketches and
/// their sample sizes rather than from a p99 value: a sparse operation's p99 over a handful of
/// spans is its slowest span, and jumps with every outlier.
///
/// Per operation (service, operation, kind and dimensions, across the `status` split), each
/// closed window's merged duration sketch gives `n` spans and `k` of them slower than the
/// operation's *reference latency* — the ``LatencyTailConfiguration/quantile`` (default p99) of its recent
/// normal windows. `k` out of `n` then feeds an ``ErrorRatioDetector``: with the reference at the
/// p99, about 1 % of spans exceed it, and the detector raises an incident when the windows'
/// exceedances are improbable given their spans and that learned rate (binomial/Poisson tail),
/// pooling quiet windows until they hold enough spans. Incidents are raised on
/// `span.latency_tail{…}` (observed and expected are shares of spans slower than the
/// reference) with the window's slowest spans as exemplars.
///
/// ## The reference
/// Two sketches per operation: the epoch being filled and the previous one (an epoch is
/// ``LatencyTailConfiguration/epochWindows`` windows, 10 minutes by default). The reference is the quantile of their merge,
/// recomputed when an epoch ends; windows that belong to an open incident are not learned, so
/// a slow period does not raise the reference it is judged against. No incident before the
/// first epoch is complete (nothing to compare with), and after that the detector's own
/// warm-up applies.
///
/// Bounded: at most ``LatencyTailConfiguration/maxOperations`` operations (later ones are not
/// tracked); two sketches per operation (a few KB at 1 % accuracy); state in memory only (after
/// a restart the references relearn).
struct LatencyTailTracking {
    let configuration: LatencyTailConfiguration
    private var operations: [[MetricLabel]: Operation] = [:]

    init(configuration: LatencyTailConfiguration) {
        self.configuration = configuration
    }

    private struct Operation {
        var detector: ErrorRatioDetector
        var current: DDSketch?
        var previous: DDSketch?
        var windowsInEpoch = 0
        /// The reference latency (seconds, the sketches' unit), once an epoch is complete.
        var reference: Double?
    }

    /// Feeds the closed windows' operation records; returns the incident events.
    mutating func absorb(_ windows: [WindowMetrics]) -> [AnomalyEvent] {
        guard configuration.enabled else { return [] }
        var totals: [OperationWindow: (sketch: DDSketch, slowest: [Exemplar])] = [:]
        for record in windows where record.kind == .operation && !record.isOverflow {
            guard let duration = record.duration else { continue }
            let group = OperationWindow(record)
            if var total = totals[group] {
                // One aggregator made every sketch (same mapping): merging cannot fail.
                try? total.sketch.merge(duration)
                total.slowest += record.exemplars.filter { !$0.isError }
                totals[group] = total
            } else {
                totals[group] = (duration, record.exemplars.filter { !$0.isError })
            }
        }
        var events: [AnomalyEvent] = []
        for (group, total) in totals.sorted(by: { $0.key < $1.key }) {
            if operations[group.labels] == nil {
                guard operations.count < configuration.maxOperations else { continue }
                let series = group.series(named: "span.latency_tail")
                var detectorConfiguration = configuration.detector
                detectorConfiguration.priorRatio = detectorConfiguration.priorRatio ?? 1 - configuration.quantile
                guard let detector = try? ErrorRatioDetector(series: series, configuration: detectorConfiguration) else { continue }
                operations[group.labels] = Operation(detector: detector)
            }
            guard var operation = operations[group.labels] else { continue }
            if let event = judge(total.sketch, at: group.window, in: &operation) {
                let slowest = total.slowest.sorted { $0.durationNanos > $1.durationNanos }.prefix(3).map { "\($0.traceID)" }
                events.append(event.withEvidence(traceIDs: Array(slowest)))
            }
            operations[group.labels] = operation
        }
        return events
    }

    /// Judges one window against the operation's reference, then learns it (unless an
    /// incident is open).
    private func judge(_ window: DDSketch, at time: Int64, in operation: inout Operation) -> AnomalyEvent? {
        var event: AnomalyEvent?
        if let reference = operation.reference {
            let n = Int(window.count)
            let slow = n - Int(window.rank(of: reference))
            event = operation.detector.update(timestamp: time, errors: max(0, slow), requests: n)
        }
        guard operation.detector.tracker.current == nil else { return event }
        if operation.current == nil {
            operation.current = window
        } else {
            try? operation.current?.merge(window)
        }
        operation.windowsInEpoch += 1
        if operation.windowsInEpoch >= configuration.epochWindows {
            var reference = operation.current
            if let previous = operation.previous { try? reference?.merge(previous) }
            operation.reference = reference?.quantile(configuration.quantile) ?? operation.reference
            operation.previous = operation.current
            operation.current = nil
            operation.windowsInEpoch = 0
        }
        return event
    }
}
