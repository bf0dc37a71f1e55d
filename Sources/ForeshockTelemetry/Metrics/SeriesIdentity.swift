/// The identity bytes of a span's series, built in a reusable buffer: the service, the span
/// name and each configured dimension value (empty when absent), each as a 4-byte length and
/// its UTF-8, then — for a metric series — the kind and effective-status bytes.
///
/// Both aggregators build it the same way, so that the hash of an operation's identity
/// (``operationHash``, without kind and status) found by the metrics pass can be handed to the
/// invariant checks (``SpanInvariantAggregator`` keys its series by it).
///
/// Owns manually allocated memory: its owner calls ``deallocate()`` once.
struct SeriesIdentity {
    private var buffer: UnsafeMutableRawBufferPointer = .allocate(byteCount: 256, alignment: 8)
    private var count = 0

    /// Starts a new identity.
    @inline(__always) mutating func reset() { count = 0 }

    /// Appends one field.
    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(4 + bytes.count)
        buffer.storeBytes(of: UInt32(truncatingIfNeeded: bytes.count), toByteOffset: count, as: UInt32.self)
        if let base = bytes.baseAddress, bytes.count > 0 { (buffer.baseAddress! + count + 4).copyMemory(from: base, byteCount: bytes.count) }
        count += 4 + bytes.count
    }

    /// Appends one field given as a string.
    mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of the fields appended so far (the operation's identity).
    @inline(__always) var operationHash: UInt64 { StringInterner.hash(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }

    /// Appends kind and status and returns the whole key (valid until the next change).
    @inline(__always)
    mutating func finish(kind: SpanKind, status: SpanStatusCode) -> UnsafeRawBufferPointer {
        reserve(2)
        buffer[count] = kind.rawValue
        buffer[count + 1] = status.rawValue
        count += 2
        return UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }

    /// The series hash of an operation identity `operation` with kind and status.
    @inline(__always)
    static func seriesHash(operation: UInt64, kind: SpanKind, status: SpanStatusCode) -> UInt64 {
        SpanMetricsAggregator.mix(operation, UInt64(kind.rawValue) << 8 | UInt64(status.rawValue))
    }

    @inline(__always)
    private mutating func reserve(_ more: Int) {
        guard count + more > buffer.count else { return }
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: (count + more) * 2, alignment: 8)
        larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        buffer.deallocate()
        buffer = larger
    }

    func deallocate() { buffer.deallocate() }
}
