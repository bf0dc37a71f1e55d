#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An OpenTelemetry exponential histogram data point (the `ExponentialHistogramDataPoint` of the
/// OpenTelemetry metrics data model, without attributes and timestamps).
///
/// Buckets have boundaries at powers of `base = 2^(2^−scale)`: positive bucket `offset + k`
/// counts values in `(base^(offset+k), base^(offset+k+1)]`, negative buckets the same by
/// magnitude, and `zeroCount` the values in `[−zeroThreshold, zeroThreshold]` (and those too
/// small for the exponential formula).
///
/// Conversion with ``DDSketch`` (docs/SKETCHES.md, "OpenTelemetry"):
/// - ``DDSketch/init(_:maxBuckets:)`` is exact: the sketch uses
///   ``IndexMapping/exponentialHistogram(scale:)`` at the histogram's scale, bucket `i` ↔ index
///   `i`, with α = (base − 1)/(base + 1).
/// - ``DDSketch/exponentialHistogram(scale:)`` is exact from such a sketch at its own scale or a
///   coarser one (buckets merge `2^Δscale` at a time). From any other mapping each sketch bucket
///   moves whole to the histogram bucket holding its representative value; reading the histogram
///   back then has error at most `α + α_h + α·α_h` (`α` the sketch's, `α_h` the histogram's).
public struct ExponentialHistogram: Sendable, Equatable {
    /// A contiguous run of bucket counts starting at bucket index `offset`.
    public struct Buckets: Sendable, Equatable {
        public var offset: Int32
        public var bucketCounts: [UInt64]

        public init(offset: Int32 = 0, bucketCounts: [UInt64] = []) {
            self.offset = offset
            self.bucketCounts = bucketCounts
        }

        /// The sum of the counts, or nil if it overflows.
        var total: UInt64? {
            var total: UInt64 = 0
            for count in bucketCounts {
                let (next, overflow) = total.addingReportingOverflow(count)
                if overflow { return nil }
                total = next
            }
            return total
        }
    }

    /// Resolution: `base = 2^(2^−scale)`; OpenTelemetry allows −10…20.
    public var scale: Int32
    /// The number of values (= zero count + all bucket counts).
    public var count: UInt64
    /// The sum of the values, when known (OpenTelemetry makes it optional).
    public var sum: Double?
    /// The smallest value, when known.
    public var min: Double?
    /// The largest value, when known.
    public var max: Double?
    /// The number of values in the zero bucket.
    public var zeroCount: UInt64
    /// The half-width of the zero bucket (0: only zeros and values too small for the formula).
    public var zeroThreshold: Double
    public var positive: Buckets
    public var negative: Buckets

    public init(scale: Int32, count: UInt64, sum: Double? = nil, min: Double? = nil, max: Double? = nil,
                zeroCount: UInt64 = 0, zeroThreshold: Double = 0, positive: Buckets = Buckets(),
                negative: Buckets = Buckets()) {
        self.scale = scale
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.zeroCount = zeroCount
        self.zeroThreshold = zeroThreshold
        self.positive = positive
        self.negative = negative
    }

    /// `2^(2^−scale)`.
    public var base: Double { exp2(exp2(Double(-scale))) }
}

extension DDSketch {
    /// The exact sketch of an exponential histogram: mapping
    /// ``IndexMapping/exponentialHistogram(scale:)`` at the histogram's scale, bucket `i` of the
    /// histogram in bucket `i` of the sketch (collapsing the lowest if a sign spans more than
    /// `maxBuckets`).
    ///
    /// `count`, `sum`, `min` and `max` are taken from the histogram; when `sum`, `min` or `max`
    /// is absent it is estimated from the bucket representatives. Values of the zero bucket
    /// read back as 0 (a `zeroThreshold > 0` is therefore outside the accuracy guarantee).
    ///
    /// - Throws: ``SketchError/invalidArgument(_:)`` for a scale outside −10…20, bucket indices
    ///   outside the representable range, counts that do not add up to `count`, or a NaN/infinite
    ///   or inverted min/max.
    /// - Complexity: O(buckets).
    public init(_ histogram: ExponentialHistogram, maxBuckets: Int = DDSketch.defaultMaxBuckets) throws(SketchError) {
        guard IndexMapping.scales.contains(Int(histogram.scale)) else {
            throw .invalidArgument("exponential histogram scale \(histogram.scale) is outside \(IndexMapping.scales)")
        }
        try self.init(histogram, mapping: .exponentialHistogram(scale: Int(histogram.scale)), maxBuckets: maxBuckets)
    }

    /// The sketch of an exponential histogram with any mapping.
    ///
    /// Exact when `mapping` is ``IndexMapping/exponentialHistogram(scale:)`` at the histogram's
    /// scale or a coarser one. Otherwise each histogram bucket's count is added at the bucket's
    /// representative `base^i · 2·base/(1 + base)` (within `α_h = (base − 1)/(base + 1)` of
    /// every value of the bucket), so estimates are within `α + α_h + α·α_h` of the values.
    ///
    /// - Throws: as ``init(_:maxBuckets:)``.
    /// - Complexity: O(buckets).
    public init(_ histogram: ExponentialHistogram, mapping: IndexMapping,
                maxBuckets: Int = DDSketch.defaultMaxBuckets) throws(SketchError) {
        let scale = Int(histogram.scale)
        guard IndexMapping.scales.contains(scale) else {
            throw .invalidArgument("exponential histogram scale \(histogram.scale) is outside \(IndexMapping.scales)")
        }
        let source = IndexMapping.exponentialHistogram(scale: scale)
        let indices = source.indexRange
        for (name, buckets) in [("positive", histogram.positive), ("negative", histogram.negative)] {
            let first = Int(buckets.offset), last = first + buckets.bucketCounts.count - 1
            if !buckets.bucketCounts.isEmpty && (first < indices.lowerBound || last > indices.upperBound) {
                throw .invalidArgument("\(name) buckets \(first)…\(last) are outside the indices \(indices) of scale \(scale)")
            }
        }
        guard let positiveTotal = histogram.positive.total, let negativeTotal = histogram.negative.total,
              case let (partial, false) = positiveTotal.addingReportingOverflow(negativeTotal),
              case let (total, false) = partial.addingReportingOverflow(histogram.zeroCount),
              total == histogram.count
        else {
            throw .invalidArgument("exponential histogram count \(histogram.count) ≠ zero count + bucket counts")
        }
        for (name, value) in [("min", histogram.min), ("max", histogram.max)] {
            if let value, !value.isFinite { throw .invalidArgument("exponential histogram \(name) \(value) is not finite") }
        }
        if let low = histogram.min, let high = histogram.max, low > high, histogram.count > 0 {
            throw .invalidArgument("exponential histogram min \(low) > max \(high)")
        }

        self.init(mapping: mapping, maxBuckets: maxBuckets)
        let exactShift: Int? = mapping.kind == .exponentialHistogram && mapping.scale <= scale ? scale - mapping.scale : nil
        var estimatedSum = 0.0
        for (buckets, sign) in [(histogram.positive, 1.0), (histogram.negative, -1.0)] {
            for (k, count) in buckets.bucketCounts.enumerated() where count > 0 {
                let index = Int(buckets.offset) + k
                let representative = source.value(forIndex: index)
                estimatedSum += sign * representative * Double(count)
                if let shift = exactShift {
                    if sign > 0 {
                        positive.add(index: index >> shift, count: count)
                    } else {
                        negative.add(index: index >> shift, count: count)
                    }
                } else {
                    add(sign * representative, count: count)
                }
            }
        }
        _zeroCount &+= histogram.zeroCount  // plus any representative below 2.2e-308
        _count = histogram.count
        _sum = histogram.sum ?? estimatedSum
        if histogram.count > 0 {
            _minimum = histogram.min ?? extremeRepresentative(lowest: true)
            _maximum = histogram.max ?? extremeRepresentative(lowest: false)
        } else {
            _minimum = .infinity
            _maximum = -.infinity
        }
    }

    /// The smallest (or largest) bucket representative, for a histogram without min/max.
    private func extremeRepresentative(lowest: Bool) -> Double {
        let negativeRange = negative.nonEmptyRange, positiveRange = positive.nonEmptyRange
        if lowest {
            if let range = negativeRange { return -mapping.value(forIndex: range.upperBound) }
            if _zeroCount > 0 { return 0 }
            return positiveRange.map { mapping.value(forIndex: $0.lowerBound) } ?? 0
        } else {
            if let range = positiveRange { return mapping.value(forIndex: range.upperBound) }
            if _zeroCount > 0 { return 0 }
            return negativeRange.map { -mapping.value(forIndex: $0.lowerBound) } ?? 0
        }
    }

    /// The scale ``exponentialHistogram(scale:)`` uses by default for a sketch whose mapping is
    /// not an exponential histogram one: the coarsest scale whose accuracy is at least the
    /// sketch's (`α_h ≤ α`, so the exported error stays below `2α + α²`).
    public var defaultExportScale: Int {
        if mapping.kind == .exponentialHistogram { return mapping.scale }
        for scale in IndexMapping.scales where IndexMapping.exponentialHistogram(scale: scale).relativeAccuracy <= relativeAccuracy {
            return scale
        }
        return IndexMapping.scales.upperBound
    }

    /// The sketch as an OpenTelemetry exponential histogram.
    ///
    /// Exact when the sketch's mapping is ``IndexMapping/exponentialHistogram(scale:)`` and
    /// `scale` is that scale (the default) or coarser. Otherwise every bucket's count goes to the
    /// histogram bucket that holds the bucket's representative value, at `scale` (default
    /// ``defaultExportScale``): the histogram's estimates are then within `α + α_h + α·α_h` of
    /// the values. `count`, `sum`, `min` and `max` are exact (min/max are nil when empty); the
    /// zero threshold is 0 (the zero bucket holds zeros and magnitudes below 2.2e-308, which
    /// the exponential formula does not cover, as the specification allows).
    ///
    /// - Precondition: `scale` in −10…20.
    /// - Complexity: O(bucket slots).
    public func exponentialHistogram(scale: Int? = nil) -> ExponentialHistogram {
        let target = scale ?? defaultExportScale
        precondition(IndexMapping.scales.contains(target), "scale must be in \(IndexMapping.scales), got \(target)")
        let targetMapping = IndexMapping.exponentialHistogram(scale: target)
        let shift: Int? = mapping.kind == .exponentialHistogram && target <= mapping.scale ? mapping.scale - target : nil
        func convert(_ store: DenseStore) -> ExponentialHistogram.Buckets {
            var first = 0
            var counts: [UInt64] = []
            for (index, count) in store.buckets {
                let target = shift.map { index >> $0 } ?? targetMapping.index(max(mapping.value(forIndex: index), IndexMapping.minIndexableValue))
                if counts.isEmpty { first = target }
                // Targets never decrease with the index (representatives increase).
                while first + counts.count <= target { counts.append(0) }
                counts[target - first] &+= count
            }
            return ExponentialHistogram.Buckets(offset: Int32(first), bucketCounts: counts)
        }
        return ExponentialHistogram(
            scale: Int32(target), count: _count, sum: _sum,
            min: _count > 0 ? _minimum : nil, max: _count > 0 ? _maximum : nil,
            zeroCount: _zeroCount, zeroThreshold: 0,
            positive: convert(positive), negative: convert(negative))
    }
}
