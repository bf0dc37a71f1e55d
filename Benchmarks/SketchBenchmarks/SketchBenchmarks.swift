import Benchmark
import ForeshockSimulation
import ForeshockSketches
import Histogram
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Quantile-sketch figures (docs/SKETCHES.md), each beside its peer in the same run:
/// - insert 10M log-normal latencies (nanoseconds, median 1 ms, σ = 1): DDSketch batch and scalar
///   for the three mappings vs HdrHistogram (hdrhistogram-swift, 3 significant digits,
///   auto-resizing) `record`; memory of each as a custom metric;
/// - quantile query cost, serialization, merging 1,000 sketches;
/// - the largest relative error at p50/p90/p99/p99.9 against the exact sorted quantiles, in parts
///   per million, on log-normal, Pareto and the NAB EC2 request-latency column;
/// - "ms workload: …": the peer script's workload (MillisecondWorkload.swift).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput],
                                           timeUnits: .milliseconds, warmupIterations: 1,
                                           maxDuration: .seconds(3), maxIterations: 25)
    let bytes = BenchmarkMetric.custom("bytes", polarity: .prefersSmaller, useScalingFactor: false)
    let insertConfiguration = Benchmark.Configuration(metrics: [.wallClock, .throughput, bytes],
                                                      timeUnits: .microseconds, maxDuration: .seconds(3), maxIterations: 25)

    // MARK: Insert

    let mappings: [(String, IndexMapping)] = [
        ("cubic", .cubicallyInterpolated(relativeAccuracy: 0.01)),
        ("linear", .linearlyInterpolated(relativeAccuracy: 0.01)),
        ("log", .logarithmic(relativeAccuracy: 0.01)),
    ]
    for (name, mapping) in mappings {
        Benchmark("DDSketch batch insert 10M log-normal (\(name))", configuration: insertConfiguration) { benchmark in
            let values = Data.logNormal
            var memory = 0
            for _ in benchmark.scaledIterations {
                var sketch = DDSketch(mapping: mapping)
                sketch.add(contentsOf: values)
                memory = sketch.estimatedMemoryBytes
                blackHole(sketch)
            }
            benchmark.measurement(bytes, memory)
        } setup: { _ = Data.logNormal }

        Benchmark("DDSketch scalar insert 10M log-normal (\(name))", configuration: insertConfiguration) { benchmark in
            let values = Data.logNormal
            var memory = 0
            for _ in benchmark.scaledIterations {
                var sketch = DDSketch(mapping: mapping)
                for value in values { sketch.add(value) }
                memory = sketch.estimatedMemoryBytes
                blackHole(sketch)
            }
            benchmark.measurement(bytes, memory)
        } setup: { _ = Data.logNormal }
    }

    // Negative values take the scalar path of the batch insert (a group of 8 with one of them).
    for dataset in [Data.Dataset.onePercentNegated, .randomSigns] {
        Benchmark("DDSketch batch insert \(dataset.rawValue) (cubic)", configuration: insertConfiguration) { benchmark in
            let data = dataset.values
            for _ in benchmark.scaledIterations {
                var sketch = DDSketch()
                sketch.add(contentsOf: data)
                blackHole(sketch)
            }
        } setup: { _ = dataset.values }

        Benchmark("DDSketch scalar insert \(dataset.rawValue) (cubic)", configuration: insertConfiguration) { benchmark in
            let data = dataset.values
            for _ in benchmark.scaledIterations {
                var sketch = DDSketch()
                for value in data { sketch.add(value) }
                blackHole(sketch)
            }
        } setup: { _ = dataset.values }
    }

    Benchmark("Peer: HdrHistogram record 10M log-normal (3 digits)", configuration: insertConfiguration) { benchmark in
        let values = Data.logNormalIntegers
        var memory = 0
        for _ in benchmark.scaledIterations {
            var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
            for value in values { histogram.record(value) }
            memory = histogram.estimatedFootprintInBytes
            blackHole(histogram)
        }
        benchmark.measurement(bytes, memory)
    } setup: { _ = Data.logNormalIntegers }

    // MARK: Query, serialization, merge

    let queryConfiguration = Benchmark.Configuration(metrics: [.wallClock], timeUnits: .nanoseconds,
                                                     maxDuration: .seconds(2), maxIterations: 20_000)
    Benchmark("DDSketch quantiles p50/p90/p99/p99.9 (10M log-normal, cubic)", configuration: queryConfiguration) { benchmark in
        let sketch = Data.logNormalSketch
        for _ in benchmark.scaledIterations {
            blackHole(sketch.quantiles([0.5, 0.9, 0.99, 0.999]))
        }
    } setup: { _ = Data.logNormalSketch }

    Benchmark("Peer: HdrHistogram valueAtPercentile p50/p90/p99/p99.9 (10M log-normal)", configuration: queryConfiguration) { benchmark in
        let histogram = Data.logNormalHistogram
        for _ in benchmark.scaledIterations {
            for percentile in [50.0, 90, 99, 99.9] { blackHole(histogram.valueAtPercentile(percentile)) }
        }
    } setup: { _ = Data.logNormalHistogram }

    Benchmark("DDSketch serialize (10M log-normal, cubic)",
              configuration: .init(metrics: [.wallClock, bytes], timeUnits: .nanoseconds,
                                   maxDuration: .seconds(2), maxIterations: 20_000)) { benchmark in
        let sketch = Data.logNormalSketch
        var size = 0
        for _ in benchmark.scaledIterations {
            let encoded = sketch.serialized()
            size = encoded.count
            blackHole(encoded)
        }
        benchmark.measurement(bytes, size)
    } setup: { _ = Data.logNormalSketch }

    Benchmark("DDSketch deserialize (10M log-normal, cubic)", configuration: queryConfiguration) { benchmark in
        let encoded = Data.logNormalSketch.serialized()
        for _ in benchmark.scaledIterations {
            blackHole(try? DDSketch(serialized: encoded))
        }
    } setup: { _ = Data.logNormalSketch }

    Benchmark("DDSketch merge 1,000 sketches (10k log-normal values each, cubic)",
              configuration: .init(metrics: [.wallClock], timeUnits: .microseconds, maxDuration: .seconds(2),
                                   maxIterations: 2_000)) { benchmark in
        let parts = Data.thousandSketches
        for _ in benchmark.scaledIterations {
            var total = DDSketch()
            for part in parts { try? total.merge(part) }
            blackHole(total)
        }
    } setup: { _ = Data.thousandSketches }

    Benchmark("Peer: HdrHistogram add 1,000 histograms (10k log-normal values each)",
              configuration: .init(metrics: [.wallClock], timeUnits: .microseconds, maxDuration: .seconds(2),
                                   maxIterations: 2_000)) { benchmark in
        let parts = Data.thousandHistograms
        for _ in benchmark.scaledIterations {
            var total = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
            for part in parts { total.add(part) }
            blackHole(total)
        }
    } setup: { _ = Data.thousandHistograms }

    // MARK: Accuracy

    let ppm = ["cubic", "linear", "log", "HdrHistogram"].map {
        BenchmarkMetric.custom("max error ppm \($0)", polarity: .prefersSmaller, useScalingFactor: false)
    }
    for dataset in Data.Dataset.accuracy {
        Benchmark("Accuracy p50/p90/p99/p99.9: \(dataset.rawValue)",
                  configuration: .init(metrics: ppm, warmupIterations: 0, maxIterations: 1)) { benchmark in
            let values = dataset.values
            let sorted = values.sorted()
            let exact = [0.5, 0.9, 0.99, 0.999].map { sorted[Int(($0 * Double(sorted.count - 1)).rounded(.down))] }
            func worst(_ estimates: [Double]) -> Int {
                Int((zip(estimates, exact).map { abs($0 - $1) / abs($1) }.max()! * 1e6).rounded(.up))
            }
            for (k, (_, mapping)) in mappings.enumerated() {
                var sketch = DDSketch(mapping: mapping)
                sketch.add(contentsOf: values)
                benchmark.measurement(ppm[k], worst(sketch.quantiles([0.5, 0.9, 0.99, 0.999])!))
            }
            // HdrHistogram on integers, scaled so that the smallest value has 3 digits too, against
            // its own quantile definition (the value of 1-based rank ⌈p · n⌉).
            let scale = 1000 / max(sorted.first!, 1e-300)
            var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
            for value in values { histogram.record(UInt64((value * scale).rounded())) }
            let hdrExact = [0.5, 0.9, 0.99, 0.999].map { sorted[max(0, Int(($0 * Double(sorted.count)).rounded(.up)) - 1)] }
            let hdr = [50.0, 90, 99, 99.9].map { Double(histogram.valueAtPercentile($0)) / scale }
            let hdrWorst = zip(hdr, hdrExact).map { abs($0 - $1) / abs($1) }.max()!
            benchmark.measurement(ppm[3], Int((hdrWorst * 1e6).rounded(.up)))
        }
    }

    // The peer script's workload (milliseconds, μ = ln 100, σ = 0.8): MillisecondWorkload.swift.
    registerMillisecondWorkloadBenchmarks()
}

/// The benchmark inputs, made once, deterministically (SplitMix64, Box–Muller).
enum Data {
    static let count = 10_000_000

    enum Dataset: String, Sendable {
        case logNormal = "10M log-normal"
        case pareto = "10M Pareto 1.5"
        case ec2 = "NAB ec2_request_latency"
        case onePercentNegated = "10M log-normal, 1 % negated"
        case randomSigns = "10M log-normal, random signs"

        /// The datasets of the accuracy benchmarks.
        static let accuracy: [Dataset] = [.logNormal, .pareto, .ec2]

        var values: [Double] {
            switch self {
            case .logNormal: Data.logNormal
            case .pareto: Data.pareto
            case .ec2: Data.ec2
            case .onePercentNegated: Data.onePercentNegated
            case .randomSigns: Data.randomSigns
            }
        }
    }

    /// Latencies in nanoseconds: e^(N(ln 10⁶, 1)), median 1 ms.
    static let logNormal: [Double] = {
        var rng = SplitMix64(seed: 0x5EED)
        return (0..<count).map { _ in exp(log(1e6) + rng.normal()) }
    }()

    static let logNormalIntegers: [UInt64] = logNormal.map { UInt64($0.rounded()) }

    /// The log-normal values with one in a hundred negated.
    static let onePercentNegated: [Double] = {
        var rng = SplitMix64(seed: 0x51)
        return logNormal.map { rng.next() % 100 == 0 ? -$0 : $0 }
    }()

    /// The log-normal values with random signs.
    static let randomSigns: [Double] = {
        var rng = SplitMix64(seed: 0x52)
        return logNormal.map { rng.next() & 1 == 0 ? -$0 : $0 }
    }()

    /// Pareto with scale 1 ms and shape 1.5 (in nanoseconds).
    static let pareto: [Double] = {
        var rng = SplitMix64(seed: 0xFA11)
        return (0..<count).map { _ in 1e6 * pow(rng.unit(), -1 / 1.5) }
    }()

    static let logNormalSketch: DDSketch = {
        var sketch = DDSketch()
        sketch.add(contentsOf: logNormal)
        return sketch
    }()

    static let logNormalHistogram: Histogram<UInt64> = {
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for value in logNormalIntegers { histogram.record(value) }
        return histogram
    }()

    static let thousandSketches: [DDSketch] = (0..<1000).map { part in
        var sketch = DDSketch()
        sketch.add(contentsOf: logNormal[(part * 10_000)..<((part + 1) * 10_000)])
        return sketch
    }

    static let thousandHistograms: [Histogram<UInt64>] = (0..<1000).map { part in
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for value in logNormalIntegers[(part * 10_000)..<((part + 1) * 10_000)] { histogram.record(value) }
        return histogram
    }

    /// The `value` column of NAB realKnownCause/ec2_request_latency_system_failure.csv, from the
    /// shared corpus beside the repository.
    static let ec2: [Double] = {
        let resolved = realpath(#filePath, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) }
        var components = (resolved ?? #filePath).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)  // SketchBenchmarks/SketchBenchmarks.swift, Benchmarks
        let path = components.joined(separator: "/")
            + "/../shared/datasets/nab/data/realKnownCause/ec2_request_latency_system_failure.csv"
        guard let file = fopen(path, "r") else { fatalError("cannot open \(path)") }
        defer { fclose(file) }
        var values: [Double] = []
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let text = String(cString: line!)
            if let comma = text.lastIndex(of: ","),
               let value = Double(String(text[text.index(after: comma)...].filter { !$0.isWhitespace })) {
                values.append(value)
            }
        }
        return values
    }()
}

/// The draws the cited sketch workloads were generated with (kept, so their values stay the same).
extension SplitMix64 {
    /// Uniform in (0, 1).
    mutating func unit() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// Standard normal.
    mutating func normal() -> Double { (-2 * log(unit())).squareRoot() * cos(2 * .pi * unit()) }
}
