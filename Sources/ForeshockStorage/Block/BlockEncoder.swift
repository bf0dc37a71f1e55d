/// Encodes one series' points into an immutable column block (format in `docs/FORMAT.md`).
///
/// Timestamps are Int64 milliseconds since the Unix epoch and must be strictly increasing;
/// values are any Float64 and round-trip bit-exactly. The encoder picks the timestamp and
/// value codecs per block (see ``TimestampCodec`` and ``ValueCodec``).
///
/// Holds a zstd context and scratch buffers that are reused across calls: not thread-safe,
/// use one encoder per thread or task.
public final class BlockEncoder {
    /// Compresses the streams that are stored.
    let compressor: ZstdCompressor
    /// Compresses the prefixes on which candidate layouts are compared (the same context
    /// when the effort uses one level for both).
    let trialCompressor: ZstdCompressor
    let effort: EncodingEffort
    var planeScratch: [UInt8] = []

    /// - Parameters:
    ///   - effort: the encode-speed / size trade-off (default ``EncodingEffort/fast``).
    ///   - zstdLevel: overrides the effort's zstd levels, for the column streams and the trials.
    public init(effort: EncodingEffort = .fast, zstdLevel: Int32? = nil) throws {
        self.effort = effort
        let level = zstdLevel ?? effort.zstdLevel
        let trialLevel = zstdLevel ?? effort.trialZstdLevel
        do {
            compressor = try ZstdCompressor(level: level)
            trialCompressor = trialLevel == level ? compressor : try ZstdCompressor(level: trialLevel)
        } catch { throw StorageError.zstd(error) }
    }

    /// Encodes `timestamps` and `values` (same length, 1...``BlockFormat/maxPoints``).
    /// - Throws: ``StorageError/invalidArgument(_:)`` for mismatched lengths, an empty or
    ///   oversized block, or timestamps that are not strictly increasing.
    /// - Complexity: O(n) plus zstd's compression time.
    public func encode(seriesID: UInt64, timestamps: UnsafeBufferPointer<Int64>,
                       values: UnsafeBufferPointer<Double>) throws -> [UInt8] {
        guard timestamps.count == values.count else {
            throw StorageError.invalidArgument("\(timestamps.count) timestamps but \(values.count) values")
        }
        var nanCount = 0
        var minimum = Double.infinity, maximum = -Double.infinity, sum = 0.0
        for v in values {
            if v.isNaN { nanCount += 1; continue }
            if v < minimum { minimum = v }
            if v > maximum { maximum = v }
            sum += v
        }
        let statistics = HeaderStatistics(nanCount: nanCount, minimum: minimum, maximum: maximum, sum: sum,
                                          first: values.first ?? 0, last: values.last ?? 0)
        return try writeBlock(seriesID: seriesID, timestamps: timestamps, statistics: statistics) { writer in
            try encodeValues(values, to: &writer)
        }
    }

    /// Encodes a payload block: one opaque byte string per timestamp (each at most
    /// ``BlockFormat/maxPayloadBytes``), e.g. a serialized sketch per time window. The header's
    /// value statistics are zero; the payloads are a length stream and a bytes stream.
    /// - Throws: as ``encode(seriesID:timestamps:values:)``, and for an oversized payload.
    public func encode(seriesID: UInt64, timestamps: UnsafeBufferPointer<Int64>, payloads: [[UInt8]]) throws -> [UInt8] {
        guard timestamps.count == payloads.count else {
            throw StorageError.invalidArgument("\(timestamps.count) timestamps but \(payloads.count) payloads")
        }
        if let large = payloads.first(where: { $0.count > BlockFormat.maxPayloadBytes }) {
            throw StorageError.invalidArgument("a payload of \(large.count) bytes (limit \(BlockFormat.maxPayloadBytes))")
        }
        let statistics = HeaderStatistics(nanCount: 0, minimum: 0, maximum: 0, sum: 0, first: 0, last: 0)
        return try writeBlock(seriesID: seriesID, timestamps: timestamps, statistics: statistics) { writer in
            try PayloadCodec.encode(payloads, to: &writer, compressor: compressor)
            return .payload
        }
    }

    /// The value statistics a block header carries.
    struct HeaderStatistics {
        var nanCount: Int
        var minimum, maximum, sum, first, last: Double
    }

    /// Writes header, timestamp column, the value section `writeValues` produces, and the CRC.
    private func writeBlock(seriesID: UInt64, timestamps: UnsafeBufferPointer<Int64>, statistics: HeaderStatistics,
                            writeValues: (inout ByteWriter) throws -> ValueCodec) throws -> [UInt8] {
        let n = timestamps.count
        guard n >= 1, n <= BlockFormat.maxPoints else {
            throw StorageError.invalidArgument("a block holds 1...\(BlockFormat.maxPoints) points, got \(n)")
        }
        for i in 1..<max(1, n) {
            let (gap, overflow) = timestamps[i].subtractingReportingOverflow(timestamps[i - 1])
            guard !overflow, gap > 0 else {
                throw StorageError.invalidArgument("timestamps must be strictly increasing: \(timestamps[i - 1]) then \(timestamps[i]) at index \(i)")
            }
        }
        var writer = ByteWriter(capacity: 2 * n + 256)
        writer.write(contentsOf: BlockFormat.magic)
        writer.write(BlockFormat.version)
        let codecOffset = writer.count
        writer.write(UInt8(0))  // timestamp codec, patched below
        writer.write(UInt8(0))  // value codec, patched below
        writer.write(UInt8(0))  // flags
        writer.write(littleEndian: UInt32(n))
        writer.write(littleEndian: UInt32(statistics.nanCount))
        writer.write(littleEndian: seriesID)
        writer.write(littleEndian: timestamps[0])
        writer.write(littleEndian: timestamps[n - 1])
        writer.writeDouble(statistics.minimum)
        writer.writeDouble(statistics.maximum)
        writer.writeDouble(statistics.sum)
        writer.writeDouble(statistics.first)
        writer.writeDouble(statistics.last)
        let lengthOffset = writer.count
        writer.write(littleEndian: UInt32(0))  // total length, patched below
        writer.write(littleEndian: UInt32(0))  // timestamp section length, patched below

        let timestampStart = writer.count
        let timestampCodec = try TimestampCodec.encode(timestamps, to: &writer, compressor: compressor)
        let timestampLength = writer.count - timestampStart
        let valueCodec = try writeValues(&writer)
        guard writer.count + BlockFormat.checksumSize <= BlockFormat.maxBlockBytes else {
            throw StorageError.invalidArgument("block of \(writer.count) bytes exceeds \(BlockFormat.maxBlockBytes)")
        }

        writer.patch(littleEndian: timestampCodec.rawValue, at: codecOffset)
        writer.patch(littleEndian: valueCodec.rawValue, at: codecOffset + 1)
        writer.patch(littleEndian: UInt32(writer.count + BlockFormat.checksumSize), at: lengthOffset)
        writer.patch(littleEndian: UInt32(timestampLength), at: lengthOffset + 4)
        let crc = writer.bytes.withUnsafeBytes { CRC32C.checksum($0) }
        writer.write(littleEndian: crc)
        return writer.bytes
    }

    /// Array convenience for ``encode(seriesID:timestamps:values:)``.
    public func encode(seriesID: UInt64, timestamps: [Int64], values: [Double]) throws -> [UInt8] {
        try timestamps.withUnsafeBufferPointer { (t) throws in
            try values.withUnsafeBufferPointer { (v) throws in
                try encode(seriesID: seriesID, timestamps: t, values: v)
            }
        }
    }

    /// Writes the value column with the best codec and returns its id.
    private func encodeValues(_ values: UnsafeBufferPointer<Double>, to writer: inout ByteWriter) throws -> ValueCodec {
        let (codec, bytes) = try encodeColumn(values, allowDictionary: true)
        writer.write(contentsOf: bytes)
        return codec
    }

    /// Encodes a value column with each promising codec and returns the smallest encoding.
    func encodeColumn(_ values: UnsafeBufferPointer<Double>, allowDictionary: Bool) throws -> (ValueCodec, [UInt8]) {
        let (exponent, nearShare) = DecimalValueCodec.chooseExponent(values)
        var decimal = ByteWriter()
        try DecimalValueCodec.encode(values, exponent: exponent, to: &decimal, encoder: self)
        var best = (codec: ValueCodec.decimal, bytes: decimal.bytes)
        if nearShare < ValueCodec.decimalConfidence {
            var split = ByteWriter()
            try ByteStreamSplitCodec.encode(values, to: &split, encoder: self)
            if split.count < best.bytes.count { best = (.byteStreamSplit, split.bytes) }
            var xor = ByteWriter()
            try XORValueCodec.encode(values, to: &xor, compressor: compressor)
            if xor.count < best.bytes.count { best = (.xor, xor.bytes) }
        }
        if allowDictionary, let (entries, ranks) = DictionaryValueCodec.distinctValues(values) {
            var dictionary = ByteWriter()
            try DictionaryValueCodec.encode(values, entries: entries, ranks: ranks, to: &dictionary, encoder: self)
            if dictionary.count < best.bytes.count { best = (.dictionary, dictionary.bytes) }
        }
        return best
    }
}
