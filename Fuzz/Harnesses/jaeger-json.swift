// libFuzzer target: JaegerJSONDecoder (query API envelope, bare traces, arrays of traces).
import ForeshockTelemetry

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var decoder = JaegerJSONDecoder()
    fuzzSpanDecoder(bytes, "jaeger-json") { try decoder.decode($0, source: "fuzz.json") }
    return 0
}
