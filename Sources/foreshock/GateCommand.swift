import ArgumentParser
import Foreshock
import Foundation

struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Compare a candidate's traces with a baseline's and fail on latency or error regressions.",
        discussion: """
            Spans are grouped by (service, span name). For every group in both exports with at \
            least --min-spans spans on each side, the group regresses when
              - a latency quantile grows by more than --max-latency-regression and a one-sided \
            Mann-Whitney U test on the durations is significant at --significance, or
              - the error ratio (status ERROR; or unset status with HTTP >= 500 or gRPC != 0) \
            grows by more than --max-error-rate-increase and a one-sided two-proportion z-test \
            is significant.
            Smaller groups are reported as insufficient data; groups in one export only are \
            listed. Neither fails the gate. See docs/GATE.md.

            Formats (detected from the content unless --format is given): OTLP JSON (one \
            document, or the Collector file exporter's JSON Lines), OTLP protobuf, Jaeger JSON, \
            Zipkin v2 JSON.

            Exit codes: 0 no regression, 1 regression, 2 bad input (missing or undecodable \
            file, bad option).

            Examples:
              foreshock gate --baseline main.json --candidate pr.json
              foreshock gate --baseline main.jsonl --candidate pr.jsonl \\
                --max-latency-regression 5% --quantiles p50,p99 --junit gate.xml
            """
    )

    @Option(help: "The baseline's trace export.")
    var baseline: String

    @Option(help: "The candidate's trace export.")
    var candidate: String

    @Option(name: .customLong("max-latency-regression"), help: "Allowed relative growth of a latency quantile.")
    var maxLatencyRegression = "10%"

    @Option(name: .customLong("max-error-rate-increase"), help: "Allowed growth of the error ratio, in percentage points.")
    var maxErrorRateIncrease = "0.5pp"

    @Option(help: "Latency quantiles to compare (0.5,0.95,0.99 or p50,p95,p99).")
    var quantiles = "0.5,0.95,0.99"

    @Option(help: "One-sided significance level of the tests.")
    var significance = 0.01

    @Option(name: .customLong("min-spans"), help: "Fewer spans in either export: insufficient data.")
    var minSpans = 20

    @Option(help: "Write a JUnit XML report to this file.")
    var junit: String?

    @Option(help: "Export format: auto, otlp-json, otlp-proto, jaeger or zipkin.")
    var format = "auto"

    @Flag(help: "Print only the summary line and errors.")
    var quiet = false

    func run() throws {
        try runReportingErrors {
            var options = ReleaseGate.Options()
            options.maxLatencyRegression = try ReleaseGate.Options.parsePercentage(maxLatencyRegression, option: "max-latency-regression")
            options.maxErrorRateIncrease = try ReleaseGate.Options.parsePercentagePoints(maxErrorRateIncrease, option: "max-error-rate-increase")
            options.quantiles = try ReleaseGate.Options.parseQuantiles(quantiles, option: "quantiles")
            options.significance = significance
            options.minimumSpans = minSpans
            try options.validate()
            let format = try TraceExport.Format.parse(format)
            let base = try TraceExport.read(path: baseline, format: format)
            let cand = try TraceExport.read(path: candidate, format: format)
            for export in [base, cand] { reportRejections(export.batch) }
            let report = ReleaseGate.compare(baseline: base.spans, candidate: cand.spans, options: options)
            print(quiet ? report.summary : report.table, terminator: quiet ? "\n" : "")
            if let junit { try AtomicFile.write(report.junitXML, to: junit) }
            if report.hasRegression { throw ExitCode(1) }
        }
    }

    private func reportRejections(_ batch: SpanBatch) {
        guard batch.rejected > 0 else { return }
        var text = "foreshock: warning: \(batch.rejected) span\(batch.rejected == 1 ? "" : "s") rejected, \(batch.spans.count) kept\n"
        for error in batch.errors { text += "  \(error)\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
