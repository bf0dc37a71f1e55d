/// A span of a ``SpanColumns`` batch as compiled rules read it: in place, through pointers that
/// are valid for the duration of an evaluation (the caller holds the batch and its text).
///
/// A value of three words, so that the closures of an ``InvariantProgram`` pass it without
/// reference counting; every accessor reads one column element.
struct InvariantSpan {
    let batch: UnsafePointer<SpanColumns>
    let text: UnsafeRawBufferPointer
    let index: Int

    /// The span name's UTF-8 bytes.
    @inline(__always) var name: UnsafeRawBufferPointer { batch.pointee.names[index].bytes(in: text) }
    @inline(__always) var kind: SpanKind { batch.pointee.kinds[index] }
    @inline(__always) var status: SpanStatusCode { batch.pointee.statuses[index] }
    @inline(__always) var durationNanos: Int64 { batch.pointee.endNanos[index] &- batch.pointee.startNanos[index] }
    @inline(__always) var resource: SpanResource { batch.pointee.origins[Int(batch.pointee.originIndices[index])].resource }

    /// The same batch's span at `other`.
    @inline(__always) func sibling(_ other: Int) -> InvariantSpan { InvariantSpan(batch: batch, text: text, index: other) }

    /// The positions of the span's attributes in the batch's attribute columns.
    @inline(__always) var attributePositions: Range<Int> { batch.pointee.attributeRange(of: index) }

    /// The key of the attribute at batch position `position`.
    @inline(__always) func key(at position: Int) -> UnsafeRawBufferPointer {
        batch.pointee.attributeKeys[position].bytes(in: text)
    }

    /// The value of the attribute at batch position `position`.
    @inline(__always) func value(at position: Int) -> ColumnValue { batch.pointee.attributeValues[position] }

    /// The batch position of the span's first attribute with key `key` (compared byte-wise).
    @inline(__always)
    func position(of key: UnsafeRawBufferPointer) -> Int? {
        for position in attributePositions where InvariantSpan.equal(self.key(at: position), key) { return position }
        return nil
    }

    /// A rule value of the attribute at `position`, or `typeMismatch` for byte strings, arrays
    /// and key-value lists.
    func invariantValue(at position: Int) throws(InvariantSkip) -> InvariantValue {
        switch value(at: position) {
        case let .text(range): return .string(range.string(in: text))
        case let .bool(flag): return .bool(flag)
        case let .int(number): return .int(number)
        case let .double(number): return .double(number)
        case .complex: throw InvariantSkip(.typeMismatch)
        }
    }

    /// Whether the attribute at `position` is a string with the bytes `expected`.
    @inline(__always)
    func string(at position: Int, equals expected: UnsafeRawBufferPointer) throws(InvariantSkip) -> Bool {
        guard case let .text(range) = value(at: position) else { throw InvariantSkip(.typeMismatch) }
        return InvariantSpan.equal(range.bytes(in: text), expected)
    }

    /// Byte equality.
    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.count == 0 || memcmpEqual(a.baseAddress!.assumingMemoryBound(to: UInt8.self), b.baseAddress!, a.count))
    }
}

/// A string constant of a compiled rule as bytes the closures compare spans' bytes with,
/// allocated once and freed with this object, which the closures that read it hold. Immutable
/// after `init` (hence `@unchecked Sendable`).
final class InvariantText: @unchecked Sendable {
    let string: String
    private let storage: UnsafeMutableRawBufferPointer
    let bytes: UnsafeRawBufferPointer

    init(_ string: String) {
        self.string = string
        let count = string.utf8.count
        storage = .allocate(byteCount: max(1, count), alignment: 1)
        storage.copyBytes(from: string.utf8)
        bytes = UnsafeRawBufferPointer(rebasing: storage[0..<count])
    }

    deinit { storage.deallocate() }
}
