/// Encodes spans as an OTLP `ExportTraceServiceRequest` in the protobuf binary encoding — the
/// inverse of ``OTLPProtobufDecoder`` for the fields it keeps (ids, name, kind, times,
/// attributes, status, resource attributes, scope name). Spans are grouped by resource
/// (identity) and scope name in first-seen order.
///
/// For tests, benchmarks and re-export; not on the ingest path.
public enum OTLPProtobufEncoder {
    /// The serialized request.
    ///
    /// - Complexity: O(encoded bytes).
    public static func encode(_ spans: [Span]) -> [UInt8] {
        var groups: [(resource: SpanResource, scopes: [(name: String, spans: [Span])])] = []
        for span in spans {
            let r = groups.firstIndex { $0.resource === span.resource } ?? {
                groups.append((span.resource, []))
                return groups.count - 1
            }()
            if let s = groups[r].scopes.firstIndex(where: { $0.name == span.scopeName }) {
                groups[r].scopes[s].spans.append(span)
            } else {
                groups[r].scopes.append((span.scopeName, [span]))
            }
        }
        var out: [UInt8] = []
        for group in groups {
            var resourceSpans: [UInt8] = []
            var resource: [UInt8] = []
            for attribute in group.resource.attributes { message(1, keyValue(attribute), into: &resource) }
            message(1, resource, into: &resourceSpans)
            for scope in group.scopes {
                var scopeSpans: [UInt8] = []
                var scopeMessage: [UInt8] = []
                if !scope.name.isEmpty { message(1, Array(scope.name.utf8), into: &scopeMessage) }
                message(1, scopeMessage, into: &scopeSpans)
                for span in scope.spans { message(2, encode(span), into: &scopeSpans) }
                message(2, scopeSpans, into: &resourceSpans)
            }
            message(1, resourceSpans, into: &out)
        }
        return out
    }

    static func encode(_ span: Span) -> [UInt8] {
        var out: [UInt8] = []
        if !span.traceID.isZero { message(1, bigEndian(span.traceID.high) + bigEndian(span.traceID.low), into: &out) }
        if !span.spanID.isZero { message(2, bigEndian(span.spanID.value), into: &out) }
        if !span.parentSpanID.isZero { message(4, bigEndian(span.parentSpanID.value), into: &out) }
        message(5, Array(span.name.utf8), into: &out)
        if span.kind != .unspecified {
            varint(6 << 3, into: &out)
            varint(UInt64(span.kind.rawValue), into: &out)
        }
        fixed64(7, UInt64(bitPattern: span.startNanos), into: &out)
        fixed64(8, UInt64(bitPattern: span.endNanos), into: &out)
        for attribute in span.attributes { message(9, keyValue(attribute), into: &out) }
        if span.status != .unset || !span.statusMessage.isEmpty {
            var status: [UInt8] = []
            if !span.statusMessage.isEmpty { message(2, Array(span.statusMessage.utf8), into: &status) }
            if span.status != .unset {
                varint(3 << 3, into: &status)
                varint(UInt64(span.status.rawValue), into: &status)
            }
            message(15, status, into: &out)
        }
        return out
    }

    static func keyValue(_ attribute: SpanAttribute) -> [UInt8] {
        var out: [UInt8] = []
        message(1, Array(attribute.key.utf8), into: &out)
        message(2, anyValue(attribute.value), into: &out)
        return out
    }

    static func anyValue(_ value: AttributeValue) -> [UInt8] {
        var out: [UInt8] = []
        switch value {
        case let .string(text): message(1, Array(text.utf8), into: &out)
        case let .bool(flag):
            varint(2 << 3, into: &out)
            varint(flag ? 1 : 0, into: &out)
        case let .int(number):
            varint(3 << 3, into: &out)
            varint(UInt64(bitPattern: number), into: &out)
        case let .double(number): fixed64(4, number.bitPattern, into: &out)
        case let .array(items):
            var list: [UInt8] = []
            for item in items { message(1, anyValue(item), into: &list) }
            message(5, list, into: &out)
        case let .keyValueList(items):
            var list: [UInt8] = []
            for item in items { message(1, keyValue(item), into: &list) }
            message(6, list, into: &out)
        case let .bytes(bytes): message(7, bytes, into: &out)
        }
        return out
    }

    static func varint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func message(_ field: UInt64, _ payload: [UInt8], into out: inout [UInt8]) {
        varint(field << 3 | 2, into: &out)
        varint(UInt64(payload.count), into: &out)
        out.append(contentsOf: payload)
    }

    static func fixed64(_ field: UInt64, _ value: UInt64, into out: inout [UInt8]) {
        varint(field << 3 | 1, into: &out)
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
