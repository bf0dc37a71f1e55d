@testable import ForeshockDetection
import ForeshockTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct ErrorRatioDetectorTests {
    private func detector(_ configure: (inout ErrorRatioDetector.Configuration) -> Void = { _ in }) throws -> ErrorRatioDetector {
        var configuration = ErrorRatioDetector.Configuration()
        configure(&configuration)
        return try ErrorRatioDetector(series: SeriesRef(name: "span.error_ratio", labels: ["operation": "Charge"]),
                                      configuration: configuration)
    }

    /// Binomial draws with probability p (exact, by n Bernoulli trials).
    private func errors(_ n: Int, _ p: Double, _ random: inout SplitMix64) -> Int {
        (0..<n).reduce(0) { count, _ in count + (random.nextBool(probability: p) ? 1 : 0) }
    }

    @Test func poissonTailMatchesADirectSum() {
        for (k, mean) in [(1, 0.15), (3, 0.5), (10, 2.0), (5, 5.0), (2, 7.0), (40, 10.0)] {
            // The tail summed term by term (k … k + 400), in linear space.
            var tail = 0.0
            for i in k...(k + 400) { tail += exp(Double(i) * log(mean) - mean - lgamma(Double(i) + 1)) }
            let direct = log(tail)
            #expect(abs(PoissonTail.logProbability(atLeast: k, mean: mean) - direct) < 1e-6 * max(1, abs(direct)),
                    "k \(k), mean \(mean)")
        }
        #expect(PoissonTail.logProbability(atLeast: 0, mean: 3) == 0)
    }

    /// A sparse operation (5 requests a minute, 0.5 % errors) for a week: single errors, which
    /// make a minute's ratio 20 %, are not anomalies; a real rise to 20 % is, within minutes.
    @Test func sparseSeriesAlarmOnEvidenceNotOnRatios() throws {
        var random = SplitMix64(seed: 3)
        var d = try detector()
        var falseAlarms = 0, minute: Int64 = 0
        for _ in 0..<(7 * 1_440) {
            minute += 1
            let n = random.nextPoisson(mean: 5)
            if case .opened = d.update(timestamp: minute * 60_000, errors: errors(n, 0.005, &random), requests: n) { falseAlarms += 1 }
        }
        #expect(falseAlarms == 0)
        #expect(abs(d.baselineRatio - 0.005) < 0.003, "learned \(d.baselineRatio)")
        var detectedAfter: Int64?
        for step in 1...30 {
            let n = random.nextPoisson(mean: 5)
            let event = d.update(timestamp: (minute + Int64(step)) * 60_000, errors: errors(n, 0.2, &random), requests: n)
            if case let .opened(anomaly) = event {
                detectedAfter = Int64(step)
                #expect(anomaly.kind == .spike && anomaly.observed > anomaly.expected)
                break
            }
        }
        let after = try #require(detectedAfter, "a rise to 20 % errors is raised")
        #expect(after <= 15, "within \(after) minutes")
    }

    /// A busy service: a significant rise from 1 % to 1.2 % over 100k requests is below the
    /// minimum increase (0.5 points) and not raised; a rise to 3 % is.
    @Test func negligibleRisesOnBusyServicesAreNotPaged() throws {
        var random = SplitMix64(seed: 4)
        var d = try detector()
        for minute in 0..<200 { _ = d.update(timestamp: Int64(minute) * 60_000, errors: errors(2_000, 0.01, &random), requests: 2_000) }
        var raised = 0
        for minute in 200..<260 {
            if case .opened = d.update(timestamp: Int64(minute) * 60_000, errors: errors(2_000, 0.012, &random), requests: 2_000) { raised += 1 }
        }
        #expect(raised == 0)
        var opened = false
        for minute in 260..<265 {
            if case .opened = d.update(timestamp: Int64(minute) * 60_000, errors: errors(2_000, 0.03, &random), requests: 2_000) { opened = true }
        }
        #expect(opened)
    }

    @Test func badCountsAreIgnoredAndBadConfigurationsRejected() throws {
        var d = try detector()
        #expect(d.update(timestamp: 0, errors: 5, requests: 3) == nil)
        #expect(d.update(timestamp: 0, errors: -1, requests: 3) == nil)
        #expect(d.requestsSeen == 0)
        #expect(throws: DetectionError.self) { try detector { $0.minimumRequests = 0 } }
        #expect(throws: DetectionError.self) { try detector { $0.riskLevel = 0.5 } }
    }
}
