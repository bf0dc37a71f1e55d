#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps positive values to integer bucket indices so that every value of a bucket is within a
/// relative distance α of the bucket's representative value.
///
/// A mapping is the "mapping" half of a DDSketch (Masson, Rim & Lee, "DDSketch: A Fast and
/// Fully-Mergeable Quantile Sketch with Relative-Error Guarantees", PVLDB 12(12), 2019); the
/// bucket counts live in a ``DenseStore``. Four kinds exist:
///
/// - ``logarithmic(relativeAccuracy:)``: the paper's memory-optimal mapping,
///   `index(x) = ⌊log_γ x⌋` with `γ = (1 + α) / (1 − α)`. It needs one `log2` call per value.
/// - ``linearlyInterpolated(relativeAccuracy:)`` and ``cubicallyInterpolated(relativeAccuracy:)``:
///   the fast mappings of the paper's section 4 and of DataDog's sketches-java. `log₂ x` is
///   approximated from the float's bits, `x = 2^e · (1 + s)`, as `e + P(s)` with `P(s) = s`
///   (linear) or `P(s) = A s³ + B s² + C s`, `A = 6/35, B = −3/5, C = 10/7` (cubic). Neither
///   needs a library call, so they vectorise (``DDSketch/add(contentsOf:)-(UnsafeBufferPointer<Double>)``). The
///   multiplier is scaled by the smallest slope of the approximation, `min (1 + s) P′(s)`
///   (1 for linear, 10/7 for cubic, against `1/ln 2 ≈ 1.443` for the true logarithm), so that
///   consecutive bucket boundaries are still at most a factor `γ` apart: the guarantee holds
///   exactly; only the number of buckets grows, by 44 % (linear) or 1 % (cubic).
/// - ``exponentialHistogram(scale:)``: the OpenTelemetry base-2 exponential histogram mapping,
///   `base = 2^(2^−scale)`, with OpenTelemetry's index convention (bucket `i` holds
///   `(base^i, base^(i+1)]`), so that converting to and from an exponential histogram at the same
///   scale is exact (see ``ExponentialHistogram``).
///
/// Every value in `[Double.leastNormalMagnitude, Double.greatestFiniteMagnitude]` is indexable;
/// smaller magnitudes (zero and subnormals) go to the sketch's zero bucket.
///
/// - Guarantee: for every indexable `x`, `|value(forIndex: index(x)) − x| ≤ α · x` (up to the
///   rounding of the floating-point evaluation, a few ulps).
public struct IndexMapping: Sendable, Hashable, CustomStringConvertible {
    /// The kinds of mapping, with the id the byte format stores.
    public enum Kind: UInt8, Sendable, CaseIterable {
        case logarithmic = 0
        case linearlyInterpolated = 1
        case cubicallyInterpolated = 2
        /// OpenTelemetry's base-2 exponential histogram buckets (an exact logarithmic mapping
        /// with `γ = 2^(2^−scale)`).
        case exponentialHistogram = 3
    }

    /// The kind of mapping.
    public let kind: Kind
    /// The guaranteed relative accuracy α: every estimate is within `α · |x|` of the value `x`.
    public let relativeAccuracy: Double
    /// The largest ratio between the bounds of one bucket, `(1 + α) / (1 − α)`.
    public let gamma: Double
    /// The OpenTelemetry scale of an ``Kind/exponentialHistogram`` mapping; 0 for other kinds.
    public let scale: Int
    /// Index = ⌊approximate log₂(x) · multiplier⌋.
    @usableFromInline let multiplier: Double

    /// The smallest relative accuracy accepted (keeps every index well inside ±2⁵¹, which the
    /// vectorised index computation relies on).
    public static let minimumRelativeAccuracy = 1e-9
    /// The OpenTelemetry scales accepted (the range the OpenTelemetry specification allows).
    public static let scales: ClosedRange<Int> = -10...20

    /// The smallest magnitude that gets its own bucket; smaller ones are counted as zero.
    @inlinable public static var minIndexableValue: Double { .leastNormalMagnitude }
    /// The largest magnitude that gets a bucket; infinities are rejected by the sketch.
    @inlinable public static var maxIndexableValue: Double { .greatestFiniteMagnitude }

    // Cubic interpolation coefficients (sketches-java's CubicallyInterpolatedMapping): P(s) =
    // A s³ + B s² + C s approximates log₂(1 + s) on [0, 1) with P(0) = 0, P(1) = 1 and the
    // largest possible minimum of (1 + s) P′(s), which is 10/7.
    @inlinable static var cubicA: Double { 6.0 / 35.0 }
    @inlinable static var cubicB: Double { -3.0 / 5.0 }
    @inlinable static var cubicC: Double { 10.0 / 7.0 }

    private init(kind: Kind, relativeAccuracy: Double, gamma: Double, scale: Int, multiplier: Double) {
        self.kind = kind
        self.relativeAccuracy = relativeAccuracy
        self.gamma = gamma
        self.scale = scale
        self.multiplier = multiplier
    }

    /// Validates an accuracy and returns `ln γ`.
    private static func logGamma(_ relativeAccuracy: Double) -> Double {
        precondition(isValidRelativeAccuracy(relativeAccuracy),
                     "relative accuracy must be in [\(minimumRelativeAccuracy), 1), got \(relativeAccuracy)")
        // ln((1 + α) / (1 − α)) = ln(1 + 2α / (1 − α)), accurate for small α.
        return log1p(2 * relativeAccuracy / (1 - relativeAccuracy))
    }

    /// Whether `relativeAccuracy` is accepted by the mapping initialisers.
    public static func isValidRelativeAccuracy(_ relativeAccuracy: Double) -> Bool {
        relativeAccuracy >= minimumRelativeAccuracy && relativeAccuracy < 1
    }

    /// The memory-optimal mapping `⌊log_γ x⌋` of the DDSketch paper.
    ///
    /// - Precondition: `relativeAccuracy` in `[1e-9, 1)`.
    public static func logarithmic(relativeAccuracy: Double) -> IndexMapping {
        let lnGamma = logGamma(relativeAccuracy)
        return IndexMapping(kind: .logarithmic, relativeAccuracy: relativeAccuracy, gamma: exp(lnGamma), scale: 0,
                            multiplier: M_LN2 / lnGamma)
    }

    /// The fast mapping interpolating `log₂` linearly between powers of two (44 % more buckets
    /// than ``logarithmic(relativeAccuracy:)`` for the same accuracy).
    ///
    /// - Precondition: `relativeAccuracy` in `[1e-9, 1)`.
    public static func linearlyInterpolated(relativeAccuracy: Double) -> IndexMapping {
        let lnGamma = logGamma(relativeAccuracy)
        return IndexMapping(kind: .linearlyInterpolated, relativeAccuracy: relativeAccuracy, gamma: exp(lnGamma),
                            scale: 0, multiplier: 1 / lnGamma)
    }

    /// The fast mapping interpolating `log₂` with a cubic between powers of two (1 % more
    /// buckets than ``logarithmic(relativeAccuracy:)`` for the same accuracy). The default.
    ///
    /// - Precondition: `relativeAccuracy` in `[1e-9, 1)`.
    public static func cubicallyInterpolated(relativeAccuracy: Double) -> IndexMapping {
        let lnGamma = logGamma(relativeAccuracy)
        return IndexMapping(kind: .cubicallyInterpolated, relativeAccuracy: relativeAccuracy, gamma: exp(lnGamma),
                            scale: 0, multiplier: 7 / (10 * lnGamma))
    }

    /// OpenTelemetry's exponential histogram mapping at `scale`: bucket `i` holds
    /// `(base^i, base^(i+1)]` with `base = 2^(2^−scale)`; its accuracy is
    /// `α = (base − 1) / (base + 1)` (scale 0: 33 %, 5: 1.08 %, 6: 0.54 %, 7: 0.27 %).
    ///
    /// - Precondition: `scale` in `-10...20`.
    public static func exponentialHistogram(scale: Int) -> IndexMapping {
        precondition(scales.contains(scale), "scale must be in \(scales), got \(scale)")
        let base = exp2(exp2(Double(-scale)))
        return IndexMapping(kind: .exponentialHistogram, relativeAccuracy: (base - 1) / (base + 1), gamma: base,
                            scale: scale, multiplier: exp2(Double(scale)))
    }

    /// The mapping of `kind` with accuracy `relativeAccuracy` (not for ``Kind/exponentialHistogram``,
    /// which is parameterised by its scale).
    public static func make(_ kind: Kind, relativeAccuracy: Double) -> IndexMapping {
        switch kind {
        case .logarithmic: logarithmic(relativeAccuracy: relativeAccuracy)
        case .linearlyInterpolated: linearlyInterpolated(relativeAccuracy: relativeAccuracy)
        case .cubicallyInterpolated: cubicallyInterpolated(relativeAccuracy: relativeAccuracy)
        case .exponentialHistogram:
            preconditionFailure("use IndexMapping.exponentialHistogram(scale:)")
        }
    }

    /// The default: cubic interpolation, chosen by measurement (docs/SKETCHES.md, "Mappings"):
    /// its batch insert is about 6× faster than the logarithmic mapping's; linear interpolation
    /// is about 25 % faster still but needs 1.42× the buckets (memory and serialized bytes), and
    /// the store persists one sketch per series and window.
    public static func `default`(relativeAccuracy: Double = 0.01) -> IndexMapping {
        cubicallyInterpolated(relativeAccuracy: relativeAccuracy)
    }

    public var description: String {
        switch kind {
        case .logarithmic: "logarithmic(α=\(relativeAccuracy))"
        case .linearlyInterpolated: "linearlyInterpolated(α=\(relativeAccuracy))"
        case .cubicallyInterpolated: "cubicallyInterpolated(α=\(relativeAccuracy))"
        case .exponentialHistogram: "exponentialHistogram(scale=\(scale), α=\(relativeAccuracy))"
        }
    }

    /// Whether the mapping reads the float's bits (and so has a vectorised batch path).
    @inlinable var isInterpolated: Bool { kind == .linearlyInterpolated || kind == .cubicallyInterpolated }
}

// MARK: - Index and value

extension IndexMapping {
    /// `1.5 · 2⁵²`: adding it to `|y| < 2⁵¹` leaves `round(y)` in the low mantissa bits.
    @inlinable static var roundingMagic: Double { 6_755_399_441_055_744.0 }
    @inlinable static var roundingMagicBits: Int64 { 0x4338_0000_0000_0000 }
    /// `2⁵² + 1023`: `Double(bits: 0x433 << 52 | biasedExponent) − this` is the unbiased exponent.
    @inlinable static var exponentMagic: Double { 4_503_599_627_371_519.0 }
    @inlinable static var exponentMagicBits: UInt64 { 0x4330_0000_0000_0000 }
    @inlinable static var mantissaMask: UInt64 { 0x000F_FFFF_FFFF_FFFF }
    @inlinable static var oneBits: UInt64 { 0x3FF0_0000_0000_0000 }

    /// `⌊y⌋` for `|y| < 2⁵¹`: truncate, then subtract 1 below a negative non-integer (the
    /// default x86-64 target has no `roundsd`, so `rounded(.down)` would be a library call; the
    /// correction is a select, not a branch that half the values would mispredict).
    @inlinable @inline(__always)
    static func floorToInt(_ y: Double) -> Int {
        let truncated = Int(y)
        return truncated &- (Double(truncated) > y ? 1 : 0)
    }

    /// The interpolated `log₂ x`, `e + P(s)`, times the multiplier, evaluated in exactly the
    /// order the vectorised kernel uses so both give the same index.
    @inlinable @inline(__always)
    func interpolatedLog(_ x: Double) -> Double {
        let bits = x.bitPattern
        let s = Double(bitPattern: (bits & Self.mantissaMask) | Self.oneBits) - 1
        let e = Double(bitPattern: (bits >> 52) | Self.exponentMagicBits) - Self.exponentMagic
        let p = kind == .cubicallyInterpolated ? ((Self.cubicA * s + Self.cubicB) * s + Self.cubicC) * s : s
        return (p + e) * multiplier
    }

    /// The bucket index of a magnitude.
    ///
    /// - Precondition: `x` in `[minIndexableValue, maxIndexableValue]` (checked in debug builds).
    /// - Complexity: O(1); no library call for the interpolated mappings.
    @inlinable @inline(__always)
    public func index(_ x: Double) -> Int {
        assert(x >= Self.minIndexableValue && x <= Self.maxIndexableValue, "value \(x) is not indexable")
        // The interpolated mappings inline into the caller's loop; the others call libm anyway.
        if isInterpolated { return Self.floorToInt(interpolatedLog(x)) }
        return logarithmicIndex(x)
    }

    /// The index for the ``Kind/logarithmic`` and ``Kind/exponentialHistogram`` mappings.
    @usableFromInline
    func logarithmicIndex(_ x: Double) -> Int {
        kind == .logarithmic ? Self.floorToInt(log2(x) * multiplier) : exponentialHistogramIndex(x)
    }

    /// OpenTelemetry's `MapToIndex`: exact for powers of two and for scales ≤ 0; for positive
    /// scales the logarithm is clamped into the index range of the value's binade, so an index
    /// is off by one at most for values within a few ulps of a bucket boundary.
    @usableFromInline
    func exponentialHistogramIndex(_ x: Double) -> Int {
        let bits = x.bitPattern
        let exponent = Int((bits >> 52) & 0x7FF) - 1023
        let isPowerOfTwo = bits & Self.mantissaMask == 0
        if scale <= 0 {
            // Bucket i at scale 0 is (2^i, 2^(i+1)]; coarser scales merge 2^−scale of them.
            return (exponent - (isPowerOfTwo ? 1 : 0)) >> -scale
        }
        if isPowerOfTwo { return (exponent << scale) - 1 }
        let index = Int((log2(x) * multiplier).rounded(.up)) - 1
        return min(max(index, exponent << scale), ((exponent + 1) << scale) - 1)
    }

    /// The smallest value of bucket `index` (for ``Kind/exponentialHistogram``, the exclusive
    /// lower bound `base^index`).
    public func lowerBound(forIndex index: Int) -> Double {
        let normalized = Double(index) / multiplier
        switch kind {
        case .logarithmic, .exponentialHistogram:
            return exp2(normalized)
        case .linearlyInterpolated:
            let exponent = normalized.rounded(.down)
            return Self.makeDouble(exponent: exponent, significand: 1 + (normalized - exponent))
        case .cubicallyInterpolated:
            let exponent = normalized.rounded(.down)
            return Self.makeDouble(exponent: exponent, significand: 1 + Self.inverseCubic(normalized - exponent))
        }
    }

    /// The value reported for bucket `index`: `lowerBound · (1 + α)`, within `α` of every value
    /// of the bucket (clamped to the greatest finite double, which keeps that property).
    ///
    /// - Complexity: O(1).
    public func value(forIndex index: Int) -> Double {
        min(lowerBound(forIndex: index) * (1 + relativeAccuracy), .greatestFiniteMagnitude)
    }

    /// The `s` in `[0, 1)` with `P(s) = v`, by Cardano's formula for the depressed cubic.
    static func inverseCubic(_ v: Double) -> Double {
        let a = cubicA, b = cubicB, c = cubicC
        let d0 = b * b - 3 * a * c
        let d1 = 2 * b * b * b - 9 * a * b * c - 27 * a * a * v
        let p = cbrt((d1 - (d1 * d1 - 4 * d0 * d0 * d0).squareRoot()) / 2)
        return -(b + p + d0 / p) / (3 * a)
    }

    /// `significand · 2^exponent` without overflowing at the ends of the range.
    static func makeDouble(exponent: Double, significand: Double) -> Double {
        let e = Int(max(-1100, min(1100, exponent)))
        return Double(sign: .plus, exponent: e, significand: significand)
    }

    /// The indices of the smallest and largest indexable magnitudes.
    public var indexRange: ClosedRange<Int> { index(Self.minIndexableValue)...index(Self.maxIndexableValue) }
}
