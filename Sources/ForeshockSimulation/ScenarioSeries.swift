import ForeshockSketches
import ForeshockTelemetry

/// A scenario turned into the minute series of its watches plus the ground truth, by running
/// the spans through the real ``SpanMetricsAggregator`` (one-minute windows, no dimensions:
/// the golden signals of each operation across versions).
///
/// Ground truth per watch and incident: kind, start, end, and — for watches with a threshold —
/// the *breach*: the first minute at or after the incident's start where the observed series
/// crosses the threshold (what a static SLO alert would see first). A warning is "early" when
/// it comes before that minute.
public struct ScenarioSeries: Sendable {
    /// One exported series.
    public struct Series: Sendable {
        public var watch: ScenarioWatch
        /// Minute starts, Unix milliseconds, ascending (minutes without a value are absent).
        public var timestamps: [Int64]
        public var values: [Double]
        /// For an ``ScenarioWatch/Signal/errorRatio`` watch: each minute's own errors and
        /// requests (not trailing), beside ``timestamps`` — what a count-aware detector reads.
        public var counts: [(errors: Int, requests: Int)]?
    }

    public let scenario: SimulationScenario
    /// The trailing window of ``ScenarioWatch/Signal/errorRatio``, minutes.
    public static let errorRatioMinutes = 10
    public private(set) var series: [Series]
    /// Spans generated.
    public private(set) var spanCount = 0

    /// Runs the whole scenario. Cost: O(spans) — about 12 spans per second of scenario time
    /// at the default 4 requests/s peak.
    public init(scenario: SimulationScenario, system: SimulatedSystem = .shop) {
        self.scenario = scenario
        var configuration = SpanMetricsConfiguration()
        configuration.windowMilliseconds = 60_000
        configuration.dimensions = []
        configuration.utilizationAttributes = [SpanStreamGenerator.utilizationAttribute]
        configuration.exemplarsPerSeries = 0
        let aggregator = SpanMetricsAggregator(configuration: configuration)
        var generator = SpanStreamGenerator(system: system, scenario: scenario)
        var minutes: [Int64: [String: Accumulator]] = [:]
        func absorb(_ records: [WindowMetrics]) {
            for record in records {
                let key: String
                switch record.kind {
                case .operation:
                    guard record.label("kind") == "server", let service = record.label("service"),
                          let name = record.label("operation") else { continue }
                    key = service + "\u{1}" + name
                case .utilization:
                    guard let service = record.label("service") else { continue }
                    key = service
                case .callEdge, .invariant:
                    continue
                }
                minutes[record.windowStart, default: [:]][key, default: Accumulator()].add(record)
            }
        }
        while let spans = generator.nextSecond() {
            spanCount += spans.count
            aggregator.ingest(spans)
            if generator.second % 60 == 0 {
                absorb(aggregator.drainClosedWindows(now: (scenario.startUnixSeconds + generator.second) * 1000))
            }
        }
        absorb(aggregator.drainAll())
        let ordered = minutes.keys.sorted()
        series = scenario.watches.map { watch in
            let key = watch.operation.map { watch.service + "\u{1}" + $0 } ?? watch.service
            var out = Series(watch: watch, timestamps: [], values: [], counts: watch.signal == .errorRatio ? [] : nil)
            var trailing: [(requests: Int, errors: Int)] = []
            for minute in ordered {
                let accumulator = minutes[minute]?[key]
                let value: Double?
                switch watch.signal {
                case .requests: value = Double(accumulator?.count ?? 0)
                case .errorRatio:
                    trailing.append((accumulator?.count ?? 0, accumulator?.errors ?? 0))
                    if trailing.count > Self.errorRatioMinutes { trailing.removeFirst() }
                    let requests = trailing.reduce(0) { $0 + $1.requests }, errors = trailing.reduce(0) { $0 + $1.errors }
                    value = requests == 0 ? 0 : Double(errors) / Double(requests)
                case .p99Milliseconds: value = accumulator?.sketch?.quantile(0.99).map { $0 * 1000 }
                case .utilization: value = accumulator?.utilization
                }
                if let value {
                    out.timestamps.append(minute)
                    out.values.append(value)
                    out.counts?.append((accumulator?.errors ?? 0, accumulator?.count ?? 0))
                }
            }
            return out
        }
    }

    /// The ground truth of one watch: the incidents on its service (and operation, when both
    /// name one) with their breach minute.
    public func truth(for series: Series) -> [IncidentTruth] {
        let watch = series.watch
        return scenario.incidents.compactMap { incident in
            guard incident.service == watch.service else { return nil }
            if let a = incident.operation, let b = watch.operation, a != b { return nil }
            let start = (scenario.startUnixSeconds + Int64(incident.startMinute) * 60) * 1000
            let end = (scenario.startUnixSeconds + Int64(incident.endMinute) * 60) * 1000
            var breach: Int64?
            if let threshold = watch.threshold {
                for (t, v) in zip(series.timestamps, series.values) where t >= start && t < end {
                    if watch.breachesBelow ? v < threshold : v > threshold { breach = t; break }
                }
            }
            return IncidentTruth(kind: incident.kind, start: start, end: end, breach: breach, version: incident.version)
        }
    }

    /// The minute CSV of `series` in the NAB layout (`timestamp,value`, UTC), values at full
    /// precision.
    public static func csv(_ series: Series) -> String {
        var text = "timestamp,value\n"
        for (t, v) in zip(series.timestamps, series.values) {
            text += TimestampFormatter.string(milliseconds: t) + "," + "\(v)" + "\n"
        }
        return text
    }

    /// The minute counts of an error-ratio series (`timestamp,errors,requests`, UTC), or nil
    /// for another signal.
    public static func countsCSV(_ series: Series) -> String? {
        guard let counts = series.counts else { return nil }
        var text = "timestamp,errors,requests\n"
        for (t, count) in zip(series.timestamps, counts) {
            text += TimestampFormatter.string(milliseconds: t) + ",\(count.errors),\(count.requests)\n"
        }
        return text
    }

    /// Sums of one operation's (or service's) records in one minute.
    private struct Accumulator {
        var count = 0
        var errors = 0
        var sketch: DDSketch?
        var utilizationSum = 0.0
        var utilizationRecords = 0

        var utilization: Double? { utilizationRecords == 0 ? nil : utilizationSum / Double(utilizationRecords) }

        mutating func add(_ record: WindowMetrics) {
            switch record.kind {
            case .operation:
                count += record.count
                errors += record.errors
                if let duration = record.duration {
                    // One aggregator made every sketch: same mapping, so the merge cannot fail.
                    if sketch == nil { sketch = duration } else { try? sketch?.merge(duration) }
                }
            case .utilization:
                utilizationSum += record.utilizationMean
                utilizationRecords += 1
            case .callEdge, .invariant:
                break
            }
        }
    }
}

/// The ground truth of one incident as a watch sees it. Times are Unix milliseconds.
public struct IncidentTruth: Codable, Sendable, Equatable {
    public var kind: SimulatedIncident.Kind
    public var start: Int64
    public var end: Int64
    /// The first minute the observed series crossed the watch's threshold during the incident.
    public var breach: Int64?
    public var version: String?
}

/// The ground-truth document written beside a scenario's CSVs (`truth.json`).
public struct ScenarioTruth: Codable, Sendable, Equatable {
    public struct SeriesTruth: Codable, Sendable, Equatable {
        /// The CSV beside this document.
        public var file: String
        /// For an error ratio, the CSV of its minute counts (``ScenarioSeries/countsCSV(_:)``).
        public var counts: String?
        public var watch: ScenarioWatch
        public var incidents: [IncidentTruth]
    }

    public var scenario: SimulationScenario
    public var spans: Int
    public var series: [SeriesTruth]
}

extension ScenarioSeries {
    /// The ground truth of every exported series.
    public var truth: ScenarioTruth {
        ScenarioTruth(scenario: scenario, spans: spanCount,
                      series: series.map {
                          .init(file: $0.watch.fileName, counts: $0.counts == nil ? nil : $0.watch.countsFileName,
                                watch: $0.watch, incidents: truth(for: $0))
                      })
    }
}
