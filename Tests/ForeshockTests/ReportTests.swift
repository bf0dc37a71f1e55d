import ForeshockTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Foreshock
import Testing

/// Three days of 5-minute points with a daily cycle and noise; a spike at `spikeAt` and, if
/// given, a level shift from `shiftAt` on.
private func syntheticSeries(name: String = "latency_ms", count: Int = 864, spikeAt: Int? = 600, shiftAt: Int? = 750,
                             missing: Range<Int>? = nil, seed: UInt64 = 1) -> NamedSeries {
    var random = SplitMix64(seed: seed)
    let start: Int64 = 1_772_409_600_000   // 2026-03-02 00:00 UTC
    var timestamps: [Int64] = [], values: [Double] = []
    for i in 0..<count {
        timestamps.append(start + Int64(i) * 300_000)
        var v = 200 + 40 * sin(Double(i % 288) / 288 * 2 * .pi) + Double.random(in: -8...8, using: &random)
        if i == spikeAt { v += 400 }
        if let shiftAt, i >= shiftAt { v += 150 }
        if let missing, missing.contains(i) { v = .nan }
        values.append(v)
    }
    return NamedSeries(name: name, timestamps: timestamps, values: values)
}

/// The number of points (move-to and line-to commands) in SVG path data.
private func pathPointCount(_ d: String) -> Int { d.filter { $0 == "M" || $0 == "L" }.count }

@Suite struct ReportChartTests {
    @Test func theChartHasAPathPerLayerAndAMarkPerAlert() throws {
        let scored = try SeriesScoring.score(syntheticSeries(), source: "checkout.csv")
        let alerts = scored.events.filter { if case .closed = $0 { false } else { true } }
        #expect(!scored.incidents.isEmpty, "the premise: the injected spike and shift raise incidents")
        let svg = SVGChart.render(scored, options: SVGChart.Options(threshold: 700))
        let xml = GateReportFixtures.XMLElementCounter()
        #expect(xml.parse(svg), "\(xml.error ?? "")")
        let paths = xml.attributes["path", default: []].compactMap { $0["class"] }
        #expect(paths == ["band", "expected", "observed"])
        let circles = xml.attributes["circle", default: []].compactMap { $0["class"] }.filter { $0.hasPrefix("anomaly") }
        #expect(circles.count == alerts.count)
        let incidents = xml.attributes["rect", default: []].compactMap { $0["class"] }.filter { $0.hasPrefix("incident") }
        #expect(incidents.count == scored.incidents.count)
        #expect(xml.attributes["line", default: []].contains { $0["class"] == "threshold" })
        #expect(svg.contains("<title>checkout.csv — latency_ms</title>"))
        // UTC time ticks over three days, value ticks.
        #expect(svg.contains(">03-02 00:00<") || svg.contains(">2026-03-02<"))
        #expect(svg.contains(">UTC<"))
    }

    @Test func bigSeriesAreReducedToMinAndMaxPerPixelColumnKeepingSpikes() throws {
        let series = syntheticSeries(count: 20_000, spikeAt: 12_345, shiftAt: nil)
        let scored = try SeriesScoring.score(series, source: "big.csv")
        let svg = SVGChart.render(scored)
        let observed = try #require(pathData(svg, class: "observed"))
        let count = pathPointCount(observed)
        #expect(count <= 2000 && count > 800)
        #expect(pathPointCount(try #require(pathData(svg, class: "band"))) <= 2000)
        // The single spiking point is still drawn: the highest point of the line is near the top.
        let ys = observed.split(whereSeparator: { $0 == "M" || $0 == "L" }).compactMap { Double($0.split(separator: " ")[1]) }
        #expect(try #require(ys.min()) < 45)
        #expect(svg.utf8.count < 120_000)
    }

    @Test func missingPointsBreakTheLines() throws {
        let scored = try SeriesScoring.score(syntheticSeries(spikeAt: nil, shiftAt: nil, missing: 400..<430), source: "gaps.csv")
        let observed = try #require(pathData(SVGChart.render(scored), class: "observed"))
        #expect(observed.filter { $0 == "M" }.count == 2)
    }

    @Test func textFromFilesIsEscaped() throws {
        let hostile = "<script>alert(\"x\")</script> & 'co'"
        let scored = try SeriesScoring.score(syntheticSeries(name: hostile), source: "a&b<c>.csv")
        let svg = SVGChart.render(scored)
        #expect(!svg.contains("<script"))
        #expect(svg.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"))
        let xml = GateReportFixtures.XMLElementCounter()
        #expect(xml.parse(svg), "\(xml.error ?? "")")
        #expect(xml.counts["script"] == nil)
    }

    @Test func anEmptyOrConstantSeriesStillRenders() throws {
        let empty = try SeriesScoring.score(NamedSeries(name: "e", timestamps: [], values: []), source: "e.csv")
        #expect(SVGChart.render(empty).contains("no data"))
        let constant = try SeriesScoring.score(NamedSeries(name: "c", timestamps: [0], values: [5]), source: "c.csv")
        let xml = GateReportFixtures.XMLElementCounter()
        #expect(xml.parse(SVGChart.render(constant)), "\(xml.error ?? "")")
    }

    @Test func markupEscapingCoversTheFiveCharactersAndForbiddenControls() {
        #expect(Markup.escape("plain text") == "plain text")
        #expect(Markup.escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        #expect(Markup.escape("tab\tnew\nline\u{0}\u{1B}") == "tab\tnew\nline\u{FFFD}\u{FFFD}")
    }
}

@Suite struct ReportPageTests {
    func report(maxCharts: Int = 50) throws -> HTMLReport {
        var report = HTMLReport(options: HTMLReport.Options(title: "Checkout <week>", threshold: (700, .above), maxCharts: maxCharts))
        var options = SeriesScoring.Options()
        options.setThreshold(700, side: .above)
        report.add(try SeriesScoring.score(syntheticSeries(name: "mild", spikeAt: 600, shiftAt: nil, seed: 2), source: "a.csv", options: options))
        report.add(try SeriesScoring.score(syntheticSeries(name: "quiet", spikeAt: nil, shiftAt: nil, seed: 3), source: "a.csv", options: options))
        report.add(try SeriesScoring.score(syntheticSeries(name: "severe", seed: 4), source: "b.csv", options: options))
        return report
    }

    @Test func thePageIsSelfContainedAndWellFormed() throws {
        let report = try report()
        #expect(report.seriesCount == 3)
        #expect(report.sources == ["a.csv", "b.csv"])
        let html = report.html
        let xml = GateReportFixtures.XMLElementCounter()
        #expect(xml.parse(html), "\(xml.error ?? "")")
        #expect(xml.counts["svg"] == report.flagged.count)
        #expect(xml.counts["table"] == 1)
        let rows = xml.counts["tr", default: 0] - 1
        #expect(rows == report.flagged.reduce(0) { $0 + $1.incidents.count })
        // Nothing is fetched: no script, no external stylesheet, font or image.
        for needle in ["<script", "<link", "<img", "@import", "url(", "src=", "href=\"http"] {
            #expect(!html.contains(needle), "\(needle)")
        }
        #expect(xml.attributes["a", default: []].allSatisfy { $0["href"]?.hasPrefix("#chart-") == true })
        #expect(html.contains("<title>Checkout &lt;week&gt;</title>"))
    }

    @Test func chartsAreCappedMostSevereFirst() throws {
        let report = try report(maxCharts: 1)
        #expect(report.flagged.count >= 2, "the premise: two series have incidents")
        let ranked = report.rankedSeries
        let html = report.html
        let xml = GateReportFixtures.XMLElementCounter()
        #expect(xml.parse(html), "\(xml.error ?? "")")
        #expect(xml.counts["svg"] == 1)
        #expect(html.contains("The 1 most severe of \(ranked.count) flagged series are drawn."))
        #expect(html.contains("<section class=\"chart\" id=\"chart-1\">\n<h3>\(ranked[0].source) "))
        // Critical before warning, then by highest score.
        let keys = ranked.map { ($0.incidents.contains { $0.severity == .critical }, $0.incidents.map(\.score).max()!) }
        for (a, b) in zip(keys, keys.dropFirst()) {
            #expect((a.0 && !b.0) || (a.0 == b.0 && a.1 >= b.1))
        }
    }

    @Test func scoringFilesVisitsEverySeriesOfTheSamples() throws {
        var names: [String] = []
        let summary = try SeriesScoring.scoreFiles([repositoryRoot + "/Datasets/samples"]) { series, _ in names.append(series.source) }
        #expect(summary.files == 2 && summary.series == 2)
        #expect(names == ["checkout_latency_p99_ms.csv", "checkout_requests_per_min.csv"])
        #expect(throws: InputError.self) { _ = try SeriesScoring.scoreFiles(["/nonexistent"]) { _, _ in } }
    }
}

/// The `d` attribute of the first `<path class="…">`.
private func pathData(_ svg: String, class name: String) -> String? {
    guard let start = svg.range(of: "<path class=\"\(name)\" d=\"") else { return nil }
    let rest = svg[start.upperBound...]
    guard let end = rest.firstIndex(of: "\"") else { return nil }
    return String(rest[..<end])
}

@Suite struct DashboardTests {
    @Test func openIncidentsAreListedAtTheTopOfThePage() throws {
        let anomaly = Anomaly(id: 1, series: SeriesRef(name: "span.duration.p99", labels: ["service": "a<b"]), time: 120_000, onset: 60_000,
                              observed: 0.9, expected: 0.1, lower: 0.05, upper: 0.2, score: 0.97, severity: .critical, kind: .spike)
        let page = Dashboard.insertOpenAnomalies([anomaly], into: "<html><body>\nrest</body></html>")
        #expect(page.contains("Open now (1)"))
        #expect(page.contains("a&lt;b"))
        #expect(page.range(of: "Open now")!.lowerBound < page.range(of: "rest")!.lowerBound)
        #expect(Dashboard.insertOpenAnomalies([], into: "<body>\n").contains("No open incidents."))
    }
}

@Suite struct ReleaseBreakdownTests {
    private func series(_ name: String, version: String, origin: String, values: [Double]) throws -> ScoredSeries {
        var scored = try SeriesScoring.score(NamedSeries(name: name, timestamps: values.indices.map { Int64($0) * 60_000 }, values: values),
                                             source: "spans.json")
        scored.labels = ["service": "checkout", "operation": "PlaceOrder", "service.version": version, "code.origin": origin]
        return scored
    }

    /// An error incident is broken down by the errors of its operation over its interval: the
    /// new AI-written release holds 95 % of them (18 of 19), although it serves a third of the traffic.
    @Test func errorIncidentsAreBrokenDownByReleaseAndOrigin() throws {
        var breakdown = ReleaseBreakdown()
        breakdown.add(try series("span.count", version: "1.0", origin: "human", values: [100, 100, 100, 100]))
        breakdown.add(try series("span.count", version: "2.0", origin: "ai", values: [50, 50, 50, 50]))
        breakdown.add(try series("span.errors", version: "1.0", origin: "human", values: [0, 1, 0, 9]))
        let failing = try series("span.errors", version: "2.0", origin: "ai", values: [0, 9, 9, 100])
        breakdown.add(failing)
        let anomaly = Anomaly(id: 1, series: SeriesRef(name: "span.errors"), time: 120_000, onset: 60_000, observed: 9, expected: 0,
                              lower: 0, upper: 1, score: 0.9, severity: .critical, kind: .levelShift)
        #expect(breakdown.text(for: anomaly, of: failing) == "service.version: 2.0 95 %, 1.0 5 % · code.origin: ai 95 %, human 5 %")
        let latency = try series("span.duration.p99", version: "2.0", origin: "ai", values: [1, 2, 3, 4])
        #expect(breakdown.text(for: anomaly, of: latency) == "service.version: 1.0 67 %, 2.0 33 % · code.origin: human 67 %, ai 33 %",
                "latency incidents are weighed by traffic")
    }
}
