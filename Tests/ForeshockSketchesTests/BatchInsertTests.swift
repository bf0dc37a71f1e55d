import ForeshockTestSupport
@testable import ForeshockSketches
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Batch insert")
struct BatchInsertTests {
    static let mappings = allMappings(relativeAccuracy: 0.01) + [.linearlyInterpolated(relativeAccuracy: 0.2),
                                                                  .cubicallyInterpolated(relativeAccuracy: 1e-6),
                                                                  .exponentialHistogram(scale: 3)]

    /// Values that exercise every branch: specials, both signs, window moves, collapses.
    static func awkwardValues(count: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        let specials: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude,
                                  Double.leastNormalMagnitude.nextDown, .greatestFiniteMagnitude, -1, 1, 2, 4, 0.5]
        return (0..<count).map { _ in
            switch rng.next() % 10 {
            case 0: rng.pick(specials)
            case 1: Double(bitPattern: rng.next())  // any bit pattern
            case 2: -exp(3 * rng.normal())
            default: exp(3 * rng.normal())
            }
        }
    }

    @Test("batch insert equals one-by-one insert", arguments: mappings)
    func batchEqualsScalar(mapping: IndexMapping) {
        for length in Array(0...40) + [1_000, 4_099] {
            let values = Self.awkwardValues(count: length, seed: UInt64(length))
            for maxBuckets in [2048, 30] {
                let scalar = sketchScalar(values, mapping: mapping, maxBuckets: maxBuckets)
                let batch = sketchBatch(values, mapping: mapping, maxBuckets: maxBuckets)
                batch._checkInvariants()
                #expect(batch.hasSameContents(as: scalar), "length \(length), maxBuckets \(maxBuckets)")
            }
        }
    }

    @Test("batch insert of clean positive data equals one-by-one insert bucket for bucket", arguments: mappings)
    func cleanData(mapping: IndexMapping) {
        for distribution in [Distribution.logNormal, .wideLogNormal, .pareto, .uniform, .integers, .tiny, .huge] {
            let values = distribution.values(count: 20_000, seed: 9)
            let batch = sketchBatch(values, mapping: mapping), scalar = sketchScalar(values, mapping: mapping)
            #expect(batch.hasSameContents(as: scalar), "\(distribution)")
            #expect(sumsAgree(batch, scalar, values))
        }
    }

    @Test("the vectorised index equals the scalar index on random bit patterns")
    func vectorIndexMatchesScalar() {
        var rng = SplitMix64(seed: 21)
        for mapping in [IndexMapping.cubicallyInterpolated(relativeAccuracy: 0.01), .linearlyInterpolated(relativeAccuracy: 0.003)] {
            // One value per sketch: the window is exactly that bucket, so the batch path must
            // land on the same index as the scalar path for the next seven copies.
            for _ in 0..<2_000 {
                let x = IndexMappingTests.randomMagnitude(&rng)
                var sketch = DDSketch(mapping: mapping)
                sketch.add(contentsOf: [Double](repeating: x, count: 16))
                #expect(sketch.positiveStore.buckets.map(\.index) == [mapping.index(x)])
                #expect(sketch.positiveStore[mapping.index(x)] == 16)
            }
        }
    }

    @Test("batch insert at the ends of the double range")
    func extremes() {
        let smallest = Double.leastNormalMagnitude
        var rng = SplitMix64(seed: 5)
        for mapping in Self.mappings {
            // Normal values just above the smallest normal, with subnormals mixed in: the window
            // reaches below 2.2e-308, yet subnormals must still count as zero.
            let low = (0..<4_000).map { _ in
                rng.next() % 5 == 0 ? Double(bitPattern: rng.next() % (1 << 52)) : smallest * (1 + 3 * rng.unit())
            }
            let high = (0..<4_000).map { _ in Double.greatestFiniteMagnitude / (1 + 3 * rng.unit()) }
            for values in [low, high] {
                let batch = sketchBatch(values, mapping: mapping), scalar = sketchScalar(values, mapping: mapping)
                batch._checkInvariants()
                #expect(batch.hasSameContents(as: scalar), "\(mapping)")
            }
        }
    }

    @Test("batch insert through other collections")
    func collections() {
        let values = Distribution.logNormal.values(count: 1_000, seed: 4)
        let reference = sketchScalar(values)
        var fromSlice = DDSketch()
        fromSlice.add(contentsOf: values[...])
        var fromLazy = DDSketch()
        fromLazy.add(contentsOf: values.lazy.map { $0 })
        var fromPointer = DDSketch()
        values.withUnsafeBufferPointer { fromPointer.add(contentsOf: $0) }
        #expect(fromSlice.hasSameContents(as: reference))
        #expect(fromLazy.hasSameContents(as: reference))
        #expect(fromPointer.hasSameContents(as: reference))
    }

    @Test("weighted insert equals repeated insert")
    func weighted() {
        var weighted = DDSketch()
        var repeated = DDSketch()
        for (value, count) in [(3.5, 4), (-2.0, 3), (0, 2), (.nan, 5), (.infinity, 1), (Double.leastNormalMagnitude / 8, 2)] as [(Double, UInt64)] {
            weighted.add(value, count: count)
            for _ in 0..<count { repeated.add(value) }
        }
        weighted.add(7, count: 0)
        #expect(weighted.hasSameContents(as: repeated))
    }
}
