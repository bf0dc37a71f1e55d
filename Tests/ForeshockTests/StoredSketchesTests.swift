import Foreshock
import Foundation
import Testing

@Suite struct StoredSketchesTests {
    /// "p99 of checkout between 10:00 and 14:00 across all pods" is a merge of stored
    /// per-pod, per-minute sketches, and stays within the sketch's 1 % relative accuracy of
    /// the exact quantile over the same raw values.
    @Test func quantileAcrossPodsAndHoursIsAMergeOfStoredWindowSketches() throws {
        let store = try Store(directory: nil)
        var rng = SystemRandomNumberGenerator()
        let day: Int64 = 1_767_225_600_000  // 2026-01-01 00:00 UTC
        var inRange: [Double] = []
        for pod in 0..<4 {
            var windows = WindowedSketches(windowLength: 60_000)
            for minute in 0..<(24 * 60) {
                let t = day + Int64(minute) * 60_000
                for _ in 0..<20 {
                    let latency = exp(Double.random(in: 0...1, using: &rng) * 3 + Double(pod) * 0.1) * 10
                    windows.add(latency, at: t + Int64.random(in: 0..<60_000, using: &rng))
                    if minute >= 600 && minute < 840 { inRange.append(latency) }
                }
            }
            try StoredSketches.append(windows, series: try SeriesKey(name: "span.duration", labels: ["service": "checkout", "pod": "\(pod)"]), to: store)
        }
        // A different service must not leak into the merge.
        var other = WindowedSketches(windowLength: 60_000)
        other.add(1e9, at: day + 660 * 60_000)
        try StoredSketches.append(other, series: try SeriesKey(name: "span.duration", labels: ["service": "search"]), to: store)

        let merged = try #require(try StoredSketches.merged(in: store, matching: [.equal("service", "checkout")],
                                                             from: day + 600 * 60_000, to: day + 839 * 60_000))
        #expect(merged.count == UInt64(inRange.count))
        let sorted = inRange.sorted()
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = sorted[Int(q * Double(sorted.count - 1))]
            let estimate = try #require(merged.quantile(q))
            #expect(abs(estimate - exact) <= 0.01 * exact + 1e-9, "q=\(q): \(estimate) vs \(exact)")
        }
    }
}
