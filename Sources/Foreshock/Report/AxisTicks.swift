import Foundation
import ForeshockTelemetry

/// Tick positions and labels for chart axes.
enum AxisTicks {
    /// About `target` round values covering `[low, high]`: steps of 1, 2 or 5 × 10ᵏ
    /// ("nice numbers", Heckbert, Graphics Gems, 1990), with their labels.
    ///
    /// - Precondition: `low` and `high` finite, `low < high`.
    static func values(_ low: Double, _ high: Double, target: Int = 5) -> (ticks: [Double], step: Double) {
        let raw = (high - low) / Double(max(1, target))
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        let step = (fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10) * magnitude
        var ticks: [Double] = []
        var k = ceil(low / step)
        while k * step <= high + step * 1e-9, ticks.count < 50 {
            ticks.append(k * step)
            k += 1
        }
        return (ticks, step)
    }

    /// A value tick's label, with as many decimals as the step needs (`0.25`, `1200`; `1.2e+07`
    /// beyond a million).
    static func valueLabel(_ value: Double, step: Double) -> String {
        if abs(value) >= 1e6 { return String(format: "%.3g", value) }
        let decimals = min(6, max(0, Int(-floor(log10(step)))))
        let text = String(format: "%.\(decimals)f", value)
        return text == "-0" ? "0" : text
    }

    /// Candidate time steps, milliseconds.
    private static let timeSteps: [Int64] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200,
        86_400, 172_800, 604_800, 1_209_600, 2_592_000, 7_776_000, 15_552_000, 31_536_000,
    ].map { $0 * 1000 }

    /// The largest candidate step (a year), used when the range is longer than `target` years.
    private static let yearStep: Int64 = 31_536_000_000

    /// About `target` UTC-aligned times in `[start, end]` (ms) and their labels:
    /// `YYYY-MM-DD` for steps of a day or more, `MM-DD HH:MM` when the range spans days,
    /// `HH:MM` (or `HH:MM:SS` below a minute) otherwise.
    static func times(_ start: Int64, _ end: Int64, target: Int = 6) -> [(time: Int64, label: String)] {
        let span = max(1, end - start)
        let step = timeSteps.first { span / $0 <= Int64(target) } ?? yearStep
        var ticks: [(Int64, String)] = []
        var t = ceilDiv(start, step) * step
        let multiDay = floorDiv(start, 86_400_000) != floorDiv(end, 86_400_000)
        while t <= end, ticks.count < 60 {
            let full = TimestampFormatter.string(milliseconds: t)   // YYYY-MM-DD HH:MM:SS[.mmm]
            let label: String
            if step >= 86_400_000 {
                label = String(full.prefix(10))
            } else if step < 60_000 {
                label = String(full.dropFirst(11).prefix(8))
            } else if multiDay {
                label = String(full.dropFirst(5).prefix(11))
            } else {
                label = String(full.dropFirst(11).prefix(5))
            }
            ticks.append((t, label))
            t += step
        }
        return ticks
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }
}
