extension DDSketch {
    /// Counts every value of `values`: the same result as calling ``add(_:)`` for each, except
    /// that ``sum`` is added in a different order (its last bits may differ).
    ///
    /// With an interpolated mapping (the default) the indices of eight values are computed at
    /// once with `SIMD8` integer and floating-point operations on their bit patterns: no library
    /// call, no division, floor by the `1.5 · 2⁵²` rounding trick, then eight scalar increments.
    /// The kernel uses only mul/add and compare/select, so it is fast on the default x86-64 target
    /// (SSE2) and faster with AVX2. A group of eight is first checked with two comparisons
    /// against the value range of the store's current window (minus one bucket of margin at each
    /// end); a group that holds a non-positive, non-finite or subnormal value, or a value outside
    /// that range, takes the scalar path (which moves or grows the window).
    /// The logarithmic and exponential-histogram mappings use the scalar path throughout.
    ///
    /// - Complexity: O(n).
    public mutating func add(contentsOf values: UnsafeBufferPointer<Double>) {
        guard mapping.isInterpolated, values.count >= Self.batchWidth, let base = values.baseAddress else {
            for value in values { add(value) }
            return
        }
        if mapping.kind == .cubicallyInterpolated {
            addInterpolated(base, count: values.count, cubic: true)
        } else {
            addInterpolated(base, count: values.count, cubic: false)
        }
    }

    /// Counts every value of `values` (see ``add(contentsOf:)-(UnsafeBufferPointer<Double>)``).
    ///
    /// - Complexity: O(n).
    public mutating func add(contentsOf values: [Double]) {
        values.withUnsafeBufferPointer { add(contentsOf: $0) }
    }

    /// Counts every value of a collection, through the vectorised path when its storage is
    /// contiguous.
    ///
    /// - Complexity: O(n).
    @inlinable
    public mutating func add<C: Collection>(contentsOf values: C) where C.Element == Double {
        let done: Void? = values.withContiguousStorageIfAvailable { add(contentsOf: $0) }
        if done == nil {
            for value in values { add(value) }
        }
    }

    static var batchWidth: Int { 8 }

    /// Vector accumulators of the values counted by the fast path.
    struct BatchStatistics {
        var sum = SIMD8<Double>()
        var minimum = SIMD8<Double>(repeating: .infinity)
        var maximum = SIMD8<Double>(repeating: -.infinity)
        var count = 0
    }

    @inline(__always)
    private mutating func addInterpolated(_ values: UnsafePointer<Double>, count n: Int, cubic: Bool) {
        let multiplier = mapping.multiplier
        var statistics = BatchStatistics()
        var position = 0
        var window = (offset: Int.min, slots: 0, low: 0.0, high: 0.0)
        while position + Self.batchWidth <= n {
            let offset = positive.offset
            let slots = positive.counts.count
            if slots >= 3 {
                if window.offset != offset || window.slots != slots {
                    // Values in [low, high) have their bucket inside the window: one bucket of
                    // margin at each end absorbs the rounding of `lowerBound` against `index`
                    // (±1 at most). Subnormals have no exponent bits to read: keep them out even
                    // when the window reaches below the smallest normal double.
                    window = (offset, slots,
                              Swift.max(mapping.lowerBound(forIndex: offset + 1), IndexMapping.minIndexableValue),
                              mapping.lowerBound(forIndex: offset + slots - 1))
                }
                let (low, high) = (window.low, window.high)
                position = positive.counts.withUnsafeMutableBufferPointer { counts in
                    Self.fastLoop(values, from: position, count: n, counts: counts.baseAddress!, offset: offset,
                                  low: low, high: high, multiplier: multiplier, cubic: cubic, statistics: &statistics)
                }
            }
            // The group at `position` (if any) needs the scalar path: a value that is not
            // positive and normal, or a bucket outside the window (which then moves).
            let end = min(position + Self.batchWidth, n)
            for k in position..<end { add(values[k]) }
            position = end
        }
        for k in position..<n { add(values[k]) }
        if statistics.count > 0 {
            _count &+= UInt64(statistics.count)
            _sum += statistics.sum.sum()
            _minimum = Swift.min(_minimum, statistics.minimum.min())
            _maximum = Swift.max(_maximum, statistics.maximum.max())
        }
    }

    /// Counts groups of eight values from `start` while every value of the group lies in
    /// `[low, high)` (so is positive, normal, finite and has its bucket in the window that starts
    /// at index `offset`). Returns the position of the first group it did not count.
    @inline(__always)
    private static func fastLoop(_ values: UnsafePointer<Double>, from start: Int, count n: Int,
                                 counts: UnsafeMutablePointer<UInt64>, offset: Int, low: Double, high: Double,
                                 multiplier: Double, cubic: Bool, statistics: inout BatchStatistics) -> Int {
        typealias V = SIMD8<Double>
        typealias U = SIMD8<UInt64>
        typealias I = SIMD8<Int64>
        let smallest = V(repeating: low), largest = V(repeating: high)
        let mantissaMask = U(repeating: IndexMapping.mantissaMask)
        let oneBits = U(repeating: IndexMapping.oneBits)
        let exponentBits = U(repeating: IndexMapping.exponentMagicBits)
        let exponentMagic = V(repeating: IndexMapping.exponentMagic)
        let roundingMagic = V(repeating: IndexMapping.roundingMagic)
        let roundingBits = I(repeating: IndexMapping.roundingMagicBits &+ Int64(offset))
        let a = V(repeating: IndexMapping.cubicA), b = V(repeating: IndexMapping.cubicB)
        let c = V(repeating: IndexMapping.cubicC)
        let m = V(repeating: multiplier)
        let one = V(repeating: 1)
        var sum = statistics.sum, minimum = statistics.minimum, maximum = statistics.maximum
        let raw = UnsafeRawPointer(values)
        var i = start
        while i + 8 <= n {
            let x = raw.loadUnaligned(fromByteOffset: i &* 8, as: V.self)
            // NaN, ±Inf, negatives, zeros, subnormals and out-of-window values all fail this.
            if !all((x .>= smallest) .& (x .< largest)) { break }
            let bits = unsafeBitCast(x, to: U.self)
            // x = 2^e · (1 + s): s from the mantissa bits, e from the exponent bits (both exact).
            let s = unsafeBitCast((bits & mantissaMask) | oneBits, to: V.self) - one
            let e = unsafeBitCast((bits &>> 52) | exponentBits, to: V.self) - exponentMagic
            let p = cubic ? ((a * s + b) * s + c) * s : s
            let y = (p + e) * m
            // ⌊y⌋: round to nearest by adding 1.5·2⁵², then subtract 1 where that rounded up.
            let t = y + roundingMagic
            let roundedUp = t - roundingMagic .> y
            // Slot = bits(t) − bits(magic) − offset, minus 1 where rounding went up (mask = −1).
            let slot = unsafeBitCast(t, to: I.self) &- roundingBits &+ unsafeBitCast(roundedUp, to: I.self)
            counts[Int(truncatingIfNeeded: slot[0])] &+= 1
            counts[Int(truncatingIfNeeded: slot[1])] &+= 1
            counts[Int(truncatingIfNeeded: slot[2])] &+= 1
            counts[Int(truncatingIfNeeded: slot[3])] &+= 1
            counts[Int(truncatingIfNeeded: slot[4])] &+= 1
            counts[Int(truncatingIfNeeded: slot[5])] &+= 1
            counts[Int(truncatingIfNeeded: slot[6])] &+= 1
            counts[Int(truncatingIfNeeded: slot[7])] &+= 1
            sum += x
            minimum.replace(with: x, where: x .< minimum)
            maximum.replace(with: x, where: x .> maximum)
            i &+= 8
        }
        statistics.count &+= i - start
        statistics.sum = sum
        statistics.minimum = minimum
        statistics.maximum = maximum
        return i
    }
}
