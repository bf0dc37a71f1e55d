/// Field readers shared by the JSON span decoders (OTLP JSON, Jaeger, Zipkin).
///
/// A *semantic* problem in a field (an id that is not hex, an unknown enum name, a value of the
/// wrong type) does not stop decoding: the reader consumes the value, records the first such
/// problem for the span in `problem`, and the decoder rejects the span when it closes. Only
/// JSON syntax errors propagate.
enum JSONSpanFields {
    /// Runs `read`; on a semantic failure records it in `problem` (if none yet), makes sure the
    /// value is consumed and returns nil. Syntax errors propagate.
    @inline(__always)
    static func tolerant<T>(_ scanner: inout JSONScanner, _ problem: inout JSONError?,
                            _ read: (inout JSONScanner) throws(JSONError) -> T) throws(JSONError) -> T? {
        _ = scanner.peek()
        let start = scanner.position
        do throws(JSONError) {
            return try read(&scanner)
        } catch {
            if scanner.position == start { try scanner.skipValue() }
            if problem == nil { problem = error }
            return nil
        }
    }

    /// Reads a trace id (32 or 16 hex digits; `""` or null is the zero id).
    static func traceID(_ scanner: inout JSONScanner, _ problem: inout JSONError?, field: String) throws(JSONError) -> TraceID {
        if scanner.consumeNull() { return .zero }
        return try tolerant(&scanner, &problem) { (s) throws(JSONError) -> TraceID in
            let start = s.position
            let parsed: TraceID?? = try s.withString { text in text.isEmpty ? .some(nil) : HexDecoding.traceID(text).map { .some($0) } }
            guard let parsed else {
                throw s.error("\(field): expected 32 hex digits (or 16)", at: start)
            }
            return parsed ?? .zero
        } ?? .zero
    }

    /// Reads a span id (16 hex digits; `""` or null is the zero id).
    static func spanID(_ scanner: inout JSONScanner, _ problem: inout JSONError?, field: String) throws(JSONError) -> SpanID {
        if scanner.consumeNull() { return .zero }
        return try tolerant(&scanner, &problem) { (s) throws(JSONError) -> SpanID in
            let start = s.position
            let parsed: SpanID?? = try s.withString { text in text.isEmpty ? .some(nil) : HexDecoding.spanID(text).map { .some($0) } }
            guard let parsed else { throw s.error("\(field): expected 16 hex digits", at: start) }
            return parsed ?? .zero
        } ?? .zero
    }

    /// Microseconds (Jaeger, Zipkin) to nanoseconds, nil on overflow.
    static func nanos(micros: Int64) -> Int64? {
        let (value, overflow) = micros.multipliedReportingOverflow(by: 1000)
        return overflow ? nil : value
    }

    /// Decodes standard or URL-safe base64 (padding optional); nil if invalid.
    static func base64(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for c in text {
            let v: UInt8
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = c - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = c - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            accumulator = accumulator << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }

    /// The status an error-ish tag implies (Jaeger's and Zipkin's `error`, and the
    /// `otel.status_code` tag that OpenTelemetry exporters to Jaeger/Zipkin write).
    static func applyStatusTags(_ attributes: [SpanAttribute], status: inout SpanStatusCode, message: inout String) {
        for attribute in attributes {
            switch attribute.key {
            case "otel.status_code":
                if let text = attribute.value.stringValue, let parsed = SpanStatusCode(name: text) { status = parsed }
            case "otel.status_description":
                if let text = attribute.value.stringValue { message = text }
            case "error":
                switch attribute.value {
                case let .bool(flag): if flag { status = .error }
                case let .string(text):
                    // Zipkin: the presence of the tag is the error; its value is a message.
                    if text != "false" {
                        status = .error
                        if message.isEmpty, text != "true" { message = text }
                    }
                default: status = .error
                }
            default:
                break
            }
        }
    }
}
