import ForeshockDetection

/// Per incident of a span-derived series, which releases and which kind of code the affected
/// spans came from: the counts of the incident's operation over its interval, split by
/// `service.version`, `code.origin` and `gen_ai.request.model` (the dimensions the span
/// metrics carry), weighted like the incident — errors for error series, violations for
/// invariant series, all spans otherwise.
///
/// Fed with every scored series (only the count series are kept: O(their points)).
struct ReleaseBreakdown: Sendable {
    static let dimensions = ["service.version", "code.origin", "gen_ai.request.model"]

    private struct Counts: Sendable {
        var labels: [String: String]
        var timestamps: [Int64]
        var values: [Double]
    }

    /// Count series by metric name, then by (service, operation, rule).
    private var counts: [String: [String: [Counts]]] = [:]

    /// Keeps `series` when it is a count the breakdowns weigh by.
    mutating func add(_ series: ScoredSeries) {
        guard ["span.count", "span.errors", "invariant.evaluations", "invariant.violations"].contains(series.name),
              Self.dimensions.contains(where: { series.labels[$0] != nil }) else { return }
        counts[series.name, default: [:]][Self.group(series.labels), default: []]
            .append(Counts(labels: series.labels, timestamps: series.points.map(\.timestamp), values: series.points.map(\.value)))
    }

    /// `service.version: 2.1.0 97 %, 1.0.0 3 % · code.origin: ai 97 %, human 3 %`, or nil when
    /// the incident's series is not span-derived.
    func text(for anomaly: Anomaly, of series: ScoredSeries) -> String? {
        let weight = series.name.hasPrefix("invariant.") ? (series.name.hasPrefix("invariant.violation") ? "invariant.violations" : "invariant.evaluations")
            : (series.name.contains("errors") ? "span.errors" : "span.count")
        guard let siblings = counts[weight]?[Self.group(series.labels)] else { return nil }
        var parts: [String] = []
        for name in Self.dimensions {
            var byValue: [String: Double] = [:]
            for sibling in siblings {
                guard let value = sibling.labels[name] else { continue }
                for (t, v) in zip(sibling.timestamps, sibling.values) where t >= anomaly.onset && t <= anomaly.time && v.isFinite {
                    byValue[value, default: 0] += v
                }
            }
            let total = byValue.values.reduce(0, +)
            guard total > 0 else { continue }
            let shares = byValue.filter { $0.value > 0 }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                .map { "\($0.key) \(Int(($0.value / total * 100).rounded())) %" }
            parts.append("\(name): " + shares.joined(separator: ", "))
        }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    private static func group(_ labels: [String: String]) -> String {
        [labels["service"] ?? "", labels["operation"] ?? "", labels["rule"] ?? ""].joined(separator: "\u{1}")
    }
}
