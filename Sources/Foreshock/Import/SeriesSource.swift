import ForeshockTelemetry
import Foundation

/// The file formats a series can come from.
public enum SeriesFormat: String, Sendable, CaseIterable {
    case csv
    /// Prometheus HTTP API `query_range` response (`resultType: matrix`), one series per result.
    case prometheus
    case otlpJSON = "otlp-json"
    case otlpProtobuf = "otlp-proto"
    case jaeger
    case zipkin

    /// nil for `auto`; an ``InputError`` for an unknown name.
    public static func parse(_ text: String) throws -> SeriesFormat? {
        if text == "auto" { return nil }
        guard let format = SeriesFormat(rawValue: text) else {
            throw InputError(source: "--format", line: 0,
                             message: "unknown format \(text): expected auto, " + allCases.map(\.rawValue).joined(separator: ", "))
        }
        return format
    }
}

/// Reads the series a file holds, whatever its format: CSV columns, Prometheus `query_range`
/// results, or the golden-signal series derived from a trace export (OTLP JSON / JSON Lines /
/// protobuf, Jaeger, Zipkin) with the span aggregator the engine uses.
public enum SeriesSource {
    /// Files worth reading when a directory is given.
    public static func isSupported(_ path: String) -> Bool {
        let lower = path.lowercased()
        return [".csv", ".json", ".jsonl", ".pb"].contains { lower.hasSuffix($0) }
    }

    /// The series of one file.
    /// - Parameters:
    ///   - format: nil detects it: `.csv` by extension, JSON with `"resultType"` as Prometheus,
    ///     other files as trace exports (``TraceExport`` detection).
    ///   - spanWindowMilliseconds: the window of span-derived series.
    /// - Throws: ``InputError`` naming the file, and line/field where known.
    public static func read(path: String, format: SeriesFormat? = nil, spanWindowMilliseconds: Int64 = 10_000) throws -> [NamedSeries] {
        let resolved = try format ?? detect(path)
        switch resolved {
        case .csv:
            return try CSVSeriesReader.read(file: path)
        case .prometheus:
            return try PrometheusQueryRange.read(path: path)
        case nil, .otlpJSON, .otlpProtobuf, .jaeger, .zipkin:
            let export = try TraceExport.read(path: path, format: resolved.flatMap { TraceExport.Format(rawValue: $0.rawValue) })
            return spanSeries(export.batch, windowMilliseconds: spanWindowMilliseconds)
        }
    }

    /// The spans of a trace export, or nil when the file is CSV or Prometheus (per `format`,
    /// or detected).
    public static func readSpans(path: String, format: SeriesFormat? = nil) throws -> SpanBatch? {
        let resolved = try format ?? detect(path)
        switch resolved {
        case .csv, .prometheus: return nil
        case nil, .otlpJSON, .otlpProtobuf, .jaeger, .zipkin:
            return try TraceExport.read(path: path, format: resolved.flatMap { TraceExport.Format(rawValue: $0.rawValue) }).batch
        }
    }

    /// `.csv` by extension, Prometheus by its `"resultType"` key, nil (a trace export, detected
    /// by ``TraceExport``) otherwise.
    private static func detect(_ path: String) throws -> SeriesFormat? {
        if path.lowercased().hasSuffix(".csv") { return .csv }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(source: path, line: 0, message: "cannot open the file")
        }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
        return head.contains("\"resultType\"") ? .prometheus : nil
    }

    /// Golden-signal series of a span batch: every window closed, one series per metric and
    /// label set, sorted by time.
    static func spanSeries(_ batch: SpanBatch, windowMilliseconds: Int64) -> [NamedSeries] {
        var configuration = SpanMetricsConfiguration()
        configuration.windowMilliseconds = windowMilliseconds
        let aggregator = SpanMetricsAggregator(configuration: configuration)
        aggregator.ingest(batch)
        var series: [String: NamedSeries] = [:]
        var order: [String] = []
        for window in aggregator.drainAll() {
            for point in window.points() {
                let labels = Dictionary(point.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
                let id = point.name + "{" + point.labels.map(\.description).joined(separator: ",") + "}"
                if series[id] == nil {
                    series[id] = NamedSeries(name: point.name, timestamps: [], values: [], labels: labels)
                    order.append(id)
                }
                series[id]?.timestamps.append(point.timestamp)
                series[id]?.values.append(point.value)
            }
        }
        return order.compactMap { id in
            guard var s = series[id] else { return nil }
            let sorted = s.timestamps.indices.sorted { s.timestamps[$0] < s.timestamps[$1] }
            s.timestamps = sorted.map { s.timestamps[$0] }
            s.values = sorted.map { s.values[$0] }
            return s
        }
    }
}
