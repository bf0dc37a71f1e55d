import Benchmark
import ForeshockSimulation
import ForeshockSketches
import Histogram
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The peer script's sketch workload (Benchmarks/peers/peers.py `sketches`), so that the Swift
/// figures and the peers' line up value for value:
/// - 10M log-normal latencies in **milliseconds**, μ = ln(100), σ = 0.8 (median 100 ms), numpy
///   `default_rng(42)`; the merge input is `default_rng(43)`, 1,000 parts of 10,000 values;
/// - read from `Benchmarks/.build/peer-data/*.f64` (written by `Benchmarks/sketch_data.py`, which
///   `Benchmarks/run_all.sh` runs first); when those files are missing, the same distribution is
///   drawn from SplitMix64 and every benchmark reports `numpy inputs = 0`;
/// - relative error |estimate − exact| / exact at p50/p99/p99.9 against the exact value of rank
///   ⌈q·n⌉ (numpy `inverted_cdf`, the peer script's definition), in parts per million;
/// - HdrHistogram peers record the values as integer nanoseconds in [1 ns, 1 h] with 3 and 2
///   significant digits, like the Python `hdr-3sf`/`hdr-2sf` peers.
///
/// The pre-existing "10M log-normal" benchmarks (nanoseconds, median 1 ms, σ = 1) are cited by
/// README.md and docs/SKETCHES.md and keep their meaning; these are separate names.
func registerMillisecondWorkloadBenchmarks() {
    let bytes = BenchmarkMetric.custom("bytes", polarity: .prefersSmaller, useScalingFactor: false)
    let serializedBytes = BenchmarkMetric.custom("serialized bytes", polarity: .prefersSmaller, useScalingFactor: false)
    let numpyInputs = BenchmarkMetric.custom("numpy inputs", polarity: .prefersLarger, useScalingFactor: false)
    let insertConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, bytes, serializedBytes, numpyInputs],
        timeUnits: .microseconds, warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 25)

    let mappings: [(String, IndexMapping)] = [
        ("cubic", .cubicallyInterpolated(relativeAccuracy: 0.01)),
        ("log", .logarithmic(relativeAccuracy: 0.01)),
    ]
    for (name, mapping) in mappings {
        Benchmark("ms workload: DDSketch batch insert 10M log-normal ms (\(name))", configuration: insertConfiguration) { benchmark in
            let values = MillisecondData.values
            var sketch = DDSketch(mapping: mapping)
            for _ in benchmark.scaledIterations {
                sketch = DDSketch(mapping: mapping)
                sketch.add(contentsOf: values)
                blackHole(sketch)
            }
            benchmark.measurement(bytes, sketch.estimatedMemoryBytes)
            benchmark.measurement(serializedBytes, sketch.serialized().count)
            benchmark.measurement(numpyInputs, MillisecondData.fromNumpy ? 1 : 0)
        } setup: { _ = MillisecondData.values }

        Benchmark("ms workload: DDSketch scalar insert 10M log-normal ms (\(name))", configuration: insertConfiguration) { benchmark in
            let values = MillisecondData.values
            var sketch = DDSketch(mapping: mapping)
            for _ in benchmark.scaledIterations {
                sketch = DDSketch(mapping: mapping)
                for value in values { sketch.add(value) }
                blackHole(sketch)
            }
            benchmark.measurement(bytes, sketch.estimatedMemoryBytes)
            benchmark.measurement(serializedBytes, sketch.serialized().count)
            benchmark.measurement(numpyInputs, MillisecondData.fromNumpy ? 1 : 0)
        } setup: { _ = MillisecondData.values }
    }

    for digits in [SignificantDigits.three, .two] {
        let label = digits == .three ? "3 digits" : "2 digits"
        Benchmark("ms workload: Peer: HdrHistogram record 10M log-normal ms as ns (\(label), 1 ns..1 h)",
                  configuration: insertConfiguration) { benchmark in
            let values = MillisecondData.nanoseconds
            var memory = 0
            for _ in benchmark.scaledIterations {
                var histogram = MillisecondData.histogram(digits)
                for value in values { histogram.record(value) }
                memory = histogram.estimatedFootprintInBytes
                blackHole(histogram)
            }
            benchmark.measurement(bytes, memory)
            benchmark.measurement(numpyInputs, MillisecondData.fromNumpy ? 1 : 0)
        } setup: { _ = MillisecondData.nanoseconds }
    }

    // MARK: Accuracy (one iteration each: the figures are deterministic)

    let errorMetrics = ["p50", "p99", "p99.9"].map {
        BenchmarkMetric.custom("rel error \($0) ppm", polarity: .prefersSmaller, useScalingFactor: false)
    }
    let accuracyConfiguration = Benchmark.Configuration(metrics: errorMetrics + [numpyInputs], warmupIterations: 0,
                                                        maxIterations: 1)
    func report(_ benchmark: Benchmark, _ estimates: [Double]) {
        for (k, exact) in MillisecondData.exact.enumerated() {
            benchmark.measurement(errorMetrics[k], Int((abs(estimates[k] - exact) / exact * 1e6).rounded()))
        }
        benchmark.measurement(numpyInputs, MillisecondData.fromNumpy ? 1 : 0)
    }
    for (name, mapping) in mappings {
        Benchmark("ms workload: accuracy DDSketch (\(name))", configuration: accuracyConfiguration) { benchmark in
            var sketch = DDSketch(mapping: mapping)
            sketch.add(contentsOf: MillisecondData.values)
            report(benchmark, sketch.quantiles(MillisecondData.quantiles)!)
        } setup: { _ = MillisecondData.exact }
    }
    for digits in [SignificantDigits.three, .two] {
        let label = digits == .three ? "3 digits" : "2 digits"
        Benchmark("ms workload: accuracy Peer: HdrHistogram (\(label))", configuration: accuracyConfiguration) { benchmark in
            var histogram = MillisecondData.histogram(digits)
            for value in MillisecondData.nanoseconds { histogram.record(value) }
            report(benchmark, MillisecondData.quantiles.map { Double(histogram.valueAtPercentile($0 * 100)) / 1e6 })
        } setup: { _ = MillisecondData.exact; _ = MillisecondData.nanoseconds }
    }

    // MARK: Merge 1,000 sketches of 10,000 values (the peers' merge_1000x10k_ms)

    let mergeConfiguration = Benchmark.Configuration(metrics: [.wallClock, numpyInputs], timeUnits: .microseconds,
                                                     maxDuration: .seconds(2), maxIterations: 2_000)
    for (name, mapping) in mappings {
        Benchmark("ms workload: DDSketch merge 1,000 sketches of 10k ms values (\(name))",
                  configuration: mergeConfiguration) { benchmark in
            let parts = MillisecondData.parts.map { part in
                var sketch = DDSketch(mapping: mapping)
                sketch.add(contentsOf: part)
                return sketch
            }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var total = DDSketch(mapping: mapping)
                for part in parts { try? total.merge(part) }
                blackHole(total)
            }
            benchmark.stopMeasurement()
            benchmark.measurement(numpyInputs, MillisecondData.fromNumpy ? 1 : 0)
        } setup: { _ = MillisecondData.parts }
    }
    for digits in [SignificantDigits.three, .two] {
        let label = digits == .three ? "3 digits" : "2 digits"
        Benchmark("ms workload: Peer: HdrHistogram add 1,000 histograms of 10k ms values as ns (\(label))",
                  configuration: mergeConfiguration) { benchmark in
            let parts = MillisecondData.parts.map { part in
                var histogram = MillisecondData.histogram(digits)
                for value in part { histogram.record(MillisecondData.toNanoseconds(value)) }
                return histogram
            }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var total = MillisecondData.histogram(digits)
                for part in parts { total.add(part) }
                blackHole(total)
            }
            benchmark.stopMeasurement()
            benchmark.measurement(numpyInputs, MillisecondData.fromNumpy ? 1 : 0)
        } setup: { _ = MillisecondData.parts }
    }
}

/// The peer script's inputs, loaded once.
enum MillisecondData {
    static let count = 10_000_000
    static let partCount = 1000, partSize = 10_000
    static let mu = log(100.0), sigma = 0.8
    static let quantiles = [0.5, 0.99, 0.999]

    /// The folder `Benchmarks/.build/peer-data` (beside this file's target folder).
    static let directory: String = {
        let resolved = realpath(#filePath, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) }
        var components = (resolved ?? #filePath).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(2)  // SketchBenchmarks/MillisecondWorkload.swift
        return components.joined(separator: "/") + "/.build/peer-data"
    }()

    private static func read(_ file: String, count: Int) -> [Double]? {
        guard let handle = fopen(directory + "/" + file, "rb") else { return nil }
        defer { fclose(handle) }
        var values = [Double](repeating: 0, count: count)
        let read = values.withUnsafeMutableBufferPointer { fread($0.baseAddress, 8, count, handle) }
        return read == count ? values : nil
    }

    /// SplitMix64 + Box–Muller draws of the same distribution (fallback only).
    private static func draw(seed: UInt64, count: Int) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in exp(mu + sigma * rng.normal()) }
    }

    private static let loaded: (values: [Double], parts: [Double], numpy: Bool) = {
        if let values = read("lognormal_ms_seed42_10M.f64", count: count),
           let parts = read("lognormal_ms_seed43_1000x10k.f64", count: partCount * partSize) {
            return (values, parts, true)
        }
        print("ms workload: \(directory)/*.f64 missing (run python3 Benchmarks/sketch_data.py); drawing from SplitMix64")
        return (draw(seed: 42, count: count), draw(seed: 43, count: partCount * partSize), false)
    }()

    static var fromNumpy: Bool { loaded.numpy }
    static var values: [Double] { loaded.values }

    /// The merge input, one array per part.
    static let parts: [ArraySlice<Double>] = (0..<partCount).map { loaded.parts[($0 * partSize)..<(($0 + 1) * partSize)] }

    /// Exact p50/p99/p99.9: the value of 1-based rank ⌈q·n⌉ (numpy `inverted_cdf`).
    static let exact: [Double] = {
        let sorted = values.sorted()
        return quantiles.map { sorted[max(0, Int((($0 * Double(sorted.count))).rounded(.up)) - 1)] }
    }()

    /// numpy `rint(v * 1e6)`: nanoseconds, ties to even.
    static func toNanoseconds(_ milliseconds: Double) -> UInt64 { UInt64((milliseconds * 1e6).rounded(.toNearestOrEven)) }
    static let nanoseconds: [UInt64] = values.map(toNanoseconds)

    /// The Python peers' histogram: 1 ns to 1 h.
    static func histogram(_ digits: SignificantDigits) -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: digits)
    }
}
