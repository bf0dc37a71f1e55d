/// Decodes column blocks written by ``BlockEncoder``.
///
/// Every length, count and codec id is checked before it is used: corrupt, truncated or
/// hostile bytes produce a ``StorageError`` naming the field and byte offset, never a trap
/// and never an allocation larger than ``BlockFormat/maxPoints`` points.
///
/// Holds a zstd context and scratch buffers reused across calls (decoding allocates nothing
/// once they have grown): not thread-safe, use one decoder per thread or task.
public final class BlockDecoder {
    let decompressor: ZstdDecompressor
    let streamScratch = ScratchBuffer()
    private let wordScratch = ScratchBuffer()

    public init() throws {
        do { decompressor = try ZstdDecompressor() } catch { throw StorageError.zstd(error) }
    }

    /// A scratch array of `n` words, valid until the next call.
    func words(_ n: Int) -> UnsafeMutableBufferPointer<UInt64> {
        wordScratch.reserve(n * 8).bindMemory(to: UInt64.self)
    }

    /// Reads and validates a block header without decoding the columns or checking the CRC.
    ///
    /// - Parameter baseOffset: where `bytes` starts in its file, for error offsets.
    /// - Returns: the summary; `byteCount` is the block's total length, which may be less than
    ///   `bytes.count` when `bytes` continues past the block.
    public static func summary(of bytes: UnsafeRawBufferPointer, baseOffset: Int = 0) throws -> BlockSummary {
        var reader = ByteReader(bytes, baseOffset: baseOffset)
        let magic = try reader.readBytes(4, "block magic")
        guard magic.elementsEqual(BlockFormat.magic) else {
            throw StorageError.corrupt(what: "block magic \(Array(magic))", offset: baseOffset)
        }
        let version = try reader.readByte("block version")
        guard version >= 1, version <= BlockFormat.version else {
            throw StorageError.unsupportedVersion(what: "block at byte \(baseOffset)", found: Int(version), supported: Int(BlockFormat.version))
        }
        let timestampCodecID = try reader.readByte("timestamp codec")
        guard let timestampCodec = TimestampCodec(rawValue: timestampCodecID) else {
            throw StorageError.unknownCodec(what: "timestamp", id: Int(timestampCodecID))
        }
        let valueCodecID = try reader.readByte("value codec")
        guard let valueCodec = ValueCodec(rawValue: valueCodecID) else {
            throw StorageError.unknownCodec(what: "value", id: Int(valueCodecID))
        }
        _ = try reader.readByte("block flags")
        let countOffset = reader.absolutePosition
        let count = Int(try reader.read(UInt32.self, "point count"))
        guard count >= 1, count <= BlockFormat.maxPoints else {
            throw StorageError.corrupt(what: "point count \(count)", offset: countOffset)
        }
        let nanCount = Int(try reader.read(UInt32.self, "NaN count"))
        guard nanCount <= count else { throw StorageError.corrupt(what: "NaN count \(nanCount) > \(count)", offset: countOffset + 4) }
        let seriesID = try reader.read(UInt64.self, "series id")
        let first = try reader.read(Int64.self, "first timestamp")
        let last = try reader.read(Int64.self, "last timestamp")
        guard first <= last, count == 1 ? first == last : first < last else {
            throw StorageError.corrupt(what: "time range \(first)...\(last) for \(count) points", offset: baseOffset + 24)
        }
        let minimum = try reader.readDouble("minimum")
        let maximum = try reader.readDouble("maximum")
        let sum = try reader.readDouble("sum")
        let firstValue = try reader.readDouble("first value")
        let lastValue = try reader.readDouble("last value")
        let lengthOffset = reader.absolutePosition
        let total = Int(try reader.read(UInt32.self, "block length"))
        let timestampLength = Int(try reader.read(UInt32.self, "timestamp section length"))
        guard total >= BlockFormat.headerSize + BlockFormat.checksumSize, total <= BlockFormat.maxBlockBytes,
              timestampLength <= total - BlockFormat.headerSize - BlockFormat.checksumSize else {
            throw StorageError.corrupt(what: "block length \(total) / timestamp section \(timestampLength)", offset: lengthOffset)
        }
        guard total <= bytes.count else {
            throw StorageError.truncated(what: "block of \(total) bytes (\(bytes.count) present)", offset: baseOffset)
        }
        return BlockSummary(seriesID: seriesID, count: count, nanCount: nanCount, firstTimestamp: first,
                            lastTimestamp: last, minimum: minimum, maximum: maximum, sum: sum,
                            firstValue: firstValue, lastValue: lastValue, timestampCodec: timestampCodec,
                            valueCodec: valueCodec, byteCount: total)
    }

    /// Checks the block's CRC-32C.
    public static func verifyChecksum(of bytes: UnsafeRawBufferPointer, summary: BlockSummary, baseOffset: Int = 0) throws {
        let body = UnsafeRawBufferPointer(rebasing: bytes[0..<(summary.byteCount - BlockFormat.checksumSize)])
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: body.count, as: UInt32.self))
        let computed = CRC32C.checksum(body)
        guard stored == computed else {
            throw StorageError.checksumMismatch(what: "block", offset: baseOffset, stored: stored, computed: computed)
        }
    }

    /// Decodes a block into caller-provided buffers of at least the block's point count.
    ///
    /// - Parameters:
    ///   - bytes: starts with the block; may continue past it.
    ///   - verifyChecksum: check the CRC-32C first (default). Skip only for bytes already
    ///     verified since they were read from storage.
    /// - Returns: the block's summary (`count` points were written).
    /// - Complexity: O(n) plus zstd's decompression time.
    @discardableResult
    public func decode(_ bytes: UnsafeRawBufferPointer, baseOffset: Int = 0, verifyChecksum: Bool = true,
                       timestamps: UnsafeMutableBufferPointer<Int64>, values: UnsafeMutableBufferPointer<Double>) throws -> BlockSummary {
        let (summary, valueSection) = try decodeHeaderAndTimestamps(bytes, baseOffset: baseOffset, verifyChecksum: verifyChecksum,
                                                                    timestamps: timestamps, valueCapacity: values.count)
        var valueReader = valueSection
        try summary.valueCodec.decode(&valueReader, into: UnsafeMutableBufferPointer(rebasing: values[0..<summary.count]), decoder: self)
        guard valueReader.remaining == 0 else {
            throw StorageError.corrupt(what: "\(valueReader.remaining) bytes after the value column", offset: valueReader.absolutePosition)
        }
        return summary
    }

    /// Decodes a payload block (see ``BlockEncoder/encode(seriesID:timestamps:payloads:)``).
    /// - Throws: ``StorageError/invalidArgument(_:)`` for a block of numbers; otherwise as
    ///   ``decode(_:baseOffset:verifyChecksum:timestamps:values:)``.
    public func decodePayloads(_ bytes: [UInt8], baseOffset: Int = 0, verifyChecksum: Bool = true) throws -> (timestamps: [Int64], payloads: [[UInt8]]) {
        try bytes.withUnsafeBytes { raw in
            let summary = try Self.summary(of: raw, baseOffset: baseOffset)
            guard summary.valueCodec == .payload else {
                throw StorageError.invalidArgument("block holds numbers (value codec \(summary.valueCodec)), not payloads")
            }
            var timestamps = [Int64](repeating: 0, count: summary.count)
            let valueSection = try timestamps.withUnsafeMutableBufferPointer { t in
                try decodeHeaderAndTimestamps(raw, baseOffset: baseOffset, verifyChecksum: verifyChecksum, timestamps: t,
                                              valueCapacity: summary.count).valueSection
            }
            var reader = valueSection
            let payloads = try PayloadCodec.decode(&reader, count: summary.count, decoder: self)
            guard reader.remaining == 0 else {
                throw StorageError.corrupt(what: "\(reader.remaining) bytes after the payloads", offset: reader.absolutePosition)
            }
            return (timestamps, payloads)
        }
    }

    /// Checks the header (and CRC), decodes the timestamps, and returns a reader over the
    /// value section.
    private func decodeHeaderAndTimestamps(_ bytes: UnsafeRawBufferPointer, baseOffset: Int, verifyChecksum: Bool,
                                           timestamps: UnsafeMutableBufferPointer<Int64>, valueCapacity: Int) throws -> (summary: BlockSummary, valueSection: ByteReader) {
        let summary = try Self.summary(of: bytes, baseOffset: baseOffset)
        if verifyChecksum { try Self.verifyChecksum(of: bytes, summary: summary, baseOffset: baseOffset) }
        let n = summary.count
        guard timestamps.count >= n, valueCapacity >= n else {
            throw StorageError.invalidArgument("output buffers hold \(min(timestamps.count, valueCapacity)) points, block has \(n)")
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[BlockFormat.headerSize..<(summary.byteCount - BlockFormat.checksumSize)])
        let headerEnd = baseOffset + BlockFormat.headerSize
        let timestampLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 84, as: UInt32.self)))
        var timestampReader = ByteReader(UnsafeRawBufferPointer(rebasing: body[0..<timestampLength]), baseOffset: headerEnd)
        try summary.timestampCodec.decode(&timestampReader, first: summary.firstTimestamp, last: summary.lastTimestamp,
                                          into: UnsafeMutableBufferPointer(rebasing: timestamps[0..<n]),
                                          scratch: streamScratch, words: words(n), decompressor: decompressor)
        guard timestampReader.remaining == 0 else {
            throw StorageError.corrupt(what: "\(timestampReader.remaining) bytes after the timestamp column", offset: timestampReader.absolutePosition)
        }
        return (summary, ByteReader(UnsafeRawBufferPointer(rebasing: body[timestampLength...]), baseOffset: headerEnd + timestampLength))
    }

    /// Decodes a block and appends its points to `timestamps` and `values`.
    @discardableResult
    public func decode(_ bytes: [UInt8], baseOffset: Int = 0, verifyChecksum: Bool = true,
                       appendingTo timestamps: inout [Int64], _ values: inout [Double]) throws -> BlockSummary {
        try bytes.withUnsafeBytes { (raw) throws in
            let summary = try Self.summary(of: raw, baseOffset: baseOffset)
            let start = timestamps.count
            timestamps.append(contentsOf: repeatElement(0, count: summary.count))
            values.append(contentsOf: repeatElement(0, count: summary.count))
            do {
                _ = try timestamps.withUnsafeMutableBufferPointer { (t) throws in
                    try values.withUnsafeMutableBufferPointer { (v) throws in
                        try decode(raw, baseOffset: baseOffset, verifyChecksum: verifyChecksum,
                                   timestamps: UnsafeMutableBufferPointer(rebasing: t[start...]),
                                   values: UnsafeMutableBufferPointer(rebasing: v[start...]))
                    }
                }
            } catch {
                timestamps.removeLast(summary.count)
                values.removeLast(summary.count)
                throw error
            }
            return summary
        }
    }
}
