import ForeshockTestSupport
import ForeshockDetection
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The evidence behind `PointScore.alertScore` (the NAB column): range extensions, the
/// windowed mean of residuals, sparsity and the streaming contract.
@Suite("AlertScore")
struct AlertScoreTests {
    /// Uniform noise in [0, 10): a value just past the seen maximum is hardly surprising to the
    /// residual model, yet it extends the range of everything seen.
    private func uniformThen(_ last: Double, configure: (inout DetectorConfiguration) -> Void = { _ in }) throws -> [PointScore] {
        var rng = SplitMix64(seed: 40)
        var d = try makeDetector(configure)
        var out: [PointScore] = []
        for i in 0..<1000 {
            let v = i == 999 ? last : Double.random(in: 0..<10, using: &rng)
            out.append(d.update(timestamp: epoch + Int64(i) * oneMinute, value: v))
        }
        return out
    }

    @Test func rangeExtensionRaisesTheAlertScoreButNotTheIncidentScore() throws {
        let on = try uniformThen(10.6)
        let last = try #require(on.last)
        #expect(last.alertScore >= 0.5, "alertScore \(last.alertScore)")
        #expect(last.score < 0.5 && last.event == nil, "the incident model is unchanged")
        let off = try uniformThen(10.6) { $0.rangeExtensionTolerance = nil }
        #expect(try #require(off.last).alertScore < 0.5)
        // Inside the tolerance (2 % of the range ≈ 0.2 past the maximum) nothing happens.
        let inside = try uniformThen(10.1)
        #expect(try #require(inside.last).alertScore < 0.5)
    }

    @Test func largerRangeExtensionsScoreHigherUnlessGrowthIsZero() throws {
        // Values in [0, 10): 10.6 and 14 both extend the range, by 6 % and 40 % of it.
        let small = try #require(uniformThen(10.6).last).alertScore
        let large = try #require(uniformThen(14).last).alertScore
        #expect(small >= 0.5 && large > small, "small \(small), large \(large)")
        // Without growth the extension's surprise is 1.2 × −ln q, i.e. alertScore 1.2 / 2.2.
        let flatSmall = try #require(uniformThen(10.6) { $0.rangeExtensionGrowth = 0 }.last).alertScore
        #expect(abs(flatSmall - 1.2 / 2.2) < 1e-12, "flat \(flatSmall)")
        #expect(flatSmall < small)
    }

    /// Gaussian noise with two spikes `gap` points apart, 12 at row 3000 and a smaller 10 after
    /// it: the alert score of the second spike.
    private func secondSpikeAlert(gap: Int, configure: (inout DetectorConfiguration) -> Void = { _ in }) throws -> Double {
        var rng = SplitMix64(seed: 42)
        var d = try makeDetector(configure)
        var second = 0.0
        for i in 0...(3000 + gap) {
            let value = i == 3000 ? 12 : i == 3000 + gap ? 10 : rng.gaussian()
            let p = d.update(timestamp: epoch + Int64(i) * oneMinute, value: value)
            if i == 3000 { #expect(p.alertScore >= 0.5, "the first spike alerts: \(p.alertScore)") }
            if i == 3000 + gap { second = p.alertScore }
        }
        return second
    }

    @Test func theSuppressionWindowGrowsWithTheHistory() throws {
        // At row 3140 the window is 5 % of the points seen, 157 rows: a smaller spike 140 rows
        // after the first is suppressed; with a fixed window of 100 it alerts again.
        #expect(try secondSpikeAlert(gap: 140) == 0)
        #expect(try secondSpikeAlert(gap: 140) { $0.suppressionGrowth = 0 } >= 0.5)
        // Beyond the grown window it alerts again; the window never exceeds its maximum.
        #expect(try secondSpikeAlert(gap: 170) >= 0.5)
        #expect(try secondSpikeAlert(gap: 140) { $0.maximumSuppressionLength = 120 } >= 0.5)
        #expect(throws: DetectionError.self) {
            try makeDetector { $0.maximumSuppressionLength = 50 }
        }
    }

    @Test func rangeExtensionNeverFiresDuringWarmup() throws {
        var d = try makeDetector()
        // A smooth ramp makes every warm-up point a new maximum.
        for i in 0..<300 {
            let p = d.update(timestamp: epoch + Int64(i) * oneMinute, value: Double(i))
            #expect(p.isWarmingUp || i == 299)
            #expect(p.alertScore < 0.5, "row \(i): \(p.alertScore)")
        }
    }

    /// Index of the first row at or after `from` whose alertScore is ≥ 0.5.
    private func firstAlert(windowedMeanLength: Int) throws -> Int? {
        var rng = SplitMix64(seed: 41)
        var d = try makeDetector {
            $0.windowedMeanLength = windowedMeanLength
            $0.longWindowedMeanLength = 0
            $0.rangeExtensionTolerance = nil
        }
        for i in 0..<1300 {
            let v = (i < 1000 ? 0.0 : 1.5) + rng.gaussian()
            let p = d.update(timestamp: epoch + Int64(i) * oneMinute, value: v)
            if i >= 1000, p.alertScore >= 0.5 { return i - 1000 }
        }
        return nil
    }

    @Test func windowedMeanFlagsASmallShiftBeforeTheChangeTest() throws {
        let withMean = try #require(try firstAlert(windowedMeanLength: 10))
        let without = try #require(try firstAlert(windowedMeanLength: 0))
        #expect(withMean < without, "windowed mean after \(withMean) points, CUSUM alone after \(without)")
        #expect(withMean <= 20)
    }

    @Test func longWindowedMeanChangesTheAlertScoreOnlyNotIncidents() throws {
        // Spikes of +3σ become ten times as frequent at row 1000 (NAB's
        // art_increase_spike_density is of this kind).
        func run(longWindow: Int) throws -> (alerts: [Double], scores: [Double]) {
            var rng = SplitMix64(seed: 45)
            var d = try makeDetector {
                $0.longWindowedMeanLength = longWindow
                $0.rangeExtensionTolerance = nil
            }
            var alerts: [Double] = []
            var scores: [Double] = []
            for i in 0..<1600 {
                let spike = Double(rng.next() >> 11) / 9_007_199_254_740_992.0 < (i < 1000 ? 0.03 : 0.3)
                let p = d.update(timestamp: epoch + Int64(i) * oneMinute, value: rng.gaussian() + (spike ? 3 : 0))
                alerts.append(p.alertScore)
                scores.append(p.score)
            }
            return (alerts, scores)
        }
        let long = try run(longWindow: 60)
        let short = try run(longWindow: 0)
        #expect(long.scores == short.scores, "the long window feeds the alert score only, not incidents")
        #expect(long.alerts != short.alerts, "the long window never changed the alert score")
    }

    @Test func levelRangeFlagsANewLevelThatNoPointMakesExtreme() throws {
        // Uniform values in [0, 10), then in [5, 10): no single value is new, but the level (a
        // 20-point average) moves from 5 to 7.5, beyond every level seen.
        func firstAlert(levelRangeLength: Int) throws -> Int? {
            var rng = SplitMix64(seed: 47)
            var d = try makeDetector { $0.levelRangeLength = levelRangeLength }
            for i in 0..<1300 {
                let v = Double.random(in: (i < 1000 ? 0 : 5)..<10, using: &rng)
                let p = d.update(timestamp: epoch + Int64(i) * oneMinute, value: v)
                if i >= 1000, p.alertScore >= 0.5 { return i - 1000 }
            }
            return nil
        }
        let withLevel = try #require(try firstAlert(levelRangeLength: 20), "the new level never alerted")
        #expect(withLevel <= 30, "alerted \(withLevel) points after the shift")
        #expect(try firstAlert(levelRangeLength: 0) == nil, "without the level range nothing else sees it")
    }

    @Test func extremeFiniteValuesKeepTheAlertScoreAProbability() throws {
        // A series that sits on a tiny range, then jumps to the edge of Double: the range and
        // level evidences must stay finite (score in [0, 1)), never NaN.
        var d = try makeDetector()
        for i in 0..<1000 {
            let v: Double = switch i {
            case ..<600: 1e-300 * Double(i % 3)
            case 600..<620: .greatestFiniteMagnitude
            case 620..<640: -.greatestFiniteMagnitude
            default: 1
            }
            let p = d.update(timestamp: epoch + Int64(i) * oneMinute, value: v)
            #expect(p.alertScore >= 0 && p.alertScore < 1, "row \(i): alertScore \(p.alertScore)")
            #expect(p.score >= 0 && p.score < 1, "row \(i): score \(p.score)")
        }
    }

    @Test func alertScoreIsSparse() throws {
        var rng = SplitMix64(seed: 42)
        var d = try makeDetector()
        var alerts = 0
        for i in 0..<2000 {
            // One sustained 10σ excursion of 30 points.
            let v = rng.gaussian() + ((1500..<1530).contains(i) ? 10 : 0)
            let p = d.update(timestamp: epoch + Int64(i) * oneMinute, value: v)
            if i >= 1500, i < 1700, p.alertScore >= 0.5 { alerts += 1 }
        }
        #expect(alerts >= 1 && alerts <= 3, "\(alerts) alerting rows for one excursion")
    }

    @Test func scoresOfAPrefixDoNotDependOnLaterRows() throws {
        var rng = SplitMix64(seed: 43)
        let ts = (0..<1500).map { epoch + Int64($0) * fiveMinutes }
        let vs = ts.indices.map { i in 20 + 5 * sin(Double(i) / 40) + rng.gaussian() + (i % 311 == 0 ? 15 : 0) }
        var full = try makeDetector()
        let all = try full.score(timestamps: ts, values: vs)
        var part = try makeDetector()
        let prefix = try part.score(timestamps: Array(ts[..<900]), values: Array(vs[..<900]))
        #expect(Array(all[..<900]) == prefix)
    }

    @Test func invalidAlertKnobsThrow() {
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.windowedMeanLength = -1 } }
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.longWindowedMeanLength = -1 } }
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.longWindowedMeanLength = 10_001 } }
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.levelRangeLength = -1 } }
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.levelRangeTolerance = .nan } }
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.rangeExtensionTolerance = -0.1 } }
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.rangeExtensionSurprise = 0 } }
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.rangeExtensionGrowth = -0.1 } }
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.rangeExtensionGrowth = .infinity } }
    }
}
