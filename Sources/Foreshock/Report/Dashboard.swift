import ForeshockDetection
import ForeshockStorage

/// The server's dashboard page: the series with open or recent incidents, each charted from
/// its stored recent history with the same SVG code as `foreshock report`.
///
/// The engine stores observed values, not the bands its detectors computed, so the page
/// re-scores each series' last ``historyPoints`` points with the engine's detector
/// configuration to draw the expected band; the incident table lists what that re-scoring
/// flags over the same span of history.
public enum Dashboard {
    /// Points of history charted per series.
    public static let historyPoints = 2000

    /// The page as self-contained HTML (inline SVG, no scripts, no network).
    public static func html(engine: Engine, maxSeries: Int = 20) throws -> String {
        var seen = Set<SeriesKey>()
        var keys: [SeriesKey] = []
        for anomaly in engine.openAnomalies() + engine.recentAnomalies().reversed() {
            guard let key = try? SeriesKey(name: anomaly.series.name, labels: anomaly.series.labels),
                  engine.store.kind(of: key) == .numeric, seen.insert(key).inserted else { continue }
            keys.append(key)
            if keys.count == maxSeries { break }
        }
        var report = HTMLReport(options: HTMLReport.Options(title: "Foreshock: open and recent incidents"))
        for key in keys {
            let points = try engine.store.read(series: key)
            let t = Array(points.timestamps.suffix(historyPoints)), v = Array(points.values.suffix(historyPoints))
            let scored = try SeriesScoring.score(NamedSeries(name: key.description, timestamps: t, values: v),
                                                 source: key.name, options: SeriesScoring.Options(detector: engine.configuration.detector))
            report.add(scored)
        }
        return report.html
    }
}
