import ForeshockTestSupport
@testable import ForeshockDetection
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The innovation evidence of `alertScore`: the AR(1) one-step innovation of the standardised
/// residual, with its own EVT tail.
@Suite("ResidualInnovation")
struct ResidualInnovationTests {
    /// An AR(1) series `z_t = φ z_{t−1} + e_t`, e ~ N(0, 1), scaled to unit variance.
    private func autoregressive(_ phi: Double, count: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        var z = 0.0
        let scale = (1 - phi * phi).squareRoot()
        return (0..<count).map { _ in
            z = phi * z + rng.gaussian()
            return z * scale
        }
    }

    private func fitted(_ replay: [Double], direction: Direction = .both) throws -> ResidualInnovation {
        try #require(ResidualInnovation(replay: replay, skip: replay.count / 4, clip: 4, smoothing: 0.001,
                                        scaleSmoothing: 0.003, direction: direction) { sample in
            PeaksOverThreshold(calibration: sample, riskLevel: 1e-4, learnsAlarms: true, maximumShape: 0.5)
        })
    }

    @Test func theCoefficientIsTheLagOneAutocorrelationAndFollowsAChange() throws {
        var innovation = try fitted(autoregressive(0.7, count: 2000, seed: 1))
        #expect(abs(innovation.coefficient - 0.7) < 0.06, "φ \(innovation.coefficient)")
        // The estimate forgets with weight 0.001: after 10 000 points of φ = 0.2 it has moved.
        for z in autoregressive(0.2, count: 10_000, seed: 2) {
            _ = innovation.observe(z, direction: .both, admitted: true)
        }
        #expect(abs(innovation.coefficient - 0.2) < 0.08, "φ \(innovation.coefficient)")
        // A negative autocorrelation is clamped to φ = 0 (nothing to predict from).
        let alternating = (0..<500).map { i in i % 2 == 0 ? 1.0 : -1.0 }
        #expect(try fitted(alternating).coefficient == 0)
        #expect(ResidualInnovation(replay: [1, 2, 3], skip: 0, clip: 4, smoothing: 0.001, scaleSmoothing: 0.003,
                                   direction: .both) { PeaksOverThreshold(calibration: $0, riskLevel: 1e-4) } == nil)
    }

    @Test func aJumpIsSurprisingAsAnInnovationEvenWhenItsResidualIsOrdinary() throws {
        // φ = 0.95: the residual wanders; z = −1.5 then z = +1.5 is an ordinary residual, but a
        // step of 3 stationary spreads in one sample is ≈ 9.6 innovation spreads.
        var innovation = try fitted(autoregressive(0.95, count: 3000, seed: 3))
        let alert = -log(1e-4)
        _ = innovation.observe(-1.5, direction: .both, admitted: true)
        let jump = innovation.observe(1.5, direction: .both, admitted: true)
        #expect(jump > alert, "surprise \(jump) against the alert surprise \(alert)")
        // The same residual reached gradually is not surprising.
        var gradual = try fitted(autoregressive(0.95, count: 3000, seed: 3))
        var last = 0.0
        for z in stride(from: -1.5, through: 1.5, by: 0.1) { last = gradual.observe(z, direction: .both, admitted: true) }
        #expect(last < alert / 2, "surprise \(last)")
    }

    @Test func theSpreadHasAFloorWhenTheResidualsStopMoving() throws {
        // Calibrated on white noise, then 5 000 residuals of exactly 0: the EWMA of |ε| decays
        // to ~10⁻⁷, but the spread stays at 0.1 residual scales, so a residual of 0.3 is a
        // 3-spread innovation, not a 10⁶-spread one.
        var rng = SplitMix64(seed: 6)
        var innovation = try fitted((0..<2000).map { _ in rng.gaussian() })
        for _ in 0..<5000 { _ = innovation.observe(0, direction: .both, admitted: true) }
        let small = innovation.observe(0.3, direction: .both, admitted: true)
        #expect(small.isFinite && small < -log(1e-4), "surprise \(small)")
    }

    @Test func directionAndAdmissionGateTheSurprise() throws {
        var up = try fitted(autoregressive(0.9, count: 2000, seed: 4), direction: .up)
        _ = up.observe(0, direction: .up, admitted: true)
        #expect(up.observe(-3, direction: .up, admitted: true) == 0, "a drop is not an upward innovation")
        _ = up.observe(-3, direction: .up, admitted: true)
        #expect(up.observe(3, direction: .up, admitted: true) > 0)
        var gated = try fitted(autoregressive(0.9, count: 2000, seed: 4))
        _ = gated.observe(0, direction: .both, admitted: true)
        #expect(gated.observe(3, direction: .both, admitted: false) == 0, "below the minimum deviation")
    }

    /// An AR(1) level (φ = 0.95, innovations of 1) around 100, one sample of which is raised by
    /// `height` (a one-sample spike) at the first row ≥ 1500 where the value has just fallen
    /// below its recent level: the verdict on that sample.
    private func spikeInWander(_ height: Double, configure: (inout DetectorConfiguration) -> Void = { _ in }) throws -> PointScore {
        var rng = SplitMix64(seed: 5)
        var d = try makeDetector { c in
            c.seasonality = .none
            configure(&c)
        }
        var wander = 0.0, recent: [Double] = []
        var spiked: PointScore?
        for i in 0..<2000 {
            wander = 0.95 * wander + rng.gaussian()
            recent.append(wander)
            if recent.count > 20 { recent.removeFirst() }
            let level = recent.reduce(0, +) / Double(recent.count)
            let isSpike = spiked == nil && i >= 1500 && wander < level - 2
            let p = d.update(timestamp: epoch + Int64(i) * oneMinute, value: 100 + wander + (isSpike ? height : 0))
            if isSpike { spiked = p }
        }
        return try #require(spiked)
    }

    @Test func alertScoreSeesASpikeInsideAWanderingLevel() throws {
        let spike = try spikeInWander(7)
        #expect(spike.alertScore >= 0.5, "alertScore \(spike.alertScore)")
        #expect(spike.score < 0.5, "the point's residual is ordinary: score \(spike.score)")
        let pointOnly = try spikeInWander(7) { $0.innovationWeight = 0 }
        #expect(pointOnly.alertScore < 0.5, "without the innovation: \(pointOnly.alertScore)")
        // The weight scales the innovation's surprise: halved, the spike no longer alerts.
        let halved = try spikeInWander(7) { $0.innovationWeight = 0.5 }
        #expect(halved.alertScore < 0.5, "weight 0.5: \(halved.alertScore)")
        for bad: (inout DetectorConfiguration) -> Void in [{ $0.innovationWeight = -1 }, { $0.innovationWeight = 11 },
                                                           { $0.innovationSmoothing = 0 }, { $0.innovationSmoothing = 1 }] {
            #expect(throws: DetectionError.self) { try makeDetector(bad) }
        }
    }
}
