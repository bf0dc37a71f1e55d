/// A batch of spans stored column by column: the representation the metrics pass reads.
///
/// Every span field is an array of plain values (ids, times, kinds, statuses), and every text
/// — span names, attribute keys, string attribute values, status messages — is a
/// ``TextRange`` into one byte buffer, ``text``. For OTLP protobuf that buffer *is* the request
/// (``OTLPProtobufDecoder/decodeColumns(_:source:)`` shares the caller's array, no copy), so
/// decoding allocates nothing per span and dropping the batch frees a dozen arrays instead of
/// releasing every string of every span. This is what takes decode + derive to the embedded
/// path's throughput goal (docs/TELEMETRY.md has the measurements); ``Span`` remains the model
/// every decoder can produce and rules are evaluated on, and the two convert both ways
/// (``init(_:)``, ``makeSpans()``).
///
/// Attribute values that are neither strings nor scalars (arrays, key-value lists, byte
/// strings) are kept whole in ``complexValues``. Resources and scope names are shared per group
/// of spans (``origins``), as in ``Span``.
///
/// Accounting is that of ``SpanBatch``: ``rejected`` spans and the first ``errors``.
public struct SpanColumns: Sendable {
    /// The UTF-8 text every ``TextRange`` indexes.
    var text: [UInt8]
    var traceIDs: [TraceID] = []
    var spanIDs: [SpanID] = []
    var parentSpanIDs: [SpanID] = []
    var names: [TextRange] = []
    var kinds: [SpanKind] = []
    /// Start and end, Unix nanoseconds (end ≥ start).
    var startNanos: [Int64] = []
    var endNanos: [Int64] = []
    var statuses: [SpanStatusCode] = []
    var statusMessages: [TextRange] = []
    /// Per span, its index in ``origins``.
    var originIndices: [UInt32] = []
    /// Per span, the end of its attributes in ``attributeKeys``/``attributeValues`` (span `i`'s
    /// are `attributeEnds[i - 1] ..< attributeEnds[i]`, from 0 for the first).
    var attributeEnds: [UInt32] = []
    var attributeKeys: [TextRange] = []
    var attributeValues: [ColumnValue] = []
    /// The values of ``ColumnValue/complex(_:)`` attributes.
    var complexValues: [AttributeValue] = []
    /// The resource and scope of groups of spans.
    var origins: [SpanOrigin] = []
    /// The bytes of ``text`` that texts made by ``text(_:of:)`` cover (counted as they are
    /// made; see ``compactTextIfSparse()``).
    private var referencedText = 0

    /// The number of spans rejected by validation (see ``SpanBatch``).
    public internal(set) var rejected = 0
    /// Descriptions of the first ``SpanBatch/maxRecordedErrors`` problems.
    public internal(set) var errors: [InputError] = []

    /// An empty batch whose texts are ranges of `text`.
    init(text: [UInt8]) {
        self.text = text
    }

    /// The number of spans.
    public var count: Int { endNanos.count }

    /// The latest span end, Unix nanoseconds (`Int64.min` when empty).
    public var latestEndNanos: Int64 { endNanos.max() ?? .min }

    /// The columns of `batch`'s spans, with its accounting.
    ///
    /// - Complexity: O(spans × attributes + their text), copying the text once.
    public init(_ batch: SpanBatch) {
        self.init(spans: batch.spans)
        rejected += batch.rejected
        for error in batch.errors where errors.count < SpanBatch.maxRecordedErrors { errors.append(error) }
    }

    /// The columns of `spans`.
    public init(spans: [Span]) {
        self.init(text: [])
        reserveCapacity(spans: spans.count, attributes: spans.reduce(0) { $0 + $1.attributes.count })
        for span in spans {
            // Text ranges are 32-bit: a span whose text would not fit is rejected, not wrapped.
            let spanText = span.name.utf8.count + span.statusMessage.utf8.count
                + span.attributes.reduce(0) { $0 + $1.key.utf8.count + ($1.value.stringValue?.utf8.count ?? 0) }
            guard text.count + spanText < Int(UInt32.max) else {
                reject(InputError(source: "spans", line: 0,
                                  message: "span \(span.spanID): the batch's text passes 4 GiB; split the input into smaller batches"))
                continue
            }
            if let last = origins.last, last.resource === span.resource, last.scopeName == span.scopeName {
                originIndices.append(UInt32(origins.count - 1))
            } else {
                originIndices.append(UInt32(origins.count))
                origins.append(SpanOrigin(resource: span.resource, scopeName: span.scopeName))
            }
            for attribute in span.attributes {
                attributeKeys.append(appendText(attribute.key))
                attributeValues.append(columnValue(attribute.value))
            }
            appendSpan(traceID: span.traceID, spanID: span.spanID, parentSpanID: span.parentSpanID, name: appendText(span.name),
                       kind: span.kind, startNanos: span.startNanos, endNanos: span.endNanos, status: span.status,
                       statusMessage: appendText(span.statusMessage))
        }
    }

    /// The spans, as ``Span`` values (strings made with a fresh interner).
    public func makeSpans() -> [Span] {
        var interner = StringInterner()
        return makeSpans(using: &interner)
    }

    /// The spans, their repeated strings shared through `interner`.
    func makeSpans(using interner: inout StringInterner) -> [Span] {
        var spans: [Span] = []
        spans.reserveCapacity(count)
        text.withUnsafeBytes { text in
            for i in 0..<count { spans.append(span(at: i) { interner.string($0.bytes(in: text)) }) }
        }
        return spans
    }

    /// Span `i` as a ``Span`` value, its strings made afresh (exemplars; not a hot path).
    func span(at i: Int, text: UnsafeRawBufferPointer) -> Span {
        span(at: i) { $0.string(in: text) }
    }

    /// Span `i` as a ``Span`` value, its texts made strings by `string`.
    private func span(at i: Int, string: (TextRange) -> String) -> Span {
        let origin = origins[Int(originIndices[i])]
        let positions = attributeRange(of: i)
        var attributes: [SpanAttribute] = []
        attributes.reserveCapacity(positions.count)
        for a in positions {
            let value: AttributeValue = switch attributeValues[a] {
            case let .text(range): .string(string(range))
            case let .bool(flag): .bool(flag)
            case let .int(number): .int(number)
            case let .double(number): .double(number)
            case let .complex(index): complexValues[Int(index)]
            }
            attributes.append(SpanAttribute(string(attributeKeys[a]), value))
        }
        return Span(traceID: traceIDs[i], spanID: spanIDs[i], parentSpanID: parentSpanIDs[i], name: string(names[i]),
                    kind: kinds[i], startNanos: startNanos[i], endNanos: endNanos[i], status: statuses[i],
                    statusMessage: string(statusMessages[i]), attributes: attributes,
                    resource: origin.resource, scopeName: origin.scopeName)
    }

    /// The positions of span `i`'s attributes in ``attributeKeys``/``attributeValues``.
    @inline(__always)
    func attributeRange(of i: Int) -> Range<Int> {
        (i == 0 ? 0 : Int(attributeEnds[i - 1])) ..< Int(attributeEnds[i])
    }

    // MARK: Building

    mutating func reserveCapacity(spans: Int, attributes: Int) {
        traceIDs.reserveCapacity(spans)
        spanIDs.reserveCapacity(spans)
        parentSpanIDs.reserveCapacity(spans)
        names.reserveCapacity(spans)
        kinds.reserveCapacity(spans)
        startNanos.reserveCapacity(spans)
        endNanos.reserveCapacity(spans)
        statuses.reserveCapacity(spans)
        statusMessages.reserveCapacity(spans)
        originIndices.reserveCapacity(spans)
        attributeEnds.reserveCapacity(spans)
        attributeKeys.reserveCapacity(attributes)
        attributeValues.reserveCapacity(attributes)
    }

    /// Appends a span whose attributes are those appended since the previous span.
    @inline(__always)
    mutating func appendSpan(traceID: TraceID, spanID: SpanID, parentSpanID: SpanID, name: TextRange, kind: SpanKind,
                             startNanos: Int64, endNanos: Int64, status: SpanStatusCode, statusMessage: TextRange) {
        traceIDs.append(traceID)
        spanIDs.append(spanID)
        parentSpanIDs.append(parentSpanID)
        names.append(name)
        kinds.append(kind)
        self.startNanos.append(startNanos)
        self.endNanos.append(endNanos)
        statuses.append(status)
        statusMessages.append(statusMessage)
        attributeEnds.append(UInt32(attributeKeys.count))
    }

    /// Drops the attributes appended after the first `keptAttributes` (those of a span being
    /// rejected).
    mutating func discardAttributes(keeping keptAttributes: Int, complexValues keptComplex: Int) {
        attributeKeys.removeSubrange(keptAttributes...)
        attributeValues.removeSubrange(keptAttributes...)
        complexValues.removeSubrange(keptComplex...)
    }

    /// Counts `count` rejected spans and records `error` (at most ``SpanBatch/maxRecordedErrors``).
    mutating func reject(_ error: InputError, count: Int = 1) {
        rejected += count
        if errors.count < SpanBatch.maxRecordedErrors { errors.append(error) }
    }

    /// Appends `string`'s UTF-8 to ``text`` (the caller checked that it fits 32-bit offsets).
    private mutating func appendText(_ string: String) -> TextRange {
        let range = TextRange(offset: UInt32(truncatingIfNeeded: text.count), count: UInt32(truncatingIfNeeded: string.utf8.count))
        text.append(contentsOf: string.utf8)
        return range
    }

    /// The text at `range` of `message` (whose bytes are ``text``'s first bytes) as a
    /// ``TextRange``: the message's own bytes when they are valid UTF-8, else a repaired copy
    /// (invalid sequences become U+FFFD, as `String(decoding:as:)` makes them) appended to
    /// ``text`` — so that texts compare as bytes exactly as their strings compare.
    ///
    /// - Complexity: O(range): ASCII (almost every text in telemetry) is checked a word at a
    ///   time, the last partial word with one masked load; anything else is validated.
    @inline(__always)
    mutating func text(_ range: Range<Int>, of message: UnsafeRawBufferPointer) -> TextRange {
        var i = range.lowerBound
        let end = range.upperBound
        var bits: UInt64 = 0
        while i + 8 <= end {
            bits |= message.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        if i < end {
            if i + 8 <= message.count {
                // The bytes past the text are masked off (x86-64 and arm64 are little-endian).
                bits |= message.loadUnaligned(fromByteOffset: i, as: UInt64.self) & (UInt64.max >> UInt64(64 - 8 * (end - i)))
            } else {
                while i < end {
                    bits |= UInt64(message[i])
                    i += 1
                }
            }
        }
        referencedText &+= range.count
        if bits & 0x8080_8080_8080_8080 == 0 { return TextRange(range) }
        let bytes = UnsafeRawBufferPointer(rebasing: message[range])
        if Self.isValidUTF8(bytes) { return TextRange(range) }
        let repaired = String(decoding: bytes, as: UTF8.self)
        referencedText &+= repaired.utf8.count
        return appendText(repaired)
    }

    /// The text at `range` of `message` as sent, without the UTF-8 check of
    /// ``text(_:of:)``: for attribute keys and status messages, which are never part of an
    /// identity. A key is only compared with configured keys (valid UTF-8, which an invalid
    /// key never equals, repaired or not); both become strings only through
    /// `String(decoding:as:)`, which repairs them.
    @inline(__always)
    mutating func rawText(_ range: Range<Int>) -> TextRange {
        referencedText &+= range.count
        return TextRange(range)
    }

    /// Whether `bytes` is valid UTF-8.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Gives back the capacity reserved ahead of decoding (a guess from the message size) when
    /// most of it went unused — a request of few spans and many skipped bytes — so that a
    /// queued batch holds memory in proportion to its spans.
    ///
    /// - Complexity: O(1) when the guess was close; O(spans + attributes) when it trims.
    mutating func trimExcessCapacity() {
        func trim<Element>(_ column: inout [Element]) {
            guard column.capacity > 2 * column.count + 1024 else { return }
            var trimmed: [Element] = []
            trimmed.reserveCapacity(column.count)
            trimmed.append(contentsOf: column)
            column = trimmed
        }
        trim(&traceIDs)
        trim(&spanIDs)
        trim(&parentSpanIDs)
        trim(&names)
        trim(&kinds)
        trim(&startNanos)
        trim(&endNanos)
        trim(&statuses)
        trim(&statusMessages)
        trim(&originIndices)
        trim(&attributeEnds)
        trim(&attributeKeys)
        trim(&attributeValues)
    }

    /// Replaces ``text`` by a buffer of only the texts the columns refer to when they are less
    /// than a quarter of it (a request whose bytes are mostly events, links, padding or
    /// unknown fields), so that a queued batch does not hold a large request alive.
    ///
    /// Texts made by ``text(_:of:)`` count as referenced even when their span was rejected
    /// afterwards (an overestimate, so compacting never happens wrongly).
    ///
    /// - Complexity: O(1) when it does not compact; O(spans + attributes + referenced text)
    ///   when it does.
    mutating func compactTextIfSparse() {
        guard text.count > 1 << 16, referencedText * 4 < text.count else { return }
        var compact: [UInt8] = []
        compact.reserveCapacity(referencedText)
        text.withUnsafeBytes { old in
            func move(_ range: inout TextRange) {
                let moved = TextRange(offset: UInt32(truncatingIfNeeded: compact.count), count: range.count)
                compact.append(contentsOf: range.bytes(in: old))
                range = moved
            }
            for i in names.indices { move(&names[i]) }
            for i in statusMessages.indices { move(&statusMessages[i]) }
            for i in attributeKeys.indices { move(&attributeKeys[i]) }
            for i in attributeValues.indices {
                if case var .text(range) = attributeValues[i] {
                    move(&range)
                    attributeValues[i] = .text(range)
                }
            }
        }
        text = compact
        referencedText = compact.count
    }

    private mutating func columnValue(_ value: AttributeValue) -> ColumnValue {
        switch value {
        case let .string(string): return .text(appendText(string))
        case let .bool(flag): return .bool(flag)
        case let .int(number): return .int(number)
        case let .double(number): return .double(number)
        case .bytes, .array, .keyValueList:
            complexValues.append(value)
            return .complex(Int32(complexValues.count - 1))
        }
    }
}

/// The resource and instrumentation scope shared by a group of spans of a ``SpanColumns``.
struct SpanOrigin: Sendable {
    var resource: SpanResource
    var scopeName: String
}

/// A byte range of a ``SpanColumns``' text (offsets fit 32 bits: decoders refuse larger inputs).
struct TextRange: Sendable, Equatable {
    var offset: UInt32
    var count: UInt32

    static let empty = TextRange(offset: 0, count: 0)

    init(offset: UInt32, count: UInt32) {
        self.offset = offset
        self.count = count
    }

    init(_ range: Range<Int>) {
        offset = UInt32(truncatingIfNeeded: range.lowerBound)
        count = UInt32(truncatingIfNeeded: range.count)
    }

    @inline(__always)
    func bytes(in text: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: text[Int(offset) ..< Int(offset) + Int(count)])
    }

    func string(in text: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes(in: text), as: UTF8.self)
    }
}

/// An attribute value in a ``SpanColumns``: strings as text ranges, scalars inline, anything
/// else by index in ``SpanColumns/complexValues``.
enum ColumnValue: Sendable {
    case text(TextRange)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case complex(Int32)

    /// The integer, with ``AttributeValue/intValue``'s rules (an integral double, a decimal
    /// string); nil for anything else.
    @inline(__always)
    func intValue(text: UnsafeRawBufferPointer) -> Int64? {
        switch self {
        case let .int(value): return value
        case let .double(value): return AttributeValue.exactInteger(value)
        case let .text(range): return Self.decimal(range.bytes(in: text))
        default: return nil
        }
    }

    /// `Int64(String)`'s parse of ASCII bytes: an optional sign, then one or more decimal
    /// digits, within range.
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            i = 1
        }
        guard i < bytes.count else { return nil }
        var value: Int64 = 0
        while i < bytes.count {
            let digit = Int64(bytes[i]) - 48
            guard digit >= 0 && digit <= 9 else { return nil }
            let (scaled, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? scaled.subtractingReportingOverflow(digit) : scaled.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
            i += 1
        }
        return value
    }
}
