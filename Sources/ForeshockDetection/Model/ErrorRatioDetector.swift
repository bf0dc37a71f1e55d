#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Count-aware scoring of an error ratio: errors out of requests per window, judged by how
/// improbable that many errors are given the requests and the learned baseline ratio — not by
/// the ratio's value, which for a sparse operation (a few requests a minute) jumps by whole
/// percent with every single error.
///
/// ## Model
/// - Windows are **pooled** until they hold `minimumRequests` requests (a quiet night's
///   windows are judged together; empty windows are not zeros, they add nothing).
/// - The baseline ratio p₀ is an exponentially weighted ratio of errors to requests with a
///   memory of `baselineRequests` requests, started from a weak prior of one error in
///   `baselineRequests` requests (so the first errors are not infinitely surprising), or from
///   `priorRatio` when the rate is known in advance (the share of spans above a p99 is 1 %).
/// - A pooled window with k errors out of n has the one-sided tail probability
///   P = P(K ≥ k), K ~ Binomial(n, p₀) — computed as a Poisson tail with λ = n·p₀ (exact enough
///   for p₀ ≪ 1, and conservative above), with its surprise −ln P turned into a score in [0, 1)
///   as elsewhere in the module: `s / (s − ln q)`, 0.5 at the risk level q.
/// - An anomaly also needs the pooled ratio to exceed p₀ by `minimumIncrease` (a significant
///   but negligible rise on a busy service is not worth a page).
/// - The baseline learns from pooled windows at full weight when they are normal and at a tenth
///   while an incident is open, so an incident does not leak into it but a lasting new level is
///   eventually adopted.
///
/// Incidents go through ``AnomalyTracker`` (kind ``AnomalyKind/spike``; observed and expected are
/// ratios). Memory O(1); O(1) per window (the Poisson tail sums O(k − λ) terms only when k > λ).
public struct ErrorRatioDetector: Sendable, Codable {
    /// The knobs, in requests and ratios.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Risk level q: the tail probability at which the score is 0.5; about q false alarms
        /// per pooled window (a sparse operation pools ~240 windows a day: ~0.02 a day). In (0, 0.1].
        public var riskLevel = 1e-4
        /// Requests a pooled window needs before it is judged. ≥ 1.
        public var minimumRequests = 30
        /// The baseline's memory, in requests. ≥ 10.
        public var baselineRequests = 5_000.0
        /// Requests seen before anything is reported. ≥ 0.
        public var warmupRequests = 1_000
        /// The smallest rise of the ratio over the baseline that can be an anomaly. ≥ 0.
        public var minimumIncrease = 0.005
        /// Normal pooled windows that close an incident. ≥ 1.
        public var quietWindowsToClose = 3
        /// The baseline ratio before any data, weighted as `baselineRequests` requests; nil for
        /// one error in `baselineRequests` (errors are rare until shown otherwise). In [0, 1).
        public var priorRatio: Double?

        public init() {}

        /// Checks the ranges. - Throws: ``DetectionError/invalidConfiguration(field:reason:)``.
        public func validate() throws(DetectionError) {
            func check(_ ok: Bool, _ field: String, _ reason: String) throws(DetectionError) {
                if !ok { throw DetectionError.invalidConfiguration(field: field, reason: reason) }
            }
            try check(riskLevel > 0 && riskLevel <= 0.1, "riskLevel", "must be in (0, 0.1]")
            try check(minimumRequests >= 1, "minimumRequests", "must be ≥ 1")
            try check(baselineRequests >= 10 && baselineRequests.isFinite, "baselineRequests", "must be ≥ 10")
            try check(warmupRequests >= 0, "warmupRequests", "must be ≥ 0")
            try check(minimumIncrease >= 0 && minimumIncrease < 1, "minimumIncrease", "must be in [0, 1)")
            try check(quietWindowsToClose >= 1, "quietWindowsToClose", "must be ≥ 1")
            try check(priorRatio.map { $0 >= 0 && $0 < 1 } ?? true, "priorRatio", "must be in [0, 1)")
        }
    }

    public let series: SeriesRef
    public let configuration: Configuration
    /// Exponentially weighted errors and requests of the baseline.
    public private(set) var baselineErrors: Double
    public private(set) var baselineRequestsSeen: Double
    /// Requests seen in all.
    public private(set) var requestsSeen = 0
    private var pooledErrors = 0
    private var pooledRequests = 0
    public private(set) var tracker: AnomalyTracker
    /// A pooled window's judgement.
    public struct PooledWindow: Sendable, Codable, Equatable {
        /// The timestamp of the window that completed the pool (ms).
        public var time: Int64
        public var errors: Int
        public var requests: Int
        /// The baseline ratio it was judged against, and the band's top for its requests.
        public var expected: Double
        public var upper: Double
        /// In [0, 1), 0.5 at the risk level (capped below 0.5 when not anomalous).
        public var score: Double
    }

    /// The last pooled window judged (nil before the first pool completes).
    public private(set) var lastPooled: PooledWindow?

    /// - Throws: ``DetectionError/invalidConfiguration(field:reason:)``.
    public init(series: SeriesRef, configuration: Configuration = Configuration()) throws(DetectionError) {
        try configuration.validate()
        self.series = series
        self.configuration = configuration
        baselineErrors = configuration.priorRatio.map { $0 * configuration.baselineRequests } ?? 1
        baselineRequestsSeen = configuration.baselineRequests
        tracker = AnomalyTracker(quietPointsToClose: configuration.quietWindowsToClose)
    }

    /// The baseline error ratio p₀.
    public var baselineRatio: Double { baselineErrors / baselineRequestsSeen }

    /// Adds one window's errors and requests (windows in time order; `timestamp` in ms). Returns
    /// the incident event the pooled window causes, if it completed one; nil while pooling.
    /// Negative or inconsistent counts (errors > requests) are ignored.
    public mutating func update(timestamp: Int64, errors: Int, requests: Int) -> AnomalyEvent? {
        guard errors >= 0, requests >= 0, errors <= requests, requests > 0 else { return nil }
        pooledErrors += errors
        pooledRequests += requests
        guard pooledRequests >= configuration.minimumRequests else { return nil }
        let k = pooledErrors, n = pooledRequests
        pooledErrors = 0
        pooledRequests = 0
        let p0 = baselineRatio
        let ratio = Double(k) / Double(n)
        let warm = isWarm
        requestsSeen += n
        let surprise = -PoissonTail.logProbability(atLeast: k, mean: Double(n) * p0)
        let alert = -log(configuration.riskLevel)
        let score = surprise / (surprise + alert)
        let anomalous = warm && score >= 0.5 && ratio - p0 >= configuration.minimumIncrease
        // The band's top: the ratio at which this many requests would reach the risk level
        // (bisection, 30 steps).
        var low = p0, high = 1.0
        for _ in 0..<30 {
            let mid = (low + high) / 2
            if -PoissonTail.logProbability(atLeast: Int((mid * Double(n)).rounded(.up)), mean: Double(n) * p0) < alert { low = mid } else { high = mid }
        }
        let upper = high
        let weight = (anomalous || tracker.current != nil) ? 0.1 : 1
        let decay = exp(-weight * Double(n) / configuration.baselineRequests)
        baselineErrors = baselineErrors * decay + (1 - decay) * configuration.baselineRequests * ratio
        baselineRequestsSeen = baselineRequestsSeen * decay + (1 - decay) * configuration.baselineRequests
        let verdict = AnomalyTracker.Verdict(series: series, time: timestamp, observed: ratio, expected: p0, lower: 0,
                                             upper: min(1, max(upper, p0 + configuration.minimumIncrease)),
                                             score: anomalous ? score : min(score, 0.49), kind: anomalous ? .spike : nil)
        lastPooled = PooledWindow(time: timestamp, errors: k, requests: n, expected: verdict.expected, upper: verdict.upper, score: verdict.score)
        return tracker.observe(verdict)
    }

    /// Whether the baseline has seen its `warmupRequests` (no incident before).
    public var isWarm: Bool { requestsSeen >= configuration.warmupRequests }

    /// Closes the open incident, if any.
    public mutating func flush() -> AnomalyEvent? { tracker.flush() }
}
