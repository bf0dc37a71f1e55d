import ForeshockStorage
import ForeshockTelemetry

/// Loads time-series files into a ``Store``: the library side of `foreshock ingest`.
///
/// Each series of each file (a CSV value column, a Prometheus result, a span-derived golden
/// signal; see ``SeriesSource``) becomes one store series with its name and labels plus
/// `source` = the file's path relative to the input it was found under (so the same corpus
/// ingested from another folder gets the same keys). Directories are walked recursively in
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

    /// Reads every supported file under `inputs` and appends it to `store`.
    /// - Parameter progress: called after each file with (files done, files total).
    public static func load(_ inputs: [String], into store: Store, format: SeriesFormat? = nil,
                            progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        var report = Report()
        let files = try discover(inputs)
        for (index, file) in files.enumerated() {
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
