/// Tuning of a ``Store``. The defaults suit minute-level operational metrics.
public struct StoreConfiguration: Sendable, Codable, Equatable {
    /// A head buffer is sealed into a block when it holds this many points. Blocks of 4–16k
    /// points cost < 1 % more bytes than one block per series on NAB; 1k-point blocks 6–10 %.
    public var blockCapacity: Int = 8192
    /// …or when it spans this many milliseconds (default 366 days). The point count is what
    /// bounds a head's memory; a short span only multiplies small blocks of slow series
    /// (7 days cost NAB 6 % more bytes).
    public var maxBlockSpan: Int64 = 366 * 86_400_000
    /// How hard the block encoder searches for a smaller encoding.
    public var encodingEffort: EncodingEffort = .fast
    /// When the write-ahead log grows past this many bytes, ``Store/flush()`` rewrites it to
    /// hold only the series catalog and the unsealed heads.
    public var walCheckpointBytes: Int = 64 << 20
    /// Write-ahead-log bytes buffered in memory before an append writes them out (unsynced);
    /// bounds the memory appends can hold between flushes.
    public var walBufferBytes: Int = 8 << 20

    public init(blockCapacity: Int = 8192, maxBlockSpan: Int64 = 366 * 86_400_000, encodingEffort: EncodingEffort = .fast,
                walCheckpointBytes: Int = 64 << 20, walBufferBytes: Int = 8 << 20) {
        self.blockCapacity = max(1, min(blockCapacity, BlockFormat.maxPoints))
        self.maxBlockSpan = max(1, maxBlockSpan)
        self.encodingEffort = encodingEffort
        self.walCheckpointBytes = walCheckpointBytes
        self.walBufferBytes = walBufferBytes
    }
}
