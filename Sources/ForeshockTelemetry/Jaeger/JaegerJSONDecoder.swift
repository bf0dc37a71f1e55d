/// Decodes Jaeger's JSON trace model: the query service's `GET /api/traces…` response
/// (`{"data": [trace, …], "total": …, "errors": …}`, also what Jaeger UI downloads and
/// uploads), a bare trace object (`{"traceID", "spans", "processes"}`) or a JSON array of
/// traces.
///
/// Mapping to OpenTelemetry's model:
/// - `startTime` and `duration` are microseconds (scaled to nanoseconds);
/// - the resource is `processes[span.processID]` (or an inline `process`): `serviceName`
///   becomes `service.name`, process tags become resource attributes; spans of one process
///   share one ``SpanResource``;
/// - the parent is the first `CHILD_OF` reference in the same trace, else the first
///   `FOLLOWS_FROM` in the same trace, else the legacy `parentSpanID` field; references into
///   another trace are not parents;
/// - tags become attributes by their `type` (`string`, `bool`, `int64` — as a number or a
///   decimal string —, `float64`, `binary` in base64); `span.kind` sets the kind;
///   `error=true` or `otel.status_code=ERROR` sets the status, `otel.status_description` its
///   message; `otel.scope.name` (or `otel.library.name`) the scope;
/// - spans with a repeated `spanID` are all kept (Jaeger does not de-duplicate either).
///
/// Validation and rejection follow ``SpanBatch``. Not thread-safe; reuse one per thread.
public struct JaegerJSONDecoder {
    var interner = StringInterner()

    public init() {}

    /// Decodes one Jaeger JSON document.
    ///
    /// - Throws: ``InputError`` with line and byte offset for malformed JSON.
    /// - Complexity: O(bytes).
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, source: String = "<jaeger>") throws(InputError) -> SpanBatch {
        var batch = SpanBatch()
        var scanner = JSONScanner(bytes)
        do throws(JSONError) {
            var traceIndex = 0
            if scanner.peek() == UInt8(ascii: "[") {
                try scanner.beginArray("an array of traces")
                while try scanner.nextElement() {
                    try decodeTrace(&scanner, index: traceIndex, into: &batch, source: source)
                    traceIndex += 1
                }
            } else {
                try decodeEnvelopeOrTrace(&scanner, into: &batch, source: source)
            }
            guard scanner.isAtEnd() else { throw scanner.error("unexpected data after the top-level value") }
        } catch {
            throw InputError(source: source, line: lineNumber(of: error.offset, in: bytes), message: "\(error.message) (byte \(error.offset))")
        }
        return batch
    }

    public mutating func decode(_ bytes: [UInt8], source: String = "<jaeger>") throws(InputError) -> SpanBatch {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(InputError) in try decode(buffer, source: source) }
        }
        return try result.get()
    }

    // MARK: Structure

    private static let traceKeys = JSONKeyTable(["data": 0, "spans": 1, "processes": 2])
    private static let spanKeys = JSONKeyTable([
        "traceID": 0, "spanID": 1, "operationName": 2, "references": 3, "startTime": 4, "duration": 5,
        "tags": 6, "processID": 7, "process": 8, "parentSpanID": 9,
    ])
    private static let referenceKeys = JSONKeyTable(["refType": 0, "traceID": 1, "spanID": 2])
    private static let processKeys = JSONKeyTable(["serviceName": 0, "tags": 1])
    private static let tagKeys = JSONKeyTable(["key": 0, "type": 1, "value": 2])

    /// A span before its process is known.
    private struct PendingSpan {
        var span: Span
        var processID: String
        var inlineProcess: SpanResource?
    }

    /// Either the `{"data": [...]}` envelope or one bare trace (told apart by their keys).
    private mutating func decodeEnvelopeOrTrace(_ s: inout JSONScanner, into batch: inout SpanBatch, source: String) throws(JSONError) {
        try decodeTrace(&s, index: 0, into: &batch, source: source, allowEnvelope: true)
    }

    private mutating func decodeTrace(_ s: inout JSONScanner, index: Int, into batch: inout SpanBatch, source: String,
                                      allowEnvelope: Bool = false) throws(JSONError) {
        if s.consumeNull() { return }
        try s.beginObject("a trace object")
        var pending: [PendingSpan] = []
        var processes: [String: SpanResource] = [:]
        var spanIndex = 0
        while let key = try s.nextKey(Self.traceKeys) {
            if s.consumeNull() { continue }
            switch key {
            case 0 where allowEnvelope:
                try s.beginArray("data")
                var traceIndex = 0
                while try s.nextElement() {
                    try decodeTrace(&s, index: traceIndex, into: &batch, source: source)
                    traceIndex += 1
                }
            case 1:
                try s.beginArray("spans")
                while try s.nextElement() {
                    let start = s.position
                    switch try decodeSpan(&s) {
                    case let .success(span): pending.append(span)
                    case let .failure(problem):
                        batch.reject(InputError(source: source, line: lineNumber(of: problem.offset, in: s.bytes),
                                                message: "traces[\(index)].spans[\(spanIndex)]: \(problem.message) (byte \(problem.offset); span at byte \(start))"))
                    }
                    spanIndex += 1
                }
            case 2:
                try s.beginObject("processes")
                while let id = try s.nextKeyText(&interner) {
                    processes[id] = try decodeProcess(&s)
                }
            default:
                try s.skipValue()
            }
        }
        for item in pending {
            var span = item.span
            if let resource = item.inlineProcess ?? processes[item.processID] {
                span.resource = resource
            } else {
                batch.record(InputError(source: source, line: 0,
                                        message: "traces[\(index)]: span \(span.spanID) names processID \(InputError.quoted(item.processID)), which is not in processes; service unknown"))
            }
            batch.spans.append(span)
        }
    }

    private mutating func decodeProcess(_ s: inout JSONScanner) throws(JSONError) -> SpanResource {
        var attributes: [SpanAttribute] = []
        if s.consumeNull() { return SpanResource(attributes: []) }
        try s.beginObject("a process object")
        var serviceName: String?
        var problem: JSONError?
        while let key = try s.nextKey(Self.processKeys) {
            if s.consumeNull() { continue }
            switch key {
            case 0: serviceName = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) }
            case 1: attributes = try decodeTags(&s, &problem)
            default: try s.skipValue()
            }
        }
        if let serviceName {
            attributes.removeAll { $0.key == "service.name" }
            attributes.insert(SpanAttribute("service.name", .string(serviceName)), at: 0)
        }
        return SpanResource(attributes: attributes)
    }

    private mutating func decodeSpan(_ s: inout JSONScanner) throws(JSONError) -> Result<PendingSpan, JSONError> {
        let objectStart = s.position
        try s.beginObject("a span object")
        var problem: JSONError?
        var traceID = TraceID.zero
        var spanID = SpanID.zero
        var legacyParent = SpanID.zero
        var childOf: SpanID?
        var followsFrom: SpanID?
        var name = ""
        var startMicros: Int64?
        var durationMicros: Int64?
        var tags: [SpanAttribute] = []
        var processID = ""
        var inlineProcess: SpanResource?
        var references: [(type: String, trace: TraceID, span: SpanID)] = []
        while let key = try s.nextKey(Self.spanKeys) {
            if s.consumeNull() { continue }
            switch key {
            case 0: traceID = try JSONSpanFields.traceID(&s, &problem, field: "traceID")
            case 1: spanID = try JSONSpanFields.spanID(&s, &problem, field: "spanID")
            case 2: name = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) } ?? ""
            case 3:
                try s.beginArray("references")
                while try s.nextElement() {
                    if s.consumeNull() { continue }
                    try s.beginObject("a reference")
                    var type = "CHILD_OF"
                    var trace = TraceID.zero
                    var span = SpanID.zero
                    while let k = try s.nextKey(Self.referenceKeys) {
                        if s.consumeNull() { continue }
                        switch k {
                        case 0: type = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) } ?? type
                        case 1: trace = try JSONSpanFields.traceID(&s, &problem, field: "references.traceID")
                        case 2: span = try JSONSpanFields.spanID(&s, &problem, field: "references.spanID")
                        default: try s.skipValue()
                        }
                    }
                    references.append((type, trace, span))
                }
            case 4: startMicros = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readInt64("startTime") }
            case 5: durationMicros = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readInt64("duration") }
            case 6: tags = try decodeTags(&s, &problem)
            case 7: processID = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) } ?? ""
            case 8: inlineProcess = try decodeProcess(&s)
            case 9: legacyParent = try JSONSpanFields.spanID(&s, &problem, field: "parentSpanID")
            default: try s.skipValue()
            }
        }
        for reference in references where reference.trace == traceID || reference.trace.isZero {
            if reference.type == "CHILD_OF" { if childOf == nil { childOf = reference.span } } else if followsFrom == nil { followsFrom = reference.span }
        }
        if let problem { return .failure(problem) }
        guard let startMicros, let start = JSONSpanFields.nanos(micros: startMicros), start > 0 else {
            return .failure(JSONError(offset: objectStart, message: "startTime missing, not positive or out of range"))
        }
        guard let durationMicros, durationMicros >= 0, let duration = JSONSpanFields.nanos(micros: durationMicros),
              case (let end, false) = start.addingReportingOverflow(duration) else {
            return .failure(JSONError(offset: objectStart, message: "duration missing, negative or out of range"))
        }
        var kind = SpanKind.unspecified
        var status = SpanStatusCode.unset
        var message = ""
        var scopeName = ""
        for tag in tags {
            switch tag.key {
            case "span.kind": if let text = tag.value.stringValue, let parsed = SpanKind(name: text) { kind = parsed }
            case "otel.scope.name", "otel.library.name": if let text = tag.value.stringValue { scopeName = text }
            default: break
            }
        }
        JSONSpanFields.applyStatusTags(tags, status: &status, message: &message)
        let span = Span(traceID: traceID, spanID: spanID, parentSpanID: childOf ?? followsFrom ?? legacyParent, name: name, kind: kind,
                        startNanos: start, endNanos: end, status: status, statusMessage: message, attributes: tags,
                        resource: Self.placeholder, scopeName: scopeName)
        return .success(PendingSpan(span: span, processID: processID, inlineProcess: inlineProcess))
    }

    /// The resource of a span whose process is unknown.
    private static let placeholder = SpanResource(attributes: [])

    /// Decodes `[{"key", "type", "value"}, …]`.
    private mutating func decodeTags(_ s: inout JSONScanner, _ problem: inout JSONError?) throws(JSONError) -> [SpanAttribute] {
        try s.beginArray("tags")
        var tags: [SpanAttribute] = []
        var index = 0
        while try s.nextElement() {
            defer { index += 1 }
            if s.consumeNull() { continue }
            let at = s.position
            try s.beginObject("a tag")
            var key = ""
            var type = "string"
            var raw: JSONRawScalar?
            while let k = try s.nextKey(Self.tagKeys) {
                if s.consumeNull() { continue }
                switch k {
                case 0: key = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) } ?? ""
                case 1: type = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) } ?? type
                case 2: raw = try JSONRawScalar.read(&s, &interner, &problem)
                default: try s.skipValue()
                }
            }
            guard let raw else { continue }
            guard let value = raw.value(type: type) else {
                if problem == nil { problem = JSONError(offset: at, message: "tags[\(index)] (\(InputError.quoted(key))): value does not match type \(InputError.quoted(type))") }
                continue
            }
            tags.append(SpanAttribute(key, value))
        }
        return tags
    }
}

/// A scalar JSON value read before its declared type is known (Jaeger tags may put `value`
/// before `type`).
enum JSONRawScalar {
    case string(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)

    static func read(_ s: inout JSONScanner, _ interner: inout StringInterner, _ problem: inout JSONError?) throws(JSONError) -> JSONRawScalar? {
        switch s.peek() {
        case UInt8(ascii: "\""):
            return .string(try s.readString(&interner))
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return .bool(try s.readBool("value"))
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try s.skipValue()
            if problem == nil { problem = s.error("tag value is an object or array") }
            return nil
        default:
            let double = try s.readDouble("value")
            if double.rounded(.towardZero) == double, let exact = Int64(exactly: double) { return .integer(exact) }
            return .double(double)
        }
    }

    /// The attribute value for a Jaeger tag type; nil when the value does not fit it.
    func value(type: String) -> AttributeValue? {
        switch (type.lowercased(), self) {
        case ("string", .string(let text)): .string(text)
        case ("string", .integer(let value)): .string(String(value))
        case ("string", .double(let value)): .string(String(value))
        case ("string", .bool(let value)): .string(value ? "true" : "false")
        case ("bool", .bool(let value)): .bool(value)
        case ("bool", .string(let text)) where text == "true" || text == "false": .bool(text == "true")
        case ("int64", .integer(let value)): .int(value)
        case ("int64", .string(let text)): Int64(text).map { .int($0) }
        case ("float64", .double(let value)): .double(value)
        case ("float64", .integer(let value)): .double(Double(value))
        case ("float64", .string(let text)): Double(text).map { .double($0) }
        case ("binary", .string(let text)):
            { () -> AttributeValue? in
                var text = text
                return text.withUTF8 { JSONSpanFields.base64(UnsafeRawBufferPointer($0)) }.map { .bytes($0) }
            }()
        default: nil
        }
    }
}
