/// A quantile sketch with a relative-error guarantee for every quantile: DDSketch (Masson, Rim &
/// Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with Relative-Error Guarantees",
/// PVLDB 12(12), 2019).
///
/// Values are counted in logarithmically sized buckets: an ``IndexMapping`` turns a magnitude into
/// a bucket index, and two ``DenseStore``s (positive values, negative values by magnitude) count
/// them; zeros (and magnitudes below 2.2e-308) have their own count. A quantile is answered by
/// walking the buckets to the rank and reporting the bucket's representative value.
///
/// ```swift
/// var sketch = DDSketch()                       // α = 1 %, cubic mapping, 2048 buckets per sign
/// sketch.add(contentsOf: latencies)             // vectorised batch insert
/// let p99 = sketch.quantile(0.99)!              // within 1 % of the exact p99
/// var total = DDSketch()
/// try total.merge(sketch)                       // exact: same as sketching the union
/// let bytes = sketch.serialized()               // compact, versioned; DDSketch(serialized:)
/// ```
///
/// - Guarantee: for every `q` in `[0, 1]`, if `x` is the value of rank `⌊q · (n − 1)⌋` (0-based)
///   among the `n` counted values, `quantile(q)` is within `α · |x|` of `x`, provided `x` does
///   not fall in a collapsed bucket (see below) and is 0 or at least 2.2e-308 in magnitude
///   (subnormals are reported as 0).
///
/// Special values:
/// - NaN is ignored and counted in ``nanCount``.
/// - ±Inf is rejected: counted in ``infinityCount`` and left out of ``count``, ``sum``, the
///   extremes and the quantiles (an infinite latency is a recording error, and one infinity would
///   make ``sum`` and the mean useless). Every finite value is accepted.
/// - `±0` and subnormals count as zero (their quantile estimate is exactly 0).
///
/// Bounded size: each store keeps at most ``maxBuckets`` buckets. When the values of one sign
/// span more, the lowest buckets are collapsed into one (the paper's collapsing-lowest store):
/// high quantiles keep the guarantee, quantiles in the collapsed bucket are over-estimated. With
/// the defaults (α = 1 %, cubic mapping, 2048 buckets) one sign covers a ratio of about 4·10¹⁷
/// between its smallest and largest value (1 ns to 13 years) before anything collapses.
///
/// ``count``, ``minimum``, ``maximum``, ``zeroCount``, ``nanCount`` and ``infinityCount`` are
/// exact; ``sum`` is the floating-point sum (batch inserts and merges add in a different order, so
/// it may differ from a sequential sum in the last bits). Quantile estimates are clamped to
/// `[minimum, maximum]`, which only brings them closer to the truth.
///
/// `DDSketch` is a `Sendable` value type with copy-on-write storage.
public struct DDSketch: Sendable {
    /// The value → bucket mapping (fixes the accuracy).
    public let mapping: IndexMapping
    /// Counts of the positive values by bucket.
    @usableFromInline var positive: DenseStore
    /// Counts of the negative values by the bucket of their magnitude.
    @usableFromInline var negative: DenseStore
    @usableFromInline var _zeroCount: UInt64 = 0
    @usableFromInline var _count: UInt64 = 0
    @usableFromInline var _sum: Double = 0
    @usableFromInline var _minimum: Double = .infinity
    @usableFromInline var _maximum: Double = -.infinity
    @usableFromInline var _nanCount: UInt64 = 0
    @usableFromInline var _infinityCount: UInt64 = 0

    /// The default bucket limit per sign.
    public static let defaultMaxBuckets = 2048

    /// An empty sketch with the default mapping (``IndexMapping/default(relativeAccuracy:)``,
    /// cubic interpolation).
    ///
    /// - Parameters:
    ///   - relativeAccuracy: α, in `[1e-9, 1)`; every quantile is within `α · |x|`.
    ///   - maxBuckets: the most buckets kept per sign, in `1...65_536`.
    public init(relativeAccuracy: Double = 0.01, maxBuckets: Int = DDSketch.defaultMaxBuckets) {
        self.init(mapping: .default(relativeAccuracy: relativeAccuracy), maxBuckets: maxBuckets)
    }

    /// An empty sketch with an explicit mapping.
    ///
    /// - Precondition: `maxBuckets` in `1...65_536`.
    public init(mapping: IndexMapping, maxBuckets: Int = DDSketch.defaultMaxBuckets) {
        self.mapping = mapping
        self.positive = DenseStore(maxBuckets: maxBuckets)
        self.negative = DenseStore(maxBuckets: maxBuckets)
    }

    /// An empty sketch with the same mapping and bucket limit as this one.
    public func emptyCopy() -> DDSketch { DDSketch(mapping: mapping, maxBuckets: maxBuckets) }

    // MARK: Summary

    /// The guaranteed relative accuracy α of the mapping.
    public var relativeAccuracy: Double { mapping.relativeAccuracy }
    /// The most buckets kept per sign.
    public var maxBuckets: Int { positive.maxBuckets }
    /// The number of values counted (finite values; NaN and ±Inf are not counted).
    public var count: UInt64 { _count }
    /// Whether no value has been counted.
    public var isEmpty: Bool { _count == 0 }
    /// The sum of the counted values.
    public var sum: Double { _sum }
    /// The smallest counted value (+Inf when empty).
    public var minimum: Double { _minimum }
    /// The largest counted value (−Inf when empty).
    public var maximum: Double { _maximum }
    /// The mean of the counted values (NaN when empty).
    public var mean: Double { _count == 0 ? .nan : _sum / Double(_count) }
    /// The number of values counted as zero (`|x| < 2.2e-308`).
    public var zeroCount: UInt64 { _zeroCount }
    /// The number of NaN values offered (ignored).
    public var nanCount: UInt64 { _nanCount }
    /// The number of ±Inf values offered (rejected).
    public var infinityCount: UInt64 { _infinityCount }
    /// The counts of the positive values.
    public var positiveStore: DenseStore { positive }
    /// The counts of the negative values, by magnitude.
    public var negativeStore: DenseStore { negative }

    /// Bytes held by the sketch: the fixed fields plus both stores' allocated counts.
    public var estimatedMemoryBytes: Int {
        MemoryLayout<DDSketch>.size + positive.allocatedBytes + negative.allocatedBytes
    }

    /// Removes every value, keeping the mapping and the bucket limit.
    public mutating func removeAll() { self = emptyCopy() }
}

extension DDSketch: Equatable {
    /// Sketches are equal when their mappings, bucket limits, buckets and exact statistics are
    /// equal; `sum` is compared bit for bit.
    public static func == (a: DDSketch, b: DDSketch) -> Bool {
        a.mapping == b.mapping && a.positive == b.positive && a.negative == b.negative
            && a._zeroCount == b._zeroCount && a._count == b._count && a._sum.bitPattern == b._sum.bitPattern
            && a._minimum == b._minimum && a._maximum == b._maximum
            && a._nanCount == b._nanCount && a._infinityCount == b._infinityCount
    }

    /// Whether the two sketches hold the same distribution: equal in everything but ``sum``,
    /// whose last bits depend on the order of the additions (and which cancellation can change
    /// entirely when huge values of both signs are added).
    public func hasSameContents(as other: DDSketch) -> Bool {
        var a = self, b = other
        a._sum = 0
        b._sum = 0
        return a == b
    }
}

extension DDSketch: CustomStringConvertible {
    public var description: String {
        "DDSketch(\(mapping), count: \(_count), min: \(_minimum), max: \(_maximum), buckets: +\(positive.buckets.count)/−\(negative.buckets.count))"
    }
}
