import Foundation

/// The body of an OTLP/HTTP `/v1/traces` reply (`ExportTraceServiceResponse`), in the
/// encoding of the request (OTLP specification, "OTLP/HTTP Response").
///
/// Full success is an empty message; a partial success carries the number of rejected spans
/// and a human-readable message, so that exporters log it and do not retry.
public enum OTLPExportResponse {
    /// Protobuf: field 1 `partial_success` { field 1 `rejected_spans` int64, field 2 `error_message` string }.
    public static func protobuf(rejectedSpans: Int, message: String) -> [UInt8] {
        guard rejectedSpans > 0 || !message.isEmpty else { return [] }
        var inner: [UInt8] = []
        if rejectedSpans > 0 {
            inner.append(0x08)
            appendVarint(UInt64(rejectedSpans), to: &inner)
        }
        if !message.isEmpty {
            inner.append(0x12)
            appendVarint(UInt64(message.utf8.count), to: &inner)
            inner += Array(message.utf8)
        }
        var out: [UInt8] = [0x0A]
        appendVarint(UInt64(inner.count), to: &out)
        return out + inner
    }

    /// JSON (protobuf JSON mapping: int64 as a string, lowerCamelCase names).
    public static func json(rejectedSpans: Int, message: String) -> String {
        guard rejectedSpans > 0 || !message.isEmpty else { return "{}" }
        return #"{"partialSuccess":{"rejectedSpans":"\#(rejectedSpans)","errorMessage":\#(jsonString(message))}}"#
    }

    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// A JSON string literal with the mandatory escapes.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
