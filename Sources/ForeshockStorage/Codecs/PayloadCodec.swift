/// The value section of a payload block: one opaque byte string per point (a serialized
/// sketch per window, say).
///
/// Layout: a ``ColumnStream`` of `count` varint lengths, then a ``ColumnStream`` of the
/// payloads concatenated. Each payload is at most ``BlockFormat/maxPayloadBytes``.
enum PayloadCodec {
    static func encode(_ payloads: [[UInt8]], to writer: inout ByteWriter, compressor: ZstdCompressor) throws {
        var lengths: [UInt8] = []
        payloads.map { UInt64($0.count) }.withUnsafeBufferPointer { appendVarints($0, to: &lengths) }
        try ColumnStream.write(lengths, to: &writer, compressor: compressor)
        try ColumnStream.write(payloads.flatMap { $0 }, to: &writer, compressor: compressor)
    }

    static func decode(_ reader: inout ByteReader, count n: Int, decoder: BlockDecoder) throws -> [[UInt8]] {
        let start = reader.absolutePosition
        let lengthBytes = try ColumnStream.read(&reader, "payload lengths", limit: 10 * n,
                                                scratch: decoder.streamScratch, decompressor: decoder.decompressor)
        let lengths = decoder.words(n)
        try decodeVarints(lengthBytes, into: lengths, "payload lengths", offset: start)
        var total = 0
        for length in lengths {
            guard length <= UInt64(BlockFormat.maxPayloadBytes) else {
                throw StorageError.corrupt(what: "payload length \(length)", offset: start)
            }
            total += Int(length)
        }
        guard total <= BlockFormat.maxBlockBytes else { throw StorageError.corrupt(what: "payloads of \(total) bytes", offset: start) }
        let sizes = Array(lengths).map(Int.init)  // copied: the next stream reuses the scratch words
        let bytes = try ColumnStream.read(&reader, "payload bytes", expectedLength: total, limit: total,
                                          scratch: decoder.streamScratch, decompressor: decoder.decompressor)
        var payloads: [[UInt8]] = []
        payloads.reserveCapacity(n)
        var offset = 0
        for size in sizes {
            payloads.append(Array(bytes[offset..<(offset + size)]))
            offset += size
        }
        return payloads
    }
}
