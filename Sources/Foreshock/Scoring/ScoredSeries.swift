import ForeshockDetection
import ForeshockTelemetry

/// One series run through a detector: every point's score and the incidents it raised.
public struct ScoredSeries: Sendable {
    /// Where the series came from (a file path relative to its input) and its column name.
    public var source: String
    public var name: String
    /// The series' labels besides its name (empty for CSV columns).
    public var labels: [String: String] = [:]
    public var points: [PointScore]
    /// Incident events in time order (one `opened` and one `closed` per incident; incidents
    /// still open at the end of the data are closed then).
    public var events: [AnomalyEvent]

    /// `name{a="1",b="2"}` with labels sorted, or just the name.
    public var identifier: String {
        labels.isEmpty ? name : name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    /// The incidents, each as its final (`closed`) snapshot.
    public var incidents: [Anomaly] {
        events.compactMap { if case let .closed(anomaly) = $0 { anomaly } else { nil } }
    }

    /// The CSV that `foreshock score` writes:
    /// `timestamp,value,expected,lower,upper,anomaly_score,alert`.
    ///
    /// `anomaly_score` is the detector's alert score in [0, 1] written in the shortest form that
    /// reads back to the same double (exact, like `%.17g`: rounding changes NAB scores);
    /// `alert` is empty, or the kind of the
    /// incident that opened or escalated at that point. Timestamps are UTC
    /// `YYYY-MM-DD HH:MM:SS`.
    public func csv() -> String {
        var alerts: [Int64: String] = [:]
        for event in events {
            switch event {
            case let .opened(a), let .updated(a): alerts[a.time] = a.kind.rawValue
            case .closed: break
            }
        }
        var text = "timestamp,value,expected,lower,upper,anomaly_score,alert\n"
        text.reserveCapacity(points.count * 96)
        for p in points {
            text += TimestampFormatter.string(milliseconds: p.timestamp)
            text += "," + number(p.value) + "," + number(p.expected) + "," + number(p.lower) + "," + number(p.upper)
            text += "," + number(p.alertScore) + "," + (alerts[p.timestamp] ?? "") + "\n"
        }
        return text
    }

    /// The incidents as JSON Lines (one ``Anomaly`` per line, stable keys).
    public func jsonLines() throws -> String {
        try incidents.map { try AnomalyJSON.encode($0) }.joined(separator: "\n") + (incidents.isEmpty ? "" : "\n")
    }
}

/// Shortest round-trip text for a value (Swift's `description`), `NaN`/`Inf`/`-Inf` spelled out.
func number(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "Inf" : "-Inf" }
    return v.description
}
