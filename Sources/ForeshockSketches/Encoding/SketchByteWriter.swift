/// Appends the primitive fields of the sketch formats (see docs/SKETCHES.md) to a byte array.
struct SketchByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func writeByte(_ byte: UInt8) { bytes.append(byte) }

    /// Float64 as its IEEE-754 bit pattern, little-endian (NaN payloads survive).
    mutating func writeDouble(_ value: Double) {
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
    }

    /// Unsigned LEB128: 7 bits per byte, high bit set on every byte but the last.
    mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Signed integer as `zigzag(x)` varint: 0, -1, 1, -2 → 0, 1, 2, 3.
    mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// Bytes taken by `value` as an unsigned varint.
    static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }
}
