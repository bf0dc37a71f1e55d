extension DDSketch {
    /// Adds every value of `other` to this sketch.
    ///
    /// Exact: the buckets, counts, extremes and special-value counts are those of a sketch of the
    /// union of both inputs (the paper's full mergeability), including after collapsing, as long
    /// as `other` has not collapsed with a smaller bucket limit than this sketch's. ``sum`` is the
    /// floating-point sum of both sums. Merging is therefore commutative and associative (up to
    /// the last bits of ``sum``).
    ///
    /// - Throws: ``SketchError/incompatible(_:)`` when the mappings differ (their buckets do not
    ///   line up).
    /// - Complexity: O(bucket slots of both sketches).
    public mutating func merge(_ other: DDSketch) throws(SketchError) {
        guard other.mapping == mapping else {
            throw .incompatible("cannot merge a sketch with mapping \(other.mapping) into one with \(mapping)")
        }
        mergeUnchecked(other)
    }

    /// Merges a sketch known to have the same mapping.
    mutating func mergeUnchecked(_ other: DDSketch) {
        positive.merge(other.positive)
        negative.merge(other.negative)
        _zeroCount &+= other._zeroCount
        _count &+= other._count
        _sum += other._sum
        _nanCount &+= other._nanCount
        _infinityCount &+= other._infinityCount
        if other._minimum < _minimum { _minimum = other._minimum }
        if other._maximum > _maximum { _maximum = other._maximum }
    }

    /// The merge of all `sketches` (with `prototype`'s mapping and bucket limit when `sketches`
    /// is empty).
    ///
    /// - Throws: ``SketchError/incompatible(_:)`` when the mappings differ.
    /// - Complexity: O(total bucket slots).
    public static func merged(_ sketches: some Sequence<DDSketch>, prototype: DDSketch? = nil) throws(SketchError) -> DDSketch? {
        var result = prototype?.emptyCopy()
        for sketch in sketches {
            if result == nil {
                result = sketch
            } else {
                try result!.merge(sketch)
            }
        }
        return result
    }
}
