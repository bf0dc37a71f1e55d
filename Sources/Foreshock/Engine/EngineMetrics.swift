import Metrics

/// The engine's self-metrics, reported through swift-metrics so that the host's own metrics
/// backend (Prometheus, StatsD, …) picks them up. Names follow Prometheus conventions.
struct EngineMetrics: Sendable {
    let ingestedPoints = Counter(label: "foreshock_ingested_points_total")
    let ingestedSpans = Counter(label: "foreshock_ingested_spans_total")
    let shedPoints = Counter(label: "foreshock_shed_points_total")
    let rejectedBatches = Counter(label: "foreshock_rejected_batches_total")
    let rejectedTooOld = Counter(label: "foreshock_rejected_too_old_points_total")
    let rejectedSeriesPoints = Counter(label: "foreshock_rejected_series_points_total")
    let unscoredPoints = Counter(label: "foreshock_unscored_points_total")
    let suppressedPoints = Counter(label: "foreshock_suppressed_points_total")
    let anomalyEvents = Counter(label: "foreshock_anomaly_events_total")
    let droppedEvents = Counter(label: "foreshock_subscriber_dropped_events_total")
    let queueDepth = Gauge(label: "foreshock_queue_depth_points")
    let seriesCount = Gauge(label: "foreshock_series")
    let blockBytes = Gauge(label: "foreshock_block_bytes")
    let detectorDuration = Metrics.Timer(label: "foreshock_detector_batch_duration")
    let flushDuration = Metrics.Timer(label: "foreshock_flush_duration")
    let invariantEvaluations = Counter(label: "foreshock_invariant_evaluations_total")
    let invariantViolations = Counter(label: "foreshock_invariant_violations_total")
    let invariantNotApplicable = Counter(label: "foreshock_invariant_not_applicable_total")

    /// Counts what a span pipeline output reports besides its points and events.
    func record(_ output: SpanPipeline.Output) {
        if output.rejectedSketches > 0 { rejectedSeriesPoints.increment(by: output.rejectedSketches) }
        if output.invariants.evaluations > 0 { invariantEvaluations.increment(by: output.invariants.evaluations) }
        if output.invariants.violations > 0 { invariantViolations.increment(by: output.invariants.violations) }
        if output.invariants.notApplicable > 0 { invariantNotApplicable.increment(by: output.invariants.notApplicable) }
    }
}
