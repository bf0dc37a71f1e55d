/// Turns per-point verdicts into incidents: one ``AnomalyEvent/opened(_:)`` when a series
/// becomes anomalous, ``AnomalyEvent/updated(_:)`` only when the incident escalates (higher
/// severity or a different kind), and one ``AnomalyEvent/closed(_:)`` after
/// `quietPointsToClose` consecutive normal points (points marked ``Verdict/holdOpen`` do not
/// count).
///
/// - Complexity: O(1) per ``observe(_:)``; holds at most one open ``Anomaly``.
public struct AnomalyTracker: Sendable, Codable, Equatable {
    /// The incident in progress, if any.
    public private(set) var current: Anomaly?
    /// Normal points seen since the last anomalous one (while an incident is open).
    public private(set) var quietPoints: Int = 0
    /// The id the next incident will get.
    public private(set) var nextID: UInt64 = 1
    public let quietPointsToClose: Int

    public init(quietPointsToClose: Int) {
        self.quietPointsToClose = max(1, quietPointsToClose)
    }

    /// What one point says to the tracker.
    public struct Verdict: Sendable, Equatable {
        public var series: SeriesRef
        public var time: Int64
        public var observed: Double
        public var expected: Double
        public var lower: Double
        public var upper: Double
        public var score: Double
        /// nil when the point is normal.
        public var kind: AnomalyKind?
        public var leadTime: Int64?
        /// Severity override (breach forecasts); nil means from the score.
        public var severity: AnomalySeverity?
        /// A normal point that must not count toward closing (e.g. the change test is still
        /// accumulating evidence of a shift).
        public var holdOpen: Bool = false

        public init(series: SeriesRef, time: Int64, observed: Double, expected: Double, lower: Double, upper: Double,
                    score: Double, kind: AnomalyKind?, leadTime: Int64? = nil, severity: AnomalySeverity? = nil) {
            self.series = series
            self.time = time
            self.observed = observed
            self.expected = expected
            self.lower = lower
            self.upper = upper
            self.score = score
            self.kind = kind
            self.leadTime = leadTime
            self.severity = severity
        }
    }

    /// Feeds one point's verdict; returns the event it causes, if any.
    public mutating func observe(_ v: Verdict) -> AnomalyEvent? {
        guard let kind = v.kind else {
            guard let open = current else { return nil }
            if v.holdOpen { return nil }
            quietPoints += 1
            if quietPoints >= quietPointsToClose {
                current = nil
                quietPoints = 0
                return .closed(open)
            }
            return nil
        }
        let severity = v.severity ?? AnomalySeverity(score: max(v.score, 0.5))
        guard var open = current else {
            let a = Anomaly(
                id: nextID, series: v.series, time: v.time, onset: v.time, observed: v.observed,
                expected: v.expected, lower: v.lower, upper: v.upper, score: v.score,
                severity: severity, kind: kind, leadTime: v.leadTime)
            nextID &+= 1
            current = a
            quietPoints = 0
            return .opened(a)
        }
        quietPoints = 0
        let escalates = severity > open.severity || kind != open.kind
        // Level shifts and breaches are the more specific explanation: a spike that turns out
        // to be a level shift is re-labelled, never the other way round.
        let keepKind = (open.kind == .levelShift || open.kind == .trend) && (kind == .spike || kind == .dip)
        open.time = v.time
        open.observed = v.observed
        open.expected = v.expected
        open.lower = v.lower
        open.upper = v.upper
        open.score = max(open.score, v.score)
        open.severity = max(open.severity, severity)
        if !keepKind { open.kind = kind }
        if v.leadTime != nil { open.leadTime = v.leadTime }
        current = open
        return escalates && !keepKind ? .updated(open) : nil
    }

    /// Closes the open incident now (e.g. when a series is retired).
    public mutating func flush() -> AnomalyEvent? {
        guard let open = current else { return nil }
        current = nil
        quietPoints = 0
        return .closed(open)
    }
}
