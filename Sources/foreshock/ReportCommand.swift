import ArgumentParser
import Foreshock
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Score series and write a self-contained HTML report with a chart per flagged series.",
        discussion: """
            Every value column of every CSV input is scored as by `foreshock score`. The page \
            lists every incident and draws, for each series with an incident (most severe first, \
            at most --max-charts), the observed values, the expected band, the incidents and the \
            alerts, as inline SVG. It needs no network access to view. See docs/GATE.md.

            Examples:
              foreshock report Datasets/samples --output report.html --threshold-above 800
              foreshock report ../shared/datasets/nab/data --output /tmp/nab.html --max-charts 20
            """
    )

    @Argument(help: "CSV files or directories.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "The HTML file to write.")
    var output: String

    @Option(name: .customLong("threshold-above"), help: "Static threshold: warn before values rise above it.")
    var thresholdAbove: Double?

    @Option(name: .customLong("threshold-below"), help: "Static threshold: warn before values fall below it.")
    var thresholdBelow: Double?

    @Option(name: .customLong("max-charts"), help: "The most charts drawn (most severe series first).")
    var maxCharts = 50

    @Option(help: "The page title.")
    var title = "Foreshock anomaly report"

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if thresholdAbove != nil && thresholdBelow != nil {
            throw ValidationError("give --threshold-above or --threshold-below, not both")
        }
        if maxCharts < 0 { throw ValidationError("--max-charts must be 0 or more") }
    }

    func run() throws {
        try runReportingErrors {
            var scoring = SeriesScoring.Options()
            var threshold: (value: Double, side: StaticThreshold.Side)?
            if let thresholdAbove { threshold = (thresholdAbove, .above) }
            if let thresholdBelow { threshold = (thresholdBelow, .below) }
            if let threshold { scoring.setThreshold(threshold.value, side: threshold.side) }
            var report = HTMLReport(options: HTMLReport.Options(title: title, threshold: threshold, maxCharts: maxCharts))
            let progress = ProgressLine(enabled: !quiet)
            let summary = try SeriesScoring.scoreFiles(inputs, options: scoring,
                                                       progress: { progress.update($0, $1, "files") }) { series, _ in report.add(series) }
            progress.finish()
            try AtomicFile.write(report.html, to: output)
            if !quiet {
                print("wrote \(output): \(summary.files) files, \(summary.series) series scored, "
                      + "\(report.flagged.count) flagged, \(summary.incidents) incidents")
            }
        }
    }
}
