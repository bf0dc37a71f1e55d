@testable import ForeshockSketches
import ForeshockTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Deterministic randomness

extension SplitMix64 {
    /// Uniform in (0, 1).
    mutating func unit() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Double { (-2 * log(unit())).squareRoot() * cos(2 * .pi * unit()) }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}

// MARK: - Distributions

/// Value families for the accuracy properties: heavy tails, wide ranges, both signs, exact
/// powers of two and duplicates.
enum Distribution: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case logNormal            // latency-like: e^(N(0, 1)) ms scale
    case wideLogNormal        // σ = 3: six decades
    case pareto               // shape 1.5, heavy tail
    case heavyPareto          // shape 0.5: spans many decades
    case exponential
    case uniform
    case normalMixedSign      // N(0, 1000): negatives, positives, few near zero
    case bimodal              // cache hits ~1 µs, misses ~100 ms
    case integers             // 1…1000: exact powers of two and many duplicates
    case tiny                 // around 1e-300
    case huge                 // around 1e300
    case mixedWithZeros       // ± log-normal and 10 % zeros
    case constant

    var testDescription: String { rawValue }

    func sample(_ rng: inout SplitMix64) -> Double {
        switch self {
        case .logNormal: exp(rng.normal())
        case .wideLogNormal: exp(3 * rng.normal())
        case .pareto: pow(rng.unit(), -1 / 1.5)
        case .heavyPareto: pow(rng.unit(), -1 / 0.5)
        case .exponential: -log(rng.unit())
        case .uniform: rng.unit()
        case .normalMixedSign: 1000 * rng.normal()
        case .bimodal: rng.unit() < 0.9 ? 1e-6 * exp(0.3 * rng.normal()) : 0.1 * exp(0.5 * rng.normal())
        case .integers: Double(1 + rng.next() % 1000)
        case .tiny: 1e-300 * exp(rng.normal())
        case .huge: 1e300 * exp(rng.normal())
        case .mixedWithZeros:
            rng.unit() < 0.1 ? 0 : (rng.next() & 1 == 0 ? 1 : -1) * exp(2 * rng.normal())
        case .constant: 42.125
        }
    }

    func values(count: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed ^ UInt64(rawValue.hashValueStable))
        return (0..<count).map { _ in sample(&rng) }
    }
}

extension String {
    /// FNV-1a: a hash that, unlike `hashValue`, is the same in every run.
    var hashValueStable: UInt64 {
        utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}

/// Every mapping kind at a given accuracy.
func allMappings(relativeAccuracy: Double) -> [IndexMapping] {
    [.logarithmic(relativeAccuracy: relativeAccuracy), .linearlyInterpolated(relativeAccuracy: relativeAccuracy),
     .cubicallyInterpolated(relativeAccuracy: relativeAccuracy)]
}

// MARK: - Exact quantiles and error

/// The value of rank `⌊q · (n − 1)⌋` of sorted values: what the sketch guarantee refers to.
func exactQuantile(_ sorted: [Double], _ q: Double) -> Double {
    sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
}

/// `|estimate − exact| / |exact|` (0 when both are 0).
func relativeError(_ estimate: Double, _ exact: Double) -> Double {
    if estimate == exact { return 0 }
    return abs(estimate - exact) / abs(exact)
}

/// Allowance for the rounding of the floating-point evaluation of the mapping (a few ulps).
let roundingSlack = 1e-12

/// The largest relative error of `sketch` over `quantiles` against the sorted values.
func maxRelativeError(_ sketch: DDSketch, sorted: [Double], quantiles: [Double]) -> (error: Double, q: Double) {
    let estimates = sketch.quantiles(quantiles)!
    var worst = (error: 0.0, q: 0.0)
    for (q, estimate) in zip(quantiles, estimates) {
        let error = relativeError(estimate, exactQuantile(sorted, q))
        if error > worst.error { worst = (error, q) }
    }
    return worst
}

let headlineQuantiles = [0.5, 0.9, 0.99, 0.999]
let manyQuantiles = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1]

// MARK: - Shared data

/// The repository's sibling `shared` folder (`<repo>/../shared`), found from this file's path.
func sharedPath(_ relative: String) -> String {
    // Resolve symbolic links so that a package that links this folder in still finds it.
    let resolved = realpath(#filePath, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) }
    var components = (resolved ?? #filePath).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    components.removeLast(3)  // ForeshockSketchesTests/TestSupport.swift, Tests
    return components.joined(separator: "/") + "/../shared/" + relative
}

/// The `value` column of the NAB `ec2_request_latency_system_failure.csv` (4,032 real request
/// latencies), or nil when the shared corpus is not beside the repository.
func ec2RequestLatencies() -> [Double]? {
    let path = sharedPath("datasets/nab/data/realKnownCause/ec2_request_latency_system_failure.csv")
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var values: [Double] = []
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0 {
        let text = String(cString: line!)
        guard let comma = text.lastIndex(of: ",") else { continue }
        if let value = Double(String(text[text.index(after: comma)...].filter { !$0.isWhitespace })) {
            values.append(value)
        }
    }
    return values
}

/// A sketch of `values` built one value at a time.
func sketchScalar(_ values: [Double], mapping: IndexMapping = .default(), maxBuckets: Int = DDSketch.defaultMaxBuckets) -> DDSketch {
    var sketch = DDSketch(mapping: mapping, maxBuckets: maxBuckets)
    for value in values { sketch.add(value) }
    return sketch
}

/// A sketch of `values` built with the batch insert.
func sketchBatch(_ values: [Double], mapping: IndexMapping = .default(), maxBuckets: Int = DDSketch.defaultMaxBuckets) -> DDSketch {
    var sketch = DDSketch(mapping: mapping, maxBuckets: maxBuckets)
    sketch.add(contentsOf: values)
    return sketch
}

/// Whether two sums of `values` in different orders agree up to rounding (relative to the sum
/// of magnitudes, which bounds the rounding error of any order).
func sumsAgree(_ a: DDSketch, _ b: DDSketch, _ values: [Double]) -> Bool {
    let scale = values.reduce(0) { $0 + ($1.isFinite ? abs($1) : 0) }
    return abs(a.sum - b.sum) <= 1e-12 * Double(values.count) * scale || a.sum == b.sum
}
