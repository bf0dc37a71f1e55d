// libFuzzer target: OTLPJSONDecoder, both entry points: one document (`decode`) and the
// Collector file exporter's JSON Lines (`decodeLines`).
import ForeshockTelemetry

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var decoder = OTLPJSONDecoder()
    fuzzSpanDecoder(bytes, "otlp-json") { try decoder.decode($0, source: "fuzz.json") }
    var lines = OTLPJSONDecoder()
    fuzzSpanDecoder(bytes, "otlp-jsonl") { lines.decodeLines($0, source: "fuzz.jsonl") }
    return 0
}
