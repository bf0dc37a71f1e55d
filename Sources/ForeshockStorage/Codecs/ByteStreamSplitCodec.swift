/// Byte-stream-split of the raw Float64 bit patterns (Apache Parquet's `BYTE_STREAM_SPLIT`):
/// eight byte planes, each stored as its own ``ColumnStream``. The fallback for values with no
/// decimal structure: sign/exponent planes compress, random mantissa planes stay raw.
///
/// Layout: ``BytePlanes`` of the bit patterns.
enum ByteStreamSplitCodec {
    static func encode(_ values: UnsafeBufferPointer<Double>, to writer: inout ByteWriter,
                       encoder: BlockEncoder) throws {
        try values.withMemoryRebound(to: UInt64.self) { (words) throws in
            try BytePlanes.write(words, to: &writer, encoder: encoder)
        }
    }

    static func decode(_ reader: inout ByteReader, into output: UnsafeMutableBufferPointer<Double>,
                       decoder: BlockDecoder) throws {
        _ = try output.withMemoryRebound(to: UInt64.self) { (words) throws in
            try BytePlanes.read(&reader, into: words, "byte-split", scratch: decoder.streamScratch,
                                decompressor: decoder.decompressor)
        }
    }
}
