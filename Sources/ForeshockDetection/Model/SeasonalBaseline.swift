#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The expected value of a series: level + trend + one seasonal component, updated by robust
/// Holt–Winters smoothing (Gelper, Fried & Croux, "Robust forecasting with exponential and
/// Holt–Winters smoothing", J. Forecasting 29, 2010): every update uses a *cleaned*
/// observation, the forecast plus the Huber-clipped residual, so a single outlier moves the
/// level by at most α·c·scale.
///
/// The seasonal phase comes from the timestamp (`(t − anchor) / interval mod period`), not
/// from the sample count, so gaps and irregular sampling keep the phase right.
///
/// Memory: `period` doubles (0 without a season). All updates are O(1).
public struct SeasonalBaseline: Sendable, Codable, Equatable {
    /// The deseasonalised level.
    public private(set) var level: Double
    /// Level change per sample interval (0 unless the trend is enabled or tracked).
    public private(set) var trend: Double
    /// Seasonal offsets by phase, mean 0; empty without a season.
    public private(set) var season: [Double]
    /// The sampling interval in ms (≥ 1).
    public let interval: Int64
    /// The time of phase 0 (ms).
    public let anchor: Int64
    public let levelSmoothing: Double
    public let trendSmoothing: Double
    public let seasonalSmoothing: Double

    /// The season length in samples (0 without a season).
    public var period: Int { season.count }

    /// A baseline fitted to `values` at `timestamps` (finite values, same length ≥ 1).
    ///
    /// With a period, each phase's offset is the mean over the sample of value minus the sample
    /// mean (then centred); the level is the mean of the deseasonalised last period (or last 32
    /// points without a season). A trend starts at 0.
    ///
    /// - Complexity: O(n + period).
    init(timestamps: [Int64], values: [Double], interval: Int64, period: Int, configuration c: DetectorConfiguration) {
        self.interval = max(interval, 1)
        self.anchor = timestamps.first ?? 0
        levelSmoothing = c.levelSmoothing
        trendSmoothing = c.trendSmoothing
        seasonalSmoothing = c.seasonalSmoothing
        trend = 0
        let n = values.count
        let mean = n > 0 ? values.reduce(0, +) / Double(n) : 0
        if period >= 2 {
            var sums = [Double](repeating: 0, count: period)
            var counts = [Double](repeating: 0, count: period)
            season = []
            level = 0
            for i in 0..<n {
                let p = Self.phase(timestamps[i], anchor: anchor, interval: self.interval, period: period)
                sums[p] += values[i] - mean
                counts[p] += 1
            }
            var offsets = [Double](repeating: 0, count: period)
            var total = 0.0
            var seen = 0.0
            for p in 0..<period where counts[p] > 0 {
                offsets[p] = sums[p] / counts[p]
                total += offsets[p]
                seen += 1
            }
            let centre = seen > 0 ? total / seen : 0
            for p in 0..<period where counts[p] > 0 { offsets[p] -= centre }
            season = offsets
            let tail = max(0, n - period)
            var s = 0.0
            for i in tail..<n {
                s += values[i] - offsets[Self.phase(timestamps[i], anchor: anchor, interval: self.interval, period: period)]
            }
            level = n > tail ? s / Double(n - tail) : mean
        } else {
            season = []
            let tail = max(0, n - 32)
            level = n > tail ? values[tail...].reduce(0, +) / Double(n - tail) : 0
        }
    }

    @inlinable static func phase(_ t: Int64, anchor: Int64, interval: Int64, period: Int) -> Int {
        let (slot, overflow) = t.subtractingReportingOverflow(anchor)
        let steps = overflow ? 0 : slot / interval
        let p = Int(steps % Int64(period))
        return p < 0 ? p + period : p
    }

    /// The seasonal offset at time `t` (0 without a season).
    public func seasonal(at t: Int64) -> Double {
        season.isEmpty ? 0 : season[Self.phase(t, anchor: anchor, interval: interval, period: season.count)]
    }

    /// The one-step expected value at time `t`.
    public func expected(at t: Int64) -> Double { level + trend + seasonal(at: t) }

    /// The forecast `steps` sampling intervals after `t` (undamped linear trend plus season).
    public func forecast(from t: Int64, steps: Int) -> Double {
        let (ahead, overflow) = interval.multipliedReportingOverflow(by: Int64(steps))
        let future = overflow ? t : t &+ ahead
        return level + trend * Double(steps) + seasonal(at: future)
    }

    /// Learns from the cleaned observation `y` at `t` (already robustified by the caller).
    ///
    /// - Parameter gain: multiplies every smoothing weight (1 normally, less during an incident).
    mutating func update(at t: Int64, cleaned y: Double, gain: Double) {
        let s = seasonal(at: t)
        let previous = level
        let a = levelSmoothing * gain
        level = a * (y - s) + (1 - a) * (level + trend)
        if trendSmoothing > 0 {
            let b = trendSmoothing * gain
            trend = b * (level - previous) + (1 - b) * trend
        }
        if !season.isEmpty {
            let g = seasonalSmoothing * gain
            let p = Self.phase(t, anchor: anchor, interval: interval, period: season.count)
            season[p] = g * (y - level) + (1 - g) * season[p]
        }
    }

    /// Moves the level by `delta` (a confirmed level shift is adopted at once).
    mutating func shiftLevel(by delta: Double) {
        level += delta
        trend = 0
    }
}

/// Finds a seasonal period by autocorrelation on a buffer of recent points.
enum PeriodDetector {
    /// The autocorrelation at lags `period` and `period / 2` of the points placed on a
    /// regular grid of `interval` (missing slots skipped), after removing a least-squares
    /// line. Returns nil when fewer than `period` pairs exist.
    ///
    /// - Complexity: O(n + span/interval).
    static func autocorrelation(timestamps: [Int64], values: [Double], interval: Int64, period: Int) -> (atPeriod: Double, atHalf: Double)? {
        guard let first = timestamps.first, let last = timestamps.last, interval > 0, period >= 2 else { return nil }
        let span = (last - first) / interval + 1
        guard span > Int64(period), span <= 1 << 22 else { return nil }
        var grid = [Double](repeating: .nan, count: Int(span))
        for (t, v) in zip(timestamps, values) {
            let slot = (t - first) / interval
            if slot >= 0, slot < span { grid[Int(slot)] = v }
        }
        // Least-squares line over the filled slots.
        var n = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for (i, v) in grid.enumerated() where !v.isNaN {
            let x = Double(i)
            n += 1; sx += x; sy += v; sxx += x * x; sxy += x * v
        }
        guard n >= Double(period) else { return nil }
        let den = n * sxx - sx * sx
        let slope = den > 0 ? (n * sxy - sx * sy) / den : 0
        let intercept = (sy - slope * sx) / n
        for i in grid.indices where !grid[i].isNaN { grid[i] -= intercept + slope * Double(i) }
        func acf(_ lag: Int) -> Double {
            var num = 0.0, a = 0.0, b = 0.0, pairs = 0
            var i = 0
            while i + lag < grid.count {
                let x = grid[i], y = grid[i + lag]
                if !x.isNaN, !y.isNaN {
                    num += x * y; a += x * x; b += y * y; pairs += 1
                }
                i += 1
            }
            guard pairs >= lag / 2, a > 0, b > 0 else { return 0 }
            return num / (a * b).squareRoot()
        }
        return (acf(period), acf(max(1, period / 2)))
    }
}
