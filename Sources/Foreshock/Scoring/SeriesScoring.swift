import ForeshockDetection
import ForeshockTelemetry

/// Batch scoring of historical series: the library side of `foreshock score`.
///
/// Each series runs through its own ``SeriesDetector`` in time order, exactly as a live
/// stream would (no look-ahead: a point's score uses only the points before it), with one
/// fixed configuration, so the same input always gives the same output.
public enum SeriesScoring {
    /// Options of a scoring run.
    public struct Options: Sendable {
        /// The detector configuration for every series.
        public var detector: DetectorConfiguration
        /// When set, each input's two named count columns are scored as one ratio
        /// (``SeriesScoring/scoreRatio(_:in:source:configuration:)``) instead of each column alone.
        public var ratio: RatioColumns?
        /// The count-aware detector's settings, for ``ratio``.
        public var errorRatio = ErrorRatioDetector.Configuration()

        public init(detector: DetectorConfiguration = DetectorConfiguration()) { self.detector = detector }

        /// Adds a static threshold (an SLO line) so that early warnings (`predictedBreach`)
        /// are raised before it is crossed; enables the trend the forecast needs.
        public mutating func setThreshold(_ value: Double, side: StaticThreshold.Side, horizon: Int = 60) {
            detector = detector.with(threshold: StaticThreshold(value: value, side: side, horizon: horizon))
        }
    }

    /// Scores one series.
    /// - Throws: ``DetectionError`` if the configuration is invalid.
    public static func score(_ series: NamedSeries, source: String, options: Options = Options()) throws -> ScoredSeries {
        var detector = try SeriesDetector(series: SeriesRef(name: series.name, labels: series.labels.merging(["source": source]) { $1 }),
                                          configuration: options.detector)
        let points = try detector.score(timestamps: series.timestamps, values: series.values)
        var events = points.compactMap(\.event)
        if let last = detector.flush() { events.append(last) }
        return ScoredSeries(source: source, name: series.name, labels: series.labels, points: points, events: events)
    }
}
