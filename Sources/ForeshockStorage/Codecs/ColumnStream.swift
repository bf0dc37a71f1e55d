/// A byte stream inside a block section, stored raw or as one zstd frame, whichever is
/// smaller.
///
/// Layout: `u8 kind` (0 raw, 1 zstd) · `varint decodedLength` · (zstd only) `varint storedLength`
/// · the stored bytes. Incompressible streams (the random low bytes of noisy values) stay raw
/// and decode as a memcpy-free borrow.
enum ColumnStream {
    static let raw: UInt8 = 0
    static let zstd: UInt8 = 1

    /// Appends `bytes` as a stream, zstd-compressed when that saves space.
    static func write(_ bytes: UnsafeRawBufferPointer, to writer: inout ByteWriter, compressor: ZstdCompressor) throws {
        var frame: [UInt8] = []
        frame.reserveCapacity(bytes.count / 2 + 64)
        do { try compressor.compress(bytes, appendingTo: &frame) } catch { throw StorageError.zstd(error) }
        if frame.count + varintSize(UInt64(frame.count)) < bytes.count {
            writer.write(zstd)
            writer.writeVarint(UInt64(bytes.count))
            writer.writeVarint(UInt64(frame.count))
            writer.write(contentsOf: frame)
        } else {
            writer.write(raw)
            writer.writeVarint(UInt64(bytes.count))
            writer.write(contentsOf: bytes)
        }
    }

    static func write(_ bytes: [UInt8], to writer: inout ByteWriter, compressor: ZstdCompressor) throws {
        try bytes.withUnsafeBytes { (raw) throws in try write(raw, to: &writer, compressor: compressor) }
    }

    /// Reads a stream that must decode to exactly `expectedLength` bytes (when given) and to at
    /// most `limit` bytes, decompressing into `scratch` when needed.
    ///
    /// - Returns: the decoded bytes, borrowed from the reader's buffer or from `scratch`; valid
    ///   until `scratch` is next reserved.
    static func read(_ reader: inout ByteReader, _ what: @autoclosure () -> String, expectedLength: Int? = nil, limit: Int,
                     scratch: ScratchBuffer, decompressor: ZstdDecompressor) throws -> UnsafeRawBufferPointer {
        let kindOffset = reader.absolutePosition
        let kind = try reader.readByte("\(what()) stream kind")
        let lengthOffset = reader.absolutePosition
        let length = try reader.readCount("\(what()) stream length", limit: limit)
        if let expectedLength, length != expectedLength {
            throw StorageError.corrupt(what: "\(what()) stream length \(length), expected \(expectedLength)", offset: lengthOffset)
        }
        switch kind {
        case raw:
            return try reader.readBytes(length, "\(what()) stream bytes")
        case zstd:
            let stored = try reader.readCount("\(what()) stored length", limit: reader.remaining)
            let frame = try reader.readBytes(stored, "\(what()) zstd frame")
            let out = scratch.reserve(length)
            do { try decompressor.decompress(frame, into: out) } catch {
                throw StorageError.corrupt(what: "\(what()) zstd frame (\(error.message))", offset: kindOffset)
            }
            return UnsafeRawBufferPointer(out)
        default:
            throw StorageError.unknownCodec(what: "\(what()) stream", id: Int(kind))
        }
    }
}

/// The number of bytes of the LEB128 varint of `value`.
@inlinable func varintSize(_ value: UInt64) -> Int {
    (64 - value.leadingZeroBitCount + 6) / 7 + (value == 0 ? 1 : 0)
}

/// Appends the LEB128 varints of `values` to `out`.
@inlinable func appendVarints(_ values: UnsafeBufferPointer<UInt64>, to out: inout [UInt8]) {
    out.reserveCapacity(out.count + values.count * 2)
    for value in values {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}

/// Decodes exactly `output.count` LEB128 varints from `bytes`, which must hold nothing else.
///
/// Runs of eight one-byte varints (values below 128: most timestamp gap changes and payload
/// lengths) are widened eight at a time; other varints take the byte-by-byte path.
/// - Complexity: O(bytes.count).
func decodeVarints(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt64>, _ what: String, offset: Int) throws {
    var position = 0
    let n = bytes.count
    let count = output.count
    var index = 0
    while index < count {
        if index + 8 <= count, position + 8 <= n, let source = bytes.baseAddress,
           let destination = UnsafeMutableRawPointer(output.baseAddress),
           source.loadUnaligned(fromByteOffset: position, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            let chunk = source.loadUnaligned(fromByteOffset: position, as: SIMD8<UInt8>.self)
            destination.storeBytes(of: SIMD8<UInt64>(truncatingIfNeeded: chunk), toByteOffset: index * 8, as: SIMD8<UInt64>.self)
            index += 8
            position += 8
            continue
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < n else { throw StorageError.truncated(what: "\(what) varint \(index)", offset: offset) }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw StorageError.corrupt(what: "\(what) varint \(index) overflows", offset: offset) }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        output[index] = result
        index += 1
    }
    if position != n { throw StorageError.corrupt(what: "\(what): \(n - position) bytes after the last varint", offset: offset) }
}
