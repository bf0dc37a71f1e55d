/// Decodes OTLP trace data in the protobuf binary encoding: the body of an OTLP/HTTP
/// `POST /v1/traces` (`ExportTraceServiceRequest`) or a `TracesData` message (the two have the
/// same layout: `repeated ResourceSpans resource_spans = 1`).
///
/// A hand-written wire decoder of the subset of `opentelemetry/proto/trace/v1/trace.proto`,
/// `common/v1/common.proto` and `resource/v1/resource.proto` that metrics need: ids, name, kind,
/// times, attributes, status, resource attributes and scope name. Events, links, trace state,
/// flags, dropped counts, schema URLs and unknown fields are skipped by wire type, so newer
/// producers stay readable. Field order does not matter (a `resource` after its
/// `scope_spans` is found by a first pass over the message's tags).
///
/// Why hand-written rather than swift-protobuf's generated code: it writes ``SpanColumns``
/// directly over the request's bytes (no intermediate message tree, no string per field),
/// never copies `bytes` fields and skips events and links without decoding them.
/// docs/TELEMETRY.md has the measurements.
///
/// Errors: a span whose own bytes are malformed (a bad varint, an id of the wrong length, an
/// out-of-range enum, an end before its start) is rejected and recorded in the batch with its
/// path and byte offset, e.g. `request.pb: resourceSpans[0].scopeSpans[1].spans[7].traceId:
/// 5 bytes, expected 16 (or 0) at byte 1234`. A length that runs past its enclosing message
/// outside a span, or a malformed resource, throws, since nothing after it can be trusted.
///
/// A decoder keeps its string interner (used for resources, nested values and ``Span``
/// values) between calls: reuse one per thread. It is not thread-safe.
///
/// - Complexity: O(bytes). Allocations: none per span for ``decodeColumns(_:source:)`` (the
///   columns grow geometrically; nested array/list/bytes values and resources allocate); for
///   ``decode(_:source:)``, each span's attribute array and its strings longer than 15 bytes
///   that are not already interned.
public struct OTLPProtobufDecoder {
    var interner = StringInterner()
    var scratch: [SpanAttribute] = []

    public init() {
        scratch.reserveCapacity(64)
    }

    /// Decodes `bytes`, a serialized `ExportTraceServiceRequest` or `TracesData`, into columns
    /// whose texts are ranges of `bytes` itself (shared, not copied): the embedded path's
    /// representation, with no allocation per span.
    ///
    /// - Parameters:
    ///   - bytes: the message (an empty message is a valid request with no spans).
    ///   - source: a label for error messages.
    /// - Returns: the valid spans, the number rejected and the first errors.
    /// - Throws: ``InputError`` when the structure outside spans is malformed, or the message
    ///   is 4 GiB or larger.
    public mutating func decodeColumns(_ bytes: [UInt8], source: String = "<otlp>") throws(InputError) -> SpanColumns {
        guard bytes.count < Self.maxMessageBytes else {
            throw InputError(source: source, line: 0, message: "message of \(bytes.count) bytes; at most 1 GiB can be decoded")
        }
        var columns = SpanColumns(text: bytes)
        columns.reserveCapacity(spans: bytes.count / 256, attributes: bytes.count / 32)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(InputError) in try decode(buffer, into: &columns, source: source) }
        }
        try result.get()
        columns.compactTextIfSparse()
        columns.trimExcessCapacity()
        return columns
    }

    /// The largest message decoded: text ranges are 32-bit, and repaired invalid UTF-8 (up to
    /// three bytes per byte) is appended to the message's bytes.
    public static let maxMessageBytes = 1 << 30

    /// Decodes `bytes` into ``Span`` values (see ``decodeColumns(_:source:)``, which this
    /// converts from).
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, source: String = "<otlp>") throws(InputError) -> SpanBatch {
        try decode(Array(bytes), source: source)
    }

    /// Decodes `bytes` into ``Span`` values (see ``decodeColumns(_:source:)``, which this
    /// converts from).
    public mutating func decode(_ bytes: [UInt8], source: String = "<otlp>") throws(InputError) -> SpanBatch {
        let columns = try decodeColumns(bytes, source: source)
        return SpanBatch(spans: columns.makeSpans(using: &interner), rejected: columns.rejected, errors: columns.errors)
    }

    /// One-shot convenience: decodes `bytes` with a fresh decoder.
    public static func decode(_ bytes: [UInt8], source: String = "<otlp>") throws(InputError) -> SpanBatch {
        var decoder = OTLPProtobufDecoder()
        return try decoder.decode(bytes, source: source)
    }

    private mutating func decode(_ bytes: UnsafeRawBufferPointer, into columns: inout SpanColumns, source: String) throws(InputError) {
        var reader = ProtoReader(bytes)
        var resourceIndex = 0
        do throws(ProtoWireError) {
            while let (field, wireType) = try reader.nextField() {
                if field == 1 {
                    try reader.expect(wireType, .lengthDelimited, field: "resourceSpans")
                    let range = try reader.readLengthDelimited()
                    try decodeResourceSpans(bytes, range, index: resourceIndex, into: &columns, source: source)
                    resourceIndex += 1
                } else {
                    try reader.skip(wireType: wireType, field: field)
                }
            }
        } catch {
            throw InputError(source: source, line: 0, message: "resourceSpans[\(resourceIndex)]: \(error.message) at byte \(error.offset)")
        }
    }

    // MARK: Messages

    private mutating func decodeResourceSpans(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, index: Int,
                                              into columns: inout SpanColumns, source: String) throws(ProtoWireError) {
        // First pass: the resource (usually first, but order is not guaranteed).
        var resource: SpanResource?
        var reader = ProtoReader(bytes, range: range)
        while let (field, wireType) = try reader.nextField() {
            if field == 1 {
                try reader.expect(wireType, .lengthDelimited, field: "resource")
                let sub = try reader.readLengthDelimited()
                resource = try decodeResource(bytes, sub)
            } else {
                try reader.skip(wireType: wireType, field: field)
            }
        }
        let shared = resource ?? SpanResource(attributes: [])
        reader = ProtoReader(bytes, range: range)
        var scopeIndex = 0
        while let (field, wireType) = try reader.nextField() {
            if field == 2 {
                try reader.expect(wireType, .lengthDelimited, field: "scopeSpans")
                let sub = try reader.readLengthDelimited()
                try decodeScopeSpans(bytes, sub, resource: shared, path: (index, scopeIndex), into: &columns, source: source)
                scopeIndex += 1
            } else {
                try reader.skip(wireType: wireType, field: field)
            }
        }
    }

    private mutating func decodeResource(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoWireError) -> SpanResource {
        var reader = ProtoReader(bytes, range: range)
        scratch.removeAll(keepingCapacity: true)
        while let (field, wireType) = try reader.nextField() {
            if field == 1 {
                try reader.expect(wireType, .lengthDelimited, field: "resource.attributes")
                let sub = try reader.readLengthDelimited()
                if let attribute = try decodeKeyValue(bytes, sub, depth: 0) { scratch.append(attribute) }
            } else {
                try reader.skip(wireType: wireType, field: field)
            }
        }
        return SpanResource(attributes: Array(scratch))
    }

    private mutating func decodeScopeSpans(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, resource: SpanResource,
                                           path: (Int, Int), into columns: inout SpanColumns, source: String) throws(ProtoWireError) {
        var scopeName = ""
        var reader = ProtoReader(bytes, range: range)
        while let (field, wireType) = try reader.nextField() {
            if field == 1 {
                try reader.expect(wireType, .lengthDelimited, field: "scope")
                var scope = ProtoReader(bytes, range: try reader.readLengthDelimited())
                while let (f, w) = try scope.nextField() {
                    if f == 1 {
                        try scope.expect(w, .lengthDelimited, field: "scope.name")
                        scopeName = interner.string(scope.slice(try scope.readLengthDelimited()))
                    } else {
                        try scope.skip(wireType: w, field: f)
                    }
                }
            } else {
                try reader.skip(wireType: wireType, field: field)
            }
        }
        let origin = UInt32(columns.origins.count)
        columns.origins.append(SpanOrigin(resource: resource, scopeName: scopeName))
        reader = ProtoReader(bytes, range: range)
        var spanIndex = 0
        while let (field, wireType) = try reader.nextField() {
            if field == 2 {
                try reader.expect(wireType, .lengthDelimited, field: "spans")
                let sub = try reader.readLengthDelimited()
                let keptAttributes = columns.attributeKeys.count, keptComplex = columns.complexValues.count
                do throws(ProtoWireError) {
                    try decodeSpan(bytes, sub, into: &columns)
                    columns.originIndices.append(origin)
                } catch {
                    columns.discardAttributes(keeping: keptAttributes, complexValues: keptComplex)
                    columns.reject(InputError(
                        source: source, line: 0,
                        message: "resourceSpans[\(path.0)].scopeSpans[\(path.1)].spans[\(spanIndex)].\(error.message) at byte \(error.offset)"))
                }
                spanIndex += 1
            } else {
                try reader.skip(wireType: wireType, field: field)
            }
        }
    }

    /// Decodes one span and appends it to `columns` (its attributes as they come; the caller
    /// drops them if this throws). Errors carry the field name as the start of their message.
    private mutating func decodeSpan(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>,
                                     into columns: inout SpanColumns) throws(ProtoWireError) {
        var reader = ProtoReader(bytes, range: range)
        var traceID = TraceID.zero
        var spanID = SpanID.zero
        var parentID = SpanID.zero
        var name = TextRange.empty
        var kind = SpanKind.unspecified
        var start: UInt64 = 0
        var end: UInt64 = 0
        var status = SpanStatusCode.unset
        var statusMessage = TextRange.empty
        var field: UInt64 = 0
        do throws(ProtoWireError) {
            while let (number, wireType) = try reader.nextField() {
                field = number
                switch number {
                case 1:
                    try reader.expect(wireType, .lengthDelimited, field: "")
                    let id = try reader.readLengthDelimited()
                    if id.count == 16 {
                        traceID = TraceID(high: HexDecoding.bigEndianWord(bytes, id.lowerBound),
                                          low: HexDecoding.bigEndianWord(bytes, id.lowerBound + 8))
                    } else if !id.isEmpty {
                        throw ProtoWireError(offset: id.lowerBound, message: "\(id.count) bytes, expected 16 (or 0)")
                    }
                case 2, 4:
                    try reader.expect(wireType, .lengthDelimited, field: "")
                    let id = try reader.readLengthDelimited()
                    if id.count == 8 {
                        let value = SpanID(HexDecoding.bigEndianWord(bytes, id.lowerBound))
                        if number == 2 { spanID = value } else { parentID = value }
                    } else if !id.isEmpty {
                        throw ProtoWireError(offset: id.lowerBound, message: "\(id.count) bytes, expected 8 (or 0)")
                    }
                case 5:
                    try reader.expect(wireType, .lengthDelimited, field: "")
                    name = columns.text(try reader.readLengthDelimited(), of: bytes)
                case 6:
                    try reader.expect(wireType, .varint, field: "")
                    let at = reader.position
                    let raw = try reader.readVarint()
                    guard raw <= 5, let parsed = SpanKind(rawValue: UInt8(raw)) else {
                        throw ProtoWireError(offset: at, message: "\(Int64(bitPattern: raw)) out of range 0...5")
                    }
                    kind = parsed
                case 7:
                    try reader.expect(wireType, .fixed64, field: "")
                    start = try reader.readFixed64()
                case 8:
                    try reader.expect(wireType, .fixed64, field: "")
                    end = try reader.readFixed64()
                case 9:
                    try reader.expect(wireType, .lengthDelimited, field: "")
                    let sub = try reader.readLengthDelimited()
                    try decodeAttribute(bytes, sub, into: &columns)
                case 15:
                    try reader.expect(wireType, .lengthDelimited, field: "")
                    var sub = ProtoReader(bytes, range: try reader.readLengthDelimited())
                    while let (f, w) = try sub.nextField() {
                        if f == 3 {
                            try sub.expect(w, .varint, field: "code")
                            let at = sub.position
                            let raw = try sub.readVarint()
                            guard raw <= 2, let parsed = SpanStatusCode(rawValue: UInt8(raw)) else {
                                throw ProtoWireError(offset: at, message: "code \(Int64(bitPattern: raw)) out of range 0...2")
                            }
                            status = parsed
                        } else if f == 2 {
                            try sub.expect(w, .lengthDelimited, field: "message")
                            statusMessage = columns.rawText(try sub.readLengthDelimited())
                        } else {
                            try sub.skip(wireType: w, field: f)
                        }
                    }
                default:
                    try reader.skip(wireType: wireType, field: number)
                }
                field = 0
            }
        } catch {
            throw ProtoWireError(offset: error.offset, message: Self.spanFieldName(field) + (error.message.hasPrefix(" ") ? "" : ": ") + error.message)
        }
        guard start > 0, start <= UInt64(Int64.max), end <= UInt64(Int64.max), end >= start else {
            throw ProtoWireError(offset: range.lowerBound,
                                 message: "endTimeUnixNano: \(end) before startTimeUnixNano \(start) (or start is 0)")
        }
        columns.appendSpan(traceID: traceID, spanID: spanID, parentSpanID: parentID, name: name, kind: kind,
                           startNanos: Int64(start), endNanos: Int64(end), status: status, statusMessage: statusMessage)
    }

    /// The OTLP JSON name of span field `number`, for messages.
    private static func spanFieldName(_ number: UInt64) -> String {
        switch number {
        case 0: "span"
        case 1: "traceId"
        case 2: "spanId"
        case 4: "parentSpanId"
        case 5: "name"
        case 6: "kind"
        case 7: "startTimeUnixNano"
        case 8: "endTimeUnixNano"
        case 9: "attributes"
        case 15: "status"
        default: "field \(number)"
        }
    }

    /// Decodes a span attribute (`KeyValue`) into `columns`: strings and scalars in place,
    /// other values whole. An attribute whose value is unset is skipped.
    private mutating func decodeAttribute(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>,
                                          into columns: inout SpanColumns) throws(ProtoWireError) {
        var reader = ProtoReader(bytes, range: range)
        var key = TextRange.empty
        var valueRange: Range<Int>?
        while let (field, wireType) = try reader.nextField() {
            switch field {
            case 1:
                try reader.expect(wireType, .lengthDelimited, field: "key")
                key = columns.rawText(try reader.readLengthDelimited())
            case 2:
                try reader.expect(wireType, .lengthDelimited, field: "value")
                valueRange = try reader.readLengthDelimited()
            default:
                try reader.skip(wireType: wireType, field: field)
            }
        }
        guard let valueRange else { return }
        // The `AnyValue` oneof: the last member present wins, as in protobuf.
        var value: ColumnValue?
        var isComplex = false
        var any = ProtoReader(bytes, range: valueRange)
        while let (field, wireType) = try any.nextField() {
            switch field {
            case 1:
                try any.expect(wireType, .lengthDelimited, field: "stringValue")
                value = .text(columns.text(try any.readLengthDelimited(), of: bytes))
                isComplex = false
            case 2:
                try any.expect(wireType, .varint, field: "boolValue")
                value = .bool(try any.readVarint() != 0)
                isComplex = false
            case 3:
                try any.expect(wireType, .varint, field: "intValue")
                value = .int(Int64(bitPattern: try any.readVarint()))
                isComplex = false
            case 4:
                try any.expect(wireType, .fixed64, field: "doubleValue")
                value = .double(Double(bitPattern: try any.readFixed64()))
                isComplex = false
            case 5, 6, 7:
                try any.skip(wireType: wireType, field: field)
                isComplex = true
            default:
                try any.skip(wireType: wireType, field: field)
            }
        }
        if isComplex {
            guard let whole = try decodeAnyValue(bytes, valueRange, depth: 0) else { return }
            columns.complexValues.append(whole)
            value = .complex(Int32(truncatingIfNeeded: columns.complexValues.count - 1))
        }
        guard let value else { return }
        columns.attributeKeys.append(key)
        columns.attributeValues.append(value)
    }

    /// Decodes a `KeyValue`; nil when its value is unset (an empty `AnyValue`).
    private mutating func decodeKeyValue(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, depth: Int) throws(ProtoWireError) -> SpanAttribute? {
        var reader = ProtoReader(bytes, range: range)
        var key = ""
        var value: AttributeValue?
        while let (field, wireType) = try reader.nextField() {
            switch field {
            case 1:
                try reader.expect(wireType, .lengthDelimited, field: "key")
                key = interner.string(reader.slice(try reader.readLengthDelimited()))
            case 2:
                try reader.expect(wireType, .lengthDelimited, field: "value")
                value = try decodeAnyValue(bytes, try reader.readLengthDelimited(), depth: depth)
            default:
                try reader.skip(wireType: wireType, field: field)
            }
        }
        guard let value else { return nil }
        return SpanAttribute(key, value)
    }

    /// Decodes an `AnyValue` (the last member of the oneof wins, as in protobuf).
    private mutating func decodeAnyValue(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, depth: Int) throws(ProtoWireError) -> AttributeValue? {
        var reader = ProtoReader(bytes, range: range)
        var value: AttributeValue?
        while let (field, wireType) = try reader.nextField() {
            switch field {
            case 1:
                try reader.expect(wireType, .lengthDelimited, field: "stringValue")
                value = .string(interner.string(reader.slice(try reader.readLengthDelimited())))
            case 2:
                try reader.expect(wireType, .varint, field: "boolValue")
                value = .bool(try reader.readVarint() != 0)
            case 3:
                try reader.expect(wireType, .varint, field: "intValue")
                value = .int(Int64(bitPattern: try reader.readVarint()))
            case 4:
                try reader.expect(wireType, .fixed64, field: "doubleValue")
                value = .double(Double(bitPattern: try reader.readFixed64()))
            case 5, 6:
                try reader.expect(wireType, .lengthDelimited, field: field == 5 ? "arrayValue" : "kvlistValue")
                let sub = try reader.readLengthDelimited()
                guard depth < SpanBatch.maxNesting else {
                    throw ProtoWireError(offset: sub.lowerBound, message: "values nested deeper than \(SpanBatch.maxNesting)")
                }
                var list = ProtoReader(bytes, range: sub)
                if field == 5 {
                    var items: [AttributeValue] = []
                    while let (f, w) = try list.nextField() {
                        if f == 1 {
                            try list.expect(w, .lengthDelimited, field: "arrayValue.values")
                            if let item = try decodeAnyValue(bytes, try list.readLengthDelimited(), depth: depth + 1) { items.append(item) }
                        } else {
                            try list.skip(wireType: w, field: f)
                        }
                    }
                    value = .array(items)
                } else {
                    var items: [SpanAttribute] = []
                    while let (f, w) = try list.nextField() {
                        if f == 1 {
                            try list.expect(w, .lengthDelimited, field: "kvlistValue.values")
                            if let item = try decodeKeyValue(bytes, try list.readLengthDelimited(), depth: depth + 1) { items.append(item) }
                        } else {
                            try list.skip(wireType: w, field: f)
                        }
                    }
                    value = .keyValueList(items)
                }
            case 7:
                try reader.expect(wireType, .lengthDelimited, field: "bytesValue")
                value = .bytes(Array(reader.slice(try reader.readLengthDelimited())))
            default:
                try reader.skip(wireType: wireType, field: field)
            }
        }
        return value
    }
}
