import ForeshockTelemetry

/// One operation in one window, across the `status` split of its span series: the unit the
/// count-aware trackers (``ErrorRatioTracking``, ``LatencyTailTracking``) judge.
struct OperationWindow: Hashable, Comparable {
    /// Window start, Unix ms.
    var window: Int64
    /// The operation's labels without `status`, sorted as the record's.
    var labels: [MetricLabel]

    /// The operation window of an operation record.
    init(_ record: WindowMetrics) {
        window = record.windowStart
        labels = record.labels.filter { $0.name != "status" }
    }

    /// By window, then labels: the order in which the trackers judge, so that their output is
    /// deterministic (compared without building strings).
    static func < (a: OperationWindow, b: OperationWindow) -> Bool {
        a.window != b.window ? a.window < b.window : a.labels.lexicographicallyPrecedes(b.labels)
    }

    /// The series of a tracker's incidents: `name` with the operation's labels.
    func series(named name: String) -> SeriesRef {
        SeriesRef(name: name, labels: Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
    }
}
