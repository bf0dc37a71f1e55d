/// Decodes OTLP trace data in the JSON encoding (OTLP/HTTP with `Content-Type:
/// application/json`, and the OpenTelemetry Collector `file` exporter's JSON Lines files).
///
/// Follows the protobuf JSON mapping as the OTLP specification profiles it:
/// - field names in lowerCamelCase (`traceId`, `startTimeUnixNano`); the original snake_case
///   names are accepted too, as protobuf JSON parsers must;
/// - `traceId`/`spanId`/`parentSpanId` as hex strings (either case; not base64);
/// - 64-bit integers (`startTimeUnixNano`, `intValue`) as decimal strings or numbers;
/// - enums (`kind`, `status.code`) as numbers or names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`);
/// - `doubleValue` as a number or `"NaN"`/`"Infinity"`/`"-Infinity"`, `bytesValue` in base64;
/// - unknown fields are ignored, `null` is the default value.
///
/// The top-level object is an `ExportTraceServiceRequest`/`TracesData`
/// (`{"resourceSpans": [...]}`). Validation and rejection follow ``SpanBatch``; semantic
/// problems reject the span (`resourceSpans[0].scopeSpans[0].spans[3]: traceId: expected 32 hex
/// digits (or 16)`), JSON syntax errors throw with line and byte offset.
///
/// A decoder keeps its string interner and scratch buffers between calls; it is not
/// thread-safe.
public struct OTLPJSONDecoder {
    var interner = StringInterner()
    /// The attribute count of the previous top-level attribute list: the capacity reserved for
    /// the next one, built in place (a scratch array copied out retained and released every string).
    var attributeCapacityHint = 8

    public init() {}

    /// Decodes one JSON document.
    ///
    /// - Throws: ``InputError`` (with the line and byte offset) for malformed JSON or a
    ///   top-level value that is not an object.
    /// - Complexity: O(bytes).
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, source: String = "<otlp-json>") throws(InputError) -> SpanBatch {
        var batch = SpanBatch()
        var scanner = JSONScanner(bytes)
        do throws(JSONError) {
            try decodeDocument(&scanner, into: &batch, source: source, line: 0)
            guard scanner.isAtEnd() else { throw scanner.error("unexpected data after the top-level object") }
        } catch {
            throw InputError(source: source, line: lineNumber(of: error.offset, in: bytes),
                             message: "\(error.message) (byte \(error.offset))")
        }
        return batch
    }

    public mutating func decode(_ bytes: [UInt8], source: String = "<otlp-json>") throws(InputError) -> SpanBatch {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(InputError) in try decode(buffer, source: source) }
        }
        return try result.get()
    }

    public mutating func decode(text: String, source: String = "<otlp-json>") throws(InputError) -> SpanBatch {
        try decode(Array(text.utf8), source: source)
    }

    /// Decodes JSON Lines: one request object per line (the Collector file exporter's format).
    /// Blank lines are skipped. A malformed line does not stop decoding: its error (with its
    /// line number) is recorded in the batch, the spans decoded from that line before the
    /// error are dropped, and ``SpanBatch/rejected`` counts the line's `"spanId"`-bearing
    /// objects as best it can (at least 1).
    ///
    /// - Complexity: O(bytes).
    public mutating func decodeLines(_ bytes: UnsafeRawBufferPointer, source: String = "<otlp-jsonl>") -> SpanBatch {
        var batch = SpanBatch()
        var lineStart = 0
        var line = 1
        let n = bytes.count
        while lineStart < n {
            var lineEnd = lineStart
            while lineEnd < n, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var scanner = JSONScanner(bytes, range: lineStart..<lineEnd)
            if !scanner.isAtEnd() {
                var lineBatch = SpanBatch()
                do throws(JSONError) {
                    try decodeDocument(&scanner, into: &lineBatch, source: source, line: line)
                    guard scanner.isAtEnd() else { throw scanner.error("unexpected data after the object") }
                    batch.append(contentsOf: lineBatch)
                } catch {
                    let lost = max(1, Self.countSpanObjects(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])))
                    batch.rejected += lineBatch.rejected
                    for e in lineBatch.errors { batch.record(e) }
                    batch.reject(InputError(source: source, line: line, message: "\(error.message) (byte \(error.offset))"),
                                 count: max(1, lost - lineBatch.rejected))
                }
            }
            lineStart = lineEnd + 1
            line += 1
        }
        return batch
    }

    public mutating func decodeLines(_ bytes: [UInt8], source: String = "<otlp-jsonl>") -> SpanBatch {
        bytes.withUnsafeBytes { decodeLines($0, source: source) }
    }

    /// A rough count of spans in a malformed line: occurrences of `"spanId"` outside links.
    private static func countSpanObjects(_ bytes: UnsafeRawBufferPointer) -> Int {
        let needle = Array("\"spanId\"".utf8)
        var count = 0
        var i = 0
        while i + needle.count <= bytes.count {
            var match = true
            for j in 0..<needle.count where bytes[i + j] != needle[j] {
                match = false
                break
            }
            if match { count += 1 }
            i += 1
        }
        return count
    }

    // MARK: Document

    private static let documentKeys = JSONKeyTable(["resourceSpans": 0, "resource_spans": 0])
    private static let resourceSpansKeys = JSONKeyTable(["resource": 0, "scopeSpans": 1, "scope_spans": 1])
    private static let resourceKeys = JSONKeyTable(["attributes": 0])
    private static let scopeSpansKeys = JSONKeyTable(["scope": 0, "spans": 1])
    private static let scopeKeys = JSONKeyTable(["name": 0])
    private static let spanKeys = JSONKeyTable([
        "traceId": 1, "spanId": 2, "parentSpanId": 4, "name": 5, "kind": 6,
        "startTimeUnixNano": 7, "endTimeUnixNano": 8, "attributes": 9, "status": 15,
        "trace_id": 1, "span_id": 2, "parent_span_id": 4,
        "start_time_unix_nano": 7, "end_time_unix_nano": 8,
    ])
    private static let statusKeys = JSONKeyTable(["code": 0, "message": 1])
    static let keyValueKeys = JSONKeyTable(["key": 0, "value": 1])
    static let anyValueKeys = JSONKeyTable([
        "stringValue": 1, "boolValue": 2, "intValue": 3, "doubleValue": 4, "arrayValue": 5, "kvlistValue": 6, "bytesValue": 7,
        "string_value": 1, "bool_value": 2, "int_value": 3, "double_value": 4, "array_value": 5, "kvlist_value": 6, "bytes_value": 7,
    ])
    static let valuesKeys = JSONKeyTable(["values": 0])

    private mutating func decodeDocument(_ s: inout JSONScanner, into batch: inout SpanBatch, source: String, line: Int) throws(JSONError) {
        try s.beginObject("a request object")
        var resourceIndex = 0
        while let key = try s.nextKey(Self.documentKeys) {
            guard key == 0, !s.consumeNull() else {
                if key != 0 { try s.skipValue() }
                continue
            }
            try s.beginArray("resourceSpans")
            while try s.nextElement() {
                try decodeResourceSpans(&s, index: resourceIndex, into: &batch, source: source, line: line)
                resourceIndex += 1
            }
        }
    }

    private mutating func decodeResourceSpans(_ s: inout JSONScanner, index: Int, into batch: inout SpanBatch,
                                              source: String, line: Int) throws(JSONError) {
        if s.consumeNull() { return }
        try s.beginObject("a ResourceSpans object")
        var resource: SpanResource?
        var deferredScopes: Int?   // offset of scopeSpans met before resource
        var scopeIndex = 0
        while let key = try s.nextKey(Self.resourceSpansKeys) {
            switch key {
            case 0:
                resource = try decodeResource(&s)
            case 1:
                if resource == nil {
                    _ = s.peek()
                    deferredScopes = s.position
                    try s.skipValue()
                } else {
                    try decodeScopeSpansArray(&s, resource: resource ?? SpanResource(attributes: []), path: index,
                                              scopeIndex: &scopeIndex, into: &batch, source: source, line: line)
                }
            default:
                try s.skipValue()
            }
        }
        if let deferredScopes {
            var rescan = JSONScanner(s.bytes, range: deferredScopes..<s.end)
            try decodeScopeSpansArray(&rescan, resource: resource ?? SpanResource(attributes: []), path: index,
                                      scopeIndex: &scopeIndex, into: &batch, source: source, line: line)
        }
    }

    private mutating func decodeResource(_ s: inout JSONScanner) throws(JSONError) -> SpanResource {
        if s.consumeNull() { return SpanResource(attributes: []) }
        try s.beginObject("a Resource object")
        var attributes: [SpanAttribute] = []
        var problem: JSONError?
        while let key = try s.nextKey(Self.resourceKeys) {
            if key == 0 {
                attributes = try decodeAttributes(&s, &problem, depth: 0)
            } else {
                try s.skipValue()
            }
        }
        if let problem { throw JSONError(offset: problem.offset, message: "resource.\(problem.message)") }
        return SpanResource(attributes: attributes)
    }

    private mutating func decodeScopeSpansArray(_ s: inout JSONScanner, resource: SpanResource, path: Int, scopeIndex: inout Int,
                                                into batch: inout SpanBatch, source: String, line: Int) throws(JSONError) {
        if s.consumeNull() { return }
        try s.beginArray("scopeSpans")
        while try s.nextElement() {
            defer { scopeIndex += 1 }
            if s.consumeNull() { continue }
            try s.beginObject("a ScopeSpans object")
            var scopeName = ""
            var deferredSpans: Int?
            var spanIndex = 0
            var sawScope = false
            while let key = try s.nextKey(Self.scopeSpansKeys) {
                switch key {
                case 0:
                    sawScope = true
                    if s.consumeNull() { break }
                    try s.beginObject("an InstrumentationScope object")
                    while let k = try s.nextKey(Self.scopeKeys) {
                        if k == 0, !s.consumeNull() { scopeName = try s.readString(&interner) } else if k != 0 { try s.skipValue() }
                    }
                case 1:
                    if !sawScope && deferredSpans == nil {
                        // The scope may follow; decode the spans once the object is read.
                        _ = s.peek()
                        deferredSpans = s.position
                        try s.skipValue()
                    } else {
                        try decodeSpans(&s, resource: resource, scopeName: scopeName, path: (path, scopeIndex),
                                        spanIndex: &spanIndex, into: &batch, source: source, line: line)
                    }
                default:
                    try s.skipValue()
                }
            }
            if let deferredSpans {
                var rescan = JSONScanner(s.bytes, range: deferredSpans..<s.end)
                try decodeSpans(&rescan, resource: resource, scopeName: scopeName, path: (path, scopeIndex),
                                spanIndex: &spanIndex, into: &batch, source: source, line: line)
            }
        }
    }

    private mutating func decodeSpans(_ s: inout JSONScanner, resource: SpanResource, scopeName: String, path: (Int, Int),
                                      spanIndex: inout Int, into batch: inout SpanBatch, source: String, line: Int) throws(JSONError) {
        if s.consumeNull() { return }
        try s.beginArray("spans")
        while try s.nextElement() {
            defer { spanIndex += 1 }
            let start = s.position
            switch try decodeSpan(&s, resource: resource, scopeName: scopeName) {
            case let .success(span):
                batch.spans.append(span)
            case let .failure(problem):
                let where_ = line > 0 ? line : lineNumber(of: problem.offset, in: s.bytes)
                batch.reject(InputError(
                    source: source, line: where_,
                    message: "resourceSpans[\(path.0)].scopeSpans[\(path.1)].spans[\(spanIndex)]: \(problem.message) (byte \(problem.offset); span at byte \(start))"))
            }
        }
    }

    /// Decodes one span object; a semantic problem is returned as a failure after the object
    /// has been consumed.
    private mutating func decodeSpan(_ s: inout JSONScanner, resource: SpanResource, scopeName: String) throws(JSONError) -> Result<Span, JSONError> {
        let objectStart = s.position
        try s.beginObject("a Span object")
        var problem: JSONError?
        var traceID = TraceID.zero
        var spanID = SpanID.zero
        var parentID = SpanID.zero
        var name = ""
        var kind = SpanKind.unspecified
        var start: Int64 = 0
        var end: Int64 = 0
        var status = SpanStatusCode.unset
        var message = ""
        var attributes: [SpanAttribute] = []
        while let key = try s.nextKey(Self.spanKeys) {
            if key >= 0, s.consumeNull() { continue }
            switch key {
            case 1: traceID = try JSONSpanFields.traceID(&s, &problem, field: "traceId")
            case 2: spanID = try JSONSpanFields.spanID(&s, &problem, field: "spanId")
            case 4: parentID = try JSONSpanFields.spanID(&s, &problem, field: "parentSpanId")
            case 5: name = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) } ?? ""
            case 6: kind = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try Self.readKind(&s) } ?? .unspecified
            case 7: start = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readInt64("startTimeUnixNano") } ?? 0
            case 8: end = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readInt64("endTimeUnixNano") } ?? 0
            case 9: attributes = try decodeAttributes(&s, &problem, depth: 0)
            case 15:
                try s.beginObject("a Status object")
                while let k = try s.nextKey(Self.statusKeys) {
                    if s.consumeNull() { continue }
                    switch k {
                    case 0: status = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try Self.readStatusCode(&s) } ?? .unset
                    case 1: message = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) } ?? ""
                    default: try s.skipValue()
                    }
                }
            default:
                try s.skipValue()
            }
        }
        if let problem { return .failure(problem) }
        guard start > 0, end >= start else {
            return .failure(JSONError(offset: objectStart, message: "endTimeUnixNano \(end) before startTimeUnixNano \(start) (or start missing)"))
        }
        return .success(Span(traceID: traceID, spanID: spanID, parentSpanID: parentID, name: name, kind: kind,
                             startNanos: start, endNanos: end, status: status, statusMessage: message,
                             attributes: attributes, resource: resource, scopeName: scopeName))
    }

    private static func readKind(_ s: inout JSONScanner) throws(JSONError) -> SpanKind {
        let at = s.position
        if s.peek() == UInt8(ascii: "\"") {
            let parsed = try s.withString { text in SpanKind(name: String(decoding: text, as: UTF8.self)) }
            guard let parsed else { throw s.error("kind: unknown span kind name", at: at) }
            return parsed
        }
        let raw = try s.readInt64("kind")
        guard let parsed = SpanKind(rawValue: UInt8(clamping: max(0, raw))), raw >= 0, raw <= 5 else {
            throw s.error("kind: \(raw) out of range 0...5", at: at)
        }
        return parsed
    }

    private static func readStatusCode(_ s: inout JSONScanner) throws(JSONError) -> SpanStatusCode {
        let at = s.position
        if s.peek() == UInt8(ascii: "\"") {
            let parsed = try s.withString { text in SpanStatusCode(name: String(decoding: text, as: UTF8.self)) }
            guard let parsed else { throw s.error("status.code: unknown status code name", at: at) }
            return parsed
        }
        let raw = try s.readInt64("status.code")
        guard raw >= 0, raw <= 2, let parsed = SpanStatusCode(rawValue: UInt8(raw)) else {
            throw s.error("status.code: \(raw) out of range 0...2", at: at)
        }
        return parsed
    }

    // MARK: Attributes

    /// Decodes `[{"key": …, "value": AnyValue}, …]`; attributes without a value are dropped.
    private mutating func decodeAttributes(_ s: inout JSONScanner, _ problem: inout JSONError?, depth: Int) throws(JSONError) -> [SpanAttribute] {
        if s.consumeNull() { return [] }
        try s.beginArray("attributes")
        var result: [SpanAttribute] = []
        if depth == 0 { result.reserveCapacity(attributeCapacityHint) }
        var index = 0
        while try s.nextElement() {
            if let attribute = try decodeKeyValue(&s, &problem, depth: depth, index: index) { result.append(attribute) }
            index += 1
        }
        if depth == 0 { attributeCapacityHint = result.count }
        return result
    }

    private mutating func decodeKeyValue(_ s: inout JSONScanner, _ problem: inout JSONError?, depth: Int, index: Int) throws(JSONError) -> SpanAttribute? {
        if s.consumeNull() { return nil }
        try s.beginObject("a KeyValue object")
        var key = ""
        var value: AttributeValue?
        var local: JSONError?
        while let k = try s.nextKey(Self.keyValueKeys) {
            if s.consumeNull() { continue }
            switch k {
            case 0: key = try JSONSpanFields.tolerant(&s, &local) { (s) throws(JSONError) in try s.readString(&interner) } ?? ""
            case 1: value = try decodeAnyValue(&s, &local, depth: depth)
            default: try s.skipValue()
            }
        }
        if let local, problem == nil {
            problem = JSONError(offset: local.offset, message: "attributes[\(index)] (\(InputError.quoted(key))): \(local.message)")
        }
        guard let value else { return nil }
        return SpanAttribute(key, value)
    }

    private mutating func decodeAnyValue(_ s: inout JSONScanner, _ problem: inout JSONError?, depth: Int) throws(JSONError) -> AttributeValue? {
        try s.beginObject("an AnyValue object")
        var value: AttributeValue?
        while let k = try s.nextKey(Self.anyValueKeys) {
            if s.consumeNull() { continue }
            switch k {
            case 1:
                value = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in .string(try s.readString(&interner)) }
            case 2:
                value = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in .bool(try s.readBool("boolValue")) }
            case 3:
                value = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in .int(try s.readInt64("intValue")) }
            case 4:
                value = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in .double(try s.readDouble("doubleValue")) }
            case 5, 6:
                guard depth < SpanBatch.maxNesting else {
                    if problem == nil { problem = s.error("values nested deeper than \(SpanBatch.maxNesting)") }
                    try s.skipValue()
                    continue
                }
                try s.beginObject(k == 5 ? "an ArrayValue object" : "a KeyValueList object")
                var items: [AttributeValue] = []
                var pairs: [SpanAttribute] = []
                while let vk = try s.nextKey(Self.valuesKeys) {
                    guard vk == 0, !s.consumeNull() else {
                        if vk != 0 { try s.skipValue() }
                        continue
                    }
                    if k == 5 {
                        try s.beginArray("values")
                        while try s.nextElement() {
                            if s.consumeNull() { continue }
                            if let item = try decodeAnyValue(&s, &problem, depth: depth + 1) { items.append(item) }
                        }
                    } else {
                        pairs = try decodeAttributes(&s, &problem, depth: depth + 1)
                    }
                }
                value = k == 5 ? .array(items) : .keyValueList(pairs)
            case 7:
                value = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) -> AttributeValue in
                    let at = s.position
                    guard let bytes = try s.withString({ JSONSpanFields.base64($0) }) else {
                        throw s.error("bytesValue: invalid base64", at: at)
                    }
                    return .bytes(bytes)
                }
            default:
                try s.skipValue()
            }
        }
        return value
    }
}
