/// The role of a span in a trace (OpenTelemetry `SpanKind`; the raw values are OTLP's).
public enum SpanKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case unspecified = 0
    case `internal` = 1
    case server = 2
    case client = 3
    case producer = 4
    case consumer = 5

    /// The lower-case name used as a label value (`server`, `client`, …; `unspecified`).
    public var description: String {
        switch self {
        case .unspecified: "unspecified"
        case .internal: "internal"
        case .server: "server"
        case .client: "client"
        case .producer: "producer"
        case .consumer: "consumer"
        }
    }

    /// Parses an OTLP enum name (`SPAN_KIND_SERVER`), a short name in any case (`server`,
    /// `SERVER`, as Zipkin and Jaeger's `span.kind` tag write them) or nil.
    public init?(name: some StringProtocol) {
        var lowered = name.lowercased()
        if lowered.hasPrefix("span_kind_") { lowered.removeFirst(10) }
        switch lowered {
        case "unspecified": self = .unspecified
        case "internal": self = .internal
        case "server": self = .server
        case "client": self = .client
        case "producer": self = .producer
        case "consumer": self = .consumer
        default: return nil
        }
    }
}

/// A span's status (OpenTelemetry `Status.StatusCode`; the raw values are OTLP's).
public enum SpanStatusCode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case unset = 0
    case ok = 1
    case error = 2

    /// `unset`, `ok` or `error`, the label value.
    public var description: String {
        switch self {
        case .unset: "unset"
        case .ok: "ok"
        case .error: "error"
        }
    }

    /// Parses `STATUS_CODE_ERROR`, `ERROR`, `error`, … or nil.
    public init?(name: some StringProtocol) {
        var lowered = name.lowercased()
        if lowered.hasPrefix("status_code_") { lowered.removeFirst(12) }
        switch lowered {
        case "unset": self = .unset
        case "ok": self = .ok
        case "error": self = .error
        default: return nil
        }
    }
}

/// An attribute value (OpenTelemetry `AnyValue`).
///
/// Key-value lists (`kvlistValue`) and byte strings are kept so that nothing a producer sent is
/// silently turned into something else; only strings, integers and booleans can become metric
/// dimensions (see ``labelText``). Not `indirect`: the recursive cases hold arrays, which
/// are already references, so scalar values are stored inline without a box each.
public enum AttributeValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case bytes([UInt8])
    case array([AttributeValue])
    case keyValueList([SpanAttribute])

    /// The string, when this is a string.
    @inlinable public var stringValue: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    /// The integer: an `int`, a `double` with an integral value, or a string of decimal digits
    /// (Zipkin and some Jaeger clients send every tag as a string).
    public var intValue: Int64? {
        switch self {
        case let .int(value): return value
        case let .double(value): return Self.exactInteger(value)
        case let .string(text): return Int64(text)
        default: return nil
        }
    }

    /// `value` as an `Int64` when it is integral and in range, else nil.
    static func exactInteger(_ value: Double) -> Int64? {
        guard value.rounded(.towardZero) == value else { return nil }
        return Int64(exactly: value)
    }

    /// The text a value has as a metric label: strings as they are, integers and booleans in
    /// decimal/`true`/`false`; nil for doubles, byte strings, arrays and lists (which make poor,
    /// high-cardinality dimensions).
    public var labelText: String? {
        switch self {
        case let .string(text): text
        case let .int(value): String(value)
        case let .bool(value): value ? "true" : "false"
        default: nil
        }
    }
}

/// One attribute: a key and its value.
public struct SpanAttribute: Sendable, Hashable {
    public var key: String
    public var value: AttributeValue

    public init(_ key: String, _ value: AttributeValue) {
        self.key = key
        self.value = value
    }
}

/// The entity that produced spans (OpenTelemetry `Resource`): its attributes, shared by
/// reference by all spans of one `ResourceSpans` (or one Jaeger process, one Zipkin local
/// endpoint), so that a span costs one pointer for them.
public final class SpanResource: Sendable {
    /// The resource attributes in input order.
    public let attributes: [SpanAttribute]
    /// `service.name`, or `unknown_service` (the OpenTelemetry default) when absent.
    public let serviceName: String

    /// The fallback service name the OpenTelemetry SDK specification prescribes.
    public static let unknownServiceName = "unknown_service"

    public init(attributes: [SpanAttribute]) {
        self.attributes = attributes
        self.serviceName = attributes.first { $0.key == "service.name" }?.value.stringValue ?? Self.unknownServiceName
    }

    /// The value of resource attribute `key` (the first, if repeated).
    public func attribute(_ key: String) -> AttributeValue? {
        attributes.first { $0.key == key }?.value
    }
}

/// One span, decoded from any of the supported formats into OpenTelemetry's model.
///
/// Times are Unix nanoseconds (Jaeger and Zipkin microseconds are scaled). Attributes keep input
/// order; lookups are linear, which is faster than hashing for the handful a span carries.
/// Events and links are not kept (metrics do not use them).
public struct Span: Sendable {
    public var traceID: TraceID
    public var spanID: SpanID
    /// ``SpanID/zero`` for a root span.
    public var parentSpanID: SpanID
    public var name: String
    public var kind: SpanKind
    /// Start, Unix nanoseconds.
    public var startNanos: Int64
    /// End, Unix nanoseconds (≥ ``startNanos``; decoders reject spans that end before they start).
    public var endNanos: Int64
    public var status: SpanStatusCode
    /// The status message (empty when none).
    public var statusMessage: String
    public var attributes: [SpanAttribute]
    /// The producing resource, shared with the other spans of the same resource.
    public var resource: SpanResource
    /// The instrumentation scope's name (empty when none).
    public var scopeName: String

    public init(traceID: TraceID, spanID: SpanID, parentSpanID: SpanID = .zero, name: String,
                kind: SpanKind = .internal, startNanos: Int64, endNanos: Int64,
                status: SpanStatusCode = .unset, statusMessage: String = "",
                attributes: [SpanAttribute] = [], resource: SpanResource, scopeName: String = "") {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.name = name
        self.kind = kind
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.status = status
        self.statusMessage = statusMessage
        self.attributes = attributes
        self.resource = resource
        self.scopeName = scopeName
    }

    /// `endNanos − startNanos`.
    @inlinable public var durationNanos: Int64 { endNanos &- startNanos }

    /// The span's service (its resource's `service.name`).
    @inlinable public var serviceName: String { resource.serviceName }

    /// The value of span attribute `key`, or nil. Resource attributes are not searched.
    ///
    /// - Complexity: O(attributes).
    public func attribute(_ key: String) -> AttributeValue? {
        for attribute in attributes where attribute.key == key { return attribute.value }
        return nil
    }
}
