import ForeshockDetection
import ForeshockStorage
import Foundation
import Yams

/// Everything an ``Engine`` needs to know, `Codable` so it can live in a JSON or YAML file.
///
/// Every field has a default; a file sets only what it changes, and a key the configuration
/// does not have is an error naming it (see ``load(path:)``).
public struct EngineConfiguration: Codable, Sendable, Equatable {
    /// The store's data directory; nil keeps everything in memory (lost at shutdown).
    public var dataDirectory: String?
    /// Block sealing, encoding effort, write-ahead-log sizes.
    public var store = StoreConfiguration()
    /// The detector every series gets (thresholds below add a static threshold per series;
    /// span-derived metrics get their variance-stabilising transform). The default is the
    /// paging profile ``DetectorConfiguration/operations``.
    public var detector = DetectorConfiguration.operations
    /// Points the ingest queue may hold; a batch that does not fit is shed (counted, and
    /// reported to the caller), never blocking the caller.
    public var queueCapacity = 1 << 20
    /// Series that get a detector; points of further series are stored but not scored
    /// (counted in `foreshock_unscored_points_total`), which bounds detector memory.
    public var maxDetectedSeries = 100_000
    /// Series the store may hold: points of further new series are dropped and counted in
    /// `foreshock_rejected_series_points_total` — the last line of defence against a label
    /// explosion (the span cardinality guard slows one to `maxSeriesPerService` new series per
    /// service and hour). Memory grows about 3.8 KB per stored series (measured by the soak
    /// test, docs/RELIABILITY.md), so the default caps the store near 1 GB.
    public var maxStoredSeries = 250_000
    /// Seconds between background flushes of the store and the detector state.
    public var flushInterval = 5.0
    /// Static thresholds (SLO lines) by series matcher: early warnings before they are crossed.
    public var thresholds: [ThresholdRule] = []
    /// Maintenance windows and holidays: matching points are stored, not scored or learned.
    public var suppressions: [SuppressionWindow] = []
    /// The IANA time zone whose wall clock daily and weekly seasons follow (e.g.
    /// `Europe/Berlin`, so a daylight-saving change does not shift the learned day); nil: UTC.
    public var seasonalTimeZone: String?
    /// Anomaly events each async subscriber may have waiting before the oldest are dropped.
    public var subscriberBuffer = 1024
    /// How spans become golden-signal series.
    public var spans = SpanIngestConfiguration()

    public init() {}

    /// Loads a configuration file: JSON, or YAML when the path ends in `.yaml`/`.yml`.
    /// - Throws: ``ConfigurationOverrides/UnknownKey`` for a key the configuration does not
    ///   have, `DecodingError` for a value of the wrong type, ``ConfigurationError`` for a
    ///   value out of range; each names the file.
    public static func load(path: String) throws -> EngineConfiguration {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let configuration: EngineConfiguration
        if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            let text = String(decoding: data, as: UTF8.self)
            let object = try Yams.load(yaml: text) ?? [String: Any]()
            configuration = try ConfigurationOverrides.apply(object: object, to: EngineConfiguration(), source: path)
        } else {
            configuration = try ConfigurationOverrides.apply(data, to: EngineConfiguration(), source: path)
        }
        try configuration.validate(source: path)
        return configuration
    }

    /// Checks every value's range.
    public func validate(source: String = "configuration") throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw ConfigurationError(source: source, message: message) }
        }
        try check(queueCapacity > 0, "queueCapacity must be positive, got \(queueCapacity)")
        try check(maxDetectedSeries >= 0, "maxDetectedSeries must not be negative")
        try check(maxStoredSeries > 0, "maxStoredSeries must be positive")
        try check(spans.seriesRetentionWindows >= 0, "spans.seriesRetentionWindows must not be negative")
        try check(flushInterval > 0 && flushInterval.isFinite, "flushInterval must be a positive number of seconds")
        try check(subscriberBuffer > 0, "subscriberBuffer must be positive")
        try check(spans.windowMilliseconds >= 1000, "spans.windowMilliseconds must be at least 1000")
        try check(spans.maxSeriesPerService > 0, "spans.maxSeriesPerService must be positive")
        do { try detector.validate() } catch { throw ConfigurationError(source: source, message: "detector: \(error)") }
        do { _ = try spans.compiledInvariants() } catch { throw ConfigurationError(source: source, message: "spans.\(error)") }
        do { try spans.errorRatio.validate() } catch { throw ConfigurationError(source: source, message: "spans.errorRatio: \(error)") }
        do { try spans.latencyTail.validate() } catch { throw ConfigurationError(source: source, message: "spans.\(error)") }
        let releases = spans.releases
        try check(releases.minimumSpans >= 20, "spans.releases.minimumSpans must be at least 20 (the tests' normal approximation)")
        try check(releases.adoptAfterWindows >= 1, "spans.releases.adoptAfterWindows must be positive")
        try check(releases.significance > 0 && releases.significance < 0.5, "spans.releases.significance must be in (0, 0.5)")
        try check(releases.maxGroups >= 0, "spans.releases.maxGroups must not be negative")
        try check(!releases.enabled || spans.dimensions.contains(releases.releaseAttribute),
                  "spans.releases.releaseAttribute \(releases.releaseAttribute) must be one of spans.dimensions")
        if let zone = seasonalTimeZone {
            try check(UTCOffsets.timeZone(zone) != nil, "seasonalTimeZone: unknown time zone \(zone)")
        }
        for (i, window) in suppressions.enumerated() {
            try check(window.start < window.end, "suppressions[\(i)]: start must be before end")
        }
        for (i, rule) in thresholds.enumerated() {
            try check((rule.above == nil) != (rule.below == nil), "thresholds[\(i)]: set exactly one of above and below")
            try check(rule.horizon > 0, "thresholds[\(i)].horizon must be positive")
            try check(!rule.match.isEmpty, "thresholds[\(i)].match must name at least one label")
        }
    }
}

/// A configuration value that is out of range.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let source: String
    public let message: String
    public var description: String { "\(source): \(message)" }
}

/// A static threshold for the series whose labels match: e.g. `match: {__name__:
/// span.duration.p99, service: checkout}, above: 800`. Crossing it is forecast
/// `horizon` points ahead and raised as `predictedBreach` with its expected time.
public struct ThresholdRule: Codable, Sendable, Equatable {
    /// Label name → required value (`__name__` is the metric name).
    public var match: [String: String]
    public var above: Double?
    public var below: Double?
    /// Forecast horizon in points.
    public var horizon: Int = 60

    public init(match: [String: String], above: Double? = nil, below: Double? = nil, horizon: Int = 60) {
        self.match = match
        self.above = above
        self.below = below
        self.horizon = horizon
    }

    private enum CodingKeys: String, CodingKey { case match, above, below, horizon }

    /// `horizon` may be omitted (list elements are not merged with defaults like objects are).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        match = try container.decode([String: String].self, forKey: .match)
        above = try container.decodeIfPresent(Double.self, forKey: .above)
        below = try container.decodeIfPresent(Double.self, forKey: .below)
        horizon = try container.decodeIfPresent(Int.self, forKey: .horizon) ?? 60
    }

    func matches(_ key: SeriesKey) -> Bool { match.allSatisfy { key[$0.key] == $0.value } }

    var staticThreshold: StaticThreshold? {
        if let above { return StaticThreshold(value: above, side: .above, horizon: horizon) }
        if let below { return StaticThreshold(value: below, side: .below, horizon: horizon) }
        return nil
    }
}
