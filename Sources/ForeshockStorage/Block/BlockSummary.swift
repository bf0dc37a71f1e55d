/// What a block's header says about it: enough to answer count/sum/min/max/first/last and
/// time-range questions without decoding the columns.
///
/// `minimum`, `maximum` and `sum` are taken over the non-NaN values (`sum` may be ±Inf);
/// with no non-NaN value, `minimum` is +Inf, `maximum` −Inf and `sum` 0.
public struct BlockSummary: Sendable, Equatable, Hashable {
    public var seriesID: UInt64
    public var count: Int
    public var nanCount: Int
    public var firstTimestamp: Int64
    public var lastTimestamp: Int64
    public var minimum: Double
    public var maximum: Double
    public var sum: Double
    public var firstValue: Double
    public var lastValue: Double
    public var timestampCodec: TimestampCodec
    public var valueCodec: ValueCodec
    /// Total encoded size of the block in bytes, header and checksum included.
    public var byteCount: Int

    /// Number of non-NaN values, the count that aggregates use.
    public var valueCount: Int { count - nanCount }

    public static func == (a: BlockSummary, b: BlockSummary) -> Bool {
        a.seriesID == b.seriesID && a.count == b.count && a.nanCount == b.nanCount
            && a.firstTimestamp == b.firstTimestamp && a.lastTimestamp == b.lastTimestamp
            && a.minimum.bitPattern == b.minimum.bitPattern && a.maximum.bitPattern == b.maximum.bitPattern
            && a.sum.bitPattern == b.sum.bitPattern && a.firstValue.bitPattern == b.firstValue.bitPattern
            && a.lastValue.bitPattern == b.lastValue.bitPattern && a.timestampCodec == b.timestampCodec
            && a.valueCodec == b.valueCodec && a.byteCount == b.byteCount
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seriesID)
        hasher.combine(firstTimestamp)
        hasher.combine(count)
    }
}
