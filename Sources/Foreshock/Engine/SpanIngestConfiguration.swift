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
    /// Attributes that may become dimensions or be kept with exemplars (added to the defaults).
    public var allowedAttributes: [String] = []
    /// Mask e-mail addresses, bearer tokens and card numbers in kept values.
    public var maskSensitiveValues = true
    /// Trace ids of the slowest and error spans kept per series and window.
    public var exemplarsPerSeries = 3

    public init() {}

    var metricsConfiguration: SpanMetricsConfiguration {
        var configuration = SpanMetricsConfiguration()
        configuration.windowMilliseconds = windowMilliseconds
        configuration.dimensions = dimensions
        configuration.maxSeriesPerService = maxSeriesPerService
        configuration.exemplarsPerSeries = exemplarsPerSeries
        configuration.redaction = RedactionPolicy(
            allowedAttributes: RedactionPolicy.defaultAllowedAttributes.union(allowedAttributes),
            patterns: maskSensitiveValues ? .all : [])
        return configuration
    }
}
