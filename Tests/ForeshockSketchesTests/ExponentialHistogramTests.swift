@testable import ForeshockSketches
import Testing

@Suite("OpenTelemetry exponential histograms")
struct ExponentialHistogramTests {
    /// An exponential histogram of `values` as an OpenTelemetry SDK would record it.
    static func record(_ values: [Double], scale: Int) -> ExponentialHistogram {
        let mapping = IndexMapping.exponentialHistogram(scale: scale)
        var positive: [Int: UInt64] = [:], negative: [Int: UInt64] = [:]
        var zero: UInt64 = 0
        for value in values {
            if value == 0 {
                zero += 1
            } else if value > 0 {
                positive[mapping.index(value), default: 0] += 1
            } else {
                negative[mapping.index(-value), default: 0] += 1
            }
        }
        func dense(_ buckets: [Int: UInt64]) -> ExponentialHistogram.Buckets {
            guard let low = buckets.keys.min(), let high = buckets.keys.max() else { return .init() }
            return .init(offset: Int32(low), bucketCounts: (low...high).map { buckets[$0] ?? 0 })
        }
        return ExponentialHistogram(scale: Int32(scale), count: UInt64(values.count), sum: values.reduce(0, +),
                                    min: values.min(), max: values.max(), zeroCount: zero,
                                    positive: dense(positive), negative: dense(negative))
    }

    static let scales = [-2, 0, 3, 5, 8]
    /// Enough buckets for the finest scale and widest data here: nothing collapses.
    static let maxBuckets = 65_536

    @Test("a histogram converts exactly into a sketch and back", arguments: scales)
    func exactRoundTrip(scale: Int) throws {
        let values = Distribution.mixedWithZeros.values(count: 5_000, seed: UInt64(scale + 100))
        let histogram = Self.record(values, scale: scale)
        let sketch = try DDSketch(histogram, maxBuckets: Self.maxBuckets)
        sketch._checkInvariants()
        #expect(sketch.mapping == .exponentialHistogram(scale: scale))
        #expect(sketch.exponentialHistogram() == histogram)
        // The sketch built by inserting the raw values is the same sketch.
        let direct = sketchBatch(values, mapping: .exponentialHistogram(scale: scale), maxBuckets: Self.maxBuckets)
        #expect(direct.hasSameContents(as: sketch))
    }

    @Test("quantiles of an imported histogram are within the histogram's accuracy", arguments: scales)
    func importedAccuracy(scale: Int) throws {
        for distribution in [Distribution.logNormal, .pareto, .normalMixedSign] {
            let values = distribution.values(count: 4_000, seed: 7)
            let sketch = try DDSketch(Self.record(values, scale: scale), maxBuckets: Self.maxBuckets)
            let alpha = IndexMapping.exponentialHistogram(scale: scale).relativeAccuracy
            let worst = maxRelativeError(sketch, sorted: values.sorted(), quantiles: manyQuantiles)
            #expect(worst.error <= alpha * (1 + roundingSlack), "\(distribution): \(worst)")
        }
    }

    @Test("importing into a coarser exponential-histogram mapping is exact (downscaling)")
    func downscale() throws {
        let values = Distribution.wideLogNormal.values(count: 3_000, seed: 5)
        let fine = Self.record(values, scale: 8)
        for coarse in [7, 5, 0, -3] {
            let imported = try DDSketch(fine, mapping: .exponentialHistogram(scale: coarse), maxBuckets: Self.maxBuckets)
            let direct = try DDSketch(Self.record(values, scale: coarse), maxBuckets: Self.maxBuckets)
            #expect(imported.hasSameContents(as: direct), "scale 8 → \(coarse)")
            // And exporting a fine sketch at a coarser scale is the same downscale.
            #expect(try DDSketch(fine, maxBuckets: Self.maxBuckets).exponentialHistogram(scale: coarse) == Self.record(values, scale: coarse))
        }
    }

    @Test("importing into another mapping keeps α + α_h + α·α_h")
    func redistribution() throws {
        let values = Distribution.logNormal.values(count: 4_000, seed: 8)
        let sorted = values.sorted()
        for scale in [3, 6] {
            let histogram = Self.record(values, scale: scale)
            let alphaH = IndexMapping.exponentialHistogram(scale: scale).relativeAccuracy
            for mapping in allMappings(relativeAccuracy: 0.01) {
                let sketch = try DDSketch(histogram, mapping: mapping)
                sketch._checkInvariants()
                #expect(sketch.count == histogram.count && sketch.sum == histogram.sum)
                #expect(sketch.minimum == histogram.min && sketch.maximum == histogram.max)
                let bound = 0.01 + alphaH + 0.01 * alphaH
                let worst = maxRelativeError(sketch, sorted: sorted, quantiles: manyQuantiles)
                #expect(worst.error <= bound * (1 + roundingSlack), "scale \(scale) → \(mapping): \(worst)")
            }
        }
    }

    @Test("exporting a cubic sketch keeps α + α_h + α·α_h at the default scale")
    func exportFromInterpolated() throws {
        let values = Distribution.mixedWithZeros.values(count: 4_000, seed: 9)
        let sorted = values.sorted()
        let sketch = sketchBatch(values)
        #expect(sketch.defaultExportScale == 6)  // α_h = 0.54 % ≤ 1 % < α_h(5) = 1.08 %
        let histogram = sketch.exponentialHistogram()
        #expect(histogram.scale == 6)
        #expect(histogram.count == sketch.count && histogram.zeroCount == sketch.zeroCount)
        #expect(histogram.min == sketch.minimum && histogram.max == sketch.maximum && histogram.sum == sketch.sum)
        let back = try DDSketch(histogram)
        let alphaH = IndexMapping.exponentialHistogram(scale: 6).relativeAccuracy
        let worst = maxRelativeError(back, sorted: sorted, quantiles: manyQuantiles)
        #expect(worst.error <= (0.01 + alphaH + 0.01 * alphaH) * (1 + roundingSlack), "\(worst)")
    }

    @Test("missing sum, min and max are estimated from the buckets")
    func missingStatistics() throws {
        var histogram = Self.record([1, 2, 3, 100], scale: 4)
        histogram.sum = nil
        histogram.min = nil
        histogram.max = nil
        let sketch = try DDSketch(histogram)
        let alpha = sketch.relativeAccuracy
        #expect(relativeError(sketch.minimum, 1) <= alpha + roundingSlack)
        #expect(relativeError(sketch.maximum, 100) <= alpha + roundingSlack)
        #expect(relativeError(sketch.sum, 106) <= alpha + roundingSlack)
        #expect(try DDSketch(ExponentialHistogram(scale: 0, count: 0)).isEmpty)
    }

    @Test("invalid histograms are rejected with a clear error")
    func invalid() {
        #expect(throws: SketchError.self) { try DDSketch(ExponentialHistogram(scale: 21, count: 0)) }
        #expect(throws: SketchError.self) { try DDSketch(ExponentialHistogram(scale: -11, count: 0)) }
        #expect(throws: SketchError.self) {  // counts do not add up
            try DDSketch(ExponentialHistogram(scale: 0, count: 5, zeroCount: 1, positive: .init(offset: 0, bucketCounts: [1, 2])))
        }
        #expect(throws: SketchError.self) {  // overflowing counts
            try DDSketch(ExponentialHistogram(scale: 0, count: 0, positive: .init(offset: 0, bucketCounts: [.max, 1])))
        }
        #expect(throws: SketchError.self) {  // beyond the largest double at scale 0
            try DDSketch(ExponentialHistogram(scale: 0, count: 1, positive: .init(offset: 2000, bucketCounts: [1])))
        }
        #expect(throws: SketchError.self) {
            try DDSketch(ExponentialHistogram(scale: 0, count: 1, min: 5, max: 1, positive: .init(offset: 1, bucketCounts: [1])))
        }
        #expect(throws: SketchError.self) {
            try DDSketch(ExponentialHistogram(scale: 0, count: 1, max: .nan, positive: .init(offset: 1, bucketCounts: [1])))
        }
    }
}
