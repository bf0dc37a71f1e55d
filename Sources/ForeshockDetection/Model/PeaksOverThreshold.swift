#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Automatic alert thresholds from extreme value theory: streaming peaks-over-threshold
/// (SPOT, Siffer, Fouque, Termier & Largouët, "Anomaly Detection in Streams with Extreme Value
/// Theory", KDD 2017).
///
/// Values above an initial threshold `t` (a high empirical quantile of a calibration sample)
/// are *peaks*; by the Pickands–Balkema–de Haan theorem their excesses `x − t` follow a
/// generalized Pareto distribution GPD(γ ≥ 0, σ). The alert threshold for risk `q` is
///
///     z_q = t + σ/γ · ((q·n / N_t)^(−γ) − 1)        (t − σ·ln(q·n/N_t) when γ → 0)
///
/// where `n` counts observations and `N_t` peaks. Unlike the paper's Grimshaw maximum
/// likelihood over a stored peak set, the GPD here is fitted by the **method of moments** over
/// running (optionally exponentially forgotten) sums of the excesses, so memory is O(1) and an
/// update is O(1): γ = ½(1 − m²/v), σ = ½·m·(m²/v + 1) for excess mean m and variance v.
/// As in SPOT, a value above `z_q` is an alarm and is not added to the peaks, so anomalies do
/// not raise the threshold. With `forgetting` < 1 the counts decay (a DSPOT-like drift
/// allowance applied to the already de-trended input).
///
/// - Complexity: O(1) time and memory per ``observe(_:)``; O(m log m) for the calibration
///   sample of size m.
public struct PeaksOverThreshold: Sendable, Codable, Equatable {
    /// The initial threshold t (a quantile of the calibration sample).
    public private(set) var initialThreshold: Double
    /// The risk level q.
    public let riskLevel: Double
    /// Per-observation decay of the counts and sums (1 = none).
    public let forgetting: Double
    /// The largest GPD shape γ allowed (γ is also kept ≥ 0: a bounded fitted tail would make
    /// every value beyond its endpoint infinitely surprising).
    public let maximumShape: Double
    /// Whether alarms are learned too (with their excess capped at the threshold's).
    public let learnsAlarms: Bool
    /// Observations seen (decayed).
    public private(set) var count: Double
    /// Peaks seen (decayed), and the sums of their excesses and squared excesses.
    public private(set) var peakCount: Double
    private var excessSum: Double
    private var excessSquareSum: Double
    /// The fitted GPD shape γ and scale σ.
    public private(set) var shape: Double = 0
    public private(set) var scale: Double = 1
    /// The current alert threshold z_q.
    public private(set) var alertThreshold: Double = .greatestFiniteMagnitude

    /// Calibrates from `sample` (non-finite values are ignored).
    ///
    /// - Parameters:
    ///   - sample: at least one finite value; with fewer than 10 the fit is an exponential tail
    ///     anchored on the sample maximum.
    ///   - initialQuantile: the empirical quantile used as t, in (0.5, 1).
    ///   - riskLevel: q in (0, 1).
    ///   - forgetting: decay per observation in (0.9, 1].
    public init(calibration sample: [Double], initialQuantile: Double = 0.98, riskLevel: Double, forgetting: Double = 1, learnsAlarms: Bool = false, maximumShape: Double = 0.9) {
        self.maximumShape = min(max(maximumShape, 0), 0.99)
        self.learnsAlarms = learnsAlarms
        let sorted = sample.filter(\.isFinite).sorted()
        self.riskLevel = min(max(riskLevel, 1e-12), 0.5)
        self.forgetting = min(max(forgetting, 0.9), 1)
        let q0 = min(max(initialQuantile, 0.5), 0.9999)
        guard !sorted.isEmpty else {
            initialThreshold = 0
            count = 0
            peakCount = 0
            excessSum = 0
            excessSquareSum = 0
            refit()
            return
        }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * q0).rounded(.down)))
        let t = sorted[index]
        initialThreshold = t
        count = Double(sorted.count)
        var nPeaks = 0.0
        var sum = 0.0
        var sumSquares = 0.0
        for x in sorted[index...] where x > t {
            nPeaks += 1
            sum += x - t
            sumSquares += (x - t) * (x - t)
        }
        peakCount = nPeaks
        excessSum = sum
        excessSquareSum = sumSquares
        refit()
    }

    /// Adds one observation and tells whether it is past the alert threshold (an alarm, which
    /// is then *not* learned as a peak). Non-finite values are ignored (returns false).
    ///
    /// - Complexity: O(1).
    @discardableResult
    public mutating func observe(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        if x > alertThreshold {
            guard learnsAlarms else { return true }
            // Learned with the excess capped at the threshold's: a regime where alarms are
            // routine raises the threshold, yet no single outlier inflates it.
            count = count * forgetting + 1
            let y = alertThreshold - initialThreshold
            peakCount = peakCount * forgetting + 1
            excessSum = excessSum * forgetting + y
            excessSquareSum = excessSquareSum * forgetting + y * y
            refit()
            return true
        }
        count = count * forgetting + 1
        if x > initialThreshold {
            peakCount = peakCount * forgetting + 1
            excessSum = excessSum * forgetting + (x - initialThreshold)
            excessSquareSum = excessSquareSum * forgetting + (x - initialThreshold) * (x - initialThreshold)
            refit()
        } else if forgetting < 1 {
            peakCount *= forgetting
            excessSum *= forgetting
            excessSquareSum *= forgetting
            refit()
        } else {
            refreshThreshold()
        }
        return false
    }

    /// −ln of the estimated probability that a normal value is ≥ `x` (its *surprise*):
    /// from the GPD tail above t, log-linear between P = 1 at 0 and P = N_t/n at t below it,
    /// 0 at or below 0. Surprise −ln q is exactly the alert threshold.
    ///
    /// - Complexity: O(1).
    public func surprise(_ x: Double) -> Double {
        guard x.isFinite else { return x > 0 ? 1e12 : 0 }
        let rate = max(peakCount, 0.5) / max(count, 1)
        let baseSurprise = -log(min(rate, 1))
        if x <= initialThreshold {
            guard initialThreshold > 0, x > 0 else { return 0 }
            return baseSurprise * x / initialThreshold
        }
        let y = x - initialThreshold
        let tail: Double
        if abs(shape) < 1e-6 {
            tail = y / scale
        } else {
            let arg = 1 + shape * y / scale
            // Beyond a bounded tail's endpoint the probability is 0: cap the surprise.
            tail = arg <= 0 ? 1e12 : log(arg) / shape
        }
        return min(baseSurprise + tail, 1e12)
    }

    private mutating func refit() {
        let n = peakCount
        if n >= 10 {
            let m = excessSum / n
            let v = max(excessSquareSum / n - m * m, 0)
            if v > 1e-300, m > 0 {
                let r = m * m / v
                shape = min(max(0.5 * (1 - r), 0), maximumShape)
                scale = max(0.5 * m * (r + 1), 1e-12)
            } else {
                shape = 0
                scale = max(m, 1e-12)
            }
        } else if n >= 1 {
            // Too few peaks for two moments: an exponential tail with the sample mean excess.
            shape = 0
            scale = max(excessSum / n, 1e-12)
        } else {
            shape = 0
            scale = max(abs(initialThreshold) * 0.1, 1e-12)
        }
        refreshThreshold()
    }

    private mutating func refreshThreshold() {
        let ratio = riskLevel * max(count, 1) / max(peakCount, 0.5)
        if ratio >= 1 {
            alertThreshold = initialThreshold
        } else if abs(shape) < 1e-6 {
            alertThreshold = initialThreshold - scale * log(ratio)
        } else {
            alertThreshold = initialThreshold + scale / shape * (pow(ratio, -shape) - 1)
        }
    }
}
