/// Gorilla's XOR encoding of Float64 values (Pelkonen et al., "Gorilla: A Fast, Scalable,
/// In-Memory Time Series Database", VLDB 2015, §4.1.2), then one zstd stream.
///
/// The first value is stored in 64 bits; each next value is XORed with its predecessor:
/// `0` if equal; `10` + the meaningful bits if they fit the previous leading/trailing-zero
/// window; else `11` + 5 bits of leading zeros (capped at 31) + 6 bits of length (64 stored
/// as 0) + the meaningful bits. Exact for every bit pattern.
///
/// Layout: one ``ColumnStream`` holding the bit stream.
enum XORValueCodec {
    static func encode(_ values: UnsafeBufferPointer<Double>, to writer: inout ByteWriter,
                       compressor: ZstdCompressor) throws {
        var bits = BitWriter()
        var previous: UInt64 = 0
        var leading = 65, trailing = 0  // no window yet
        for (i, v) in values.enumerated() {
            let current = v.bitPattern
            if i == 0 {
                bits.write(current, bits: 64)
                previous = current
                continue
            }
            let x = current ^ previous
            previous = current
            if x == 0 {
                bits.write(0, bits: 1)
                continue
            }
            let lz = min(x.leadingZeroBitCount, 31)
            let tz = x.trailingZeroBitCount
            if leading <= 64, lz >= leading, tz >= trailing {
                bits.write(0b10, bits: 2)
                bits.write(x >> UInt64(trailing), bits: 64 - leading - trailing)
            } else {
                let length = 64 - lz - tz
                bits.write(0b11, bits: 2)
                bits.write(UInt64(lz), bits: 5)
                bits.write(UInt64(length & 63), bits: 6)
                bits.write(x >> UInt64(tz), bits: length)
                leading = lz
                trailing = tz
            }
        }
        try ColumnStream.write(bits.finish(), to: &writer, compressor: compressor)
    }

    static func decode(_ reader: inout ByteReader, into output: UnsafeMutableBufferPointer<Double>,
                       decoder: BlockDecoder) throws {
        let n = output.count
        let start = reader.absolutePosition
        // At most 2 + 5 + 6 + 64 bits per value after the first.
        let bytes = try ColumnStream.read(&reader, "XOR values", limit: 8 + (77 * n + 7) / 8,
                                          scratch: decoder.streamScratch, decompressor: decoder.decompressor)
        var bits = BitReader(bytes, offset: start)
        var previous = try bits.read(bits: 64)
        guard n > 0 else { return }
        output[0] = Double(bitPattern: previous)
        var leading = -1, trailing = 0
        for i in 1..<n {
            if try bits.readBit() {
                if try bits.readBit() {
                    leading = Int(try bits.read(bits: 5))
                    var length = Int(try bits.read(bits: 6))
                    if length == 0 { length = 64 }
                    guard leading + length <= 64 else { throw StorageError.corrupt(what: "XOR window", offset: start) }
                    trailing = 64 - leading - length
                } else if leading < 0 {
                    throw StorageError.corrupt(what: "XOR value \(i) reuses a window before one was set", offset: start)
                }
                let meaningful = try bits.read(bits: 64 - leading - trailing)
                previous ^= meaningful << UInt64(trailing)
            }
            output[i] = Double(bitPattern: previous)
        }
    }
}
