import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `foreshock-server` driven over loopback by real clients: the OpenTelemetry Python SDK's
/// OTLP/HTTP exporter, and curl-like requests for auth, limits and shutdown.
@Suite(.serialized) struct ServerIntegrationTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var executable: String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("foreshock-server").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether python3 can import the OpenTelemetry SDK and OTLP/HTTP exporter (`.ci/run` installs them).
    static let hasOpenTelemetrySDK: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static let ingestToken = "ingest-token-0123456789abcdef"
    static let readToken = "read-token-0123456789abcdef"

    /// A running server on an ephemeral loopback port.
    final class Server {
        let process = Process()
        let port: Int
        let dataDirectory: String

        let ownsData: Bool

        init(extraArguments: [String] = [], dataDirectory existing: String? = nil) throws {
            ownsData = existing == nil
            dataDirectory = existing ?? NSTemporaryDirectory() + "foreshock-server-\(UUID().uuidString)"
            process.executableURL = URL(fileURLWithPath: try #require(ServerIntegrationTests.executable))
            process.arguments = ["--port", "0", "--data-dir", dataDirectory] + extraArguments
            process.environment = ["FORESHOCK_TOKENS": "\(ServerIntegrationTests.ingestToken):ingest;\(ServerIntegrationTests.readToken):read"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            // The log says where it listens.
            var text = ""
            let deadline = Date().addingTimeInterval(20)
            var found: Int?
            while found == nil && Date() < deadline {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
                if let range = text.range(of: "listening on 127.0.0.1:") {
                    found = Int(text[range.upperBound...].prefix { $0.isNumber })
                }
            }
            port = try #require(found, "server did not start: \(text)")
        }

        var base: String { "http://127.0.0.1:\(port)" }

        /// SIGTERM, then the exit status.
        func stop() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }

        deinit {
            if process.isRunning { process.terminate() }
            if ownsData { try? FileManager.default.removeItem(atPath: dataDirectory) }
        }
    }

    static func request(_ url: String, method: String = "GET", token: String? = nil, contentType: String? = nil,
                        body: Data? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? -1, data)
    }

    @Test(.enabled(if: executable != nil && hasOpenTelemetrySDK, "needs the server build and python3 opentelemetry-sdk"))
    func pythonSDKExportsSpansAndTheAPIFindsSeriesAndTheLatencyAnomaly() async throws {
        let server = try Server()
        let exporter = Process()
        exporter.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        exporter.arguments = ["python3", Self.repositoryRoot + "/Tests/Integration/otel_export.py", server.base + "/v1/traces", Self.ingestToken]
        let log = Pipe()
        exporter.standardOutput = log
        exporter.standardError = log
        try exporter.run()
        exporter.waitUntilExit()
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(exporter.terminationStatus == 0, "\(output)")

        // The span windows close when data time passes them; the newest ones at shutdown.
        let series = try await Self.request(server.base + "/api/v1/series?match=service=checkout&match=__name__=span.count", token: Self.readToken)
        #expect(series.status == 200)
        let listed = try JSONSerialization.jsonObject(with: series.body) as? [[String: Any]]
        #expect(listed?.count == 1, "\(String(decoding: series.body, as: UTF8.self))")

        var sawAnomaly = false
        for _ in 0..<50 where !sawAnomaly {
            let anomalies = try await Self.request(server.base + "/api/v1/anomalies?service=checkout", token: Self.readToken)
            let list = try JSONSerialization.jsonObject(with: anomalies.body) as? [[String: Any]] ?? []
            sawAnomaly = list.contains { ($0["series"] as? [String: Any])?["name"] as? String == "span.duration.p99" }
            if !sawAnomaly { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(sawAnomaly, "no latency anomaly reported for the injected slow window")

        let dashboard = try await Self.request(server.base + "/", token: Self.readToken)
        #expect(dashboard.status == 200)
        let page = String(decoding: dashboard.body, as: UTF8.self)
        #expect(page.contains("<svg") && page.contains("span.duration.p99"), "dashboard lacks the anomalous series' chart")

        let quantile = try await Self.request(server.base + "/api/v1/query?match=service=checkout&quantile=0.5", token: Self.readToken)
        let answer = try JSONSerialization.jsonObject(with: quantile.body) as? [String: Any]
        let median = try #require(answer?["value"] as? Double)
        #expect(median > 0.019 && median < 0.031, "median span duration \(median) s")
        #expect(server.stop() == 0)
    }

    @Test(.enabled(if: executable != nil)) func authenticationLimitsAndGracefulShutdown() async throws {
        let server = try Server(extraArguments: ["--max-body-bytes", "100000", "--max-decompressed-bytes", "1000000"])
        let traces = server.base + "/v1/traces"
        let empty = Data("{}".utf8)
        #expect(try await Self.request(traces, method: "POST", contentType: "application/json", body: empty).status == 401)
        #expect(try await Self.request(traces, method: "POST", token: "wrong-token-0123456789abcdef", contentType: "application/json", body: empty).status == 401)
        #expect(try await Self.request(traces, method: "POST", token: Self.readToken, contentType: "application/json", body: empty).status == 403)
        #expect(try await Self.request(traces, method: "POST", token: Self.ingestToken, contentType: "application/json", body: empty).status == 200)
        #expect(try await Self.request(server.base + "/api/v1/series", token: Self.ingestToken).status == 403)
        #expect(try await Self.request(server.base + "/api/v1/series", token: Self.readToken).status == 200)
        let big = Data(repeating: 0x20, count: 200_000)
        #expect(try await Self.request(traces, method: "POST", token: Self.ingestToken, contentType: "application/json", body: big).status == 413)
        #expect(try await Self.request(traces, method: "POST", token: Self.ingestToken, contentType: "application/json", body: Data("{\"resourceSpans\": [".utf8)).status == 400)
        #expect(try await Self.request(traces, method: "POST", token: Self.ingestToken, contentType: "text/plain", body: empty).status == 415)
        #expect(try await Self.request(server.base + "/healthz").status == 200)
        #expect(try await Self.request(server.base + "/").status == 401)
        // A gzip bomb: 40 MB of zeros in a few kilobytes stops at the decompressed-size cap.
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "head -c 40000000 /dev/zero | gzip -c"]
        let compressed = Pipe()
        gzip.standardOutput = compressed
        try gzip.run()
        let bomb = compressed.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        var bombRequest = URLRequest(url: try #require(URL(string: traces)))
        bombRequest.httpMethod = "POST"
        bombRequest.setValue("Bearer \(Self.ingestToken)", forHTTPHeaderField: "Authorization")
        bombRequest.setValue("application/x-protobuf", forHTTPHeaderField: "Content-Type")
        bombRequest.setValue("gzip", forHTTPHeaderField: "Content-Encoding")
        bombRequest.httpBody = bomb
        let (_, bombResponse) = try await URLSession.shared.data(for: bombRequest)
        #expect(bomb.count < 100_000, "the bomb must pass the body limit to test the decompression cap")
        #expect((bombResponse as? HTTPURLResponse)?.statusCode == 413)
        #expect(try await Self.request(server.base + "/", token: Self.readToken).status == 200)
        #expect(server.stop() == 0)
    }

    /// What a 200 acknowledged survives a SIGTERM and a restart on the same data directory.
    @Test(.enabled(if: executable != nil)) func acknowledgedSpansSurviveGracefulStopAndRestart() async throws {
        let directory = NSTemporaryDirectory() + "foreshock-restart-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let start: Int64 = 1_767_225_600_000_000_000
        var acknowledged = 0
        do {
            let server = try Server(dataDirectory: directory)
            for request in 0..<20 {
                var spans: [String] = []
                for i in 0..<50 {
                    let end = start + Int64(request) * 10_000_000_000 + Int64(i) * 100_000_000
                    spans.append(#"{"traceId":"\#(String(format: "%032x", request * 100 + i + 1))","spanId":"\#(String(format: "%016x", i + 1))","name":"GET /cart","kind":2,"startTimeUnixNano":"\#(end - 20_000_000)","endTimeUnixNano":"\#(end)"}"#)
                }
                let body = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"cart"}}]},"scopeSpans":[{"spans":[\#(spans.joined(separator: ","))]}]}]}"#
                let reply = try await Self.request(server.base + "/v1/traces", method: "POST", token: Self.ingestToken,
                                                   contentType: "application/json", body: Data(body.utf8))
                if reply.status == 200 { acknowledged += 50 }
            }
            #expect(server.stop() == 0)
        }
        #expect(acknowledged == 1000)
        let restarted = try Server(dataDirectory: directory)
        let reply = try await Self.request(restarted.base + "/api/v1/query?match=__name__=span.count&match=service=cart", token: Self.readToken)
        let results = try JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]] ?? []
        let counted = results.flatMap { ($0["points"] as? [[Double]]) ?? [] }.reduce(0) { $0 + Int($1[1]) }
        #expect(counted == acknowledged)
        #expect(restarted.stop() == 0)
    }
}
