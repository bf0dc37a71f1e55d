import ArgumentParser
import Foreshock

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "List series, read a range, downsample, or take quantiles of stored sketches.",
        discussion: """
            Matchers: name=value, name!=value, name=prefix* (__name__ is the metric name).
            Times: milliseconds since the Unix epoch.

            Examples:
              foreshock query --data-dir /tmp/s --match source=realKnownCause/nyc_taxi.csv
              foreshock query --data-dir /tmp/s --match source=realKnownCause/nyc_taxi.csv --step 86400000
              foreshock query --data-dir /tmp/s --list
              foreshock query --data-dir /tmp/s --match service=checkout --quantile 0.99 --from 1767261600000 --to 1767276000000
            """
    )

    @Option(name: .long, help: "The store's data directory.")
    var dataDir: String

    @Option(name: .long, help: "Label matcher (repeatable).")
    var match: [String] = []

    @Flag(help: "Only list the matching series.")
    var list = false

    @Option(help: "Start of the range (ms, inclusive).")
    var from: Int64 = .min

    @Option(help: "End of the range (ms, inclusive).")
    var to: Int64 = .max

    @Option(help: "Downsample into windows of this many milliseconds.")
    var step: Int64?

    @Option(help: "A quantile (0...1) of the stored latency sketches of all matching series over the range.")
    var quantile: Double?

    func run() throws {
        try runReportingErrors {
            guard FileSystemCheck.isDirectory(dataDir) else { throw CLIError("no data directory at \(dataDir)") }
            let matchers = try match.map { text in
                guard let matcher = LabelMatcher(parsing: text) else { throw CLIError("bad matcher \(text): expected name=value, name!=value or name=prefix*") }
                return matcher
            }
            let store = try Store(directory: dataDir)
            reportRecovery(store)
            if let quantile {
                guard (0...1).contains(quantile) else { throw CLIError("--quantile must be in [0, 1]") }
                guard let sketch = try StoredSketches.merged(in: store, matching: matchers, from: from, to: to) else {
                    throw CLIError("no stored sketches match")
                }
                print("quantile,value,count")
                print("\(quantile),\(sketch.quantile(quantile).map { "\($0)" } ?? "NaN"),\(sketch.count)")
                return
            }
            let keys = store.series(matching: matchers)
            if list {
                for key in keys { print(key.description) }
                return
            }
            for key in keys {
                if let step {
                    print("# \(key)")
                    print("window_start,count,sum,min,max,mean,last")
                    for w in try store.downsample(series: key, from: from, to: to, step: step) {
                        print("\(w.start),\(w.count),\(w.sum),\(w.minimum),\(w.maximum),\(w.mean),\(w.last)")
                    }
                } else {
                    print("# \(key)")
                    print("timestamp,value")
                    let points = try store.read(series: key, from: from, to: to)
                    for i in 0..<points.count { print("\(points.timestamps[i]),\(points.values[i])") }
                }
            }
        }
    }
}
