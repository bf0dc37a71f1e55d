#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-step innovation of the standardised residual: the part of `z_t` that an AR(1)
/// model of the residuals, `ẑ_t = φ · z_{t−1}`, does not predict, with its own EVT threshold.
///
/// Residuals of a slowly smoothed baseline are autocorrelated on most real series (a level
/// that wanders faster than the baseline follows): a large `z` then says "the series is far
/// from its smoothed level", which it often is for hours, while a sudden step or spike inside
/// that wander leaves `z` ordinary. Charting the one-step-ahead forecast errors instead of the
/// raw deviations is the classic remedy for autocorrelated processes (the *special-cause
/// chart*: L. C. Alwan & H. V. Roberts, "Time-Series Modeling for Statistical Process Control",
/// J. Business & Economic Statistics 6(1), 1988). Here `φ` is the lag-1 autocorrelation of the
/// clipped `z` (an exponentially weighted estimate, kept in [0, 0.98]), the innovation
/// `ε = z_t − φ · clip(z_{t−1})` is scaled by a robust spread (1.2533 × EWMA |ε|, each ε clipped
/// at `clip` spreads), and its direction-oriented value is scored by a ``PeaksOverThreshold``
/// tail (SPOT) calibrated on the warm-up replay, like the point threshold.
///
/// The previous residual enters clipped, so the return from a spike does not read as a second,
/// opposite spike of the same size. The spread is floored at ``minimumSpread`` residual
/// scales: when the residuals are nearly constant (the residual scale itself floored, see
/// ``DetectorConfiguration/relativeScaleFloor``) a tiny change must not become a huge
/// innovation, and the spread can never reach 0.
///
/// - Complexity: O(1) time and memory per ``observe(_:direction:admitted:)``.
struct ResidualInnovation: Sendable, Codable {
    /// EWMA weight of the lag-1 products and squares that estimate φ.
    let smoothing: Double
    /// EWMA weight of |ε| (the spread).
    let scaleSmoothing: Double
    /// The clip of residuals and innovations, in spreads (``DetectorConfiguration/huberClip``).
    let clip: Double
    /// The tail model of the oriented, scaled innovation.
    private(set) var threshold: PeaksOverThreshold
    private var lagProduct: Double
    private var square: Double
    private var meanAbsolute: Double
    private var previous: Double

    /// The smallest innovation spread, in residual scales (a white residual's is ≈ 1; with φ at
    /// its cap 0.98, ≈ 0.2).
    static let minimumSpread = 0.1

    /// The AR(1) coefficient φ in use.
    var coefficient: Double { Self.coefficient(lagProduct: lagProduct, square: square) }

    /// φ from the lag-1 product and the square moments, kept in [0, 0.98] (a negative
    /// autocorrelation predicts nothing worth charting; 0.98 keeps the model stationary).
    private static func coefficient(lagProduct: Double, square: Double) -> Double {
        min(max(lagProduct / max(square, 1e-12), 0), 0.98)
    }

    /// Fits φ, the spread and the tail on the standardised residuals of the warm-up replay.
    ///
    /// - Parameters:
    ///   - replay: the replay's standardised residuals, in order (NaN dropped, ±∞ clipped where
    ///     it matters); nil is returned for fewer than 9.
    ///   - skip: the leading residuals left out of the tail's calibration (the baseline
    ///     settles); at least the last residual is always kept.
    ///   - tail: builds the tail model from the oriented calibration sample.
    init?(replay: [Double], skip: Int, clip: Double, smoothing: Double, scaleSmoothing: Double,
          direction: Direction, tail: ([Double]) -> PeaksOverThreshold) {
        let replay = replay.filter { !$0.isNaN }
        guard replay.count > 8 else { return nil }
        self.smoothing = smoothing
        self.scaleSmoothing = scaleSmoothing
        self.clip = clip
        let clipped = replay.map { min(max($0, -clip), clip) }
        var products = 0.0
        var squares = 0.0
        for i in 1..<clipped.count {
            products += clipped[i] * clipped[i - 1]
            squares += clipped[i] * clipped[i]
        }
        // The EWMAs start at the replay's moments, so φ starts at its replay estimate.
        lagProduct = products / Double(clipped.count - 1)
        square = squares / Double(clipped.count - 1)
        let phi = Self.coefficient(lagProduct: products, square: squares)
        var deviations = (1..<replay.count).map { abs(replay[$0] - phi * clipped[$0 - 1]) }
        deviations.sort()
        meanAbsolute = deviations[deviations.count / 2] * 1.4826 / 1.2533
        if !(meanAbsolute > 0) { meanAbsolute = deviations.reduce(0) { $0 + min($1, 2 * clip) } / Double(deviations.count) }
        previous = clipped[clipped.count - 1]
        let spread = max(1.2533 * meanAbsolute, Self.minimumSpread)
        var calibration: [Double] = []
        calibration.reserveCapacity(replay.count)
        for i in min(max(skip, 1), replay.count - 1)..<replay.count {
            calibration.append(direction.oriented((replay[i] - phi * clipped[i - 1]) / spread))
        }
        threshold = tail(calibration)
    }

    /// Moves the previous residual by `shift` residual scales, when the baseline adopts a
    /// level shift of that size (the residuals are measured from the new level from now on).
    mutating func rebase(by shift: Double) {
        previous = min(max(previous - shift, -clip), clip)
    }

    /// Scores the innovation of `z` and learns from it.
    ///
    /// - Parameters:
    ///   - z: the point's standardised residual (±∞ is clipped when learned; NaN is ignored).
    ///   - admitted: whether the point's deviation counts at all (direction, minimum deviation).
    /// - Returns: the surprise −ln P of the oriented innovation under the tail; 0 when it points
    ///   against `direction` or the point is not admitted.
    mutating func observe(_ z: Double, direction: Direction, admitted: Bool) -> Double {
        guard !z.isNaN else { return 0 }
        let innovation = z - coefficient * previous
        let spread = max(1.2533 * meanAbsolute, Self.minimumSpread)
        let oriented = direction.oriented(innovation / spread)
        let surprise = admitted && direction.admits(innovation) ? threshold.surprise(oriented) : 0
        threshold.observe(oriented)
        let zc = min(max(z, -clip), clip)
        lagProduct = (1 - smoothing) * lagProduct + smoothing * zc * previous
        square = (1 - smoothing) * square + smoothing * zc * zc
        let limit = clip * spread
        meanAbsolute = (1 - scaleSmoothing) * meanAbsolute + scaleSmoothing * abs(min(max(innovation, -limit), limit))
        previous = zc
        return surprise
    }
}
