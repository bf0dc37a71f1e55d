import ArgumentParser
import Foreshock
import Foundation
import Hummingbird
import Logging
import NIOCore
import Metrics
import Prometheus

/// `foreshock-server`: OTLP/HTTP in, anomalies and queries out, over one ``Engine``.
@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "foreshock-server",
        abstract: "Receive OTLP traces over HTTP and serve anomalies and queries.",
        discussion: """
            Endpoints: POST /v1/traces (OTLP/HTTP, protobuf or JSON, gzip; scope ingest),
            GET /api/v1/series, /api/v1/query, /api/v1/anomalies, /api/v1/anomalies/stream
            (Server-Sent Events) (scope read), GET /metrics, /healthz, /readyz.

            Tokens: --tokens-file (lines `TOKEN scope[,scope]`) and/or FORESHOCK_TOKENS
            ("TOKEN:ingest,read;TOKEN2:read"). Without any token the server refuses to start
            unless --insecure-no-auth is given.

            Example:
              FORESHOCK_TOKENS="$(openssl rand -hex 16):ingest,read" foreshock-server --data-dir /var/lib/foreshock
            """
    )

    @Option(name: .long, help: "Data directory (default: in memory).")
    var dataDir: String?

    @Option(help: "Engine configuration file (JSON or YAML).")
    var config: String?

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (4318 is OTLP/HTTP's).")
    var port = 4318

    @Option(name: .long, help: "File of bearer tokens and their scopes.")
    var tokensFile: String?

    @Flag(name: .long, help: "Serve without authentication (only for a trusted network).")
    var insecureNoAuth = false

    @Option(name: .long, help: "Largest request body in bytes.")
    var maxBodyBytes = 4 << 20

    @Option(name: .long, help: "Largest decompressed body in bytes (gzip bombs stop here).")
    var maxDecompressedBytes = 32 << 20

    @Option(name: .long, help: "Most spans in one request.")
    var maxSpansPerRequest = 100_000

    @Option(name: .long, help: "Seconds before an idle connection is closed.")
    var idleTimeout = 60

    func run() async throws {
        var logger = Logger(label: "foreshock-server")
        logger.logLevel = .info
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        var configuration = try config.map { try EngineConfiguration.load(path: $0) } ?? EngineConfiguration()
        if let dataDir { configuration.dataDirectory = dataDir }
        let tokens = try AccessTokens.load(file: tokensFile, environment: ProcessInfo.processInfo.environment)
        if tokens.isEmpty && !insecureNoAuth {
            throw ServerError("no bearer tokens configured: give --tokens-file or FORESHOCK_TOKENS, or --insecure-no-auth")
        }
        if insecureNoAuth { logger.warning("serving WITHOUT authentication (--insecure-no-auth): anyone who can reach the port can read and write telemetry") }

        let engine = try Engine(configuration: configuration, logger: logger)
        let limits = ServerLimits(idleTimeout: .seconds(Int64(idleTimeout)), maxBodyBytes: maxBodyBytes,
                                  maxDecompressedBytes: maxDecompressedBytes, maxSpansPerRequest: maxSpansPerRequest)
        let app = makeApplication(engine: engine, tokens: insecureNoAuth ? nil : tokens, limits: limits, registry: registry,
                                  host: host, port: port, logger: logger)
        // runService stops accepting on SIGTERM/SIGINT and lets requests in flight finish;
        // then the engine drains its queue and persists everything acknowledged.
        do {
            try await app.runService()
        } catch {
            try await engine.shutdown()
            throw error
        }
        try await engine.shutdown()
        logger.info("stopped cleanly")
    }
}
