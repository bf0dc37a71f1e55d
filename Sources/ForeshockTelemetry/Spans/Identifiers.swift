/// A W3C trace identifier: 16 bytes, kept as two big-endian halves so that it compares, hashes
/// and prints like the byte string (`high` holds bytes 0–7).
///
/// The all-zero value is the OpenTelemetry "invalid" trace id; decoders produce it for an absent
/// or empty id (the Collector file exporter writes `""`), see ``SpanBatch``.
public struct TraceID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Bytes 0–7, big-endian.
    public var high: UInt64
    /// Bytes 8–15, big-endian.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The invalid (all-zero) trace id.
    public static let zero = TraceID(high: 0, low: 0)

    /// Whether this is the invalid (all-zero) id.
    @inlinable public var isZero: Bool { high == 0 && low == 0 }

    /// Parses 32 hex digits, or 16 (a 64-bit Jaeger/Zipkin id, zero-extended on the left);
    /// either case. `nil` for anything else.
    public init?(hex: some StringProtocol) {
        var text = String(hex)
        let parsed = text.withUTF8 { HexDecoding.traceID(UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// 32 lower-case hex digits.
    public var description: String { HexDecoding.hex(high) + HexDecoding.hex(low) }

    public static func < (a: TraceID, b: TraceID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

/// A span identifier: 8 bytes, big-endian in one `UInt64`. Zero is the "invalid" id, used for
/// "no parent".
public struct SpanID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value }

    /// The invalid (all-zero) span id; a span whose ``Span/parentSpanID`` is zero is a root.
    public static let zero = SpanID(0)

    @inlinable public var isZero: Bool { value == 0 }

    /// Parses 16 hex digits (either case). `nil` for anything else.
    public init?(hex: some StringProtocol) {
        var text = String(hex)
        let parsed = text.withUTF8 { HexDecoding.spanID(UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// 16 lower-case hex digits.
    public var description: String { HexDecoding.hex(value) }

    public static func < (a: SpanID, b: SpanID) -> Bool { a.value < b.value }
}

/// Hex and big-endian byte conversions of ids, shared by the decoders.
enum HexDecoding {
    /// The value of one hex digit, or 0xFF.
    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c &- UInt8(ascii: "A") &+ 10
        default: 0xFF
        }
    }

    /// `count` (≤ 16) hex digits at `start` as a number, or nil if one is not a hex digit.
    @inline(__always)
    static func word(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> UInt64? {
        var value: UInt64 = 0
        var bad: UInt8 = 0
        for i in start..<(start + count) {
            let n = nibble(bytes[i])
            bad |= n
            value = value << 4 | UInt64(n & 0x0F)
        }
        return bad & 0xF0 == 0 ? value : nil
    }

    /// A trace id from 32 hex digits, or 16 (zero-extended).
    static func traceID(_ bytes: UnsafeRawBufferPointer) -> TraceID? {
        switch bytes.count {
        case 32:
            guard let high = word(bytes, 0, 16), let low = word(bytes, 16, 16) else { return nil }
            return TraceID(high: high, low: low)
        case 16:
            guard let low = word(bytes, 0, 16) else { return nil }
            return TraceID(high: 0, low: low)
        default:
            return nil
        }
    }

    /// A span id from 16 hex digits.
    static func spanID(_ bytes: UnsafeRawBufferPointer) -> SpanID? {
        guard bytes.count == 16, let value = word(bytes, 0, 16) else { return nil }
        return SpanID(value)
    }

    /// 8 big-endian bytes at `start` as a number.
    @inline(__always)
    static func bigEndianWord(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self))
    }

    /// 16 lower-case hex digits.
    static func hex(_ value: UInt64) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 16) { out in
            digits.withUTF8Buffer { table in
                for i in 0..<16 {
                    out[i] = table[Int((value >> UInt64(60 - 4 * i)) & 0xF)]
                }
            }
            return 16
        }
    }
}
