/// A problem in protobuf wire data: what, and the absolute byte offset where it was found.
struct ProtoWireError: Error {
    var offset: Int
    var message: String
}

/// Protobuf wire types (the low three bits of a tag).
enum ProtoWireType: UInt8 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5

    var name: String {
        switch self {
        case .varint: "varint"
        case .fixed64: "fixed64"
        case .lengthDelimited: "length-delimited"
        case .startGroup: "start-group"
        case .endGroup: "end-group"
        case .fixed32: "fixed32"
        }
    }
}

/// A bounds-checked reader of protobuf wire data (proto3 encoding, the subset OTLP needs) over
/// borrowed bytes: varints, fixed-width scalars, length-delimited fields and skipping unknown
/// fields. A nested message is read with a second reader over its own byte range, so no read
/// can run past the message that contains it.
///
/// Offsets are absolute within ``bytes``. Every read checks the remaining length; a malformed
/// input throws ``ProtoWireError`` and can neither trap nor read out of bounds. Nothing is
/// allocated: strings and bytes are returned as ranges to read in place.
struct ProtoReader {
    /// The whole input.
    let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    private(set) var position: Int
    /// The end of this message (exclusive).
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
    }

    /// A reader of the sub-range `range` (a nested message).
    init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    @inline(__always) var isAtEnd: Bool { position >= end }

    /// Reads the next tag: the field number and wire type, or nil at the end of the message.
    @inline(__always)
    mutating func nextField() throws(ProtoWireError) -> (number: UInt64, wireType: UInt8)? {
        if position >= end { return nil }
        let start = position
        let tag = try readVarint()
        let number = tag >> 3
        guard number != 0 else { throw ProtoWireError(offset: start, message: "field number 0 in tag") }
        return (number, UInt8(truncatingIfNeeded: tag & 7))
    }

    /// Reads a base-128 varint of at most 10 bytes.
    ///
    /// - Complexity: O(1); the common path (10 bytes available) has no per-byte bounds check.
    @inline(__always)
    mutating func readVarint() throws(ProtoWireError) -> UInt64 {
        var p = position
        if p < end {
            let first = bytes[p]
            if first < 0x80 {
                position = p + 1
                return UInt64(first)
            }
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard p < end else {
                throw ProtoWireError(offset: p, message: "varint runs past the end of its message (ends at byte \(end))")
            }
            let byte = bytes[p]
            p += 1
            if shift == 63 && byte > 1 {
                throw ProtoWireError(offset: p - 1, message: "varint longer than 64 bits")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        position = p
        return result
    }

    @inline(__always)
    mutating func readFixed64() throws(ProtoWireError) -> UInt64 {
        guard end - position >= 8 else {
            throw ProtoWireError(offset: position, message: "fixed64 needs 8 bytes, \(end - position) left in its message")
        }
        defer { position += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    @inline(__always)
    mutating func readFixed32() throws(ProtoWireError) -> UInt32 {
        guard end - position >= 4 else {
            throw ProtoWireError(offset: position, message: "fixed32 needs 4 bytes, \(end - position) left in its message")
        }
        defer { position += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    /// Reads a length prefix and returns the absolute range of the payload, checked to lie
    /// within this message.
    @inline(__always)
    mutating func readLengthDelimited() throws(ProtoWireError) -> Range<Int> {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            throw ProtoWireError(offset: start, message: "length \(length) runs past the end of its message (\(end - position) bytes left)")
        }
        let lower = position
        position += Int(length)
        return lower..<position
    }

    /// Skips a field of wire type `wireType` (groups, deprecated and unused by OTLP, are
    /// rejected).
    mutating func skip(wireType: UInt8, field: UInt64) throws(ProtoWireError) {
        switch wireType {
        case ProtoWireType.varint.rawValue: _ = try readVarint()
        case ProtoWireType.fixed64.rawValue: _ = try readFixed64()
        case ProtoWireType.lengthDelimited.rawValue: _ = try readLengthDelimited()
        case ProtoWireType.fixed32.rawValue: _ = try readFixed32()
        default:
            throw ProtoWireError(offset: position, message: "field \(field) has unsupported wire type \(wireType)")
        }
    }

    /// Throws unless `wireType` is `expected` (a field of a known number with the wrong type).
    @inline(__always)
    func expect(_ wireType: UInt8, _ expected: ProtoWireType, field: String) throws(ProtoWireError) {
        if wireType != expected.rawValue {
            let found = ProtoWireType(rawValue: wireType)?.name ?? "\(wireType)"
            throw ProtoWireError(offset: position, message: "\(field) has wire type \(found), expected \(expected.name)")
        }
    }

    /// The bytes of `range` (from ``readLengthDelimited()``).
    @inline(__always)
    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }
}
