import Foundation
import Testing

/// End-to-end tests of the built `foreshock` executable.
@Suite struct CLITests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let nab = repositoryRoot + "/../shared/datasets/nab/data"

    static var executable: String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("foreshock").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporary(_ name: String) -> String {
        NSTemporaryDirectory() + "foreshock-cli-\(name)-\(UUID().uuidString)"
    }

    @Test(.enabled(if: executable != nil)) func ingestInspectAndQueryTheSampleDatasets() throws {
        let store = Self.temporary("store")
        defer { try? FileManager.default.removeItem(atPath: store) }
        let ingest = try Self.run(["ingest", "--data-dir", store, Self.repositoryRoot + "/Datasets/samples"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("ingested 2 files, 2 series, 20160 points"))
        let inspect = try Self.run(["inspect", "--data-dir", store])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("series: 2"))
        #expect(inspect.stdout.contains("bytes/sample"))
        let query = try Self.run(["query", "--data-dir", store, "--match", "source=checkout_latency_p99_ms.csv", "--step", "86400000"])
        #expect(query.status == 0)
        // One week of minutes: seven daily windows of 1440 points each.
        let rows = query.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(rows.count == 7)
        #expect(rows.allSatisfy { $0.split(separator: ",")[1] == "1440" })
    }

    @Test(.enabled(if: executable != nil)) func scoreWritesOneRowPerInputRowAndIsDeterministic() throws {
        let input = Self.nab + "/realKnownCause/nyc_taxi.csv"
        let first = Self.temporary("a") + ".csv", second = Self.temporary("b") + ".csv"
        defer { for f in [first, second] { try? FileManager.default.removeItem(atPath: f) } }
        for output in [first, second] {
            let result = try Self.run(["score", "--quiet", input, "--output", output])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let a = try String(contentsOfFile: first, encoding: .utf8), b = try String(contentsOfFile: second, encoding: .utf8)
        #expect(a == b)
        let lines = a.split(separator: "\n")
        #expect(lines.first == "timestamp,value,expected,lower,upper,anomaly_score,alert")
        #expect(lines.count == 10_320 + 1)
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields.count == 7)
            let score = try #require(Double(fields[5]))
            #expect(score >= 0 && score <= 1)
        }
        #expect(lines.contains { !$0.hasSuffix(",") }, "nyc_taxi has incidents; some row must carry an alert kind")
    }

    @Test(.enabled(if: executable != nil)) func scoreMirrorsDirectoriesAndWritesJSONLines() throws {
        let out = Self.temporary("dir")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try Self.run(["score", "--quiet", "--json", Self.nab + "/realAdExchange", "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(files.filter { $0.hasSuffix(".csv") }.count == 6)
        #expect(files.filter { $0.hasSuffix(".jsonl") }.count == 6)
        for file in files where file.hasSuffix(".jsonl") {
            for line in try String(contentsOfFile: out + "/" + file, encoding: .utf8).split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["kind"] != nil && object?["onset"] != nil && object?["expected"] != nil)
            }
        }
        #expect(!files.contains { $0.hasSuffix(".partial") })
    }

    /// The committed error-creep scenario's minute counts, scored as a ratio: the creep is raised
    /// before the 10 % SLO breach the ground truth records.
    @Test(.enabled(if: executable != nil)) func scoresTwoCountColumnsAsARatio() throws {
        let folder = Self.repositoryRoot + "/Datasets/scenarios/error-creep-after-deploy"
        let result = try Self.run(["score", "--json", "--ratio", "errors/requests", "--error-ratio-config", #"{"minimumIncrease": 0.01}"#,
                                   folder + "/checkout_PlaceOrder_errorCounts.csv"])
        #expect(result.status == 0, "\(result.stderr)")
        let onsets = try result.stdout.split(separator: "\n").compactMap {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["onset"] as? Int64
        }
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/truth.json"))) as? [String: Any]
        let series = try #require((truth?["series"] as? [[String: Any]])?.first { ($0["counts"] as? String) != nil })
        let incident = try #require((series["incidents"] as? [[String: Any]])?.first)
        let start = try #require(incident["start"] as? Int64), breach = try #require(incident["breach"] as? Int64)
        #expect(onsets.contains { $0 >= start && $0 < breach }, "onsets \(onsets), creep \(start)…\(breach)")
        let wrong = try Self.run(["score", "--ratio", "errors", folder])
        #expect(wrong.status != 0)
    }

    @Test(.enabled(if: executable != nil)) func badInputsExitWithCode2AndSayWhere() throws {
        let missing = try Self.run(["score", "/nonexistent/input.csv"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/input.csv"))

        let bad = Self.temporary("bad") + ".csv"
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try "timestamp,value\n2024-01-01 00:00:00,1\n2024-13-01 00:00:00,2\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let malformed = try Self.run(["score", bad])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("\(bad):3:1"), "\(malformed.stderr)")

        let config = Self.temporary("config") + ".json"
        defer { try? FileManager.default.removeItem(atPath: config) }
        try #"{"riskLevell": 1e-5}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let typo = try Self.run(["score", "--detector-config", config, Self.repositoryRoot + "/Datasets/samples"])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("unknown key \"riskLevell\""))

        let matcher = try Self.run(["query", "--data-dir", NSTemporaryDirectory(), "--match", "nonsense"])
        #expect(matcher.status == 2)
        let both = try Self.run(["score", "--threshold-above", "1", "--threshold-below", "0", "x.csv"])
        #expect(both.status != 0)
    }
}

@Suite struct CLIFormatTests {
    static let formats = CLITests.repositoryRoot + "/../shared/formats"

    @Test(.enabled(if: CLITests.executable != nil)) func scoreAndIngestReadPrometheusAndTraceExports() throws {
        let out = CLITests.temporary("formats")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let prometheus = try CLITests.run(["score", "--quiet", Self.formats + "/prometheus-query-range-json", "--output", out + "/prom"])
        #expect(prometheus.status == 0, "\(prometheus.stderr)")
        // Two `up` series (job=prometheus, job=node): two outputs, not one overwritten.
        let promFiles = try FileManager.default.contentsOfDirectory(atPath: out + "/prom")
        #expect(promFiles.filter { $0.hasSuffix(".csv") }.count == 2)

        let traces = try CLITests.run(["score", "--quiet", Self.formats + "/zipkin-v2-json", "--output", out + "/zipkin"])
        #expect(traces.status == 0, "\(traces.stderr)")
        let traceFiles = try FileManager.default.contentsOfDirectory(atPath: out + "/zipkin")
        #expect(traceFiles.contains { $0.contains("span.count") })

        let ingest = try CLITests.run(["ingest", "--data-dir", out + "/store", Self.formats + "/jaeger-json", Self.formats + "/prometheus-query-range-json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let list = try CLITests.run(["query", "--data-dir", out + "/store", "--list", "--match", "__name__=up"])
        #expect(list.stdout.split(separator: "\n").count == 2)
        #expect(list.stdout.contains("job=\"node\""))

        let wrong = try CLITests.run(["score", "--format", "prometheus", CLITests.repositoryRoot + "/Datasets/samples/checkout_latency_p99_ms.csv"])
        #expect(wrong.status == 2 && wrong.stderr.contains("not valid JSON"))
        let unknown = try CLITests.run(["score", "--format", "parquet", "x.csv"])
        #expect(unknown.status != 0)
    }
}

@Suite struct CLIQuantileTests {
    @Test(.enabled(if: CLITests.executable != nil)) func queryTakesQuantilesOfStoredSketchesFromATraceExport() throws {
        let store = CLITests.temporary("quantile")
        defer { try? FileManager.default.removeItem(atPath: store) }
        let ingest = try CLITests.run(["ingest", "--data-dir", store, CLIFormatTests.formats + "/zipkin-v2-json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        // Trace files ingested through the CLI keep per-window latency sketches: the median of
        // every span duration (seconds) across all services comes from their merge.
        let median = try CLITests.run(["query", "--data-dir", store, "--quantile", "0.5"])
        #expect(median.status == 0, "\(median.stderr)")
        let row = median.stdout.split(separator: "\n").last.map { $0.split(separator: ",") } ?? []
        #expect(row.count == 3 && (Double(row[1]) ?? -1) >= 0 && (Int(row[2]) ?? 0) > 100)
        let none = try CLITests.run(["query", "--data-dir", store, "--quantile", "0.5", "--match", "service=nothing"])
        #expect(none.status == 2 && none.stderr.contains("no stored sketches"))
        let bad = try CLITests.run(["query", "--data-dir", store, "--quantile", "1.5"])
        #expect(bad.status == 2)
    }
}
