// libFuzzer target: ZipkinJSONDecoder (v2 span arrays and arrays of traces, shared spans split).
import ForeshockTelemetry

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var decoder = ZipkinJSONDecoder()
    fuzzSpanDecoder(bytes, "zipkin-json") { try decoder.decode($0, source: "fuzz.json") }
    return 0
}
