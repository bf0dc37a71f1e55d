import ForeshockDetection
import ForeshockStorage
import ForeshockTelemetry

/// A maintenance window, a holiday or a planned load test: points of the matching series in
/// [start, end) are stored but neither scored nor learned — the detector sees a gap, so the
/// baseline does not absorb them — and no anomaly is raised for them (they are counted in
/// `foreshock_suppressed_points_total`).
///
/// In a configuration file: `{match: {service: checkout}, start: "2026-12-24T18:00:00Z",
/// end: "2026-12-26T06:00:00Z", reason: "holiday freeze"}`; times are ISO 8601 or Unix
/// milliseconds, `match` (label → value, `__name__` the metric) may be omitted for every series.
public struct SuppressionWindow: Codable, Sendable, Equatable {
    public var match: [String: String]
    /// Unix milliseconds.
    public var start: Int64
    public var end: Int64
    public var reason: String?

    public init(match: [String: String] = [:], start: Int64, end: Int64, reason: String? = nil) {
        self.match = match
        self.start = start
        self.end = end
        self.reason = reason
    }

    /// Whether the point of `key` at `timestamp` (Unix ms) is suppressed.
    func covers(_ key: SeriesKey, at timestamp: Int64) -> Bool {
        timestamp >= start && timestamp < end && match.allSatisfy { key[$0.key] == $0.value }
    }

    /// Whether an anomaly on `series` at `timestamp` falls in the window (for the anomalies
    /// raised from span windows rather than from stored points: release and error-ratio ones).
    func covers(_ series: SeriesRef, at timestamp: Int64) -> Bool {
        timestamp >= start && timestamp < end
            && match.allSatisfy { ($0.key == "__name__" ? series.name : series.labels[$0.key]) == $0.value }
    }

    private enum CodingKeys: String, CodingKey { case match, start, end, reason }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        match = try container.decodeIfPresent([String: String].self, forKey: .match) ?? [:]
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        func time(_ key: CodingKeys) throws -> Int64 {
            if let milliseconds = try? container.decode(Int64.self, forKey: key) { return milliseconds }
            let text = try container.decode(String.self, forKey: key)
            guard let milliseconds = TimestampFormatter.milliseconds(from: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                       debugDescription: "\(text) is not an ISO 8601 time or Unix milliseconds")
            }
            return milliseconds
        }
        start = try time(.start)
        end = try time(.end)
    }
}
