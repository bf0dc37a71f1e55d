import ForeshockDetection

extension DetectorConfiguration {
    /// This configuration with the variance-stabilising transform that suits a span-derived
    /// metric (names as ``ForeshockTelemetry/WindowMetrics/points()`` writes them), when no
    /// transform was configured: `log` for durations (multiplicative noise), `sqrt` for counts
    /// and token sums (Poisson-like), `sqrt` and direction `up` for invariant violations (a
    /// drop in violations is good news), unchanged otherwise.
    func adapted(toMetric name: String) -> DetectorConfiguration {
        var adapted = self
        if name.hasPrefix("invariant.violation"), direction == .both { adapted.direction = .up }
        guard transform == .none else { return adapted }
        if name.hasPrefix("span.duration.") || name.hasPrefix("span.edge.duration.") {
            adapted.transform = .log
        } else if ["span.count", "span.rate", "span.errors", "span.edge.calls", "span.edge.errors"].contains(name)
                    || name.hasPrefix("gen_ai.tokens.") || name.hasPrefix("invariant.") {
            adapted.transform = .sqrt
        }
        return adapted
    }
}
