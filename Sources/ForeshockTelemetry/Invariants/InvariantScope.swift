/// What a compiled rule sees besides the span it checks: the span's direct children and,
/// optionally, where the attributes the rule reads sit among the span's attributes.
///
/// The slots let a caller that checks many rules on a span find each attribute once, in one pass
/// over the span's attributes, instead of once per rule and reference (see
/// ``SpanInvariantAggregator``); without them, each reference scans the attributes.
struct InvariantScope {
    /// The batch positions of the span's direct children (none inside an aggregate's body:
    /// aggregates do not nest).
    var children: UnsafeBufferPointer<Int32>
    /// Per key of the program's ``InvariantProgram/spanKeys``: the index of the span's first
    /// attribute with that key, or -1 when it has none; nil to look attributes up by scanning.
    var slots: UnsafePointer<Int32>?

    /// The scope of a child inside an aggregate (`count`, `sum`, `any`, `all`): no children, no slots.
    static var child: InvariantScope { InvariantScope(children: UnsafeBufferPointer(start: nil, count: 0), slots: nil) }
}
