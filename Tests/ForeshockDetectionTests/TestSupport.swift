import ForeshockDetection
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded PRNG (SplitMix64) so every test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

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
