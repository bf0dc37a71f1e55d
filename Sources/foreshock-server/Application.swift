import CompressNIO
import Foreshock
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// Request limits: idle connections, a body, once decompressed, and spans per request.
struct ServerLimits: Sendable {
    var idleTimeout: TimeAmount = .seconds(60)
    var maxBodyBytes = 4 << 20
    var maxDecompressedBytes = 32 << 20
    var maxSpansPerRequest = 100_000
}

/// Builds the HTTP application over an engine; tests call this without a network.
///
/// Routes are thin: OTLP decoding, storage, detection and queries are the engine's; this file
/// maps them to HTTP (status codes of the OTLP/HTTP specification, JSON for the APIs).
func makeApplication(engine: Engine, tokens: AccessTokens?, limits: ServerLimits, registry: PrometheusCollectorRegistry,
                     host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    router.get("healthz") { _, _ in "ok\n" }
    router.get("readyz") { _, _ -> Response in
        engine.queueDepth < engine.configuration.queueCapacity
            ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
            : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "queue full\n")))
    }
    router.get("metrics") { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    let ingest = router.group("v1").add(middleware: BearerAuthentication(tokens: tokens, scope: .ingest))
    ingest.post("traces") { request, _ -> Response in
        try await receiveTraces(request, engine: engine, limits: limits)
    }

    let api = router.group("api/v1").add(middleware: BearerAuthentication(tokens: tokens, scope: .read))
    api.get("series") { request, _ -> Response in
        try json(engine.store.series(matching: try matchers(request)).map(SeriesDTO.init))
    }
    api.get("query") { request, _ -> Response in
        let from = try integer(request, "from") ?? .min
        let to = try integer(request, "to") ?? .max
        if let q = request.uri.queryParameters.get("quantile") {
            guard let quantile = Double(q), quantile >= 0, quantile <= 1 else {
                throw HTTPError(.badRequest, message: "quantile must be a number in [0, 1]")
            }
            let sketch = try StoredSketches.merged(in: engine.store, matching: try matchers(request), from: from, to: to)
            return try json(QuantileDTO(quantile: quantile, value: sketch?.quantile(quantile), count: sketch.map { Int($0.count) } ?? 0))
        }
        let step = try integer(request, "step")
        var results: [QueryResultDTO] = []
        for key in engine.store.series(matching: try matchers(request)) where engine.store.kind(of: key) == .numeric {
            if let step {
                guard step > 0 else { throw HTTPError(.badRequest, message: "step must be positive") }
                results.append(QueryResultDTO(series: SeriesDTO(key), points: nil,
                                              windows: try engine.store.downsample(series: key, from: from, to: to, step: step)))
            } else {
                let points = try engine.store.read(series: key, from: from, to: to)
                results.append(QueryResultDTO(series: SeriesDTO(key),
                                              points: (0..<points.count).map { [Double(points.timestamps[$0]), points.values[$0]] },
                                              windows: nil))
            }
        }
        return try json(results)
    }
    router.group("").add(middleware: BearerAuthentication(tokens: tokens, scope: .read)).get("/") { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: try Dashboard.html(engine: engine))))
    }
    api.get("explain") { request, _ -> Response in
        guard let from = try integer(request, "from"), let to = try integer(request, "to"), from <= to else {
            throw HTTPError(.badRequest, message: "explain needs from <= to (the anomalous range, ms)")
        }
        let length = to - from
        let baselineFrom = try integer(request, "baselineFrom") ?? (from - length - 1)
        let baselineTo = try integer(request, "baselineTo") ?? (from - 1)
        guard baselineFrom <= baselineTo else { throw HTTPError(.badRequest, message: "baselineFrom must be <= baselineTo") }
        return try json(try engine.explain(matching: try matchers(request), anomaly: from...to, baseline: baselineFrom...baselineTo))
    }
    api.get("anomalies") { request, _ -> Response in
        let state = request.uri.queryParameters.get("state") ?? "all"
        var anomalies: [Anomaly] = []
        if state == "open" || state == "all" { anomalies += engine.openAnomalies() }
        if state == "closed" || state == "all" { anomalies += engine.recentAnomalies() }
        if let service = request.uri.queryParameters.get("service") {
            anomalies = anomalies.filter { $0.series.labels["service"] == service }
        }
        return try json(anomalies)
    }
    api.get("anomalies/stream") { _, _ -> Response in
        let events = engine.anomalyEvents()
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: ResponseBody { writer in
                            for await event in events {
                                let (name, anomaly) = eventParts(event)
                                let data = try AnomalyJSON.encode(anomaly)
                                try await writer.write(ByteBuffer(string: "event: \(name)\ndata: \(data)\n\n"))
                            }
                            try await writer.finish(nil)
                        })
    }
    // Idle connections are closed after the timeout, so slow or stalled clients cannot hold
    // connections (and their buffers) forever; bodies are bounded by limits.maxBodyBytes.
    return Application(router: router, server: .http1(configuration: .init(idleTimeout: limits.idleTimeout)),
                       configuration: .init(address: .hostname(host, port: port)), logger: logger)
}

/// `POST /v1/traces`: OTLP/HTTP, protobuf or JSON, optionally gzip-compressed.
private func receiveTraces(_ request: Request, engine: Engine, limits: ServerLimits) async throws -> Response {
    let contentType = request.headers[.contentType]?.lowercased() ?? ""
    let format: OTLPFormat
    if contentType.hasPrefix("application/x-protobuf") {
        format = .protobuf
    } else if contentType.hasPrefix("application/json") {
        format = .json
    } else {
        throw HTTPError(.unsupportedMediaType, message: "Content-Type must be application/x-protobuf or application/json")
    }
    var body = try await request.body.collect(upTo: limits.maxBodyBytes)
    if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
        guard encoding == "gzip" else { throw HTTPError(.unsupportedMediaType, message: "Content-Encoding \(encoding) is not supported (gzip is)") }
        do {
            body = try body.decompress(with: .gzip(), maxSize: limits.maxDecompressedBytes)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw HTTPError(.contentTooLarge, message: "decompressed body exceeds \(limits.maxDecompressedBytes) bytes")
        } catch {
            throw HTTPError(.badRequest, message: "gzip body is corrupt")
        }
    }
    let batch: SpanColumns
    do { batch = try format.decodeColumns(Array(buffer: body)) } catch {
        throw HTTPError(.badRequest, message: "malformed OTLP: \(error)")
    }
    guard batch.count <= limits.maxSpansPerRequest else {
        throw HTTPError(.contentTooLarge, message: "\(batch.count) spans in one request; the limit is \(limits.maxSpansPerRequest)")
    }
    let outcome = (result: engine.ingest(spans: batch), rejectedSpans: batch.rejected, errors: batch.errors)
    if outcome.result.shedPoints > 0 {
        // Overloaded: the exporter retries after the delay (OTLP/HTTP retryable status).
        return Response(status: .tooManyRequests, headers: [.retryAfter: "2"],
                        body: .init(byteBuffer: ByteBuffer(string: "queue full, retry later\n")))
    }
    let message = outcome.errors.prefix(3).map(\.description).joined(separator: "; ")
    switch format {
    case .protobuf:
        return Response(status: .ok, headers: [.contentType: "application/x-protobuf"],
                        body: .init(byteBuffer: ByteBuffer(bytes: OTLPExportResponse.protobuf(rejectedSpans: outcome.rejectedSpans, message: message))))
    case .json:
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: OTLPExportResponse.json(rejectedSpans: outcome.rejectedSpans, message: message))))
    }
}

/// Requires a bearer token with `scope` (skipped when the server runs without auth).
struct BearerAuthentication<Context: RequestContext>: RouterMiddleware {
    let tokens: AccessTokens?
    let scope: Scope

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let tokens else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let scopes = tokens.scopes(of: String(header.dropFirst(7))) else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        guard scopes.contains(scope) else {
            return Response(status: .forbidden, body: .init(byteBuffer: ByteBuffer(string: "token lacks the \(scope.rawValue) scope\n")))
        }
        return try await next(request, context)
    }
}

private func eventParts(_ event: AnomalyEvent) -> (String, Anomaly) {
    switch event {
    case let .opened(a): ("opened", a)
    case let .updated(a): ("updated", a)
    case let .closed(a): ("closed", a)
    }
}

struct SeriesDTO: Encodable {
    let name: String
    let labels: [String: String]
    init(_ key: SeriesKey) {
        name = key.name
        labels = Dictionary(key.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}

struct QueryResultDTO: Encodable {
    let series: SeriesDTO
    let points: [[Double]]?
    let windows: [WindowAggregate]?
}

struct QuantileDTO: Encodable {
    let quantile: Double
    let value: Double?
    let count: Int
}

private func matchers(_ request: Request) throws -> [LabelMatcher] {
    try request.uri.queryParameters.getAll("match").map { text in
        guard let matcher = LabelMatcher(parsing: String(text)) else {
            throw HTTPError(.badRequest, message: "bad matcher \(text): expected name=value, name!=value or name=prefix*")
        }
        return matcher
    }
}

private func integer(_ request: Request, _ name: String) throws -> Int64? {
    guard let text = request.uri.queryParameters.get(name) else { return nil }
    guard let value = Int64(text) else { throw HTTPError(.badRequest, message: "\(name) must be an integer (ms since epoch)") }
    return value
}

private func json(_ value: some Encodable) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
    let data = try encoder.encode(value)
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
