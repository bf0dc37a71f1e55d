// libFuzzer target: OTLPProtobufDecoder over an ExportTraceServiceRequest body.
#if canImport(Glibc)
import Glibc
#endif
import ForeshockTelemetry

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var decoder = OTLPProtobufDecoder()
    fuzzSpanDecoder(bytes, "otlp-protobuf") { try decoder.decode($0, source: "fuzz.pb") }
    return 0
}

/// Seed mode (README): converts OTLP JSON, Jaeger and Zipkin files to protobuf requests, and
/// writes hand-made requests with the fields the decoder skips.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let directory = seedDirectory else { return 0 }
    for path in fileArguments {
        guard let bytes = readFile(path) else { continue }
        var otlp = OTLPJSONDecoder(), jaeger = JaegerJSONDecoder(), zipkin = ZipkinJSONDecoder()
        var spans: [Span] = []
        if let batch = try? otlp.decode(bytes), !batch.spans.isEmpty { spans = batch.spans }
        else if let batch = try? jaeger.decode(bytes), !batch.spans.isEmpty { spans = batch.spans }
        else if let batch = try? zipkin.decode(bytes), !batch.spans.isEmpty { spans = batch.spans }
        else { spans = otlp.decodeLines(bytes).spans }
        if spans.isEmpty { continue }
        writeFile("\(directory)/\(lastPathComponent(path)).pb", OTLPProtobufEncoder.encode(spans))
    }
    writeFile("\(directory)/empty.pb", [])
    writeFile("\(directory)/handmade-skipped-fields.pb", handmadeRequest())
    _exit(0)
}

/// A request using the parts of the schema the decoder skips or treats specially: a resource
/// after its scope spans, schema URLs, trace state, flags, events, links, dropped counts, an
/// unknown field of each wire type, every AnyValue kind, empty ids, a rejected span.
func handmadeRequest() -> [UInt8] {
    var w = ProtoWriter()
    let span = ProtoWriter.message {
        $0.bytes(1, [UInt8](repeating: 0xAB, count: 16))        // trace_id
        $0.bytes(2, [1, 2, 3, 4, 5, 6, 7, 8])                   // span_id
        $0.string(3, "rojo=00f067aa0ba902b7")                   // trace_state
        $0.bytes(4, [8, 7, 6, 5, 4, 3, 2, 1])                   // parent_span_id
        $0.fixed32(16, 0x301)                                   // flags
        $0.string(5, "GET /api/users/{id}")
        $0.varint(6, 2)                                         // SPAN_KIND_SERVER
        $0.fixed64(7, 1_700_000_000_000_000_000)
        $0.fixed64(8, 1_700_000_000_250_000_000)
        $0.message(9) { $0.string(1, "http.request.method"); $0.message(2) { $0.string(1, "GET") } }
        $0.message(9) { $0.string(1, "http.response.status_code"); $0.message(2) { $0.varint(3, 503) } }
        $0.message(9) { $0.string(1, "retry"); $0.message(2) { $0.varint(2, 1) } }
        $0.message(9) { $0.string(1, "ratio"); $0.message(2) { $0.fixed64(4, 0x3FE0_0000_0000_0000) } }
        $0.message(9) { $0.string(1, "blob"); $0.message(2) { $0.bytes(7, [0, 255, 1]) } }
        $0.message(9) {
            $0.string(1, "list")
            $0.message(2) { $0.message(5) { $0.message(1) { $0.string(1, "a") }; $0.message(1) { $0.varint(3, 7) } } }
        }
        $0.message(9) {
            $0.string(1, "map")
            $0.message(2) { $0.message(6) { $0.message(1) { $0.string(1, "k"); $0.message(2) { $0.string(1, "v") } } } }
        }
        $0.varint(10, 3)                                        // dropped_attributes_count
        $0.message(11) { $0.fixed64(1, 1_700_000_000_100_000_000); $0.string(2, "exception") }  // events
        $0.varint(12, 1)
        $0.message(13) { $0.bytes(1, [UInt8](repeating: 1, count: 16)); $0.bytes(2, [UInt8](repeating: 2, count: 8)) }  // links
        $0.varint(14, 0)
        $0.message(15) { $0.string(2, "upstream timeout"); $0.varint(3, 2) }  // status
        $0.varint(99, 12345)                                    // unknown varint
        $0.fixed32(98, 7)                                       // unknown fixed32
        $0.fixed64(97, 7)                                       // unknown fixed64
        $0.bytes(96, [1, 2, 3])                                 // unknown bytes
    }
    let client = ProtoWriter.message {
        $0.bytes(1, [])                                          // empty trace id: the zero id
        $0.string(5, "SELECT")
        $0.varint(6, 3)
        $0.fixed64(7, 1_700_000_000_010_000_000)
        $0.fixed64(8, 1_700_000_000_020_000_000)
    }
    let rejected = ProtoWriter.message {
        $0.bytes(1, [1, 2, 3, 4, 5])                             // 5-byte trace id: rejected
        $0.string(5, "bad")
        $0.fixed64(7, 2)
        $0.fixed64(8, 1)
    }
    w.message(1) {
        $0.message(2) {                                          // scope_spans before resource
            $0.message(1) { $0.string(1, "io.opentelemetry.http"); $0.string(2, "1.2.3") }
            $0.raw(span); $0.raw(client); $0.raw(rejected)
            $0.string(3, "https://opentelemetry.io/schemas/1.24.0")
        }
        $0.message(1) {
            $0.message(1) { $0.string(1, "service.name"); $0.message(2) { $0.string(1, "checkout") } }
            $0.varint(2, 0)
        }
        $0.string(3, "https://opentelemetry.io/schemas/1.24.0")
    }
    w.message(1) { $0.message(2) { $0.message(2) { _ in } } } // a resource-less, scope-less empty span (rejected)
    return w.bytes
}

struct ProtoWriter {
    var bytes: [UInt8] = []

    static func message(_ build: (inout ProtoWriter) -> Void) -> [UInt8] {
        var inner = ProtoWriter()
        build(&inner)
        return inner.bytes
    }
    mutating func rawVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func varint(_ field: UInt64, _ value: UInt64) { rawVarint(field << 3); rawVarint(value) }
    mutating func fixed64(_ field: UInt64, _ value: UInt64) {
        rawVarint(field << 3 | 1)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func fixed32(_ field: UInt64, _ value: UInt32) {
        rawVarint(field << 3 | 5)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func bytes(_ field: UInt64, _ value: [UInt8]) {
        rawVarint(field << 3 | 2); rawVarint(UInt64(value.count)); bytes.append(contentsOf: value)
    }
    mutating func string(_ field: UInt64, _ value: String) { bytes(field, Array(value.utf8)) }
    mutating func message(_ field: UInt64, _ build: (inout ProtoWriter) -> Void) { bytes(field, Self.message(build)) }
    /// A span message (field 2 of ScopeSpans).
    mutating func raw(_ span: [UInt8]) { bytes(2, span) }
}
