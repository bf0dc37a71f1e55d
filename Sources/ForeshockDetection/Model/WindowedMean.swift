/// The mean of the last `length` values, each clipped to ±`clip`, with an optional
/// peaks-over-threshold model (``PeaksOverThreshold``, SPOT) of the mean.
///
/// ``SeriesDetector`` keeps three: over standardised residuals with thresholds calibrated on
/// the warm-up replay, a short window (``DetectorConfiguration/windowedMeanLength``, evidence
/// that a run of moderate deviations is as surprising as one large point, for incidents and
/// alerts) and a long one (``DetectorConfiguration/longWindowedMeanLength``, large sustained
/// deviations, alerts only); and over the values themselves, unclipped and without a
/// threshold, the level of ``DetectorConfiguration/levelRangeLength``.
///
/// Memory O(length); ``push(_:)`` is O(1) amortised.
struct WindowedMean: Sendable, Codable {
    /// Values averaged; 0 disables the window (``push(_:)`` returns nil).
    let length: Int
    /// The clip applied to each value (``DetectorConfiguration/huberClip`` for residuals).
    let clip: Double
    /// The tail model of the window's directional mean; nil until calibrated.
    var threshold: PeaksOverThreshold?
    private var ring: [Double] = []
    private var next = 0
    private var sum = 0.0

    init(length: Int, clip: Double) {
        self.length = length
        self.clip = clip
    }

    /// Pushes `z` (clipped); returns the window's mean once it is full. The mean can overflow
    /// to ±∞ (or NaN) for values near ±`Double.greatestFiniteMagnitude`; callers check.
    mutating func push(_ z: Double) -> Double? {
        guard length > 0 else { return nil }
        let zc = min(max(z, -clip), clip)
        if ring.count < length {
            ring.append(zc)
            sum += zc
        } else {
            sum += zc - ring[next]
            ring[next] = zc
        }
        next = (next + 1) % length
        // Re-add once per lap so rounding errors of the running sum cannot accumulate.
        if next == 0 { sum = ring.reduce(0, +) }
        return ring.count == length ? sum / Double(length) : nil
    }

    /// Pushes `z`; once the window is full and calibrated, returns its mean and the surprise
    /// of the mean's `direction`-oriented value under the threshold, which then learns it.
    mutating func observe(_ z: Double, direction: Direction) -> (mean: Double, surprise: Double)? {
        guard let mean = push(z), var tail = threshold else { return nil }
        let oriented = direction.oriented(mean)
        let surprise = tail.surprise(oriented)
        tail.observe(oriented)
        threshold = tail
        return (mean, surprise)
    }

    /// Empties the window (after the baseline adopts a shift); the threshold is kept.
    mutating func clear() {
        ring = []
        next = 0
        sum = 0
    }
}
