/// A simulated stretch of production: how long, how busy, which releases roll out when, and
/// which incidents are injected — the ground truth the detectors are scored against.
///
/// Times are whole minutes from ``startUnixSeconds`` (a minute boundary). Everything is
/// `Codable`, so a scenario can be written next to the data it produced.
public struct SimulationScenario: Codable, Sendable, Equatable {
    public var name: String
    public var summary: String
    public var seed: UInt64
    /// Unix seconds of minute 0.
    public var startUnixSeconds: Int64
    public var durationMinutes: Int
    /// Entry requests per second at the daily peak on a weekday (the trough is 15 % of it,
    /// weekends 60 %).
    public var peakRequestsPerSecond: Double
    public var deploys: [SimulatedDeploy]
    public var incidents: [SimulatedIncident]
    /// The series exported for this scenario, with the static thresholds an SLO would set.
    public var watches: [ScenarioWatch]

    public init(name: String, summary: String, seed: UInt64, startUnixSeconds: Int64 = SimulationScenario.monday,
                durationMinutes: Int, peakRequestsPerSecond: Double = 4, deploys: [SimulatedDeploy] = [],
                incidents: [SimulatedIncident] = [], watches: [ScenarioWatch]) {
        self.name = name
        self.summary = summary
        self.seed = seed
        self.startUnixSeconds = startUnixSeconds
        self.durationMinutes = durationMinutes
        self.peakRequestsPerSecond = peakRequestsPerSecond
        self.deploys = deploys
        self.incidents = incidents
        self.watches = watches
    }

    /// 2026-03-02T00:00:00Z, a Monday.
    public static let monday: Int64 = 1_772_409_600
}

/// A release of one service: from `atMinute`, over `rolloutMinutes`, a growing share of the
/// service's requests is served by `version` (canary style: both versions run meanwhile).
public struct SimulatedDeploy: Codable, Sendable, Equatable {
    public var atMinute: Int
    public var service: String
    public var version: String
    /// `code.origin` of the new version's code: `ai` or `human`.
    public var codeOrigin: String
    public var rolloutMinutes: Int

    public init(atMinute: Int, service: String, version: String, codeOrigin: String = "human", rolloutMinutes: Int = 30) {
        self.atMinute = atMinute
        self.service = service
        self.version = version
        self.codeOrigin = codeOrigin
        self.rolloutMinutes = rolloutMinutes
    }
}

/// One injected fault. Creeps and ramps grow linearly from nothing at `startMinute` to
/// `magnitude` at `endMinute`; the other kinds hold `magnitude` over the interval. Every kind
/// ends at `endMinute` (recovery is immediate).
public struct SimulatedIncident: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Self time × (1 + magnitude × progress).
        case latencyCreep
        /// Self time × (1 + magnitude).
        case latencySpike
        /// Extra failure probability magnitude × progress.
        case errorCreep
        /// Extra failure probability magnitude.
        case errorSpike
        /// Requests reaching the operation × (1 − magnitude).
        case trafficDrop
        /// The service's CPU utilisation + magnitude × progress (latency grows with it).
        case saturationRamp
        /// Share `magnitude` of checkout spans whose order total is off by one cent, with
        /// latency and errors unchanged.
        case invariantViolation
    }

    public var kind: Kind
    public var service: String
    /// The operation (span name); nil for service-wide kinds (`saturationRamp`).
    public var operation: String?
    public var startMinute: Int
    public var endMinute: Int
    public var magnitude: Double
    /// Only requests served by this version are affected (nil: all).
    public var version: String?

    public init(kind: Kind, service: String, operation: String? = nil, startMinute: Int, endMinute: Int, magnitude: Double,
                version: String? = nil) {
        self.kind = kind
        self.service = service
        self.operation = operation
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.magnitude = magnitude
        self.version = version
    }

    /// The effect's size at `minute` (fractional): 0 outside the interval.
    func effect(atMinute minute: Double) -> Double {
        guard minute >= Double(startMinute), minute < Double(endMinute) else { return 0 }
        switch kind {
        case .latencyCreep, .errorCreep, .saturationRamp:
            return magnitude * (minute - Double(startMinute)) / Double(max(1, endMinute - startMinute))
        case .latencySpike, .errorSpike, .trafficDrop, .invariantViolation:
            return magnitude
        }
    }
}

/// A series exported from a scenario (one minute per point), and the static threshold an
/// SLO would put on it.
public struct ScenarioWatch: Codable, Sendable, Equatable {
    public enum Signal: String, Codable, Sendable {
        /// Server spans per minute.
        case requests
        /// Errors / requests over the trailing 10 minutes (0 when no request): SLOs on error
        /// ratios are set over a window, since a minute of a sparse operation holds a handful
        /// of requests and one error would be a ratio of several percent.
        case errorRatio
        /// p99 of server span durations, milliseconds (no point when no request).
        case p99Milliseconds
        /// Mean CPU utilisation the service reported (0…1).
        case utilization
    }

    public var service: String
    /// The operation; nil for service-level signals (utilisation).
    public var operation: String?
    public var signal: Signal
    /// The static threshold (breached when the value goes above it, or below for
    /// `requests`); nil when there is none.
    public var threshold: Double?

    public init(service: String, operation: String? = nil, signal: Signal, threshold: Double? = nil) {
        self.service = service
        self.operation = operation
        self.signal = signal
        self.threshold = threshold
    }

    /// The CSV file name: `<service>[_<operation>]_<signal>.csv`, with characters other than
    /// letters, digits, `-` and `_` replaced by `_`.
    public var fileName: String { Self.fileName([service, operation, signal.rawValue]) }

    /// The file name of the watch's minute counts (error ratios only: `…_errorCounts.csv`).
    public var countsFileName: String { Self.fileName([service, operation, "errorCounts"]) }

    private static func fileName(_ parts: [String?]) -> String {
        let raw = parts.compactMap { $0 }.joined(separator: "_")
        return String(raw.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }) + ".csv"
    }

    /// Whether a breach is the value going below the threshold (traffic) rather than above.
    public var breachesBelow: Bool { signal == .requests }
}
