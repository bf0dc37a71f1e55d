extension DDSketch {
    /// Counts one value.
    ///
    /// NaN is ignored (counted in ``nanCount``), ±Inf rejected (counted in ``infinityCount``),
    /// magnitudes below 2.2e-308 counted as zero.
    ///
    /// - Complexity: amortised O(1): one index computation and one increment.
    @inlinable
    public mutating func add(_ value: Double) {
        let magnitude = value.magnitude
        if magnitude >= IndexMapping.minIndexableValue && magnitude <= IndexMapping.maxIndexableValue {
            let index = mapping.index(magnitude)
            if value > 0 { positive.add(index: index) } else { negative.add(index: index) }
        } else if magnitude < IndexMapping.minIndexableValue {
            _zeroCount &+= 1
        } else {
            if value.isNaN { _nanCount &+= 1 } else { _infinityCount &+= 1 }
            return
        }
        _count &+= 1
        _sum += value
        if value < _minimum { _minimum = value }
        if value > _maximum { _maximum = value }
    }

    /// Counts `value` `count` times (the sum grows by `value · count`).
    ///
    /// - Complexity: amortised O(1).
    public mutating func add(_ value: Double, count: UInt64) {
        guard count > 0 else { return }
        let magnitude = value.magnitude
        if magnitude >= IndexMapping.minIndexableValue && magnitude <= IndexMapping.maxIndexableValue {
            let index = mapping.index(magnitude)
            if value > 0 {
                positive.add(index: index, count: count)
            } else {
                negative.add(index: index, count: count)
            }
        } else if magnitude < IndexMapping.minIndexableValue {
            _zeroCount &+= count
        } else {
            if value.isNaN { _nanCount &+= count } else { _infinityCount &+= count }
            return
        }
        _count &+= count
        _sum += value * Double(count)
        if value < _minimum { _minimum = value }
        if value > _maximum { _maximum = value }
    }
}
