/// Byte-stream-split of the raw Float64 bit patterns (Apache Parquet's `BYTE_STREAM_SPLIT`):
/// eight byte planes, each stored as its own ``ColumnStream``. The fallback for values with no
/// decimal structure: sign/exponent planes compress, random mantissa planes stay raw.
///
/// Layout: `u8 width` (planes present; the rest are zero) · `width` plane streams.
enum ByteStreamSplitCodec {
    static func encode(_ values: UnsafeBufferPointer<Double>, to writer: inout ByteWriter,
                       encoder: BlockEncoder) throws {
        try values.withMemoryRebound(to: UInt64.self) { (words) throws in
            let width = BytePlanes.width(words)
            writer.write(UInt8(width))
            try BytePlanes.write(words, width: width, to: &writer, compressor: encoder.compressor, scratch: &encoder.planeScratch)
        }
    }

    static func decode(_ reader: inout ByteReader, into output: UnsafeMutableBufferPointer<Double>,
                       decoder: BlockDecoder) throws {
        let start = reader.absolutePosition
        let width = Int(try reader.readByte("byte-split width"))
        guard width <= 8 else { throw StorageError.corrupt(what: "byte-split width \(width)", offset: start) }
        try output.withMemoryRebound(to: UInt64.self) { (words) throws in
            try BytePlanes.read(&reader, width: width, into: words, "byte-split", scratch: decoder.streamScratch,
                                decompressor: decoder.decompressor)
        }
    }
}
