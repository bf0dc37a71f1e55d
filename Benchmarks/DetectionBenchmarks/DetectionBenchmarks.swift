import Benchmark
import ForeshockDetection

/// Detection throughput:
/// - `SeriesBatchScorer` (SIMD8, struct of arrays) vs the scalar `ResidualScoreState` loop,
///   10 000 series × 100 steps = 1M point-updates per iteration;
/// - `SeriesDetector.update` on one series (the full model: season, EVT, CUSUM, tracker),
///   100 000 points per iteration;
/// - the NAB corpus through `SeriesDetector`, points/s (NABThroughput.swift), beside the peers.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           timeUnits: .microseconds, maxDuration: .seconds(3), maxIterations: 50)
    let seriesCount = 10_000
    let steps = 100

    /// Deterministic pseudo-random values (one row per step, one column per series).
    func makeRows() -> [[Double]] {
        var state: UInt64 = 0x5EED
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<steps).map { _ in (0..<seriesCount).map { i in Double(i % 100) + uniform() } }
    }
    let initial = (0..<seriesCount).map { ResidualScoreState(level: Double($0 % 100) + 0.5, meanAbsoluteResidual: 0.25) }

    Benchmark("batch scorer SIMD8, 10k series x 100 steps") { benchmark in
        let rows = makeRows()
        var scorer = SeriesBatchScorer(states: initial)
        var scores = [Double](repeating: 0, count: seriesCount)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for row in rows {
                row.withUnsafeBufferPointer { v in
                    scores.withUnsafeMutableBufferPointer { s in scorer.step(values: v, scores: s) }
                }
            }
            blackHole(scores)
        }
    }

    Benchmark("batch scorer scalar loop, 10k series x 100 steps") { benchmark in
        let rows = makeRows()
        var states = initial
        let p = ResidualScoringParameters()
        var scores = [Double](repeating: 0, count: seriesCount)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for row in rows {
                for i in 0..<seriesCount { scores[i] = states[i].update(row[i], p) }
            }
            blackHole(scores)
        }
    }

    Benchmark("SeriesDetector.update, 1 series x 100k points", configuration: .init(maxIterations: 20)) { benchmark in
        var state: UInt64 = 42
        let values: [Double] = (0..<100_000).map { i in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(state >> 11) / Double(1 << 53)
            return 100 + 10 * Double((i % 288) < 144 ? 1 : -1) + noise + (i % 5000 == 4999 ? 50 : 0)
        }
        let start: Int64 = 1_704_067_200_000
        for _ in benchmark.scaledIterations {
            var detector = try SeriesDetector(series: SeriesRef(name: "bench"))
            benchmark.startMeasurement()
            for i in values.indices {
                blackHole(detector.update(timestamp: start + Int64(i) * 300_000, value: values[i]))
            }
            benchmark.stopMeasurement()
        }
    }

    // The peer script's workload: the NAB corpus, streaming (NABThroughput.swift).
    registerNABThroughputBenchmarks()
}
