import ForeshockDetection
import ForeshockTelemetry

/// How spans become metrics in the ``Engine`` (the `Codable` face of
/// `SpanMetricsConfiguration`).
public struct SpanIngestConfiguration: Codable, Sendable, Equatable {
    /// Window length in milliseconds (one point per metric per series per window).
    public var windowMilliseconds: Int64 = 10_000
    /// Span attributes that split series besides service, operation, kind and status.
    public var dimensions: [String] = SpanMetricsConfiguration.defaultDimensions
    /// Series per service beyond which spans go to the service's overflow series.
    public var maxSeriesPerService = 2_000
    /// Windows a series keeps its place under the cap after its last span (bounds new series
    /// per period under label churn; see `SpanMetricsAggregator`).
    public var seriesRetentionWindows: Int64 = 360
    /// Attributes that may become dimensions or be kept with exemplars (added to the defaults).
    public var allowedAttributes: [String] = []
    /// Mask e-mail addresses, bearer tokens and card numbers in kept values.
    public var maskSensitiveValues = true
    /// Trace ids of the slowest and error spans kept per series and window.
    public var exemplarsPerSeries = 3
    /// Invariant rules checked on every span (``InvariantRule``): each becomes the series
    /// `invariant.evaluations` / `invariant.violations` / `invariant.violation_ratio`.
    public var invariants: [InvariantRuleConfiguration] = []
    /// Side-by-side comparison of releases (``ReleaseComparisonConfiguration``).
    public var releases = ReleaseComparisonConfiguration()
    /// Count-aware error-ratio detection per operation (`span.error_ratio`; see
    /// `ErrorRatioDetector`), across the status split of the span series.
    public var errorRatio = ErrorRatioDetector.Configuration()
    /// Count-aware latency detection per operation from the duration sketches
    /// (`span.latency_tail`; ``LatencyTailConfiguration``).
    public var latencyTail = LatencyTailConfiguration()
    /// Dimensions by which anomalies report the share of affected spans.
    public var attributionDimensions = ["code.origin", "service.version", "gen_ai.request.model"]

    public init() {}

    /// The compiled rules.
    /// - Throws: a message naming the rule and the column of its first error.
    func compiledInvariants() throws(InvariantConfigurationError) -> [InvariantRule] {
        var rules: [InvariantRule] = []
        for (index, entry) in invariants.enumerated() {
            guard !entry.name.isEmpty else { throw InvariantConfigurationError(message: "invariants[\(index)]: the name is empty") }
            guard !invariants[..<index].contains(where: { $0.name == entry.name }) else {
                throw InvariantConfigurationError(message: "invariants[\(index)]: the name \(entry.name) is used twice")
            }
            do { rules.append(try InvariantRule(name: entry.name, source: entry.rule)) } catch {
                throw InvariantConfigurationError(message: "invariants[\(index)] (\(entry.name)): \(error)")
            }
        }
        return rules
    }

    var metricsConfiguration: SpanMetricsConfiguration {
        var configuration = SpanMetricsConfiguration()
        configuration.windowMilliseconds = windowMilliseconds
        configuration.dimensions = dimensions
        configuration.maxSeriesPerService = maxSeriesPerService
        configuration.seriesRetentionWindows = seriesRetentionWindows
        configuration.exemplarsPerSeries = exemplarsPerSeries
        configuration.redaction = RedactionPolicy(
            allowedAttributes: RedactionPolicy.defaultAllowedAttributes.union(allowedAttributes),
            patterns: maskSensitiveValues ? .all : [])
        return configuration
    }
}

/// One invariant rule in the engine configuration: `{"name": "order-total", "rule": "…"}`.
public struct InvariantRuleConfiguration: Codable, Sendable, Equatable {
    public var name: String
    public var rule: String

    public init(name: String, rule: String) {
        self.name = name
        self.rule = rule
    }
}

/// An invariant rule of the configuration that does not compile.
struct InvariantConfigurationError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
