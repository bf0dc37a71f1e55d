import ForeshockTestSupport
@testable import ForeshockSketches
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Merging and bounded stores")
struct MergeAndStoreTests {
    static let distributions: [Distribution] = [.logNormal, .heavyPareto, .normalMixedSign, .mixedWithZeros, .bimodal, .integers]

    @Test("merging the sketches of the parts equals sketching the union", arguments: distributions)
    func mergeEqualsUnion(distribution: Distribution) throws {
        for maxBuckets in [2048, 64, 7] {
            for mapping in allMappings(relativeAccuracy: 0.01) {
                let values = distribution.values(count: 3_000, seed: 5)
                let whole = sketchScalar(values, mapping: mapping, maxBuckets: maxBuckets)
                var rng = SplitMix64(seed: 99)
                var parts = [[Double]](repeating: [], count: 5)
                for value in values { parts[Int(rng.next() % 5)].append(value) }
                let sketches = parts.map { sketchBatch($0, mapping: mapping, maxBuckets: maxBuckets) }
                var merged = DDSketch(mapping: mapping, maxBuckets: maxBuckets)
                for sketch in sketches { try merged.merge(sketch) }
                merged._checkInvariants()
                #expect(merged.hasSameContents(as: whole), "\(mapping) maxBuckets \(maxBuckets)")
                #expect(sumsAgree(merged, whole, values))
            }
        }
    }

    @Test("merge is commutative and associative", arguments: distributions)
    func commutativeAssociative(distribution: Distribution) throws {
        for maxBuckets in [2048, 16] {
            let mapping = IndexMapping.default()
            let a = sketchBatch(distribution.values(count: 1_000, seed: 1), mapping: mapping, maxBuckets: maxBuckets)
            let b = sketchBatch(distribution.values(count: 1_500, seed: 2).map { $0 * 1e3 }, mapping: mapping, maxBuckets: maxBuckets)
            let c = sketchBatch(distribution.values(count: 700, seed: 3).map { $0 / 1e3 }, mapping: mapping, maxBuckets: maxBuckets)
            func merge(_ x: DDSketch, _ y: DDSketch) throws -> DDSketch {
                var result = x
                try result.merge(y)
                return result
            }
            #expect(try merge(a, b).hasSameContents(as: merge(b, a)))
            #expect(try merge(merge(a, b), c).hasSameContents(as: merge(a, merge(b, c))))
            #expect(try merge(merge(c, a), b).hasSameContents(as: merge(a, merge(b, c))))
            // The empty sketch is neutral.
            #expect(try merge(a, a.emptyCopy()) == a)
            #expect(try merge(a.emptyCopy(), a) == a)
        }
    }

    @Test("merging sketches with different mappings throws")
    func incompatible() {
        var a = DDSketch(mapping: .cubicallyInterpolated(relativeAccuracy: 0.01))
        let b = DDSketch(mapping: .logarithmic(relativeAccuracy: 0.01))
        #expect(throws: SketchError.self) { try a.merge(b) }
        var c = DDSketch(relativeAccuracy: 0.02)
        #expect(throws: SketchError.self) { try c.merge(DDSketch(relativeAccuracy: 0.01)) }
    }

    @Test("DDSketch.merged combines a sequence")
    func mergedSequence() throws {
        let parts = (0..<10).map { sketchBatch(Distribution.logNormal.values(count: 100, seed: UInt64($0))) }
        let all = (0..<10).flatMap { Distribution.logNormal.values(count: 100, seed: UInt64($0)) }
        #expect(try DDSketch.merged(parts)!.hasSameContents(as: sketchScalar(all)))
        #expect(try DDSketch.merged([], prototype: DDSketch()) == DDSketch())
        #expect(try DDSketch.merged([DDSketch]()) == nil)
    }

    @Test("the store never holds more than maxBuckets buckets; the lowest collapse")
    func collapseLowest() {
        let mapping = IndexMapping.logarithmic(relativeAccuracy: 0.01)
        var sketch = DDSketch(mapping: mapping, maxBuckets: 100)
        // Values over 10 decades: ~1150 buckets needed.
        let values = (0..<10_000).map { pow(10, Double($0) / 1000) }
        sketch.add(contentsOf: values)
        sketch._checkInvariants()
        let range = sketch.positiveStore.nonEmptyRange!
        #expect(range.count == 100)
        #expect(sketch.positiveStore.slotCount <= 100)
        #expect(range.upperBound == mapping.index(values.last!))
        // The highest quantiles keep the guarantee.
        let sorted = values.sorted()
        for q in [0.95, 0.99, 0.999, 1] {
            #expect(relativeError(sketch.quantile(q)!, exactQuantile(sorted, q)) <= 0.01 + roundingSlack)
        }
        // The collapsed lowest bucket holds everything below the kept range.
        let lowestKept = mapping.lowerBound(forIndex: range.lowerBound + 1)
        #expect(sketch.positiveStore[range.lowerBound] == UInt64(values.filter { $0 < lowestKept }.count))
    }

    @Test("collapsing gives the same store whatever the insertion order")
    func collapseOrderIndependent() {
        let values = Distribution.heavyPareto.values(count: 5_000, seed: 3)
        let forward = sketchScalar(values, maxBuckets: 50)
        let backward = sketchScalar(values.reversed(), maxBuckets: 50)
        let sorted = sketchScalar(values.sorted(), maxBuckets: 50)
        var rng = SplitMix64(seed: 4)
        let batch = sketchBatch(values.shuffled(using: &rng), maxBuckets: 50)
        #expect(forward.hasSameContents(as: backward))
        #expect(forward.hasSameContents(as: sorted))
        #expect(forward.hasSameContents(as: batch))
    }

    @Test("a store grows on demand in both directions and stays within its limit")
    func storeGrowth() {
        var store = DenseStore(maxBuckets: 1000)
        #expect(store.isEmpty)
        store.add(index: 0)
        store.add(index: 500)
        store.add(index: -499)
        #expect(store.nonEmptyRange == -499...500)
        #expect(store.slotCount <= 1000)
        store.add(index: 501)  // span 1001: −499 folds into −498
        #expect(store.nonEmptyRange == -498...501)
        #expect(store[-498] == 1)
        store.add(index: -10_000, count: 3)  // below the floor: into the lowest bucket
        #expect(store[-498] == 4)
        #expect(store.totalCount == 7)
        store.add(index: 1_000_000)  // everything else folds into the new floor
        #expect(store.nonEmptyRange == 999_001...1_000_000)
        #expect(store[999_001] == 7)
        #expect(store.slotCount <= 1000)
    }

    @Test("merge cost: 1,000 sketches merge quickly and exactly")
    func manySketches() throws {
        var rng = SplitMix64(seed: 8)
        let sketches = (0..<1_000).map { _ in
            sketchBatch((0..<50).map { _ in Distribution.logNormal.sample(&rng) })
        }
        let merged = try DDSketch.merged(sketches)!
        #expect(merged.count == 50_000)
        merged._checkInvariants()
    }
}
