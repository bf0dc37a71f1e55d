/// The identity of a series as the detector reports it: a metric name plus labels.
///
/// This is deliberately a plain value (the detection module depends on nothing); the engine
/// maps its storage series keys to it.
public struct SeriesRef: Hashable, Sendable, Codable, CustomStringConvertible {
    public var name: String
    public var labels: [String: String]

    public init(name: String, labels: [String: String] = [:]) {
        self.name = name
        self.labels = labels
    }

    /// Prometheus-style text with labels sorted by name: `name{a="1",b="2"}`.
    public var description: String {
        if labels.isEmpty { return name }
        return name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }
}

/// What kind of deviation an anomaly is.
public enum AnomalyKind: String, Sendable, Codable, CaseIterable {
    /// Observed values above the expected band.
    case spike
    /// Observed values below the expected band.
    case dip
    /// A sustained shift of the level confirmed by the change test (the baseline then adopts it).
    case levelShift
    /// A sustained drift: the change test fired while the baseline's own slope is significant.
    case trend
    /// The forecast crosses a configured static threshold within the horizon.
    case predictedBreach
    /// A release behaves worse than the version it replaces, compared side by side on the
    /// same operation (latency, error ratio or an invariant's violation ratio; the engine's
    /// release tracker, with the statistics of `foreshock gate`).
    case releaseRegression
}

/// How bad an anomaly is, from its score.
public enum AnomalySeverity: String, Sendable, Codable, CaseIterable, Comparable {
    /// Score in [0.5, 0.75): past the alert threshold.
    case warning
    /// Score ≥ 0.75 (the tail probability is below the risk level squared), or a breach
    /// predicted within a quarter of the horizon.
    case critical

    public static func < (a: Self, b: Self) -> Bool { a == .warning && b == .critical }

    /// The severity of a score ≥ 0.5.
    public init(score: Double) { self = score >= 0.75 ? .critical : .warning }
}

/// One incident on one series: the structured output of detection.
///
/// An incident is reported as one ``AnomalyEvent/opened(_:)``, zero or more
/// ``AnomalyEvent/updated(_:)`` (when it escalates: new maximum score or new kind) and one
/// ``AnomalyEvent/closed(_:)``, all carrying the same ``id``.
///
/// JSON form (stable; keys are fixed by `CodingKeys`, times in milliseconds since the Unix
/// epoch, UTC):
/// `{"id":1,"series":{"name":"latency","labels":{"svc":"api"}},"time":…,"onset":…,
///   "observed":…,"expected":…,"lower":…,"upper":…,"score":0.83,"severity":"critical",
///   "kind":"spike","leadTime":null,"exemplarTraceIDs":[],"dimension":null}`
/// (`leadTime`, `dimension`, `exemplars` and `attribution` are omitted when nil by the default
/// encoder).
public struct Anomaly: Sendable, Codable, Equatable {
    /// Incident number, unique per detector (1, 2, …).
    public var id: UInt64
    public var series: SeriesRef
    /// Time of the point this snapshot describes (ms since epoch).
    public var time: Int64
    /// Time of the first anomalous point of the incident (ms since epoch).
    public var onset: Int64
    public var observed: Double
    public var expected: Double
    /// The expected band at ``time``: values inside it are normal.
    public var lower: Double
    public var upper: Double
    /// The highest point score of the incident so far, in [0, 1]; ≥ 0.5 means past threshold.
    public var score: Double
    public var severity: AnomalySeverity
    public var kind: AnomalyKind
    /// For ``AnomalyKind/predictedBreach``: expected time until the threshold is crossed (ms).
    public var leadTime: Int64?
    /// Trace ids of exemplar spans near the anomaly (filled by the engine; empty here).
    public var exemplarTraceIDs: [String]
    /// The label dimension that best explains the anomaly (filled by the engine; nil here).
    public var dimension: String?
    /// Exemplar spans with the attribute values that matter (an invariant's violations carry
    /// the values the rule read); nil when none.
    public var exemplars: [AnomalyExemplar]?
    /// Share of the affected spans (errors, violations, or all spans for latency and traffic)
    /// by attribution dimension and value, e.g. `["code.origin": ["ai": 0.97, "human": 0.03]]`,
    /// over the operation's spans in the window; nil when the series is not span-derived.
    public var attribution: [String: [String: Double]]?

    public init(
        id: UInt64, series: SeriesRef, time: Int64, onset: Int64, observed: Double, expected: Double,
        lower: Double, upper: Double, score: Double, severity: AnomalySeverity, kind: AnomalyKind,
        leadTime: Int64? = nil, exemplarTraceIDs: [String] = [], dimension: String? = nil
    ) {
        self.id = id
        self.series = series
        self.time = time
        self.onset = onset
        self.observed = observed
        self.expected = expected
        self.lower = lower
        self.upper = upper
        self.score = score
        self.severity = severity
        self.kind = kind
        self.leadTime = leadTime
        self.exemplarTraceIDs = exemplarTraceIDs
        self.dimension = dimension
    }

    enum CodingKeys: String, CodingKey {
        case id, series, time, onset, observed, expected, lower, upper, score, severity, kind
        case leadTime, exemplarTraceIDs, dimension, exemplars, attribution
    }
}

/// A change in the life of an incident. Exactly one `opened` and one `closed` per incident
/// (a detector that is dropped mid-incident never closes it).
public enum AnomalyEvent: Sendable, Codable, Equatable {
    case opened(Anomaly)
    /// The incident escalated: a higher score, a higher severity or a different kind.
    case updated(Anomaly)
    /// The incident ended: the last snapshot, with ``Anomaly/time`` the last anomalous point.
    case closed(Anomaly)

    /// The anomaly snapshot this event carries.
    public var anomaly: Anomaly {
        switch self {
        case let .opened(a), let .updated(a), let .closed(a): a
        }
    }
}

/// A span kept with an anomaly: its ids and the (redacted) attribute values that explain it.
public struct AnomalyExemplar: Sendable, Codable, Equatable {
    /// Lower-case hex, as in OTLP JSON.
    public var traceID: String
    public var spanID: String
    public var attributes: [String: String]

    public init(traceID: String, spanID: String, attributes: [String: String] = [:]) {
        self.traceID = traceID
        self.spanID = spanID
        self.attributes = attributes
    }
}
