import ArgumentParser
import Foreshock

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load time-series files into a data directory.",
        discussion: """
            Every value column of every CSV file and every Prometheus query_range result becomes
            one series, labelled source=<path relative to the input>; trace exports (OTLP JSON,
            JSON Lines or protobuf, Jaeger, Zipkin) become golden-signal series (span.count,
            span.errors, span.duration.p99, ... per service, operation and dimensions) with
            per-window latency sketches. Directories are searched recursively (.csv, .json,
            .jsonl, .pb).

            Example:
              foreshock ingest --data-dir /tmp/nab-store ../shared/datasets/nab/data
            """
    )

    @Option(name: .long, help: "The store's data directory (created if missing).")
    var dataDir: String

    @Argument(help: "Files or directories to load.")
    var inputs: [String]

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        try runReportingErrors {
            // A batch import seals everything at the end: spend the encoder's effort on size.
            let store = try Store(directory: dataDir, configuration: StoreConfiguration(encodingEffort: .compact))
            reportRecovery(store)
            let progress = ProgressLine(enabled: !quiet)
            let report = try FileImporter.load(inputs, into: store) { done, total in progress.update(done, total, "files") }
            progress.finish()
            try store.close(sealingHeads: true)
            if !quiet {
                let stats = store.statistics()
                print("ingested \(report.files) files, \(report.series) series, \(report.points) points "
                      + "(\(report.append.accepted) new, \(report.append.replaced) replaced duplicates, "
                      + "\(report.append.rejectedTooOld) rejected as older than sealed data)")
                print(StoreSummary(stats).text)
            }
        }
    }
}
