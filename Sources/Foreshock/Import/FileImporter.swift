import ForeshockStorage
import Logging
import ForeshockTelemetry

/// Loads time-series files into a ``Store``: the library side of `foreshock ingest`.
///
/// Each series of a CSV or Prometheus file becomes one store series with its name and labels
/// plus `source` = the file's path relative to the input it was found under (so the same
/// corpus ingested from another folder gets the same keys). Trace exports go through the
/// engine's span pipeline: golden-signal series keyed by service, operation and dimensions,
/// plus per-window latency sketches (payload series). Directories are walked recursively in
/// sorted order; supported files: `.csv`, `.json`, `.jsonl`, `.pb`.
public enum FileImporter {
    /// What an import did.
    public struct Report: Sendable, Equatable {
        public var files = 0
        public var series = 0
        public var points = 0
        public var append = AppendResult()
    }

    /// The supported files under each input (a file, or a directory searched recursively),
    /// each with the path that names it in labels.
    public static func discover(_ inputs: [String]) throws -> [(path: String, name: String)] {
        var found: [(path: String, name: String)] = []
        for input in inputs {
            if FileSystem.isDirectory(input) {
                for relative in try FileSystem.walk(input) where isSupported(relative) {
                    found.append((input + "/" + relative, relative))
                }
            } else if FileSystem.exists(input) {
                found.append((input, lastComponent(input)))
            } else {
                throw InputError(source: input, line: 0, message: "no such file or directory")
            }
        }
        return found
    }

    public static func isSupported(_ path: String) -> Bool { SeriesSource.isSupported(path) }

    /// Spans of a trace export converted to columns at a time.
    static let spansPerChunk = 100_000

    /// Reads every supported file under `inputs` and appends it to `store`.
    /// - Parameter progress: called after each file with (files done, files total).
    public static func load(_ inputs: [String], into store: Store, format: SeriesFormat? = nil,
                            progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        var report = Report()
        let files = try discover(inputs)
        for (index, file) in files.enumerated() {
            if let spans = try SeriesSource.readSpans(path: file.path, format: format) {
                // Trace exports: the engine's span pipeline, so the store also gets the
                // per-window latency sketches (quantiles over any range later).
                var pipeline = SpanPipeline(configuration: SpanIngestConfiguration())
                let logger = Logger(label: "foreshock.import")
                // In chunks: a batch's text ranges are 32-bit, and a whole export can pass 4 GiB.
                var derived: [SeriesPoints] = []
                for start in stride(from: 0, to: spans.spans.count, by: Self.spansPerChunk) {
                    let chunk = Array(spans.spans[start ..< min(start + Self.spansPerChunk, spans.spans.count)])
                    derived += pipeline.ingest(SpanColumns(spans: chunk), store: store, logger: logger, wallClock: .min).points
                }
                derived += pipeline.drain(now: .min, all: true, store: store, logger: logger).points
                var seen = Set<SeriesKey>()
                for points in derived {
                    report.append += try store.append(series: points.key, timestamps: points.timestamps, values: points.values)
                    if seen.insert(points.key).inserted { report.series += 1 }
                    report.points += points.timestamps.count
                }
                report.files += 1
                progress(index + 1, files.count)
                continue
            }
            for series in try SeriesSource.read(path: file.path, format: format) {
                let key = try SeriesKey(name: series.name, labels: series.labels.map { Label($0.key, $0.value) } + [Label("source", file.name)])
                report.append += try store.append(series: key, timestamps: series.timestamps, values: series.values)
                report.series += 1
                report.points += series.timestamps.count
            }
            report.files += 1
            progress(index + 1, files.count)
        }
        return report
    }

    private static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
