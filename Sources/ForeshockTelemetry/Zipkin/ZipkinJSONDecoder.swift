/// Decodes Zipkin's v2 JSON span model (`POST /api/v2/spans`, `GET /api/v2/trace/{id}`, the
/// Zipkin UI's JSON download): a JSON array of spans, or an array of such arrays (the
/// `/api/v2/traces` response).
///
/// Mapping to OpenTelemetry's model:
/// - `timestamp` and `duration` are microseconds (scaled to nanoseconds); a span without a
///   timestamp is rejected; one without a duration (an incomplete span: one side of an RPC,
///   a one-way message) is kept with zero duration, as the OpenTelemetry Collector's Zipkin
///   receiver does;
/// - ids are lower-hex: `traceId` 16 or 32 digits, `id`/`parentId` 16;
/// - `kind` (`CLIENT`, `SERVER`, `PRODUCER`, `CONSUMER`, absent = unspecified);
/// - `localEndpoint.serviceName` becomes the resource's `service.name` (spans of one service
///   share one ``SpanResource``); `remoteEndpoint.serviceName` becomes the `peer.service`
///   attribute unless a tag sets it;
/// - `tags` (string values) become string attributes; an `error` tag (any value but
///   `"false"`) or `otel.status_code=ERROR` sets the error status, the tag's text the message;
/// - **shared spans**: Zipkin's B3 "shared span" model records the client and the server
///   half of one RPC with the *same* span id (the server half has `"shared": true`). When both
///   halves are in the same document, the client half gets a derived id (the id with its top
///   bit flipped, to stay stable across documents) and the server half becomes its child,
///   which is the OpenTelemetry shape (client span → server span) that call-edge metrics
///   need. A server half whose client is not in the document keeps its parent.
///
/// Validation and rejection follow ``SpanBatch``. Not thread-safe; reuse one per thread.
public struct ZipkinJSONDecoder {
    var interner = StringInterner()

    public init() {}

    /// Decodes one Zipkin v2 JSON document.
    ///
    /// - Throws: ``InputError`` with line and byte offset for malformed JSON.
    /// - Complexity: O(bytes + spans).
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, source: String = "<zipkin>") throws(InputError) -> SpanBatch {
        var batch = SpanBatch()
        var scanner = JSONScanner(bytes)
        var resources: [String: SpanResource] = [:]
        var shared: [Int] = []
        do throws(JSONError) {
            try scanner.beginArray("an array of spans")
            var index = 0
            while try scanner.nextElement() {
                if scanner.peek() == UInt8(ascii: "[") {
                    // /api/v2/traces: an array of traces, each an array of spans.
                    try scanner.beginArray("a trace (array of spans)")
                    while try scanner.nextElement() {
                        try decodeElement(&scanner, index: index, resources: &resources, shared: &shared, into: &batch, source: source)
                        index += 1
                    }
                } else {
                    try decodeElement(&scanner, index: index, resources: &resources, shared: &shared, into: &batch, source: source)
                    index += 1
                }
            }
            guard scanner.isAtEnd() else { throw scanner.error("unexpected data after the top-level array") }
        } catch {
            throw InputError(source: source, line: lineNumber(of: error.offset, in: bytes), message: "\(error.message) (byte \(error.offset))")
        }
        Self.splitSharedSpans(&batch.spans, shared: shared)
        return batch
    }

    public mutating func decode(_ bytes: [UInt8], source: String = "<zipkin>") throws(InputError) -> SpanBatch {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(InputError) in try decode(buffer, source: source) }
        }
        return try result.get()
    }

    /// The id given to the client half of a shared span.
    static func clientHalfID(_ id: SpanID) -> SpanID { SpanID(id.value ^ (1 << 63)) }

    /// Re-parents the server halves of shared spans under their client halves (see the type's
    /// discussion).
    private static func splitSharedSpans(_ spans: inout [Span], shared: [Int]) {
        guard !shared.isEmpty else { return }
        var clients: [TraceID: [SpanID: Int]] = [:]
        for (i, span) in spans.enumerated() where span.kind == .client {
            clients[span.traceID, default: [:]][span.spanID] = i
        }
        for serverIndex in shared {
            let server = spans[serverIndex]
            guard let clientIndex = clients[server.traceID]?[server.spanID] else { continue }
            let derived = clientHalfID(server.spanID)
            spans[clientIndex].spanID = derived
            spans[serverIndex].parentSpanID = derived
        }
    }

    private static let spanKeys = JSONKeyTable([
        "traceId": 0, "id": 1, "parentId": 2, "name": 3, "kind": 4, "timestamp": 5, "duration": 6,
        "localEndpoint": 7, "remoteEndpoint": 8, "tags": 9, "shared": 10,
    ])
    private static let endpointKeys = JSONKeyTable(["serviceName": 0])

    private mutating func decodeElement(_ s: inout JSONScanner, index: Int, resources: inout [String: SpanResource], shared: inout [Int],
                                        into batch: inout SpanBatch, source: String) throws(JSONError) {
        if s.consumeNull() { return }
        let start = s.position
        switch try decodeSpan(&s, resources: &resources) {
        case let .success((span, isShared)):
            if isShared && span.kind == .server { shared.append(batch.spans.count) }
            batch.spans.append(span)
        case let .failure(problem):
            batch.reject(InputError(source: source, line: lineNumber(of: problem.offset, in: s.bytes),
                                    message: "spans[\(index)]: \(problem.message) (byte \(problem.offset); span at byte \(start))"))
        }
    }

    private mutating func decodeSpan(_ s: inout JSONScanner, resources: inout [String: SpanResource]) throws(JSONError) -> Result<(Span, Bool), JSONError> {
        let objectStart = s.position
        try s.beginObject("a span object")
        var problem: JSONError?
        var traceID = TraceID.zero
        var spanID = SpanID.zero
        var parentID = SpanID.zero
        var name = ""
        var kind = SpanKind.unspecified
        var timestamp: Int64?
        var duration: Int64?
        var service: String?
        var peerService: String?
        var tags: [SpanAttribute] = []
        var isShared = false
        while let key = try s.nextKey(Self.spanKeys) {
            if s.consumeNull() { continue }
            switch key {
            case 0: traceID = try JSONSpanFields.traceID(&s, &problem, field: "traceId")
            case 1: spanID = try JSONSpanFields.spanID(&s, &problem, field: "id")
            case 2: parentID = try JSONSpanFields.spanID(&s, &problem, field: "parentId")
            case 3: name = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) } ?? ""
            case 4:
                kind = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) -> SpanKind in
                    let at = s.position
                    guard let parsed = try s.withString({ SpanKind(name: String(decoding: $0, as: UTF8.self)) }) else {
                        throw s.error("kind: expected CLIENT, SERVER, PRODUCER or CONSUMER", at: at)
                    }
                    return parsed
                } ?? .unspecified
            case 5: timestamp = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readInt64("timestamp") }
            case 6: duration = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readInt64("duration") }
            case 7, 8:
                try s.beginObject("an endpoint")
                while let k = try s.nextKey(Self.endpointKeys) {
                    if k == 0, !s.consumeNull() {
                        let text = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readString(&interner) }
                        if key == 7 { service = text } else { peerService = text }
                    } else if k != 0 {
                        try s.skipValue()
                    }
                }
            case 9:
                try s.beginObject("tags")
                while let tagKey = try s.nextKeyText(&interner) {
                    if s.consumeNull() { continue }
                    // Tags are strings in the model; numbers and booleans from lax producers are kept as such.
                    if let raw = try JSONRawScalar.read(&s, &interner, &problem) {
                        switch raw {
                        case let .string(text): tags.append(SpanAttribute(tagKey, .string(text)))
                        case let .integer(value): tags.append(SpanAttribute(tagKey, .int(value)))
                        case let .double(value): tags.append(SpanAttribute(tagKey, .double(value)))
                        case let .bool(value): tags.append(SpanAttribute(tagKey, .bool(value)))
                        }
                    }
                }
            case 10: isShared = try JSONSpanFields.tolerant(&s, &problem) { (s) throws(JSONError) in try s.readBool("shared") } ?? false
            default: try s.skipValue()
            }
        }
        if let problem { return .failure(problem) }
        guard let timestamp, let start = JSONSpanFields.nanos(micros: timestamp), start > 0 else {
            return .failure(JSONError(offset: objectStart, message: "timestamp missing, not positive or out of range"))
        }
        // A missing duration is an incomplete span (one side of an RPC, a one-way message):
        // kept with zero duration, as the OpenTelemetry Collector's Zipkin receiver does.
        guard let length = JSONSpanFields.nanos(micros: duration ?? 0), length >= 0,
              case (let end, false) = start.addingReportingOverflow(length) else {
            return .failure(JSONError(offset: objectStart, message: "duration negative or out of range"))
        }
        if let peerService, !tags.contains(where: { $0.key == "peer.service" }) {
            tags.append(SpanAttribute("peer.service", .string(peerService)))
        }
        var status = SpanStatusCode.unset
        var message = ""
        JSONSpanFields.applyStatusTags(tags, status: &status, message: &message)
        let serviceName = service ?? SpanResource.unknownServiceName
        let resource: SpanResource
        if let known = resources[serviceName] {
            resource = known
        } else {
            resource = SpanResource(attributes: [SpanAttribute("service.name", .string(serviceName))])
            resources[serviceName] = resource
        }
        let span = Span(traceID: traceID, spanID: spanID, parentSpanID: parentID, name: name, kind: kind,
                        startNanos: start, endNanos: end, status: status, statusMessage: message,
                        attributes: tags, resource: resource)
        return .success((span, isShared))
    }
}
