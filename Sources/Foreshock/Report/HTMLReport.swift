import ForeshockDetection
import ForeshockTelemetry

/// A self-contained HTML page of scored series: a summary, the table of every incident and
/// one ``SVGChart`` per flagged series (a series with at least one incident), most severe
/// first. No script, stylesheet link, font or image is fetched: the page works offline and
/// as a CI artefact.
///
/// Series are added one at a time, and only flagged ones are kept, so scoring a large corpus
/// holds one unflagged series at a time:
///
/// ```swift
/// var report = HTMLReport(options: .init(title: "checkout", threshold: (800, .above)))
/// _ = try SeriesScoring.scoreFiles(["Datasets/samples"]) { series, _ in report.add(series) }
/// try report.html.write(toFile: "report.html", atomically: true, encoding: .utf8)
/// ```
///
/// The page is also well-formed XML (XHTML syntax: closed empty elements, escaped text, no
/// entities but the five predefined ones), so it can be checked with any XML parser.
public struct HTMLReport: Sendable {
    public struct Options: Sendable {
        public var title: String
        /// The static threshold the series were scored against, drawn on the charts.
        public var threshold: (value: Double, side: StaticThreshold.Side)?
        /// The most charts drawn; the other flagged series are listed in the table only.
        public var maxCharts: Int
        /// The most incident rows in the table (most severe first).
        public var maxTableRows: Int
        /// The size and density of each chart.
        public var chart: SVGChart.Options

        public init(title: String = "Foreshock anomaly report", threshold: (value: Double, side: StaticThreshold.Side)? = nil,
                    maxCharts: Int = 50, maxTableRows: Int = 2000, chart: SVGChart.Options = SVGChart.Options()) {
            self.title = title
            self.threshold = threshold
            self.maxCharts = maxCharts
            self.maxTableRows = maxTableRows
            self.chart = chart
        }
    }

    public var options: Options
    /// The series with at least one incident, in the order added.
    public private(set) var flagged: [ScoredSeries] = []
    /// How many series were added, flagged or not.
    public private(set) var seriesCount = 0
    /// The distinct sources (files) of the series added, in the order first seen.
    public private(set) var sources: [String] = []
    private var sourceSet: Set<String> = []
    private var breakdown = ReleaseBreakdown()

    public init(options: Options = Options()) { self.options = options }

    /// Counts `series`, and keeps it if it has an incident.
    public mutating func add(_ series: ScoredSeries) {
        seriesCount += 1
        if sourceSet.insert(series.source).inserted { sources.append(series.source) }
        breakdown.add(series)
        if !series.incidents.isEmpty { flagged.append(series) }
    }

    /// The flagged series, most severe first: highest incident severity, then highest score,
    /// then most incidents, then by source and name (a total order, so the page is
    /// deterministic).
    public var rankedSeries: [ScoredSeries] {
        flagged.map { (series: $0, key: SeverityKey($0)) }
            .sorted { $0.key < $1.key }
            .map(\.series)
    }

    /// The page.
    ///
    /// - Complexity: O(points of the charted series + incidents · log incidents).
    public var html: String {
        let ranked = rankedSeries
        let charted = Array(ranked.prefix(max(0, options.maxCharts)))
        var anchors: [Int: String] = [:]   // index in `ranked` → element id
        for i in charted.indices { anchors[i] = "chart-\(i + 1)" }

        var page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        page += "<title>\(Markup.escape(options.title))</title>\n<style>\(Self.style)</style>\n</head>\n<body>\n"
        page += "<h1>\(Markup.escape(options.title))</h1>\n"
        page += summary(ranked)

        page += "<h2>Incidents</h2>\n"
        page += incidentTable(ranked, anchors: anchors)

        if !charted.isEmpty {
            page += "<h2>Charts</h2>\n"
            if ranked.count > charted.count {
                page += "<p class=\"note\">The \(charted.count) most severe of \(ranked.count) flagged series are drawn.</p>\n"
            }
        }
        var chartOptions = options.chart
        chartOptions.threshold = options.threshold?.value
        for (i, series) in charted.enumerated() {
            let incidents = series.incidents
            page += "<section class=\"chart\" id=\"\(anchors[i]!)\">\n"
            page += "<h3>\(Markup.escape(series.source)) <span class=\"series\">\(Markup.escape(series.name))</span></h3>\n"
            page += "<p class=\"meta\">\(series.points.count) points, \(incidents.count) incident\(incidents.count == 1 ? "" : "s"), "
                + "highest score \(ReportFormat.significant(incidents.map(\.score).max() ?? 0, digits: 3))</p>\n"
            page += SVGChart.render(series, options: chartOptions)
            page += "\n</section>\n"
        }
        page += "<footer>Generated by Foreshock. Times are UTC. Self-contained: no network access is needed to view this page.</footer>\n"
        page += "</body>\n</html>\n"
        return page
    }

    // MARK: Parts

    private func summary(_ ranked: [ScoredSeries]) -> String {
        let incidents = ranked.reduce(0) { $0 + $1.incidents.count }
        let critical = ranked.reduce(0) { $0 + $1.incidents.filter { $0.severity == .critical }.count }
        var text = "<p class=\"summary\">\(sources.count) file\(sources.count == 1 ? "" : "s"), \(seriesCount) series scored; "
            + "<strong>\(ranked.count) flagged</strong> with \(incidents) incident\(incidents == 1 ? "" : "s") (\(critical) critical)."
        if let threshold = options.threshold {
            text += " Static threshold: \(threshold.side == .above ? "above" : "below") \(Markup.escape(ReportFormat.significant(threshold.value)))."
        }
        return text + "</p>\n"
    }

    private func incidentTable(_ ranked: [ScoredSeries], anchors: [Int: String]) -> String {
        var rows: [(seriesIndex: Int, anomaly: Anomaly)] = []
        for (i, series) in ranked.enumerated() {
            for a in series.incidents { rows.append((i, a)) }
        }
        guard !rows.isEmpty else { return "<p class=\"note\">No incident.</p>\n" }
        rows.sort { a, b in
            if a.anomaly.severity != b.anomaly.severity { return a.anomaly.severity > b.anomaly.severity }
            if a.anomaly.score != b.anomaly.score { return a.anomaly.score > b.anomaly.score }
            if a.seriesIndex != b.seriesIndex { return a.seriesIndex < b.seriesIndex }
            return a.anomaly.onset < b.anomaly.onset
        }
        var html = "<div class=\"scroll\"><table class=\"incidents\">\n<thead><tr><th>series</th><th>kind</th><th>severity</th><th>onset (UTC)</th>"
            + "<th>end (UTC)</th><th class=\"number\">observed</th><th class=\"number\">expected</th><th class=\"number\">band</th>"
            + "<th class=\"number\">score</th><th>lead time</th><th>releases, code origin, model</th></tr></thead>\n<tbody>\n"
        for (i, anomaly) in rows.prefix(max(0, options.maxTableRows)) {
            let series = ranked[i]
            let name = Markup.escape("\(series.source) [\(series.name)]")
            let cell = anchors[i].map { "<a href=\"#\($0)\">\(name)</a>" } ?? name
            html += "<tr class=\"\(anomaly.severity.rawValue)\"><td>\(cell)</td><td>\(anomaly.kind.rawValue)</td>"
                + "<td><span class=\"badge \(anomaly.severity.rawValue)\">\(anomaly.severity.rawValue)</span></td>"
                + "<td>\(TimestampFormatter.string(milliseconds: anomaly.onset))</td>"
                + "<td>\(TimestampFormatter.string(milliseconds: anomaly.time))</td>"
                + "<td class=\"number\">\(ReportFormat.significant(anomaly.observed))</td>"
                + "<td class=\"number\">\(ReportFormat.significant(anomaly.expected))</td>"
                + "<td class=\"number\">\(ReportFormat.significant(anomaly.lower)) .. \(ReportFormat.significant(anomaly.upper))</td>"
                + "<td class=\"number\">\(ReportFormat.significant(anomaly.score, digits: 3))</td>"
                + "<td>\(anomaly.leadTime.map { ReportFormat.duration(milliseconds: $0) } ?? "")</td>"
                + "<td>\(Markup.escape(breakdown.text(for: anomaly, of: series) ?? ""))</td></tr>\n"
        }
        html += "</tbody>\n</table></div>\n"
        if rows.count > options.maxTableRows {
            html += "<p class=\"note\">\(rows.count - options.maxTableRows) less severe incidents not listed.</p>\n"
        }
        return html
    }

    /// No `<` or `&`: the page stays well-formed XML.
    static let style = """
        body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#111827;background:#f9fafb}
        h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:14px;margin:0 0 2px}
        .series{color:#4b5563;font-weight:normal}.meta,.note,footer{color:#6b7280;font-size:12px}
        .summary{font-size:14px}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;font-size:12px;background:#fff}
        th,td{border:1px solid #e5e7eb;padding:3px 8px;text-align:left;white-space:nowrap}
        th{background:#f3f4f6}td.number,th.number{text-align:right;font-variant-numeric:tabular-nums}
        .badge{border-radius:3px;padding:0 5px;color:#fff}.badge.critical{background:#dc2626}.badge.warning{background:#d97706}
        section.chart{background:#fff;border:1px solid #e5e7eb;border-radius:4px;padding:10px;margin:12px 0;overflow-x:auto}
        svg{display:block;max-width:100%;height:auto}
        footer{margin-top:32px}
        """
}

/// Sort key: most severe first, total order.
private struct SeverityKey: Comparable {
    let critical: Bool
    let score: Double
    let incidents: Int
    let source: String
    let name: String

    init(_ s: ScoredSeries) {
        let incidents = s.incidents
        critical = incidents.contains { $0.severity == .critical }
        score = incidents.map(\.score).max() ?? 0
        self.incidents = incidents.count
        source = s.source
        name = s.name
    }

    static func < (a: Self, b: Self) -> Bool {
        if a.critical != b.critical { return a.critical }
        if a.score != b.score { return a.score > b.score }
        if a.incidents != b.incidents { return a.incidents > b.incidents }
        return (a.source, a.name) < (b.source, b.name)
    }
}
