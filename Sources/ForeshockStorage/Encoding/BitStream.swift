/// An MSB-first bit writer, for bit-granular codecs (Gorilla XOR).
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var accumulator: UInt64 = 0
    private var used = 0  // bits held in `accumulator`, < 8 between calls

    /// Appends the low `count` bits of `value` (count ≤ 64), most significant first.
    mutating func write(_ value: UInt64, bits count: Int) {
        var remaining = count
        while remaining > 0 {
            let take = min(remaining, 56 - used)
            let chunk = (take == 64 ? value : (value >> UInt64(remaining - take)) & ((1 << UInt64(take)) - 1))
            accumulator = (accumulator << UInt64(take)) | chunk
            used += take
            remaining -= take
            while used >= 8 {
                used -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt64(used)))
            }
        }
    }

    /// The written bits, the last byte padded with zeros.
    mutating func finish() -> [UInt8] {
        if used > 0 {
            bytes.append(UInt8(truncatingIfNeeded: accumulator << UInt64(8 - used)))
            used = 0
        }
        return bytes
    }
}

/// The reader for ``BitWriter``'s output; reading past the end throws.
struct BitReader {
    private let bytes: UnsafeRawBufferPointer
    private var bitPosition = 0
    private let offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func read(bits count: Int) throws -> UInt64 {
        guard bitPosition + count <= bytes.count * 8 else {
            throw StorageError.truncated(what: "bit stream", offset: offset + bitPosition / 8)
        }
        var result: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let byte = UInt64(bytes[bitPosition >> 3])
            let available = 8 - (bitPosition & 7)
            let take = min(available, remaining)
            let chunk = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            result = (result << UInt64(take)) | chunk
            remaining -= take
            bitPosition += take
        }
        return result
    }

    mutating func readBit() throws -> Bool { try read(bits: 1) == 1 }
}
