/// Byte-plane transposition of 64-bit words: plane k holds byte k (little-endian) of every
/// word. Grouping bytes of equal significance lets the entropy coder model each plane on its
/// own (high planes are nearly constant, low planes of noisy data are random), which is the
/// "byte stream split" encoding of Apache Parquet.
enum BytePlanes {
    /// The number of low-order bytes needed to hold every word (0 if all are zero).
    static func width(_ words: UnsafeBufferPointer<UInt64>) -> Int {
        var union: UInt64 = 0
        for w in words { union |= w }
        return (64 - union.leadingZeroBitCount + 7) / 8
    }

    /// Writes planes `0..<width` of `words` as ``ColumnStream``s.
    static func write(_ words: UnsafeBufferPointer<UInt64>, width: Int, to writer: inout ByteWriter,
                      compressor: ZstdCompressor, scratch: inout [UInt8]) throws {
        let n = words.count
        if scratch.count < n { scratch = [UInt8](repeating: 0, count: n) }
        for plane in 0..<width {
            let shift = UInt64(plane * 8)
            scratch.withUnsafeMutableBufferPointer { out in
                for i in 0..<n { out[i] = UInt8(truncatingIfNeeded: words[i] &>> shift) }
            }
            try scratch.withUnsafeBytes { (raw) throws in
                try ColumnStream.write(UnsafeRawBufferPointer(rebasing: raw[0..<n]), to: &writer, compressor: compressor)
            }
        }
    }

    /// Reads `width` planes into `words` (which it overwrites; words are zero above `width`).
    static func read(_ reader: inout ByteReader, width: Int, into words: UnsafeMutableBufferPointer<UInt64>,
                     _ what: String, scratch: ScratchBuffer, decompressor: ZstdDecompressor) throws {
        let n = words.count
        if width == 0 {
            words.update(repeating: 0)
            return
        }
        for plane in 0..<width {
            let bytes = try ColumnStream.read(&reader, "\(what) plane \(plane)", expectedLength: n, limit: n,
                                              scratch: scratch, decompressor: decompressor)
            let p = bytes.bindMemory(to: UInt8.self)
            let shift = UInt64(plane * 8)
            if plane == 0 {
                for i in 0..<n { words[i] = UInt64(p[i]) }
            } else {
                for i in 0..<n { words[i] |= UInt64(p[i]) &<< shift }
            }
        }
    }
}
