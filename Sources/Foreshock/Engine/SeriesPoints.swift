import ForeshockDetection
import ForeshockStorage

/// Points of one series, the unit of raw-point ingest (timestamps in Int64 milliseconds since
/// the Unix epoch, any order; see ``Store`` for the duplicate policy).
public struct SeriesPoints: Sendable {
    public var key: SeriesKey
    public var timestamps: [Int64]
    public var values: [Double]
    /// Trace ids to attach to anomalies these points raise (span-derived series carry the
    /// slowest and error spans of their window).
    public var exemplarTraceIDs: [String]
    /// Exemplar spans with attribute values (invariant violations), attached like the ids.
    public var exemplars: [AnomalyExemplar] = []
    /// Shares of affected spans by attribution dimension (see ``Anomaly/attribution``).
    public var attribution: [String: [String: Double]]?
    /// The dimension value over-represented among the affected spans (see
    /// ``Anomaly/dimension``), e.g. `code.origin=ai`.
    public var dimension: String?

    public init(key: SeriesKey, timestamps: [Int64], values: [Double], exemplarTraceIDs: [String] = []) {
        self.key = key
        self.timestamps = timestamps
        self.values = values
        self.exemplarTraceIDs = exemplarTraceIDs
    }
}

/// What an ingest call did: the whole batch is queued, or the whole batch is shed because the
/// queue is full (the caller may retry later; nothing of a shed batch is stored).
public struct IngestResult: Sendable, Equatable {
    public var acceptedPoints: Int
    public var shedPoints: Int
    /// Batches rejected as malformed (mismatched lengths), with the reason.
    public var rejected: [String]

    public init(acceptedPoints: Int = 0, shedPoints: Int = 0, rejected: [String] = []) {
        self.acceptedPoints = acceptedPoints
        self.shedPoints = shedPoints
        self.rejected = rejected
    }
}
