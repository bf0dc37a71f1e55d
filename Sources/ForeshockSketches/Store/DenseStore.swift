/// Bucket counts for a contiguous range of indices, bounded in size by collapsing the lowest
/// buckets: the "store" half of a DDSketch.
///
/// The counts live in one contiguous array, `counts[k]` holding bucket `offset + k` (a window
/// that may have empty slack at either end). The window grows on demand and never exceeds
/// `maxBuckets` slots. When the non-empty buckets would span more than `maxBuckets` indices,
/// every bucket below `highestIndex − maxBuckets + 1` is folded into that one: the
/// "collapsing lowest dense store" of the DDSketch paper (section 2.2). The high quantiles
/// (the tail latency) keep the full accuracy; quantiles that fall in the collapsed bucket are
/// over-estimated.
///
/// The folded state is a function of the multiset of indices inserted (the floor only rises with
/// the highest index), which is what makes ``merge(_:)`` exact: merging two stores gives the
/// same buckets as inserting the union.
///
/// `DenseStore` is a value type with copy-on-write storage.
public struct DenseStore: Sendable {
    /// `counts[k]` is the count of bucket `offset + k`.
    @usableFromInline var counts: [UInt64]
    /// The index of `counts[0]`.
    @usableFromInline var offset: Int
    /// The most buckets the window may hold (≥ 1).
    public let maxBuckets: Int

    /// The largest `maxBuckets` accepted (512 KiB of counts per store).
    public static let maxBucketsLimit = 1 << 16
    /// Slots added beyond the needed range when the window grows, so that a stream whose values
    /// drift does not reallocate at every new bucket.
    static let growthSlack = 32

    /// An empty store.
    ///
    /// - Precondition: `1 ≤ maxBuckets ≤ 65,536`.
    public init(maxBuckets: Int) {
        precondition((1...Self.maxBucketsLimit).contains(maxBuckets),
                     "maxBuckets must be in 1...\(Self.maxBucketsLimit), got \(maxBuckets)")
        self.counts = []
        self.offset = 0
        self.maxBuckets = maxBuckets
    }

    /// Whether no bucket has a count.
    public var isEmpty: Bool { nonEmptyRange == nil }

    /// The sum of all bucket counts.
    ///
    /// - Complexity: O(number of slots).
    public var totalCount: UInt64 { counts.reduce(0, &+) }

    /// The lowest and highest indices with a non-zero count.
    ///
    /// - Complexity: O(number of slots) in the worst case.
    public var nonEmptyRange: ClosedRange<Int>? {
        guard let low = counts.firstIndex(where: { $0 != 0 }), let high = counts.lastIndex(where: { $0 != 0 }) else {
            return nil
        }
        return (offset + low)...(offset + high)
    }

    /// The count of bucket `index`.
    public subscript(index: Int) -> UInt64 {
        let k = index - offset
        return k >= 0 && k < counts.count ? counts[k] : 0
    }

    /// The non-empty buckets in increasing index order.
    public var buckets: [(index: Int, count: UInt64)] {
        counts.indices.compactMap { k in counts[k] == 0 ? nil : (offset + k, counts[k]) }
    }

    /// Bytes held by the counts (capacity, not just the used slots).
    public var allocatedBytes: Int { counts.capacity * MemoryLayout<UInt64>.stride }

    /// The number of slots in the window.
    public var slotCount: Int { counts.count }

    // MARK: Insertion

    /// Adds `count` to bucket `index` (or to the collapsed lowest bucket, see the type's
    /// discussion).
    ///
    /// - Complexity: amortised O(1); O(maxBuckets) when the window moves.
    @inlinable
    public mutating func add(index: Int, count: UInt64 = 1) {
        let k = index &- offset
        if k >= 0 && k < counts.count {
            counts[k] &+= count
        } else {
            addOutsideWindow(index: index, count: count)
        }
    }

    /// The slow path of ``add(index:count:)``: moves, grows or collapses the window.
    @usableFromInline
    mutating func addOutsideWindow(index: Int, count: UInt64) {
        guard count > 0 else { return }
        let range = nonEmptyRange
        let high = max(range?.upperBound ?? index, index)
        let floor = high - maxBuckets + 1
        let low = max(min(range?.lowerBound ?? index, index), floor)
        reframe(low: low, high: high, floor: floor)
        counts[max(index, floor) - offset] &+= count
    }

    /// Moves the window so that it holds `low...high` (a span of at most `maxBuckets`), folding
    /// every count below `floor` into bucket `floor`.
    ///
    /// - Precondition: `low ≥ floor` and `high − floor + 1 == maxBuckets`.
    mutating func reframe(low: Int, high: Int, floor: Int) {
        // Fold what falls below the floor into it.
        var folded: UInt64 = 0
        if offset < floor {
            for k in 0..<min(counts.count, floor - offset) {
                folded &+= counts[k]
            }
        }
        // The new window: the needed span plus slack toward where the window grew, inside the
        // floor and the limit.
        let needed = high - low + 1
        let slack = min(maxBuckets - needed, max(Self.growthSlack, needed / 2))
        let newOffset: Int
        if counts.isEmpty {
            newOffset = max(floor, low - slack / 2)  // first insert: slack on both sides
        } else if high >= offset + counts.count {
            newOffset = low  // grew upward: slack above
        } else {
            newOffset = max(floor, low - slack)  // grew downward: slack below
        }
        let newLength = min(maxBuckets, max(needed + slack, high - newOffset + 1))
        if newOffset == offset && newLength == counts.count && folded == 0 { return }
        var fresh = [UInt64](repeating: 0, count: newLength)
        let oldEnd = offset + counts.count
        let copyStart = max(offset, newOffset), copyEnd = min(oldEnd, newOffset + newLength)
        if copyStart < copyEnd {
            for i in copyStart..<copyEnd { fresh[i - newOffset] = counts[i - offset] }
        }
        if folded > 0 { fresh[floor - newOffset] &+= folded }
        counts = fresh
        offset = newOffset
    }

    // MARK: Merge

    /// Adds every bucket of `other`, collapsing as if `other`'s values had been inserted here.
    ///
    /// - Complexity: O(slots of both stores), vectorised for the overlapping range.
    public mutating func merge(_ other: DenseStore) {
        guard let otherRange = other.nonEmptyRange else { return }
        let ownRange = nonEmptyRange
        let high = max(otherRange.upperBound, ownRange?.upperBound ?? .min)
        let floor = high - maxBuckets + 1
        let low = max(floor, min(otherRange.lowerBound, ownRange?.lowerBound ?? .max))
        if ownRange == nil || low < offset || high >= offset + counts.count || ownRange!.lowerBound < floor {
            reframe(low: low, high: high, floor: floor)
        }
        // Buckets of `other` below the floor fold into it (then `low == floor` is in the window).
        let last = otherRange.upperBound
        var first = otherRange.lowerBound
        if first < floor {
            var folded: UInt64 = 0
            let foldEnd = min(floor, last + 1)  // at most other's slot count iterations
            while first < foldEnd {
                folded &+= other[first]
                first += 1
            }
            first = max(first, floor)
            counts[floor - offset] &+= folded
        }
        guard first <= last else { return }
        counts.withUnsafeMutableBufferPointer { target in
            other.counts.withUnsafeBufferPointer { source in
                let t = target.baseAddress! + (first - offset)
                let s = source.baseAddress! + (first - other.offset)
                for k in 0..<(last - first + 1) { t[k] &+= s[k] }
            }
        }
    }

    // MARK: Decoding support

    /// A store holding exactly `buckets` (indices strictly increasing, spanning at most
    /// `maxBuckets`), for the decoders.
    init(maxBuckets: Int, low: Int, counts: [UInt64]) {
        self.maxBuckets = maxBuckets
        self.offset = low
        self.counts = counts
    }
}

extension DenseStore: Equatable {
    /// Stores are equal when they have the same limit and the same non-empty buckets (the
    /// window's slack does not matter).
    public static func == (a: DenseStore, b: DenseStore) -> Bool {
        guard a.maxBuckets == b.maxBuckets, a.nonEmptyRange == b.nonEmptyRange else { return false }
        guard let range = a.nonEmptyRange else { return true }
        return range.allSatisfy { a[$0] == b[$0] }
    }
}
