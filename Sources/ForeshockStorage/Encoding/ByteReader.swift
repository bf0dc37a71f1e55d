/// A bounds-checked little-endian reader over borrowed bytes.
///
/// Every read checks the remaining length first and throws ``StorageError/truncated(what:offset:)``
/// naming the field, so decoding untrusted bytes cannot read out of bounds. Offsets in errors
/// are absolute: `baseOffset` is added so errors point into the enclosing file.
///
/// Field names are autoclosures, built only when an error is thrown: a decoder names every
/// field it reads without paying for string interpolation on the success path.
///
/// The reader borrows its buffer: use it only inside the `withUnsafeBytes` scope that made it.
public struct ByteReader {
    public let buffer: UnsafeRawBufferPointer
    public private(set) var position: Int
    public let baseOffset: Int

    public init(_ buffer: UnsafeRawBufferPointer, baseOffset: Int = 0) {
        self.buffer = buffer
        self.position = 0
        self.baseOffset = baseOffset
    }

    public var remaining: Int { buffer.count - position }
    public var absolutePosition: Int { baseOffset + position }

    @inlinable mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws {
        if count < 0 || count > remaining { throw StorageError.truncated(what: what(), offset: absolutePosition) }
    }

    public mutating func readByte(_ what: @autoclosure () -> String) throws -> UInt8 {
        try need(1, what())
        defer { position += 1 }
        return buffer[position]
    }

    public mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        defer { position += MemoryLayout<T>.size }
        return T(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    public mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// Reads an unsigned LEB128 varint of at most 10 bytes.
    public mutating func readVarint(_ what: @autoclosure () -> String) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let start = absolutePosition
            let byte = try readByte(what())
            if shift == 63 && byte > 1 { throw StorageError.corrupt(what: "\(what()) (varint overflows 64 bits)", offset: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// Reads a varint that must be a count or length no larger than `limit`.
    public mutating func readCount(_ what: @autoclosure () -> String, limit: Int) throws -> Int {
        let start = absolutePosition
        let value = try readVarint(what())
        guard value <= UInt64(limit) else {
            throw StorageError.corrupt(what: "\(what()) = \(value) (limit \(limit))", offset: start)
        }
        return Int(value)
    }

    /// Borrows the next `count` bytes.
    public mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try need(count, what())
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: buffer[position..<(position + count)])
    }
}
