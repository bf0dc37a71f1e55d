import Benchmark
import ForeshockDetection
import Foundation

/// Streaming detection over the NAB corpus, the workload of the peer script's `detection`
/// subcommand (Benchmarks/peers/peers.py): the 58 series `*/*.csv` of
/// `../shared/datasets/nab/data`, every row in file order, one `SeriesDetector` per series, one
/// process on one core. One iteration = the whole corpus (365,558 points); points/s =
/// 365,558 / wall time. CSV parsing is outside the timed region (as in the peer script).
///
/// Two detector profiles: `nab` (what `foreshock score --profile nab` and the NAB figures use)
/// and `operations` (the engine's default).
func registerNABThroughputBenchmarks() {
    let points = BenchmarkMetric.custom("points", polarity: .prefersLarger, useScalingFactor: false)
    let events = BenchmarkMetric.custom("anomaly events", polarity: .prefersSmaller, useScalingFactor: false)
    for (name, profile) in [("nab", DetectorConfiguration.nab), ("operations", DetectorConfiguration.operations)] {
        Benchmark("NAB corpus through SeriesDetector (\(name) profile, 58 series)",
                  configuration: .init(metrics: [.wallClock, .throughput, points, events],
                                       timeUnits: .milliseconds, warmupIterations: 1,
                                       maxDuration: .seconds(10), maxIterations: 15)) { benchmark in
            let corpus = NABSeries.corpus
            var eventCount = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                eventCount = 0
                for series in corpus {
                    var detector = try SeriesDetector(series: SeriesRef(name: series.name), configuration: profile)
                    for i in series.timestamps.indices {
                        if detector.update(timestamp: series.timestamps[i], value: series.values[i]).event != nil { eventCount += 1 }
                    }
                    blackHole(detector)
                }
            }
            benchmark.stopMeasurement()
            benchmark.measurement(points, corpus.reduce(0) { $0 + $1.timestamps.count })
            benchmark.measurement(events, eventCount)
        } setup: { _ = NABSeries.corpus }
    }
}

/// The NAB CSV files as the peer script reads them: sorted by path, every row in file order,
/// timestamps `YYYY-MM-DD HH:MM:SS` taken as UTC.
struct NABSeries: Sendable {
    let name: String
    let timestamps: [Int64]
    let values: [Double]

    static let corpus: [NABSeries] = {
        var components = URL(fileURLWithPath: #filePath).standardized.pathComponents
        components.removeLast(3)  // DetectionBenchmarks/NABThroughput.swift, Benchmarks
        let root = URL(fileURLWithPath: components.joined(separator: "/"))
            .appendingPathComponent("../shared/datasets/nab/data").standardized
        let manager = FileManager.default
        var paths: [String] = []
        for category in (try? manager.contentsOfDirectory(atPath: root.path)) ?? [] {
            let folder = root.appendingPathComponent(category).path
            for file in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] where file.hasSuffix(".csv") {
                paths.append(category + "/" + file)
            }
        }
        paths.sort()
        guard !paths.isEmpty else { fatalError("no NAB CSV files under \(root.path)") }
        let series = paths.map { relative in
            guard let text = try? String(contentsOfFile: root.appendingPathComponent(relative).path, encoding: .utf8) else {
                fatalError("cannot read \(relative)")
            }
            var timestamps: [Int64] = [], values: [Double] = []
            // isNewline: some files end their lines with CRLF, a single Character in Swift.
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {
                let fields = line.split(separator: ",")
                guard fields.count == 2, let t = parseTimestamp(fields[0]),
                      let v = Double(fields[1].trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    fatalError("\(relative): bad row \(line)")
                }
                timestamps.append(t)
                values.append(v)
            }
            return NABSeries(name: relative, timestamps: timestamps, values: values)
        }
        let rows = series.reduce(0) { $0 + $1.timestamps.count }
        guard series.count == 58, rows == 365_558 else { fatalError("NAB: \(series.count) series, \(rows) rows; expected 58 and 365,558") }
        return series
    }()

    /// `YYYY-MM-DD HH:MM:SS` (UTC) → Unix milliseconds.
    static func parseTimestamp(_ text: Substring) -> Int64? {
        let digits = text.unicodeScalars.filter { $0 >= "0" && $0 <= "9" }.map { Int64($0.value - 48) }
        guard digits.count == 14 else { return nil }
        func number(_ range: Range<Int>) -> Int64 { digits[range].reduce(0) { $0 * 10 + $1 } }
        let (y, m, d) = (number(0..<4), number(4..<6), number(6..<8))
        // Days from civil (Howard Hinnant).
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return ((days * 24 + number(8..<10)) * 60 + number(10..<12)) * 60_000 + number(12..<14) * 1000
    }
}
