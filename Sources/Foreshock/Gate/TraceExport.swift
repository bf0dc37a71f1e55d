import Foundation
import ForeshockTelemetry

/// A decoded trace export file: its format and the spans (with the account of rejected ones).
///
/// ```swift
/// let spans = try TraceExport.load(path: "baseline.json")            // format from the content
/// let export = try TraceExport.read(path: "candidate.jsonl", format: .otlpJSON)
/// for problem in export.batch.errors { print("warning: \(problem)") }
/// ```
public struct TraceExport: Sendable {
    /// The formats a trace export can be read from.
    public enum Format: String, Sendable, CaseIterable, CustomStringConvertible {
        /// OTLP JSON: one `{"resourceSpans": …}` document, or the Collector `file` exporter's
        /// JSON Lines (one such document per line), told apart by layout.
        case otlpJSON = "otlp-json"
        /// OTLP protobuf (`ExportTraceServiceRequest` / `TracesData`, the body of OTLP/HTTP).
        case otlpProtobuf = "otlp-proto"
        /// Jaeger query-service JSON (`{"data": [trace…]}`, a bare trace, an array of traces).
        case jaeger
        /// Zipkin v2 JSON (an array of spans, or an array of traces).
        case zipkin

        public var description: String { rawValue }

        /// Parses a `--format` value: one of the raw values, or `auto` (nil: detect).
        /// - Throws: ``InputError`` naming the accepted values.
        public static func parse(_ text: String) throws(InputError) -> Format? {
            if text == "auto" { return nil }
            guard let format = Format(rawValue: text) else {
                throw InputError(source: "--format", line: 0, message: "unknown format \(text): expected auto, "
                                 + allCases.map(\.rawValue).joined(separator: ", "))
            }
            return format
        }
    }

    /// The format the spans were decoded from.
    public var format: Format
    /// True for OTLP JSON read as JSON Lines.
    public var isJSONLines: Bool
    /// The decoded spans, and the spans rejected by validation with the first problems.
    public var batch: SpanBatch

    /// The decoded spans.
    public var spans: [Span] { batch.spans }

    public init(format: Format, isJSONLines: Bool = false, batch: SpanBatch) {
        self.format = format
        self.isJSONLines = isJSONLines
        self.batch = batch
    }

    /// Reads and decodes the file at `path`; with `format` nil, the format is detected from the
    /// content (``detect(_:)``).
    ///
    /// Spans that fail validation are rejected and counted in ``batch`` (``SpanBatch``); the
    /// rest are kept, so one bad span does not hide the others. A broken structure (JSON syntax,
    /// a protobuf length past its message) throws for a single document; in JSON Lines it loses
    /// only its line.
    ///
    /// - Throws: ``InputError`` located in the file: the file cannot be read, the format
    ///   cannot be told, the structure is broken, or no span at all could be decoded.
    /// - Complexity: O(bytes).
    public static func read(path: String, format: Format? = nil) throws(InputError) -> TraceExport {
        guard let data = FileManager.default.contents(atPath: path) else {
            var directory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &directory)
            let message = !exists ? "no such file" : directory.boolValue ? "is a directory, expected a trace export file" : "cannot read the file"
            throw InputError(source: path, line: 0, message: message)
        }
        return try decode(Array(data), source: path, format: format)
    }

    /// Reads the spans of the file at `path` (see ``read(path:format:)``).
    public static func load(path: String, format: Format? = nil) throws(InputError) -> [Span] {
        try read(path: path, format: format).spans
    }

    /// Decodes an export held in memory; `source` names it in errors.
    /// - Throws: ``InputError``, as ``read(path:format:)``.
    public static func decode(_ bytes: [UInt8], source: String, format: Format? = nil) throws(InputError) -> TraceExport {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(InputError) in try decode(buffer, source: source, format: format) }
        }
        return try result.get()
    }

    /// Decodes an export held in memory (see ``decode(_:source:format:)-([UInt8],_,_)``).
    public static func decode(_ bytes: UnsafeRawBufferPointer, source: String, format: Format? = nil) throws(InputError) -> TraceExport {
        guard let format = format ?? detect(bytes) else {
            let message = bytes.isEmpty ? "the file is empty"
                : "cannot tell the trace format: expected OTLP JSON (\"resourceSpans\"), OTLP protobuf, Jaeger JSON "
                  + "(\"data\"/\"traceID\" with \"operationName\") or Zipkin v2 JSON (an array of spans with \"traceId\"); "
                  + "give --format"
            throw InputError(source: source, line: 0, message: message)
        }
        var export: TraceExport
        switch format {
        case .otlpJSON:
            var decoder = OTLPJSONDecoder()
            if isJSONLines(bytes) {
                export = TraceExport(format: format, isJSONLines: true, batch: decoder.decodeLines(bytes, source: source))
            } else {
                export = TraceExport(format: format, batch: try decoder.decode(bytes, source: source))
            }
        case .otlpProtobuf:
            var decoder = OTLPProtobufDecoder()
            export = TraceExport(format: format, batch: try decoder.decode(bytes, source: source))
        case .jaeger:
            var decoder = JaegerJSONDecoder()
            export = TraceExport(format: format, batch: try decoder.decode(bytes, source: source))
        case .zipkin:
            var decoder = ZipkinJSONDecoder()
            export = TraceExport(format: format, batch: try decoder.decode(bytes, source: source))
        }
        if export.batch.spans.isEmpty {
            if let first = export.batch.errors.first {
                throw InputError(source: first.source, line: first.line, column: first.column,
                                 message: "no valid span (\(export.batch.rejected) rejected); first problem: \(first.message)")
            }
            throw InputError(source: source, line: 0, message: "no spans in this \(format) export")
        }
        return export
    }

    // MARK: Detection

    /// How many leading bytes ``detect(_:)`` searches for the keys that tell formats apart.
    static let detectionWindow = 1 << 20

    /// The format of an export, from its content; nil when it cannot be told.
    ///
    /// - JSON (first byte after white space and a UTF-8 byte order mark is `{` or `[`), by the
    ///   keys present in the first MiB: `"resourceSpans"` (or `"resource_spans"`) → OTLP JSON;
    ///   `"operationName"` or `"traceID"` → Jaeger; an array with `"traceId"` or
    ///   `"localEndpoint"` → Zipkin v2. An empty array is taken for an empty Zipkin export, an
    ///   object with only `"data"` for an empty Jaeger response.
    /// - Otherwise, a first byte `0x0A` (field 1, length-delimited: `resource_spans`) → OTLP
    ///   protobuf.
    ///
    /// - Complexity: O(min(bytes, 1 MiB)).
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> Format? {
        var i = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        while i < bytes.count, isWhiteSpace(bytes[i]) { i += 1 }
        if i < bytes.count, bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") {
            let isArray = bytes[i] == UInt8(ascii: "[")
            let window = UnsafeRawBufferPointer(rebasing: bytes[i..<min(bytes.count, i + detectionWindow)])
            if contains(window, "\"resourceSpans\"") || contains(window, "\"resource_spans\"") { return .otlpJSON }
            if contains(window, "\"operationName\"") || contains(window, "\"traceID\"") { return .jaeger }
            if isArray, contains(window, "\"traceId\"") || contains(window, "\"localEndpoint\"") { return .zipkin }
            if isArray, isEmptyArray(window) { return .zipkin }
            if !isArray, contains(window, "\"data\"") { return .jaeger }
        }
        if let first = bytes.first, first == 0x0A { return .otlpProtobuf }
        return nil
    }

    /// Whether an OTLP JSON export is JSON Lines: more than one non-blank line, each starting
    /// with `{` in its first column (a pretty-printed document has indented or `}` lines).
    static func isJSONLines(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var lines = 0
        var lineStart = 0
        let n = bytes.count
        while lineStart < n {
            var lineEnd = lineStart
            while lineEnd < n, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var first = lineStart
            while first < lineEnd, isWhiteSpace(bytes[first]) { first += 1 }
            if first < lineEnd {
                guard first == lineStart, bytes[first] == UInt8(ascii: "{") else { return false }
                lines += 1
            }
            lineStart = lineEnd + 1
        }
        return lines > 1
    }

    @inline(__always)
    private static func isWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func isEmptyArray(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var significant = bytes.lazy.filter { !isWhiteSpace($0) }.makeIterator()
        return significant.next() == UInt8(ascii: "[") && significant.next() == UInt8(ascii: "]") && significant.next() == nil
    }

    private static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        let pattern = UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = pattern.first, pattern.count <= haystack.count else { return false }
        var i = 0
        let last = haystack.count - pattern.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < pattern.count, haystack[i + j] == pattern[j] { j += 1 }
                if j == pattern.count { return true }
            }
            i += 1
        }
        return false
    }
}
