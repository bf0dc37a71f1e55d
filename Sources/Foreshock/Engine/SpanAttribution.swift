import ForeshockTelemetry

/// Shares of affected spans by attribution dimension (`code.origin`, `service.version`,
/// `gen_ai.request.model`, …): the "who wrote it, which release, which model" of an anomaly.
///
/// Fed with window records of one operation (or rule) across its dimension splits; the weight
/// of a record is what the anomaly is about — its errors (violations) or all its spans.
struct SpanAttribution {
    /// The dimensions reported, in order.
    let dimensions: [String]
    private var weights: [String: [String: Double]] = [:]

    init(dimensions: [String]) { self.dimensions = dimensions }

    /// Counts `weight` spans of `record` under each of its attribution dimension values.
    mutating func add(_ record: WindowMetrics, weight: Double) {
        guard weight > 0 else { return }
        for name in dimensions {
            guard let value = record.label(name) else { continue }
            weights[name, default: [:]][value, default: 0] += weight
        }
    }

    /// Shares per dimension (each sums to 1), or nil when nothing was counted.
    var shares: [String: [String: Double]]? {
        var out: [String: [String: Double]] = [:]
        for (name, values) in weights {
            let total = values.values.reduce(0, +)
            guard total > 0 else { continue }
            out[name] = values.mapValues { $0 / total }
        }
        return out.isEmpty ? nil : out
    }
}
