#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A monotone, variance-stabilising transform applied to values before the detector models
/// them; expected values and bands are reported back in the series' own units.
///
/// Counts and ratios have a spread that grows with their level (Poisson: σ = √λ), and latency
/// quantiles a spread proportional to their level; on the raw scale one residual scale cannot
/// fit both the night's trough and the day's peak, so thresholds end up far too wide at night
/// and too tight at noon. Under the right transform the spread is roughly constant:
/// - ``log`` for multiplicative noise (latencies, sizes): `ln x`; values ≤ 0 are missing points.
/// - ``sqrt`` for counts and small ratios (Poisson, binomial with small p): `sign(x)·√|x|`
///   (Anscombe 1948; the +3/8 offset is left out so that ratios near 0 keep their resolution).
/// - ``none``: the raw value.
public enum ValueTransform: String, Sendable, Codable, CaseIterable {
    case none
    case log
    case sqrt

    /// The transformed value; not finite when `x` is outside the transform's domain.
    @inlinable public func forward(_ x: Double) -> Double {
        switch self {
        case .none: x
        case .log: x > 0 ? naturalLogarithm(x) : -.infinity
        case .sqrt: x < 0 ? -(-x).squareRoot() : x.squareRoot()
        }
    }

    /// The inverse of ``forward(_:)``.
    @inlinable public func inverse(_ y: Double) -> Double {
        switch self {
        case .none: y
        case .log: exp(y)
        case .sqrt: y < 0 ? -(y * y) : y * y
        }
    }
}

/// `log` from the C library (inside ``ValueTransform`` the name is its case).
@usableFromInline func naturalLogarithm(_ x: Double) -> Double { log(x) }
