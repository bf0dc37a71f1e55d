import ForeshockTelemetry

extension SeriesScoring {
    /// What ``scoreFiles(_:options:progress:each:)`` went through.
    public struct FilesSummary: Sendable, Equatable {
        public var files = 0
        public var series = 0
        public var incidents = 0
    }

    /// Scores every value column of every CSV file under `inputs` (files, or directories
    /// searched recursively: ``FileImporter/discover(_:)``) — or, with ``Options/ratio``, the
    /// one ratio of two columns per file — one series at a time in discovery order, and hands each result to `each` with the number of series its file holds (so a
    /// caller can name per-series outputs as `foreshock score` does): the loop shared by
    /// `foreshock score` and `foreshock report`. A series' ``ScoredSeries/source`` is its file's
    /// path relative to its input.
    ///
    /// - Parameter progress: called after each file with (files done, files total).
    /// - Throws: ``InputError`` for a missing input, no CSV file at all, or an unreadable CSV;
    ///   ``DetectionError`` for an invalid configuration; whatever `each` throws.
    /// - Complexity: O(points); one series is held at a time (plus what `each` keeps).
    public static func scoreFiles(_ inputs: [String], options: Options = Options(), format: SeriesFormat? = nil,
                                  progress: (Int, Int) -> Void = { _, _ in },
                                  each: (_ series: ScoredSeries, _ seriesInFile: Int) throws -> Void) throws -> FilesSummary {
        let files = try FileImporter.discover(inputs)
        guard !files.isEmpty else {
            throw InputError(source: inputs.joined(separator: ", "), line: 0, message: "no CSV files")
        }
        var summary = FilesSummary()
        for (index, file) in files.enumerated() {
            let all = try SeriesSource.read(path: file.path, format: format)
            if let ratio = options.ratio {
                let scored = try scoreRatio(ratio, in: all, source: file.name, configuration: options.errorRatio)
                summary.series += 1
                summary.incidents += scored.incidents.count
                try each(scored, 1)
            } else {
                for series in all {
                    let scored = try score(series, source: file.name, options: options)
                    summary.series += 1
                    summary.incidents += scored.incidents.count
                    try each(scored, all.count)
                }
            }
            summary.files += 1
            progress(index + 1, files.count)
        }
        return summary
    }
}
