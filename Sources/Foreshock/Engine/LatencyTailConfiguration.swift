import ForeshockDetection

/// Settings of the engine's count-aware latency detection (`span.latency_tail`, see
/// `LatencyTailTracking`): per operation, the share of each window's spans slower than the
/// operation's recent normal ``quantile``, judged by how improbable it is given the window's
/// spans.
public struct LatencyTailConfiguration: Sendable, Codable, Equatable {
    /// Off: no `span.latency_tail` incidents (the per-series p99 detectors still run).
    public var enabled = true
    /// The quantile of recent normal latency a span must exceed to count as slow, in (0.5, 1).
    public var quantile = 0.99
    /// Windows per epoch of the reference latency (60 × 10 s windows = 10 minutes); the
    /// reference is the quantile of the last two epochs' normal windows, so it follows the
    /// daily rise and fall of latency with load, and a sudden slowdown is judged against the
    /// last 10–20 minutes.
    public var epochWindows = 60
    /// The most operations tracked (each holds two duration sketches, a few KB).
    public var maxOperations = 10_000
    /// The detector of the share of slow spans; its `minimumIncrease` is in shares (0.02: two
    /// points above the learned rate, which is about 1 − ``quantile``).
    public var detector: ErrorRatioDetector.Configuration = {
        var c = ErrorRatioDetector.Configuration()
        c.minimumIncrease = 0.02
        c.baselineRequests = 20_000
        return c
    }()

    public init() {}

    /// - Throws: a message naming the first invalid setting.
    func validate() throws(DetectionError) {
        guard quantile > 0.5, quantile < 1 else { throw .invalidConfiguration(field: "latencyTail.quantile", reason: "must be in (0.5, 1)") }
        guard epochWindows >= 1 else { throw .invalidConfiguration(field: "latencyTail.epochWindows", reason: "must be ≥ 1") }
        guard maxOperations >= 0 else { throw .invalidConfiguration(field: "latencyTail.maxOperations", reason: "must not be negative") }
        try detector.validate()
    }
}
