/// Aggregates of the non-NaN values in one time window `[start, start + step)`.
public struct WindowAggregate: Sendable, Equatable, Codable {
    /// Window start, milliseconds since the Unix epoch, a multiple of the step.
    public var start: Int64
    public var count: Int
    public var sum: Double
    /// +Inf when `count` is 0.
    public var minimum: Double
    /// −Inf when `count` is 0.
    public var maximum: Double
    /// The value of the latest non-NaN point; NaN when `count` is 0.
    public var last: Double
    public var lastTimestamp: Int64

    public var mean: Double { count > 0 ? sum / Double(count) : .nan }

    public init(start: Int64) {
        self.start = start
        count = 0
        sum = 0
        minimum = .infinity
        maximum = -.infinity
        last = .nan
        lastTimestamp = .min
    }

    /// Folds another aggregate of the same window (from a later or earlier part) into this one.
    public mutating func merge(_ other: WindowAggregate) {
        count += other.count
        sum += other.sum
        if other.minimum < minimum { minimum = other.minimum }
        if other.maximum > maximum { maximum = other.maximum }
        if other.count > 0, other.lastTimestamp >= lastTimestamp {
            last = other.last
            lastTimestamp = other.lastTimestamp
        }
    }

    public static func == (a: WindowAggregate, b: WindowAggregate) -> Bool {
        a.start == b.start && a.count == b.count && a.sum.bitPattern == b.sum.bitPattern
            && a.minimum.bitPattern == b.minimum.bitPattern && a.maximum.bitPattern == b.maximum.bitPattern
            && a.last.bitPattern == b.last.bitPattern && a.lastTimestamp == b.lastTimestamp
    }
}

/// Count, sum, minimum and maximum of the non-NaN values of a column.
public struct ColumnReduction: Sendable, Equatable {
    public var count: Int
    public var sum: Double
    public var minimum: Double
    public var maximum: Double

    @inlinable
    public init(count: Int, sum: Double, minimum: Double, maximum: Double) {
        self.count = count
        self.sum = sum
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Nothing reduced yet.
    public static let empty = ColumnReduction(count: 0, sum: 0, minimum: .infinity, maximum: -.infinity)

    /// Folds one value in (NaN is skipped).
    @inlinable @inline(__always)
    public mutating func add(_ v: Double) {
        guard !v.isNaN else { return }
        count += 1
        sum += v
        if v < minimum { minimum = v }
        if v > maximum { maximum = v }
    }
}

/// Aggregation kernels over decoded columns.
///
/// ``reduce(_:)`` uses `SIMD8<Double>` with two accumulators and compare-and-select (fast on
/// the default x86-64 target, which has no AVX/FMA: see docs/SWIFT-NOTES on this machine);
/// ``reduceScalar(_:)`` is the plain loop kept as the benchmark peer. Both sum in a different
/// order, so sums may differ in the last bits; counts, minima and maxima are identical.
public enum Aggregation {
    /// - Complexity: O(n), about 8 values per step.
    @inlinable
    public static func reduce(_ values: UnsafeBufferPointer<Double>) -> ColumnReduction {
        let n = values.count
        guard let base = UnsafeRawPointer(values.baseAddress) else { return .empty }
        var sumA = SIMD8<Double>(), sumB = SIMD8<Double>()
        var countA = SIMD8<Int64>(), countB = SIMD8<Int64>()
        var minA = SIMD8<Double>(repeating: .infinity), minB = minA
        var maxA = SIMD8<Double>(repeating: -.infinity), maxB = maxA
        let one = SIMD8<Int64>(repeating: 1), zeroCount = SIMD8<Int64>()
        let zero = SIMD8<Double>()
        var i = 0
        while i + 16 <= n {
            let a = base.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
            let b = base.loadUnaligned(fromByteOffset: (i + 8) * 8, as: SIMD8<Double>.self)
            let validA = a .== a, validB = b .== b
            sumA += zero.replacing(with: a, where: validA)
            sumB += zero.replacing(with: b, where: validB)
            countA &+= zeroCount.replacing(with: one, where: validA)
            countB &+= zeroCount.replacing(with: one, where: validB)
            minA.replace(with: a, where: a .< minA)
            minB.replace(with: b, where: b .< minB)
            maxA.replace(with: a, where: a .> maxA)
            maxB.replace(with: b, where: b .> maxB)
            i += 16
        }
        minA.replace(with: minB, where: minB .< minA)
        maxA.replace(with: maxB, where: maxB .> maxA)
        var result = ColumnReduction(count: Int((countA &+ countB).wrappedSum()), sum: (sumA + sumB).sum(),
                                     minimum: minA.min(), maximum: maxA.max())
        while i < n {
            result.add(values[i])
            i += 1
        }
        return result
    }

    /// The scalar reference for ``reduce(_:)``.
    public static func reduceScalar(_ values: UnsafeBufferPointer<Double>) -> ColumnReduction {
        var result = ColumnReduction.empty
        for v in values { result.add(v) }
        return result
    }

    /// The start of the window of width `step` that holds `t` (floor division, so negative
    /// timestamps fall into the right window).
    @inlinable
    public static func windowStart(_ t: Int64, step: Int64) -> Int64 {
        let q = t / step
        return (t % step < 0 ? q - 1 : q) &* step
    }

    /// Adds the points of sorted columns to `windows` (sorted by start; a window already present
    /// is merged into), reducing each window's run of values with SIMD.
    ///
    /// Window ends are found by galloping from the previous end (O(log w) per window of w
    /// points); each run is reduced with ``reduceRun(_:from:to:)``.
    /// - Complexity: O(n + w log(n / w)) for n points in w windows.
    public static func downsample(timestamps: UnsafeBufferPointer<Int64>, values: UnsafeBufferPointer<Double>,
                                  step: Int64, into windows: inout [WindowAggregate]) {
        let n = timestamps.count
        var i = 0
        while i < n {
            let start = windowStart(timestamps[i], step: step)
            let (end, endOverflow) = start.addingReportingOverflow(step)
            var j = n
            if !endOverflow {
                // Gallop: bracket the first index at or past `end`, then binary search.
                var low = i + 1, bound = 1
                while low + bound < n && timestamps[low + bound - 1] < end {
                    low += bound
                    bound <<= 1
                }
                var high = min(n, low + bound)
                while low < high {
                    let mid = (low + high) / 2
                    if timestamps[mid] < end { low = mid + 1 } else { high = mid }
                }
                j = low
            }
            var window = WindowAggregate(start: start)
            let r = reduceRun(values, from: i, to: j)
            window.count = r.count
            window.sum = r.sum
            window.minimum = r.minimum
            window.maximum = r.maximum
            var k = j - 1
            while k >= i && values[k].isNaN { k -= 1 }
            if k >= i {
                window.last = values[k]
                window.lastTimestamp = timestamps[k]
            }
            if let previous = windows.last, previous.start < start {
                windows.append(window)
            } else {
                merge(window, into: &windows)
            }
            i = j
        }
    }

    /// ``reduce(_:)`` for a short run `values[from..<to]`: four lanes, one accumulator set,
    /// so that the fixed cost of combining lanes stays small for windows of tens of points.
    @inline(__always)
    static func reduceRun(_ values: UnsafeBufferPointer<Double>, from: Int, to: Int) -> ColumnReduction {
        guard to - from >= 32, let base = UnsafeRawPointer(values.baseAddress) else {
            var r = ColumnReduction.empty
            for k in from..<to { r.add(values[k]) }
            return r
        }
        var sum = SIMD4<Double>(), count = SIMD4<Int64>()
        var minimum = SIMD4<Double>(repeating: .infinity), maximum = SIMD4<Double>(repeating: -.infinity)
        let zero = SIMD4<Double>(), one = SIMD4<Int64>(repeating: 1), none = SIMD4<Int64>()
        var k = from
        while k + 4 <= to {
            let v = base.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self)
            let valid = v .== v
            sum += zero.replacing(with: v, where: valid)
            count &+= none.replacing(with: one, where: valid)
            minimum.replace(with: v, where: v .< minimum)
            maximum.replace(with: v, where: v .> maximum)
            k += 4
        }
        var r = ColumnReduction(count: Int(count.wrappedSum()), sum: sum.sum(), minimum: minimum.min(), maximum: maximum.max())
        while k < to {
            r.add(values[k])
            k += 1
        }
        return r
    }

    /// Inserts or merges one window, keeping `windows` sorted by start.
    public static func merge(_ window: WindowAggregate, into windows: inout [WindowAggregate]) {
        if let last = windows.last, last.start == window.start {
            windows[windows.count - 1].merge(window)
        } else if windows.last.map({ $0.start < window.start }) ?? true {
            windows.append(window)
        } else if let index = windows.firstIndex(where: { $0.start >= window.start }) {
            if windows[index].start == window.start { windows[index].merge(window) } else { windows.insert(window, at: index) }
        }
    }
}
