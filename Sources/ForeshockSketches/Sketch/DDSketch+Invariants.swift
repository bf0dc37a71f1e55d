extension DenseStore {
    /// Checks the store's invariants (debug builds only): the window fits the bucket limit and
    /// lies inside the mapping's index range.
    func _checkInvariants(indexRange: ClosedRange<Int>) {
        #if DEBUG
        precondition(counts.count <= maxBuckets, "window of \(counts.count) slots exceeds \(maxBuckets)")
        if let range = nonEmptyRange {
            precondition(range.count <= maxBuckets, "non-empty span \(range) exceeds \(maxBuckets)")
            precondition(indexRange.contains(range.lowerBound) && indexRange.contains(range.upperBound),
                         "buckets \(range) outside the mapping's indices \(indexRange)")
        }
        #endif
    }
}

extension DDSketch {
    /// Checks the sketch's invariants (debug builds only): the counts add up, the extremes are
    /// consistent, both stores are within their limits.
    func _checkInvariants() {
        #if DEBUG
        positive._checkInvariants(indexRange: mapping.indexRange)
        negative._checkInvariants(indexRange: mapping.indexRange)
        precondition(positive.totalCount &+ negative.totalCount &+ _zeroCount == _count,
                     "bucket counts do not add up to count \(_count)")
        if _count == 0 {
            precondition(_minimum == .infinity && _maximum == -.infinity, "empty sketch with extremes")
        } else {
            precondition(_minimum.isFinite && _maximum.isFinite && _minimum <= _maximum, "bad extremes")
        }
        #endif
    }
}
