/// A bounds-checked reader over borrowed bytes for the sketch formats.
///
/// Field names are autoclosures: the message of an error is only built when there is one, so a
/// valid record decodes without formatting a string per field.
///
/// Every read checks the remaining length first and throws ``SketchError/truncated(what:offset:)``
/// naming the field, so decoding untrusted bytes cannot read out of bounds. Offsets in errors are
/// absolute: `baseOffset` is added so that errors point into the enclosing record.
///
/// The reader borrows its buffer: use it only inside the `withUnsafeBytes` scope that made it.
struct SketchByteReader {
    let buffer: UnsafeRawBufferPointer
    private(set) var position: Int
    let baseOffset: Int

    init(_ buffer: UnsafeRawBufferPointer, baseOffset: Int = 0) {
        self.buffer = buffer
        self.position = 0
        self.baseOffset = baseOffset
    }

    var remaining: Int { buffer.count - position }
    var absolutePosition: Int { baseOffset + position }
    var isAtEnd: Bool { position == buffer.count }

    private func need(_ count: Int, _ what: @autoclosure () -> String) throws(SketchError) {
        if count < 0 || count > remaining { throw .truncated(what: what(), offset: absolutePosition) }
    }

    mutating func readByte(_ what: @autoclosure () -> String) throws(SketchError) -> UInt8 {
        try need(1, what())
        defer { position += 1 }
        return buffer[position]
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws(SketchError) -> Double {
        try need(8, what())
        defer { position += 8 }
        return Double(bitPattern: UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self)))
    }

    /// Reads an unsigned LEB128 varint of at most 10 bytes.
    mutating func readVarint(_ what: @autoclosure () -> String) throws(SketchError) -> UInt64 {
        let start = absolutePosition
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte(what())
            if shift == 63 && byte > 1 { throw .corrupt(what: "\(what()) (varint overflows 64 bits)", offset: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// Reads a zigzag varint.
    mutating func readSignedVarint(_ what: @autoclosure () -> String) throws(SketchError) -> Int64 {
        let raw = try readVarint(what())
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Reads a varint that must lie in `range`.
    mutating func readCount(_ what: @autoclosure () -> String, in range: ClosedRange<UInt64>) throws(SketchError) -> UInt64 {
        let start = absolutePosition
        let value = try readVarint(what())
        guard range.contains(value) else {
            throw .corrupt(what: "\(what()) = \(value) (allowed \(range.lowerBound)…\(range.upperBound))", offset: start)
        }
        return value
    }

    /// Reads a zigzag varint that must lie in `range`.
    mutating func readSigned(_ what: @autoclosure () -> String, in range: ClosedRange<Int64>) throws(SketchError) -> Int64 {
        let start = absolutePosition
        let value = try readSignedVarint(what())
        guard range.contains(value) else {
            throw .corrupt(what: "\(what()) = \(value) (allowed \(range.lowerBound)…\(range.upperBound))", offset: start)
        }
        return value
    }

    /// Borrows the next `count` bytes.
    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(SketchError) -> UnsafeRawBufferPointer {
        try need(count, what())
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: buffer[position..<(position + count)])
    }
}

/// Calls `body` with the bytes of `bytes`, keeping `body`'s typed error (`withUnsafeBytes` only
/// rethrows untyped errors).
func withSketchBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(SketchError) -> R) throws(SketchError) -> R {
    let result: Result<R, SketchError> = bytes.withUnsafeBytes { buffer in
        do throws(SketchError) { return .success(try body(buffer)) } catch { return .failure(error) }
    }
    return try result.get()
}
