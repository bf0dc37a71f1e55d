/// An append-only little-endian byte buffer with LEB128 varints.
///
/// All multi-byte integers in Foreshock's formats are little-endian; varints are unsigned
/// LEB128 (7 bits per byte, high bit = continuation), signed values are zigzag-mapped first.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    @inlinable public mutating func write(_ value: UInt8) { bytes.append(value) }

    @inlinable public mutating func write<T: FixedWidthInteger>(littleEndian value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable public mutating func writeDouble(_ value: Double) { write(littleEndian: value.bitPattern) }

    /// Unsigned LEB128: 1 byte for values below 128, at most 10 bytes.
    @inlinable public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inlinable public mutating func write(contentsOf other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }

    /// Overwrites a little-endian integer previously written at `offset`.
    @inlinable public mutating func patch<T: FixedWidthInteger>(littleEndian value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (i, b) in raw.enumerated() { bytes[offset + i] = b }
        }
    }
}

/// Zigzag mapping of signed to unsigned integers (0, -1, 1, -2, … → 0, 1, 2, 3, …), so that
/// values of small magnitude get small varints (as in protobuf's `sint64`).
@inlinable public func zigzagEncode(_ value: Int64) -> UInt64 {
    UInt64(bitPattern: (value << 1) ^ (value >> 63))
}

/// The inverse of ``zigzagEncode(_:)``.
@inlinable public func zigzagDecode(_ value: UInt64) -> Int64 {
    Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
}
