import ArgumentParser
import Foreshock
import Hummingbird
import Logging

/// `foreshock-server`: serves a data directory over HTTP.
///
/// This first cut serves the store's queries (series listing, range reads, downsampling) and
/// health endpoints; OTLP ingest, anomalies and the dashboard arrive with the engine.
@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "foreshock-server",
        abstract: "Serve a Foreshock data directory over HTTP.",
        discussion: """
            Example:
              foreshock-server --data-dir /tmp/nab-store --port 4318
              curl 'http://127.0.0.1:4318/api/v1/series?match=source=realKnownCause/nyc_taxi.csv'
            """
    )

    @Option(name: .long, help: "The store's data directory.")
    var dataDir: String

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 4318

    func run() async throws {
        var logger = Logger(label: "foreshock-server")
        logger.logLevel = .info
        let store = try Store(directory: dataDir)
        for issue in store.recoveryIssues { logger.warning("recovered past damage: \(issue)") }
        let app = makeApplication(store: store, host: host, port: port, logger: logger)
        try await app.runService()
        try store.close()
    }
}
