import ForeshockStorage

/// Which dimension split explains a deviation: "the p99 rose, and it is all `service.version=1.4.2`".
///
/// Given the series of one metric that differ only in their dimension labels (span-derived
/// series are split by version, code origin, model, …), it compares each series' mean over an
/// anomalous range with its mean over a baseline range, weights the change by the series'
/// point count, and for every label that varies across the series finds the value whose
/// series carry the largest share of the total absolute change. Dimensions are ranked by that
/// share: a share near 1 means one value of that dimension explains the deviation alone.
///
/// This is a contribution analysis in the spirit of "adtributor" (Bhagwan et al., NSDI 2014),
/// reduced to one level and a single explanatory value per dimension.
public enum DeviationExplainer {
    /// One dimension's best explanation.
    public struct Explanation: Sendable, Equatable, Codable {
        /// The label name, e.g. `service.version`.
        public var dimension: String
        /// The value whose series carry the largest share of the change.
        public var value: String
        /// That share of the total absolute weighted change, in [0, 1].
        public var share: Double
        /// Mean change (anomaly − baseline) of the series with that value.
        public var change: Double
        /// Mean change of the series with any other value (nil if there are none).
        public var otherChange: Double?
    }

    /// Ranks the dimensions of the series matching `matchers` (numeric series only).
    ///
    /// - Parameters:
    ///   - matchers: select the sibling series, e.g. `__name__=span.duration.p99`, `service=checkout`.
    ///   - anomaly: the anomalous time range (ms, inclusive).
    ///   - baseline: the reference range (ms, inclusive), typically just before.
    /// - Returns: explanations, best first; empty when nothing changed or nothing varies.
    /// - Complexity: O(points read + series × labels).
    public static func explain(in store: Store, matching matchers: [LabelMatcher],
                               anomaly: ClosedRange<Int64>, baseline: ClosedRange<Int64>) throws -> [Explanation] {
        struct Change {
            var labels: [String: String]
            var weight: Double
            var change: Double
        }
        var changes: [Change] = []
        for key in store.series(matching: matchers) where store.kind(of: key) == .numeric {
            let during = try store.read(series: key, from: anomaly.lowerBound, to: anomaly.upperBound)
            let before = try store.read(series: key, from: baseline.lowerBound, to: baseline.upperBound)
            guard let a = mean(during.values), let b = mean(before.values) else { continue }
            let labels = Dictionary(key.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
            changes.append(Change(labels: labels, weight: Double(during.count), change: a - b))
        }
        let total = changes.reduce(0) { $0 + $1.weight * abs($1.change) }
        guard total > 0 else { return [] }
        let names = Set(changes.flatMap { $0.labels.keys })
        var explanations: [Explanation] = []
        for name in names {
            var groups: [String: (weight: Double, weighted: Double)] = [:]
            for c in changes {
                let value = c.labels[name] ?? ""
                groups[value, default: (0, 0)].weight += c.weight
                groups[value, default: (0, 0)].weighted += c.weight * c.change
            }
            guard groups.count > 1 else { continue }  // a label that does not vary explains nothing
            let best = groups.max { abs($0.value.weighted) < abs($1.value.weighted) || (abs($0.value.weighted) == abs($1.value.weighted) && $0.key > $1.key) }
            guard let (value, group) = best, group.weight > 0 else { continue }
            let rest = groups.filter { $0.key != value }.values.reduce((weight: 0.0, weighted: 0.0)) { ($0.weight + $1.weight, $0.weighted + $1.weighted) }
            explanations.append(Explanation(dimension: name, value: value, share: min(1, abs(group.weighted) / total),
                                            change: group.weighted / group.weight,
                                            otherChange: rest.weight > 0 ? rest.weighted / rest.weight : nil))
        }
        return explanations.sorted { ($0.share, $1.dimension) > ($1.share, $0.dimension) }
    }

    private static func mean(_ values: [Double]) -> Double? {
        let finite = values.filter(\.isFinite)
        return finite.isEmpty ? nil : finite.reduce(0, +) / Double(finite.count)
    }
}
