import ForeshockDetection
import ForeshockStorage
import Logging

/// The engine worker's state: one detector per series, fed in timestamp order.
///
/// Owned by the worker task alone (never shared), so it needs no locks.
struct DetectionPipeline: Sendable {
    let configuration: EngineConfiguration
    var states: DetectorStates
    let metrics: EngineMetrics

    /// Points a new detector learns from when it is created for a series that already has
    /// stored history (e.g. after the state file was lost): enough for a weekly season at
    /// five-minute resolution.
    static let warmHistory = 4096

    /// The seasonal time zone's offsets (``EngineConfiguration/seasonalTimeZone``), built once.
    private let localTime: UTCOffsets?

    init(configuration: EngineConfiguration, states: DetectorStates, metrics: EngineMetrics) {
        self.configuration = configuration
        self.states = states
        self.metrics = metrics
        localTime = configuration.seasonalTimeZone.flatMap(UTCOffsets.timeZone)
    }

    /// Brings every detector up to date with the store: points stored after a detector's last
    /// save are replayed into it (their events are not published: they were, or are moot), and
    /// series without a saved detector learn from their recent history.
    /// Payload series (latency sketches) have no detector. A series that cannot be read is
    /// logged and skipped; the others still catch up.
    mutating func catchUp(with store: Store, logger: Logger) {
        var replayed = 0
        for key in store.series() where store.kind(of: key) == .numeric {
            do { replayed += try catchUp(key, with: store) } catch {
                logger.error("detector could not replay stored points", metadata: ["series": "\(key)", "error": "\(error)"])
            }
        }
        if replayed > 0 { logger.info("detectors caught up with stored points", metadata: ["points": "\(replayed)"]) }
    }

    /// Replays one series into its detector; returns the points replayed.
    private mutating func catchUp(_ key: SeriesKey, with store: Store) throws -> Int {
        if states.slots[key] == nil {
            guard states.slots.count < configuration.maxDetectedSeries, let slot = makeSlot(for: key) else { return 0 }
            states.slots[key] = slot
        }
        guard var slot = states.slots[key] else { return 0 }
        let from = slot.lastTimestamp == .min ? Int64.min : slot.lastTimestamp + 1
        var points = try store.read(series: key, from: from)
        if slot.lastTimestamp == .min, points.count > Self.warmHistory {
            points = PointColumns(timestamps: Array(points.timestamps.suffix(Self.warmHistory)),
                                  values: Array(points.values.suffix(Self.warmHistory)))
        }
        for i in 0..<points.count { _ = slot.detector.update(timestamp: points.timestamps[i], value: points.values[i]) }
        if let last = points.timestamps.last { slot.lastTimestamp = last }
        states.slots[key] = slot
        return points.count
    }

    /// Stores a batch and scores it, publishing anomaly events.
    mutating func process(_ batch: [SeriesPoints], store: Store, broadcaster: AnomalyBroadcaster, logger: Logger) {
        let start = ContinuousClock.now
        for points in batch {
            if store.kind(of: points.key) == nil, store.seriesCount >= configuration.maxStoredSeries {
                metrics.rejectedSeriesPoints.increment(by: points.timestamps.count)
                continue
            }
            do {
                let result = try store.append(series: points.key, timestamps: points.timestamps, values: points.values)
                if result.rejectedTooOld > 0 { metrics.rejectedTooOld.increment(by: result.rejectedTooOld) }
            } catch {
                logger.error("append failed", metadata: ["series": "\(points.key)", "error": "\(error)"])
                continue
            }
            score(points, broadcaster: broadcaster)
        }
        metrics.detectorDuration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
    }

    /// Publishes events raised outside the per-series detectors (release comparisons, error
    /// ratios), except those that fall in a suppression window.
    func publish(_ events: [AnomalyEvent], broadcaster: AnomalyBroadcaster) {
        for event in events {
            let anomaly = event.anomaly
            if configuration.suppressions.contains(where: { $0.covers(anomaly.series, at: anomaly.time) }) {
                metrics.suppressedPoints.increment()
                continue
            }
            metrics.anomalyEvents.increment()
            let dropped = broadcaster.publish(event)
            if dropped > 0 { metrics.droppedEvents.increment(by: dropped) }
        }
    }

    private mutating func score(_ points: SeriesPoints, broadcaster: AnomalyBroadcaster) {
        if states.slots[points.key] == nil {
            guard states.slots.count < configuration.maxDetectedSeries, let slot = makeSlot(for: points.key) else {
                metrics.unscoredPoints.increment(by: points.timestamps.count)
                return
            }
            states.slots[points.key] = slot
        }
        guard var slot = states.slots[points.key] else { return }
        // Detectors see time move forward: sort the batch, skip what they have seen.
        var order = Array(points.timestamps.indices)
        if !zip(points.timestamps, points.timestamps.dropFirst()).allSatisfy({ $0 < $1 }) {
            order.sort { points.timestamps[$0] < points.timestamps[$1] }
        }
        var skipped = 0, suppressed = 0
        for i in order {
            let t = points.timestamps[i]
            guard t > slot.lastTimestamp else {
                skipped += 1
                continue
            }
            if !configuration.suppressions.isEmpty, configuration.suppressions.contains(where: { $0.covers(points.key, at: t) }) {
                suppressed += 1
                continue
            }
            let scored = slot.detector.update(timestamp: t, value: points.values[i])
            slot.lastTimestamp = t
            if let event = scored.event {
                publish([event.withEvidence(of: points)], broadcaster: broadcaster)
            }
        }
        if skipped > 0 { metrics.unscoredPoints.increment(by: skipped) }
        if suppressed > 0 { metrics.suppressedPoints.increment(by: suppressed) }
        states.slots[points.key] = slot
    }

    /// A fresh detector for a series, with the transform of its metric and the first matching
    /// threshold rule applied.
    private func makeSlot(for key: SeriesKey) -> DetectorStates.Slot? {
        var detectorConfiguration = configuration.detector.adapted(toMetric: key.name)
        if let localTime { detectorConfiguration.localTime = localTime }
        if let rule = configuration.thresholds.first(where: { $0.matches(key) }), let threshold = rule.staticThreshold {
            detectorConfiguration = detectorConfiguration.with(threshold: threshold)
        }
        let labels = Dictionary(key.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let detector = try? SeriesDetector(series: SeriesRef(name: key.name, labels: labels), configuration: detectorConfiguration) else {
            return nil
        }
        return DetectorStates.Slot(detector: detector, lastTimestamp: .min)
    }
}

extension AnomalyEvent {
    /// The same event with the evidence span-derived points carry (see
    /// ``withEvidence(traceIDs:exemplars:attribution:dimension:)``).
    func withEvidence(of points: SeriesPoints) -> AnomalyEvent {
        withEvidence(traceIDs: points.exemplarTraceIDs, exemplars: points.exemplars, attribution: points.attribution,
                     dimension: points.dimension)
    }

    /// The same event with exemplar trace ids and spans, attribution shares and the explaining
    /// dimension, each where the anomaly has none yet.
    func withEvidence(traceIDs: [String], exemplars: [AnomalyExemplar] = [], attribution: [String: [String: Double]]? = nil,
                      dimension: String? = nil) -> AnomalyEvent {
        func attach(_ anomaly: Anomaly) -> Anomaly {
            var copy = anomaly
            if copy.exemplarTraceIDs.isEmpty { copy.exemplarTraceIDs = traceIDs }
            if copy.exemplars == nil, !exemplars.isEmpty { copy.exemplars = exemplars }
            if copy.attribution == nil { copy.attribution = attribution }
            if copy.dimension == nil { copy.dimension = dimension }
            return copy
        }
        switch self {
        case let .opened(a): return .opened(attach(a))
        case let .updated(a): return .updated(attach(a))
        case let .closed(a): return .closed(attach(a))
        }
    }
}
