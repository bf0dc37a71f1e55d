import ForeshockDetection
import ForeshockTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct ValueTransformTests {
    @Test(arguments: ValueTransform.allCases)
    func inverseUndoesForward(transform: ValueTransform) {
        for x in [0.001, 0.5, 1, 7, 123.456, 9.5e6] + (transform == .log ? [] : [0, -3.25]) {
            let back = transform.inverse(transform.forward(x))
            #expect(abs(back - x) <= 1e-12 * max(1, abs(x)), "\(transform): \(x) -> \(back)")
        }
    }

    @Test func nonPositiveValuesAreMissingUnderLog() throws {
        var detector = try makeDetector { $0.transform = .log }
        for i in 0..<50 { _ = detector.update(timestamp: epoch + Int64(i) * oneMinute, value: 100) }
        let zero = detector.update(timestamp: epoch + 50 * oneMinute, value: 0)
        let negative = detector.update(timestamp: epoch + 51 * oneMinute, value: -4)
        #expect(!zero.isValid && !negative.isValid)
        #expect(detector.pointsSeen == 50, "missing points change no state")
    }

    /// Under `log`, a latency series whose noise is proportional to its level (a daily cycle from
    /// 20 ms at night to 400 ms at noon, ± 10 %) gets a band proportional to the level, in ms:
    /// narrow at night, wide at noon; a 10× night excursion is flagged, the ordinary noise is not.
    @Test func logBandFollowsTheLevel() throws {
        var rng = SplitMix64(seed: 11)
        var detector = try makeDetector {
            $0.transform = .log
            $0.seasonality = .period(milliseconds: 86_400_000)
            $0.warmupLength = 1_440
        }
        func level(_ minute: Int) -> Double { 20 * exp(log(20) * (0.5 - 0.5 * cos(2 * Double.pi * Double(minute % 1_440) / 1_440))) }
        var flags = 0
        var nightWidth = 0.0, noonWidth = 0.0
        for minute in 0..<(4 * 1_440) {
            let value = level(minute) * exp(0.1 * rng.nextGaussian())
            let scored = detector.update(timestamp: epoch + Int64(minute) * oneMinute, value: value)
            guard minute >= 3 * 1_440 else { continue }
            if scored.score >= 0.5 { flags += 1 }
            if minute % 1_440 == 0 { nightWidth = scored.upper - scored.lower }
            if minute % 1_440 == 720 { noonWidth = scored.upper - scored.lower }
        }
        #expect(flags <= 2, "the ordinary ±10 % noise is normal all day")
        #expect(nightWidth > 0 && nightWidth * 10 < noonWidth, "band widths in ms: night \(nightWidth), noon \(noonWidth)")
        let night = detector.update(timestamp: epoch + Int64(4 * 1_440 + 10) * oneMinute, value: 200)
        #expect(night.score >= 0.5, "a 10× excursion at night is anomalous (band \(night.lower)…\(night.upper))")
        #expect(night.upper < 200 && night.lower > 0)
    }

    /// ``DetectorConfiguration/minimumDeviation`` stays in the series' units under a transform.
    @Test func minimumDeviationIsInSeriesUnits() throws {
        var quiet = try makeDetector {
            $0.transform = .sqrt
            $0.minimumDeviation = 1_000
            $0.warmupLength = 100
        }
        var rng = SplitMix64(seed: 12)
        for i in 0..<400 { _ = quiet.update(timestamp: epoch + Int64(i) * oneMinute, value: 100 + 10 * rng.nextGaussian()) }
        let jump = quiet.update(timestamp: epoch + 400 * oneMinute, value: 400)
        #expect(jump.score < 0.5, "a 300-unit jump is below the 1000-unit floor")
        #expect(jump.event == nil)
    }
}
