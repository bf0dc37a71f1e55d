import ForeshockTestSupport
import Foundation
@testable import ForeshockDetection
import Testing

@Suite("WindowedMean")
struct WindowedMeanTests {
    @Test func meanOfTheLastValuesClippedAndNilUntilFull() {
        var window = WindowedMean(length: 4, clip: 4)
        #expect(window.push(1) == nil)
        #expect(window.push(2) == nil)
        #expect(window.push(3) == nil)
        #expect(window.push(10) == (1 + 2 + 3 + 4) / 4.0)   // 10 is clipped to 4
        #expect(window.push(-10) == (2 + 3 + 4 - 4) / 4.0)  // the oldest leaves the window
        window.clear()
        #expect(window.push(1) == nil)
        var off = WindowedMean(length: 0, clip: 4)
        let pushed = off.push(1)
        let observed = off.observe(1, direction: .both)
        #expect(pushed == nil && observed == nil)
    }

    @Test func runningSumStaysExactOverManyLaps() throws {
        var rng = SplitMix64(seed: 5)
        var window = WindowedMean(length: 7, clip: 4)
        var values: [Double] = []
        var last: Double?
        for _ in 0..<10_000 {
            let z = rng.gaussian() * 1e6
            values.append(min(max(z, -4), 4))
            last = window.push(z)
        }
        let expected = values.suffix(7).reduce(0, +) / 7
        let mean = try #require(last)
        #expect(abs(mean - expected) < 1e-12)
    }

    @Test func observeScoresAShiftedMeanAboveTheAlertThreshold() throws {
        var rng = SplitMix64(seed: 6)
        var window = WindowedMean(length: 60, clip: 4)
        var calibration: [Double] = []
        for _ in 0..<2000 { if let m = window.push(rng.gaussian()) { calibration.append(abs(m)) } }
        window.threshold = PeaksOverThreshold(calibration: calibration, riskLevel: 1e-4, learnsAlarms: true, maximumShape: 0.5)
        let alertSurprise = -log(1e-4)
        func observe(_ z: Double, _ direction: Direction) throws -> Double {
            let result = window.observe(z, direction: direction)
            return try #require(result).surprise
        }
        var quiet = 0.0
        for _ in 0..<200 { quiet = max(quiet, try observe(rng.gaussian(), .both)) }
        // The tail fitted to overlapping windows' means is heavy (a 1.5σ shift of the whole
        // window scores only ≈ 8.4 < 9.2 here): the long window speaks for large, sustained
        // deviations.
        var shifted = 0.0
        for _ in 0..<60 { shifted = max(shifted, try observe(3 + rng.gaussian(), .both)) }
        #expect(quiet < alertSurprise, "noise: \(quiet)")
        #expect(shifted > alertSurprise, "a 3σ shift over the whole window: \(shifted)")
        // Oriented: an upward-only window does not see a downward shift.
        var down = 0.0
        for _ in 0..<60 { down = max(down, try observe(-3 + rng.gaussian(), .up)) }
        #expect(down < alertSurprise)
    }
}
