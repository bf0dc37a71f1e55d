import ForeshockTestSupport
@testable import ForeshockSketches
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Index mappings")
struct IndexMappingTests {
    static let mappings: [IndexMapping] = [0.001, 0.01, 0.05, 0.3].flatMap { allMappings(relativeAccuracy: $0) }
        + [-3, 0, 2, 5, 8, 20].map { IndexMapping.exponentialHistogram(scale: $0) }

    /// A random normal positive double: random exponent and mantissa bits.
    static func randomMagnitude(_ rng: inout SplitMix64) -> Double {
        let exponent = UInt64(1 + rng.next() % 2046)
        return Double(bitPattern: exponent << 52 | (rng.next() & IndexMapping.mantissaMask))
    }

    @Test("every value is within α of its bucket's representative", arguments: mappings)
    func representativeWithinAccuracy(mapping: IndexMapping) {
        var rng = SplitMix64(seed: 7)
        let alpha = mapping.relativeAccuracy
        var samples: [Double] = [IndexMapping.minIndexableValue, IndexMapping.maxIndexableValue, 1, 2, 0.5, 3, 1e-300, 1e300]
        for _ in 0..<20_000 { samples.append(Self.randomMagnitude(&rng)) }
        for _ in 0..<5_000 { samples.append(exp(20 * rng.normal())) }
        for x in samples {
            let index = mapping.index(x)
            let estimate = mapping.value(forIndex: index)
            #expect(relativeError(estimate, x) <= alpha * (1 + roundingSlack), "x = \(x), index \(index), estimate \(estimate)")
        }
    }

    @Test("bucket boundaries are at most a factor γ apart", arguments: mappings)
    func boundaryRatio(mapping: IndexMapping) {
        let range = mapping.indexRange
        var rng = SplitMix64(seed: 11)
        var indices = Array(range.lowerBound..<(range.lowerBound + 200)) + Array((range.upperBound - 200)...range.upperBound)
        for _ in 0..<5_000 { indices.append(Int.random(in: range, using: &rng)) }
        for i in indices where i < range.upperBound {
            let low = mapping.lowerBound(forIndex: i), high = mapping.lowerBound(forIndex: i + 1)
            #expect(high > low)
            #expect(high / low <= mapping.gamma * (1 + roundingSlack), "index \(i): \(low) … \(high)")
        }
    }

    @Test("index is monotone and agrees with lowerBound", arguments: mappings)
    func monotone(mapping: IndexMapping) {
        var rng = SplitMix64(seed: 13)
        var values = (0..<5_000).map { _ in Self.randomMagnitude(&rng) }
        values.sort()
        var previous = Int.min
        for x in values {
            let index = mapping.index(x)
            #expect(index >= previous)
            previous = index
            // The bucket's bounds bracket x (up to rounding).
            let low = mapping.lowerBound(forIndex: index), high = mapping.lowerBound(forIndex: index + 1)
            #expect(low <= x * (1 + roundingSlack) && x <= high * (1 + roundingSlack), "x = \(x) not in [\(low), \(high)]")
        }
    }

    @Test("interpolated mappings need the documented number of buckets")
    func bucketCounts() {
        // Buckets per power of two: log 1/log₂γ, linear 1/ln γ (×1.44), cubic 7/(10 ln γ) (×1.01).
        let log = IndexMapping.logarithmic(relativeAccuracy: 0.01)
        let linear = IndexMapping.linearlyInterpolated(relativeAccuracy: 0.01)
        let cubic = IndexMapping.cubicallyInterpolated(relativeAccuracy: 0.01)
        let span = { (m: IndexMapping) in Double(m.index(1024) - m.index(1)) }
        #expect(abs(span(linear) / span(log) - 1 / M_LN2) < 0.01)
        #expect(abs(span(cubic) / span(log) - 0.7 / M_LN2) < 0.01)
    }

    @Test("exponential histogram mapping follows OpenTelemetry's (base^i, base^(i+1)] buckets")
    func exponentialHistogramIndex() {
        // Scale 0: base 2. 1 is the upper bound of bucket −1; 2 of bucket 0; 3 is in bucket 1.
        let s0 = IndexMapping.exponentialHistogram(scale: 0)
        #expect(s0.index(1) == -1)
        #expect(s0.index(2) == 0)
        #expect(s0.index(2.000_000_1) == 1)
        #expect(s0.index(3) == 1)
        #expect(s0.index(4) == 1)
        #expect(s0.index(Double.leastNormalMagnitude) == -1023)
        #expect(s0.index(Double.greatestFiniteMagnitude) == 1023)
        // Scale −1: base 4: (1, 4] is bucket 0, (4, 16] bucket 1, (1/4, 1] bucket −1.
        let sm1 = IndexMapping.exponentialHistogram(scale: -1)
        #expect(sm1.index(4) == 0)
        #expect(sm1.index(4.5) == 1)
        #expect(sm1.index(1) == -1)
        #expect(sm1.index(0.3) == -1)
        // Scale 3: base 2^(1/8); powers of two are exact upper bounds.
        let s3 = IndexMapping.exponentialHistogram(scale: 3)
        #expect(s3.index(1) == -1)
        #expect(s3.index(2) == 7)
        #expect(s3.index(1.0.nextUp) == 0)
        // Random values at several scales: base^i < x ≤ base^(i+1) up to rounding.
        var rng = SplitMix64(seed: 17)
        for scale in [-10, -4, -1, 0, 1, 4, 10, 20] {
            let mapping = IndexMapping.exponentialHistogram(scale: scale)
            for _ in 0..<2_000 {
                let x = exp(30 * rng.normal())
                let i = mapping.index(x)
                let lower = mapping.lowerBound(forIndex: i), upper = mapping.lowerBound(forIndex: i + 1)
                #expect(lower <= x * (1 + roundingSlack) && x <= upper * (1 + roundingSlack), "scale \(scale): \(x) ∉ (\(lower), \(upper)]")
            }
        }
    }

    @Test("exponential histogram accuracy follows the scale")
    func exponentialHistogramAccuracy() {
        #expect(abs(IndexMapping.exponentialHistogram(scale: 0).relativeAccuracy - 1.0 / 3.0) < 1e-15)
        #expect(abs(IndexMapping.exponentialHistogram(scale: 5).relativeAccuracy - 0.010_830) < 1e-6)
        #expect(abs(IndexMapping.exponentialHistogram(scale: 6).relativeAccuracy - 0.005_415) < 1e-6)
    }

    @Test("extremes are indexable and their representatives finite", arguments: mappings)
    func extremes(mapping: IndexMapping) {
        let range = mapping.indexRange
        #expect(range.lowerBound < range.upperBound)
        #expect(mapping.value(forIndex: range.upperBound).isFinite)
        #expect(mapping.value(forIndex: range.lowerBound) > 0)
    }
}
