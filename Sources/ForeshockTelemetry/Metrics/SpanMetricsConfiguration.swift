/// Settings of a ``SpanMetricsAggregator``.
public struct SpanMetricsConfiguration: Sendable {
    /// Window length in milliseconds (default 10 s). Spans are assigned to the window that
    /// contains their **end** time (a span is reported when it ends).
    public var windowMilliseconds: Int64 = 10_000
    /// Attribute keys that become series labels besides service, operation, kind and status.
    /// A key is looked up in the span's attributes, then its resource's. Keys not in
    /// ``redaction``'s allow-list are ignored.
    public var dimensions: [String] = SpanMetricsConfiguration.defaultDimensions
    /// Series limit per service (the cardinality guard). Spans that would create a series
    /// beyond it are counted in the service's overflow series, labelled
    /// `otel.metric.overflow="true"` (OpenTelemetry's convention).
    public var maxSeriesPerService = 2_000
    /// Services limit; spans of further services go to one overflow series without a service.
    public var maxServices = 1_000
    /// Windows a series stays admitted (counted against `maxSeriesPerService`) after its last
    /// span: the cap then bounds new series per retention period, not per window.
    public var seriesRetentionWindows: Int64 = 360
    /// Windows stay open this many window lengths after their end, for late spans.
    public var allowedLatenessWindows: Int64 = 1
    /// The most windows open at once; a span that would open one more is dropped and counted
    /// (bounds memory when timestamps are wild).
    public var maxOpenWindows = 64
    /// Exemplars kept per series and window: this many slowest spans and this many errors.
    public var exemplarsPerSeries = 3
    /// Relative accuracy of the duration sketches.
    public var relativeAccuracy = 0.01
    /// The most call-edge series per window; further edges are counted as overflow.
    public var maxEdgesPerWindow = 10_000
    /// Capacity (a power of two) of each of the two call-join buffers (spans awaiting late
    /// children, children awaiting their parent).
    public var joinBufferCapacity = 1 << 16
    /// A buffered span or child expires this many windows after its own window.
    public var joinExpiryWindows: Int64 = 2
    /// Resource attributes carrying a utilisation (0…1) reported per service and window as
    /// mean and maximum.
    public var utilizationAttributes: [String] = [
        "process.cpu.utilization", "system.cpu.utilization", "system.memory.utilization", "container.cpu.utilization",
    ]
    /// The attribute holding whether code was written by AI or humans (a default dimension).
    public static let codeOriginAttribute = "code.origin"
    public var redaction = RedactionPolicy()
    /// Longest label value kept, in UTF-8 bytes (longer values are cut at a character
    /// boundary), so that every series converts to a storage `SeriesKey`.
    public var maxLabelValueBytes = 256

    public static let defaultDimensions = [
        "service.version", "deployment.environment.name", "code.function.name", "gen_ai.request.model", codeOriginAttribute,
    ]

    public init() {}

    /// The dimensions that label series: ``dimensions`` allowed by ``redaction``, each once, in
    /// configured order.
    var labelDimensions: [String] {
        var seen = Set<String>()
        return dimensions.filter { redaction.allows($0) && seen.insert($0).inserted }
    }
}
