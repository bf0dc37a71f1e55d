/// The result of decoding one export (an OTLP request, a Jaeger or Zipkin document, a file of
/// OTLP JSON lines): the spans that passed validation, and an account of those that did not.
///
/// Decoding is per span: a span with an invalid field (an id of the wrong length, an end
/// before its start, a value of the wrong type) is *rejected*, counted in ``rejected`` and
/// described in ``errors``; the other spans are kept. Only a broken *structure* (JSON syntax, a
/// protobuf length running past its enclosing message) ends decoding: the single-document
/// decoders throw an ``InputError`` for it, the line-oriented decoder records it for the line
/// and goes on with the next.
///
/// Validation, identical for every format:
/// - trace id: 16 bytes (OTLP) or 16/32 hex digits; span ids 8 bytes or 16 hex digits. An
///   **absent or empty** id (as the Collector file exporter writes in its examples) is accepted
///   as the zero id: the span is counted in metrics but joins no call edge. Any other length is
///   rejected.
/// - times: start > 0 and end ≥ start (nanoseconds after decoding).
/// - attribute values: any `AnyValue`; nesting deeper than ``maxNesting`` is rejected.
public struct SpanBatch: Sendable {
    /// The valid spans in input order.
    public var spans: [Span]
    /// The number of spans rejected by validation (or lost with a malformed line).
    public var rejected: Int
    /// Descriptions of the first ``maxRecordedErrors`` problems; ``rejected`` counts them all.
    public var errors: [InputError]

    /// The most errors a batch records (so a hostile input cannot grow the list without bound).
    public static let maxRecordedErrors = 16
    /// The deepest nesting of array/list attribute values accepted.
    public static let maxNesting = 8

    public init(spans: [Span] = [], rejected: Int = 0, errors: [InputError] = []) {
        self.spans = spans
        self.rejected = rejected
        self.errors = errors
    }

    /// Records a problem, keeping at most ``maxRecordedErrors``.
    mutating func record(_ error: InputError) {
        if errors.count < Self.maxRecordedErrors { errors.append(error) }
    }

    /// Counts `count` rejected spans and records `error`.
    mutating func reject(_ error: InputError, count: Int = 1) {
        rejected += count
        record(error)
    }

    /// Appends the spans and accounting of `other`.
    public mutating func append(contentsOf other: SpanBatch) {
        spans.append(contentsOf: other.spans)
        rejected += other.rejected
        for error in other.errors { record(error) }
    }
}

/// A bounded, direct-mapped cache from UTF-8 bytes to `String`, so that the keys and the
/// repeated values of a stream (attribute keys, span names, `GET`, model names) share one
/// storage instead of allocating a string per occurrence.
///
/// Each of ``slotCount`` slots holds a string hashed to it; a miss replaces it when the slot is
/// empty or the same string missed there last time (so one-off values do not evict repeated
/// ones). Strings
/// longer than ``maxLength`` bytes are not cached (URLs and messages rarely repeat).
/// Memory is bounded by `slotCount × maxLength`.
struct StringInterner {
    static let slotCount = 4096
    static let maxLength = 96

    /// The slots, in manually managed buffers: reading a slot through a pointer compares and
    /// returns the cached string without copying it first (an array element read costs a
    /// retain and release of the string per lookup, the largest cost of decoding).
    private final class Storage {
        let hashes: UnsafeMutablePointer<UInt64>
        /// Per slot, the hash of the last string that missed it (admission: a string replaces
        /// an occupied slot only when seen twice in a row there, so one-off values such as URL
        /// paths with ids neither evict repeated ones nor pay for a store and release).
        let candidates: UnsafeMutablePointer<UInt64>
        let strings: UnsafeMutablePointer<String>

        init() {
            hashes = .allocate(capacity: StringInterner.slotCount)
            hashes.initialize(repeating: 0, count: StringInterner.slotCount)
            candidates = .allocate(capacity: StringInterner.slotCount)
            candidates.initialize(repeating: 0, count: StringInterner.slotCount)
            strings = .allocate(capacity: StringInterner.slotCount)
            strings.initialize(repeating: "", count: StringInterner.slotCount)
        }

        deinit {
            strings.deinitialize(count: StringInterner.slotCount)
            strings.deallocate()
            hashes.deallocate()
            candidates.deallocate()
        }
    }

    private var storage: Storage

    init() {
        storage = Storage()
    }

    /// A string with the UTF-8 content of `bytes` (invalid sequences replaced by U+FFFD).
    @inline(__always)
    mutating func string(_ bytes: UnsafeRawBufferPointer) -> String {
        let count = bytes.count
        if count == 0 { return "" }
        if count > Self.maxLength { return String(decoding: bytes, as: UTF8.self) }
        // A copied interner (a copied decoder) starts its own cache rather than share one.
        if !isKnownUniquelyReferenced(&storage) { storage = Storage() }
        let hash = Self.hash(bytes) | 1
        let slot = Int(truncatingIfNeeded: hash >> 52) & (Self.slotCount - 1)
        let strings = storage.strings
        if storage.hashes[slot] == hash, Self.equal(&strings[slot], bytes) { return strings[slot] }
        let made = String(decoding: bytes, as: UTF8.self)
        if storage.hashes[slot] == 0 || storage.candidates[slot] == hash {
            storage.hashes[slot] = hash
            strings[slot] = made
        } else {
            storage.candidates[slot] = hash
        }
        return made
    }

    /// A fast 64-bit hash of short byte strings (8 bytes per multiply).
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ word) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        }
        h ^= h >> 29
        return h &* 0x9E37_79B9_7F4A_7C15
    }

    @inline(__always)
    static func equal(_ string: inout String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        string.withUTF8 { utf8 in
            utf8.count == bytes.count && (utf8.count == 0 || memcmpEqual(utf8.baseAddress!, bytes.baseAddress!, utf8.count))
        }
    }
}

/// Byte equality of two buffers of `count` bytes.
@inline(__always)
func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    let b = b.assumingMemoryBound(to: UInt8.self)
    var i = 0
    while i + 8 <= count {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// The line (1-based) of byte `offset` in `bytes`: used to locate errors, never on the hot path.
func lineNumber(of offset: Int, in bytes: UnsafeRawBufferPointer) -> Int {
    var line = 1
    let end = min(offset, bytes.count)
    var i = 0
    while i < end {
        if bytes[i] == UInt8(ascii: "\n") { line += 1 }
        i += 1
    }
    return line
}
