import ForeshockTestSupport
import ForeshockDetection
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("PeaksOverThreshold")
struct PeaksOverThresholdTests {
    @Test func thresholdMatchesTheExponentialQuantile() {
        var rng = SplitMix64(seed: 20)
        let sample = (0..<20_000).map { _ in rng.exponential() }
        var pot = PeaksOverThreshold(calibration: sample, riskLevel: 1e-3)
        for _ in 0..<100_000 { pot.observe(rng.exponential()) }
        let exact = log(1000.0)
        #expect(abs(pot.alertThreshold - exact) / exact < 0.05, "z_q = \(pot.alertThreshold), exact \(exact)")
    }

    @Test func thresholdMatchesTheGeneralizedParetoQuantile() {
        var rng = SplitMix64(seed: 21)
        let xi = 0.1, sigma = 1.0
        func draw() -> Double { sigma / xi * (pow(Double.random(in: Double.ulpOfOne..<1, using: &rng), -xi) - 1) }
        let sample = (0..<20_000).map { _ in draw() }
        var pot = PeaksOverThreshold(calibration: sample, riskLevel: 1e-3, learnsAlarms: true)
        for _ in 0..<100_000 { pot.observe(draw()) }
        let exact = sigma / xi * (pow(1e-3, -xi) - 1)
        #expect(abs(pot.alertThreshold - exact) / exact < 0.1, "z_q = \(pot.alertThreshold), exact \(exact)")
        #expect(abs(pot.surprise(pot.alertThreshold) + log(1e-3)) < 1e-6)
    }
}

@Suite("SeriesBatchScorer")
struct SeriesBatchScorerTests {
    @Test func simdBatchEqualsScalarPerSeries() throws {
        var rng = SplitMix64(seed: 30)
        let n = 1003
        var p = ResidualScoringParameters()
        p.scaleFloor = 1e-6
        let initial = (0..<n).map { ResidualScoreState(level: Double($0), meanAbsoluteResidual: 1) }
        var batch = SeriesBatchScorer(states: initial, parameters: p)
        var scalar = initial
        var scores = [Double](repeating: 0, count: n)
        for step in 0..<300 {
            let values: [Double] = (0..<n).map { i in
                if (i + step) % 97 == 0 { return .nan }
                if (i * 7 + step) % 211 == 0 { return .infinity }
                let shift = step > 150 && i % 5 == 0 ? 6.0 : 0
                return Double(i) + shift + rng.gaussian() + (rng.next() % 500 == 0 ? 40 : 0)
            }
            try batch.step(values: values, scores: &scores)
            for i in 0..<n {
                let expected = scalar[i].update(values[i], p)
                #expect(scores[i].bitPattern == expected.bitPattern)
            }
        }
        for i in 0..<n { #expect(batch.state(of: i) == scalar[i]) }
    }

    @Test func lengthMismatchThrows() {
        var batch = SeriesBatchScorer(states: [ResidualScoreState(level: 0, meanAbsoluteResidual: 1)])
        var scores: [Double] = []
        #expect(throws: DetectionError.self) { try batch.step(values: [1, 2], scores: &scores) }
    }
}
