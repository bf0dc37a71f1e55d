import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// End-to-end tests of `foreshock gate` and `foreshock report` (helpers from ``CLITests``).
@Suite struct GateReportCLITests {
    static let formats = CLITests.repositoryRoot + "/../shared/formats"

    /// A Zipkin v2 document: `count` server spans of `checkout`/`GET /cart` with durations
    /// spread evenly over 10…30 ms times `scale`, the first `errors` of them tagged as errors.
    static func zipkin(count: Int, scale: Double = 1, errors: Int = 0) -> String {
        let spans = (0..<count).map { i in
            let micros = Int((10_000 + Double(i * 7919 % count) / Double(count) * 20_000) * scale)
            let error = i < errors ? ", \"tags\": {\"error\": \"boom\"}" : ""
            return "{\"traceId\": \"\(String(format: "%032x", i + 1))\", \"id\": \"\(String(format: "%016x", i + 1))\", "
                + "\"kind\": \"SERVER\", \"name\": \"get /cart\", \"timestamp\": \(1_700_000_000_000_000 + i * 1000), "
                + "\"duration\": \(micros), \"localEndpoint\": {\"serviceName\": \"checkout\"}\(error)}"
        }
        return "[\n" + spans.joined(separator: ",\n") + "\n]\n"
    }

    static func write(_ text: String, _ name: String) throws -> String {
        let path = CLITests.temporary(name) + ".json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(.enabled(if: CLITests.executable != nil), arguments: [
        "zipkin-v2-json/zipkin-lens.smartthings-oauth-authorization.json",
        "jaeger-json/jaeger-ui.testTraceNormal.petclinic.json",
        "otlp-json/opentelemetry-proto.examples.trace.json",
        "otlp-json/otel-spec.file-exporter.traces.jsonl",
    ])
    func gatingARealExportAgainstItselfPasses(_ file: String) throws {
        let path = Self.formats + "/" + file
        let result = try CLITests.run(["gate", "--baseline", path, "--candidate", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("PASS:"))
        #expect(result.stdout.hasPrefix("service"))
    }

    @Test(.enabled(if: CLITests.executable != nil)) func aLatencyRegressionExitsOneAndWritesJUnit() throws {
        let baseline = try Self.write(Self.zipkin(count: 300), "base")
        let candidate = try Self.write(Self.zipkin(count: 300, scale: 1.4), "cand")
        let junit = CLITests.temporary("junit") + "/gate.xml"
        defer { for f in [baseline, candidate, junit] { try? FileManager.default.removeItem(atPath: f) } }
        let result = try CLITests.run(["gate", "--baseline", baseline, "--candidate", candidate, "--junit", junit])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("REGRESSION"))
        #expect(result.stdout.contains("FAIL: 1 of 1"))
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse(), "\(xml)")
        #expect(xml.contains("<failure type=\"latency\""))
        // Within a 50 % allowance it passes.
        let lenient = try CLITests.run(["gate", "--baseline", baseline, "--candidate", candidate, "--max-latency-regression", "50%"])
        #expect(lenient.status == 0, "\(lenient.stdout)")
    }

    @Test(.enabled(if: CLITests.executable != nil)) func anErrorRateIncreaseExitsOne() throws {
        let baseline = try Self.write(Self.zipkin(count: 1000, errors: 5), "base")
        let candidate = try Self.write(Self.zipkin(count: 1000, errors: 60), "cand")
        defer { for f in [baseline, candidate] { try? FileManager.default.removeItem(atPath: f) } }
        let result = try CLITests.run(["gate", "--baseline", baseline, "--candidate", candidate, "--format", "zipkin"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("errors 0.50%→6.00%"))
    }

    @Test(.enabled(if: CLITests.executable != nil)) func badInputExitsTwoWithALocatedError() throws {
        let good = Self.formats + "/zipkin-v2-json/zipkin-lens.yelp.json"
        let missing = try CLITests.run(["gate", "--baseline", "/nonexistent/base.json", "--candidate", good])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/base.json: no such file"))

        let broken = try Self.write("[\n  {\"traceId\": \"0000000000000001\",\n   \"name\": oops}\n]\n", "broken")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let undecodable = try CLITests.run(["gate", "--baseline", good, "--candidate", broken])
        #expect(undecodable.status == 2)
        #expect(undecodable.stderr.contains("\(broken):3:"), "\(undecodable.stderr)")

        let option = try CLITests.run(["gate", "--baseline", good, "--candidate", good, "--max-latency-regression", "10"])
        #expect(option.status == 2)
        #expect(option.stderr.contains("--max-latency-regression: expected a percentage such as 10%"))

        let format = try CLITests.run(["gate", "--baseline", good, "--candidate", good, "--format", "csv"])
        #expect(format.status == 2)
    }

    @Test(.enabled(if: CLITests.executable != nil)) func reportWritesASelfContainedPageForTheSamples() throws {
        let directory = CLITests.temporary("report")
        let output = directory + "/report.html"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLITests.run(["report", CLITests.repositoryRoot + "/Datasets/samples", "--output", output, "--threshold-above", "800"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("2 series scored, 2 flagged"))
        let html = try String(contentsOfFile: output, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 2)
        #expect(XMLParser(data: Data(html.utf8)).parse())
        #expect(!FileManager.default.fileExists(atPath: directory + "/.report.html.partial"))
        #expect(try CLITests.run(["report", "/nonexistent", "--output", output]).status == 2)

        // Optional: the page renders to a non-blank screenshot in headless Chromium, when installed.
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else { return }
        let screenshot = directory + "/page.png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,2400",
                             "--screenshot=\(screenshot)", "file://" + output]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // A blank 1100×2400 page compresses to a few kilobytes; tables and charts do not.
        #expect(png.count > 100_000, "\(png.count) bytes")
    }
}
