import ArgumentParser
import Foreshock
import Foundation

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score historical series and report what is anomalous.",
        discussion: """
            Every value column of every CSV input (files, or directories searched recursively)
            runs through a streaming detector with one fixed configuration (no look-ahead; the
            same input always gives the same output).

            Without --output, prints the incidents found. With --output, writes one CSV per
            series (timestamp,value,expected,lower,upper,anomaly_score,alert): to that file for
            a single input file with one series, else mirroring the inputs' relative paths under
            that directory. --json writes the incidents as JSON Lines (beside each CSV, or to
            stdout without --output).

            Examples:
              foreshock score Datasets/samples
              foreshock score data.csv --output scored.csv --threshold-above 800
              foreshock score ../shared/datasets/nab/data --output /tmp/nab-scores
            """
    )

    @Argument(help: "CSV files or directories.")
    var inputs: [String]

    @Option(name: .long, help: "Output file (one input series) or directory.")
    var output: String?

    @Option(help: "Input format: auto, csv, prometheus, otlp-json, otlp-proto, jaeger or zipkin (trace exports become golden-signal series first).")
    var format: String = "auto"

    @Option(name: .customLong("threshold-above"), help: "Static threshold: warn before values rise above it.")
    var thresholdAbove: Double?

    @Option(name: .customLong("threshold-below"), help: "Static threshold: warn before values fall below it.")
    var thresholdBelow: Double?

    @Flag(help: "Write incidents as JSON Lines.")
    var json = false

    @Option(help: "Detector profile: operations (paging on operations data) or nab (the NAB configuration).")
    var profile = "operations"

    @Option(name: .customLong("time-zone"), help: "IANA time zone whose wall clock the daily and weekly seasons follow (e.g. Europe/Berlin); default UTC.")
    var timeZone: String?

    @Option(help: "Engine configuration file (JSON or YAML, see README): its detector settings and threshold rules apply.")
    var config: String?

    @Option(name: .customLong("detector-config"),
            help: "Detector settings to override: a JSON object inline or a JSON file (keys of DetectorConfiguration, e.g. {\"riskLevel\": 1e-5}).")
    var detectorConfig: String?

    @Option(help: "Score two count columns of each CSV as one ratio, count-aware (e.g. errors/requests): how improbable the errors are given the requests, not the ratio's value.")
    var ratio: String?

    @Option(name: .customLong("error-ratio-config"),
            help: "Settings of the count-aware ratio detector (--ratio): a JSON object inline or a JSON file (e.g. {\"minimumIncrease\": 0.01}).")
    var errorRatioConfig: String?

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard format == "auto" || SeriesFormat(rawValue: format) != nil else {
            throw ValidationError("--format \(format): expected auto, " + SeriesFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if thresholdAbove != nil && thresholdBelow != nil {
            throw ValidationError("give --threshold-above or --threshold-below, not both")
        }
        if let ratio, SeriesScoring.RatioColumns(ratio) == nil {
            throw ValidationError("--ratio \(ratio): expected two column names, NUMERATOR/DENOMINATOR")
        }
        if errorRatioConfig != nil && ratio == nil {
            throw ValidationError("--error-ratio-config applies to --ratio")
        }
    }

    func run() throws {
        try runReportingErrors {
            guard let base = DetectorConfiguration.profile(named: profile) else {
                throw ValidationError("--profile \(profile): expected operations or nab")
            }
            var options = SeriesScoring.Options(detector: base)
            if let config { options.detector = try EngineConfiguration.load(path: config).detector }
            if let detectorConfig {
                // Inline JSON, or the path of a JSON file.
                let data = detectorConfig.hasPrefix("{") ? Data(detectorConfig.utf8) : try Data(contentsOf: URL(fileURLWithPath: detectorConfig))
                options.detector = try ConfigurationOverrides.apply(data, to: options.detector, source: detectorConfig)
                try options.detector.validate()
            }
            if let timeZone {
                guard let offsets = UTCOffsets.timeZone(timeZone) else { throw ValidationError("--time-zone \(timeZone): unknown time zone") }
                options.detector.localTime = offsets
            }
            options.ratio = ratio.flatMap(SeriesScoring.RatioColumns.init)
            if let errorRatioConfig {
                let data = errorRatioConfig.hasPrefix("{") ? Data(errorRatioConfig.utf8) : try Data(contentsOf: URL(fileURLWithPath: errorRatioConfig))
                options.errorRatio = try ConfigurationOverrides.apply(data, to: options.errorRatio, source: errorRatioConfig)
                try options.errorRatio.validate()
            }
            if let thresholdAbove { options.setThreshold(thresholdAbove, side: .above) }
            if let thresholdBelow { options.setThreshold(thresholdBelow, side: .below) }
            let progress = ProgressLine(enabled: !quiet && output != nil)
            let fileCount = try FileImporter.discover(inputs).count
            let singleOutputFile = output.map { !FileSystemCheck.isDirectory($0) && fileCount == 1 && $0.hasSuffix(".csv") } ?? false
            let summary = try SeriesScoring.scoreFiles(inputs, options: options, format: try SeriesFormat.parse(format), progress: { progress.update($0, $1, "files") }) { scored, seriesInFile in
                if let output {
                    let path = singleOutputFile ? output : outputPath(output, scored.source, series: scored.identifier, of: seriesInFile)
                    try AtomicFile.write(scored.csv(), to: path)
                    if json { try AtomicFile.write(scored.jsonLines(), to: replacingExtension(path, "jsonl")) }
                } else if json {
                    print(try scored.jsonLines(), terminator: "")
                } else if !quiet {
                    for a in scored.incidents { print(IncidentLine(a, source: scored.source).text) }
                }
            }
            progress.finish()
            if !quiet && !json {
                FileHandle.standardError.write(Data("foreshock: \(summary.files) files scored, \(summary.incidents) incidents\n".utf8))
            }
        }
    }

    /// `DIR/<relative path>`, with `__<series>` before `.csv` when a file has several series.
    private func outputPath(_ directory: String, _ relative: String, series: String, of count: Int) -> String {
        let base = directory + "/" + relative
        guard count > 1 else { return base }
        let safe = String(series.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        let stem = base.hasSuffix(".csv") ? String(base.dropLast(4)) : base
        return stem + "__" + safe + ".csv"
    }

    private func replacingExtension(_ path: String, _ ext: String) -> String {
        let stem = path.hasSuffix(".csv") ? String(path.dropLast(4)) : path
        return stem + "." + ext
    }
}

/// One incident as a line of text.
struct IncidentLine {
    let text: String
    init(_ a: Anomaly, source: String) {
        let from = TimestampFormatter.string(milliseconds: a.onset)
        let to = TimestampFormatter.string(milliseconds: a.time)
        var line = "\(source) [\(a.series)] \(a.kind.rawValue) \(a.severity.rawValue) \(from) .. \(to)"
        line += "  observed \(format(a.observed)) expected \(format(a.expected)) (band \(format(a.lower))..\(format(a.upper))) score \(String(format: "%.3f", a.score))"
        if let lead = a.leadTime { line += "  breach expected in \(lead / 60_000) min" }
        text = line
    }
}

private func format(_ v: Double) -> String { String(format: "%.4g", v) }
