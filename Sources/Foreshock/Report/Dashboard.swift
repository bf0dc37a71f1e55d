import ForeshockDetection
import ForeshockStorage
import ForeshockTelemetry
import Foundation

/// The server's dashboard page: the engine's open incidents, then the series with open or
/// recent incidents, each charted from its stored recent history with the same SVG code as
/// `foreshock report`.
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
        return insertOpenAnomalies(engine.openAnomalies(), into: report.html)
    }

    /// Puts a table of the engine's live open incidents at the top of the page body.
    static func insertOpenAnomalies(_ open: [Anomaly], into page: String) -> String {
        var table = "<section><h2>Open now (\(open.count))</h2>"
        if open.isEmpty {
            table += "<p>No open incidents.</p>"
        } else {
            table += "<table><tr><th>series</th><th>kind</th><th>severity</th><th>since</th><th>observed</th><th>expected</th><th>score</th></tr>"
            for a in open {
                table += "<tr><td>\(Markup.escape(a.series.description))</td><td>\(a.kind.rawValue)</td><td>\(a.severity.rawValue)</td>"
                table += "<td>\(TimestampFormatter.string(milliseconds: a.onset))</td><td>\(a.observed)</td><td>\(a.expected)</td>"
                table += "<td>\(a.score)</td></tr>"
            }
            table += "</table>"
        }
        table += "</section>\n"
        guard let body = page.range(of: "<body>\n") else { return page }
        var result = page
        result.insert(contentsOf: table, at: body.upperBound)
        return result
    }
}
