extension DDSketch {
    /// The estimate of the `q`-quantile: within `α · |x|` of the value `x` of rank
    /// `⌊q · (count − 1)⌋` (0-based) of the counted values; `nil` when the sketch is empty.
    ///
    /// `quantile(0)` is ``minimum`` and `quantile(1)` is ``maximum`` exactly (estimates are
    /// clamped to them).
    ///
    /// - Precondition: `0 ≤ q ≤ 1`.
    /// - Complexity: O(number of bucket slots), a few thousand additions at most.
    public func quantile(_ q: Double) -> Double? {
        precondition(q >= 0 && q <= 1, "quantile must be in [0, 1], got \(q)")
        return quantiles([q])?[0]
    }

    /// The estimates of several quantiles in one walk over the buckets (in the order given).
    ///
    /// - Precondition: every `q` in `[0, 1]`.
    /// - Complexity: O(number of bucket slots + k log k) for k quantiles.
    public func quantiles(_ qs: [Double]) -> [Double]? {
        guard _count > 0 else { return nil }
        precondition(qs.allSatisfy { $0 >= 0 && $0 <= 1 }, "quantiles must be in [0, 1]")
        // Ranks in increasing order, remembering where each answer goes.
        var answers = [Double](repeating: _maximum, count: qs.count)
        // The extremes are exact: rank 0 is the minimum, rank count − 1 the maximum.
        let targets = qs.indices.compactMap { slot -> (rank: UInt64, slot: Int)? in
            let rank = rank(ofQuantile: qs[slot])
            if rank == 0 { answers[slot] = _minimum; return nil }
            if rank == _count - 1 { answers[slot] = _maximum; return nil }
            return (rank, slot)
        }.sorted { $0.rank < $1.rank }
        guard !targets.isEmpty else { return answers }
        var next = 0
        var cumulative: UInt64 = 0
        func answer(upTo cumulative: UInt64, value: @autoclosure () -> Double) {
            guard next < targets.count, targets[next].rank < cumulative else { return }
            let estimate = Swift.min(Swift.max(value(), _minimum), _maximum)
            while next < targets.count && targets[next].rank < cumulative {
                answers[targets[next].slot] = estimate
                next += 1
            }
        }
        // Negative values: largest magnitude first.
        if let range = negative.nonEmptyRange {
            for index in range.reversed() {
                let c = negative[index]
                guard c > 0 else { continue }
                cumulative &+= c
                answer(upTo: cumulative, value: -mapping.value(forIndex: index))
                if next == targets.count { return answers }
            }
        }
        cumulative &+= _zeroCount
        answer(upTo: cumulative, value: 0)
        if let range = positive.nonEmptyRange {
            for index in range {
                let c = positive[index]
                guard c > 0 else { continue }
                cumulative &+= c
                answer(upTo: cumulative, value: mapping.value(forIndex: index))
                if next == targets.count { return answers }
            }
        }
        return answers  // unreachable for consistent counts; the maximum otherwise
    }

    /// `⌊q · (count − 1)⌋`, computed without losing integer precision for large counts.
    private func rank(ofQuantile q: Double) -> UInt64 {
        let product = q * Double(_count - 1)
        if product >= 18_446_744_073_709_549_568 { return _count - 1 }
        return Swift.min(UInt64(product.rounded(.down)), _count - 1)
    }

    /// The number of counted values `≤ value`, up to the count of the bucket that holds `value`
    /// (values within a factor γ of it): the whole bucket is counted. Exact below the minimum and
    /// from the maximum on.
    ///
    /// - Complexity: O(number of bucket slots).
    public func rank(of value: Double) -> UInt64 {
        guard _count > 0, !value.isNaN else { return 0 }
        if value >= _maximum { return _count }
        if value < _minimum { return 0 }
        var total: UInt64 = 0
        let magnitude = value.magnitude
        let indexable = magnitude >= IndexMapping.minIndexableValue
        if value < 0 {
            // Negative buckets whose magnitude is at least |value|'s bucket.
            let bound = indexable ? mapping.index(Swift.min(magnitude, IndexMapping.maxIndexableValue)) : Int.min
            for (index, c) in negative.buckets where index >= bound { total &+= c }
            return total
        }
        for (_, c) in negative.buckets { total &+= c }
        total &+= _zeroCount
        guard indexable else { return total }
        let bound = mapping.index(Swift.min(magnitude, IndexMapping.maxIndexableValue))
        for (index, c) in positive.buckets where index <= bound { total &+= c }
        return total
    }
}
