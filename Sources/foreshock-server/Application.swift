import Foreshock
import Foundation
import Hummingbird
import Logging

/// Builds the HTTP application over a store; tests call this without a network.
func makeApplication(store: Store, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    router.get("healthz") { _, _ in "ok\n" }
    router.get("readyz") { _, _ in "ready\n" }
    router.get("api/v1/series") { request, _ -> Response in
        let matchers = try parseMatchers(request)
        return try json(store.series(matching: matchers).map(SeriesDTO.init))
    }
    router.get("api/v1/query") { request, _ -> Response in
        let matchers = try parseMatchers(request)
        let from = try integer(request, "from") ?? .min
        let to = try integer(request, "to") ?? .max
        let step = try integer(request, "step")
        var results: [QueryResultDTO] = []
        for key in store.series(matching: matchers) {
            if let step {
                guard step > 0 else { throw HTTPError(.badRequest, message: "step must be positive") }
                results.append(QueryResultDTO(series: SeriesDTO(key), points: nil,
                                              windows: try store.downsample(series: key, from: from, to: to, step: step)))
            } else {
                let points = try store.read(series: key, from: from, to: to)
                results.append(QueryResultDTO(series: SeriesDTO(key),
                                              points: (0..<points.count).map { [Double(points.timestamps[$0]), points.values[$0]] },
                                              windows: nil))
            }
        }
        return try json(results)
    }
    return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
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

private func parseMatchers(_ request: Request) throws -> [LabelMatcher] {
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
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
    let data = try encoder.encode(value)
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
