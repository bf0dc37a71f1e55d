/// How the engine compares releases side by side (``ReleaseTracker``); the `Codable` face in
/// the engine configuration file under `spans.releases`.
public struct ReleaseComparisonConfiguration: Codable, Sendable, Equatable {
    /// Off switch.
    public var enabled = true
    /// The attribute naming a release; it must be one of the span dimensions.
    public var releaseAttribute = "service.version"
    /// Spans each side needs before a comparison (per operation and version).
    public var minimumSpans = 200
    /// Windows without the old version after which the new one is adopted as the baseline
    /// (its open regressions close; no further alerts for it).
    public var adoptAfterWindows = 180
    /// Latency: a quantile may grow by this fraction before it counts (as `foreshock gate`).
    public var maxLatencyRegression = 0.10
    /// Error ratio: allowed growth in absolute terms (0.005 = half a percentage point).
    public var maxErrorRateIncrease = 0.005
    /// Invariant violation ratio: allowed growth in absolute terms.
    public var maxViolationRateIncrease = 0.002
    /// One-sided significance level of the tests.
    public var significance = 0.001
    /// Operations (and rules) tracked; further ones are not compared (bounded memory: two
    /// latency sketches per version, at most four versions each).
    public var maxGroups = 2_000

    public init() {}
}
