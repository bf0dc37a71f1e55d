import ForeshockTestSupport
import ForeshockDetection
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SplitMix64 {
    /// A standard normal draw (Box–Muller).
    mutating func gaussian() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    mutating func exponential() -> Double { -log(Double.random(in: Double.ulpOfOne..<1, using: &self)) }
}

let fiveMinutes: Int64 = 300_000
let oneMinute: Int64 = 60_000
/// 2024-01-01T00:00:00Z.
let epoch: Int64 = 1_704_067_200_000

func makeDetector(_ configure: (inout DetectorConfiguration) -> Void = { _ in }) throws -> SeriesDetector {
    var c = DetectorConfiguration()
    configure(&c)
    return try SeriesDetector(series: SeriesRef(name: "test", labels: ["svc": "api"]), configuration: c)
}

extension Array where Element == PointScore {
    var events: [AnomalyEvent] { compactMap(\.event) }
    var opened: [Anomaly] { events.compactMap { if case let .opened(a) = $0 { a } else { nil } } }
    var closed: [Anomaly] { events.compactMap { if case let .closed(a) = $0 { a } else { nil } } }
}
