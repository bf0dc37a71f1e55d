/// Parameters of the cheap first-stage residual scorer shared by ``ResidualScoreState`` and
/// ``SeriesBatchScorer``.
public struct ResidualScoringParameters: Sendable, Codable, Equatable {
    /// EWMA weight of the level per step, in (0, 1).
    public var levelSmoothing: Double = 0.05
    /// EWMA weight of the mean |residual| per step, in (0, 1).
    public var scaleSmoothing: Double = 0.01
    /// Residuals beyond this many σ are clipped before they update level and scale. ≥ 1.
    public var huberClip: Double = 4
    /// |z| at which the point score is 0.5. > 0.
    public var alertZ: Double = 6
    /// CUSUM reference k and decision value h (in σ units); the CUSUM score is S/(S + h) and
    /// a crossing of h makes the level jump to the current value.
    public var changeReference: Double = 0.5
    public var changeThreshold: Double = 24
    /// The smallest σ used, in the series' units (> 0).
    public var scaleFloor: Double = 1e-9

    public init() {}
}

/// The per-series state of the first-stage residual scorer, and its scalar reference update.
///
/// Model: level = EWMA of Huber-cleaned values, σ = 1.2533 × EWMA of clipped |residual|,
/// z = (x − level)/σ, point score z²/(z² + alertZ²), two-sided CUSUM score S/(S + h);
/// the score is the larger of the two, in [0, 1). NaN/±Inf leave the state unchanged and
/// score 0. ``SeriesBatchScorer`` computes exactly the same numbers (bit for bit) eight
/// series at a time.
public struct ResidualScoreState: Sendable, Codable, Equatable {
    public var level: Double
    public var meanAbsoluteResidual: Double
    public var cusumUp: Double = 0
    public var cusumDown: Double = 0

    public init(level: Double, meanAbsoluteResidual: Double) {
        self.level = level
        self.meanAbsoluteResidual = meanAbsoluteResidual
    }

    /// Scores `x` and learns from it. - Complexity: O(1).
    @inlinable
    public mutating func update(_ x: Double, _ p: ResidualScoringParameters) -> Double {
        guard x.isFinite else { return 0 }
        var sigma = 1.2533 * meanAbsoluteResidual
        sigma = sigma < p.scaleFloor ? p.scaleFloor : sigma
        let r = x - level
        let z = r / sigma
        let z2 = z * z
        let pointScore = z2 / (z2 + p.alertZ * p.alertZ)
        var zc = z < -4 ? -4 : z
        zc = zc > 4 ? 4 : zc
        var up = cusumUp + zc - p.changeReference
        up = up < 0 ? 0 : up
        var down = cusumDown - zc - p.changeReference
        down = down < 0 ? 0 : down
        let s = up > down ? up : down
        let changeScore = s / (s + p.changeThreshold)
        let score = pointScore > changeScore ? pointScore : changeScore
        let limit = p.huberClip * sigma
        var cleaned = r > limit ? limit : r
        cleaned = cleaned < -limit ? -limit : cleaned
        let absCleaned = cleaned < 0 ? -cleaned : cleaned
        var newLevel = level + p.levelSmoothing * cleaned
        meanAbsoluteResidual = meanAbsoluteResidual + p.scaleSmoothing * (absCleaned - meanAbsoluteResidual)
        let shifted = s >= p.changeThreshold
        newLevel = shifted ? x : newLevel
        level = newLevel
        cusumUp = shifted ? 0 : up
        cusumDown = shifted ? 0 : down
        return score
    }
}

/// Struct-of-arrays residual scoring of many series at once with `SIMD8<Double>`: one new
/// value per series per ``step(values:scores:)``.
///
/// This is the triage stage for large fleets (e.g. every span-count series of every service):
/// level, robust scale, point score and CUSUM, the same model as ``ResidualScoreState``
/// (whose scalar update it equals bit for bit), without seasons or EVT. Series whose score
/// passes a bar can then be handed to a full ``SeriesDetector``.
///
/// Kernels use multiply + add and compare + select only (no FMA, no `pointwiseMin`), which is
/// what is fast on the default x86-64 target.
///
/// - Complexity: O(count) per step, 4 doubles of state per series.
public struct SeriesBatchScorer: Sendable {
    public let count: Int
    public let parameters: ResidualScoringParameters
    @usableFromInline var level: [Double]
    @usableFromInline var meanAbs: [Double]
    @usableFromInline var up: [Double]
    @usableFromInline var down: [Double]

    /// Starts every series from the given states.
    public init(states: [ResidualScoreState], parameters: ResidualScoringParameters = ResidualScoringParameters()) {
        count = states.count
        self.parameters = parameters
        let padded = (states.count + 7) / 8 * 8
        level = [Double](repeating: 0, count: padded)
        meanAbs = [Double](repeating: 0, count: padded)
        up = [Double](repeating: 0, count: padded)
        down = [Double](repeating: 0, count: padded)
        for (i, s) in states.enumerated() {
            level[i] = s.level
            meanAbs[i] = s.meanAbsoluteResidual
            up[i] = s.cusumUp
            down[i] = s.cusumDown
        }
    }

    /// The state of series `i` (0..<count).
    public func state(of i: Int) -> ResidualScoreState {
        var s = ResidualScoreState(level: level[i], meanAbsoluteResidual: meanAbs[i])
        s.cusumUp = up[i]
        s.cusumDown = down[i]
        return s
    }

    /// Scores one value per series and learns from it.
    ///
    /// - Parameters:
    ///   - values: `count` values, one per series (NaN/±Inf: missing, state unchanged).
    ///   - scores: receives `count` scores in [0, 1).
    /// - Throws: ``DetectionError/lengthMismatch(what:expected:found:)``.
    public mutating func step(values: [Double], scores: inout [Double]) throws(DetectionError) {
        guard values.count == count else { throw .lengthMismatch(what: "values", expected: count, found: values.count) }
        if scores.count != count { scores = [Double](repeating: 0, count: count) }
        values.withUnsafeBufferPointer { v in
            scores.withUnsafeMutableBufferPointer { s in step(values: v, scores: s) }
        }
    }

    /// Unsafe-buffer form of ``step(values:scores:)``; both buffers must hold ≥ `count` elements
    /// (extra elements are ignored).
    @inlinable
    public mutating func step(values: UnsafeBufferPointer<Double>, scores: UnsafeMutableBufferPointer<Double>) {
        let n = min(count, values.count, scores.count)
        guard n > 0 else { return }
        let p = parameters
        let full = n / 8 * 8
        level.withUnsafeMutableBufferPointer { lv in
        meanAbs.withUnsafeMutableBufferPointer { ma in
        up.withUnsafeMutableBufferPointer { cu in
        down.withUnsafeMutableBufferPointer { cd in
            guard let vb = values.baseAddress, let sb = scores.baseAddress, let lb = lv.baseAddress,
                  let mb = ma.baseAddress, let ub = cu.baseAddress, let db = cd.baseAddress else { return }
            let c12533 = SIMD8<Double>(repeating: 1.2533)
            let floor = SIMD8<Double>(repeating: p.scaleFloor)
            let alert2 = SIMD8<Double>(repeating: p.alertZ * p.alertZ)
            let four = SIMD8<Double>(repeating: 4), minusFour = SIMD8<Double>(repeating: -4)
            let k = SIMD8<Double>(repeating: p.changeReference)
            let h = SIMD8<Double>(repeating: p.changeThreshold)
            let clip = SIMD8<Double>(repeating: p.huberClip)
            let alpha = SIMD8<Double>(repeating: p.levelSmoothing)
            let omega = SIMD8<Double>(repeating: p.scaleSmoothing)
            let zero = SIMD8<Double>(repeating: 0)
            var i = 0
            while i < full {
                let x = UnsafeRawPointer(vb + i).loadUnaligned(as: SIMD8<Double>.self)
                let l = UnsafeRawPointer(lb + i).loadUnaligned(as: SIMD8<Double>.self)
                let m = UnsafeRawPointer(mb + i).loadUnaligned(as: SIMD8<Double>.self)
                let u0 = UnsafeRawPointer(ub + i).loadUnaligned(as: SIMD8<Double>.self)
                let d0 = UnsafeRawPointer(db + i).loadUnaligned(as: SIMD8<Double>.self)
                // x − x is 0 for finite x and NaN for NaN/±Inf.
                let finite = (x - x) .== zero
                let xs = zero.replacing(with: x, where: finite)
                var sigma = c12533 * m
                sigma.replace(with: floor, where: sigma .< floor)
                let r = xs - l
                let z = r / sigma
                let z2 = z * z
                let pointScore = z2 / (z2 + alert2)
                var zc = z.replacing(with: minusFour, where: z .< minusFour)
                zc.replace(with: four, where: zc .> four)
                var u = u0 + zc - k
                u.replace(with: zero, where: u .< zero)
                var d = d0 - zc - k
                d.replace(with: zero, where: d .< zero)
                let s = d.replacing(with: u, where: u .> d)
                let changeScore = s / (s + h)
                var score = changeScore.replacing(with: pointScore, where: pointScore .> changeScore)
                let limit = clip * sigma
                var cleaned = r.replacing(with: limit, where: r .> limit)
                let negLimit = zero - limit
                cleaned.replace(with: negLimit, where: cleaned .< negLimit)
                let absCleaned = cleaned.replacing(with: zero - cleaned, where: cleaned .< zero)
                var newLevel = l + alpha * cleaned
                let newM = m + omega * (absCleaned - m)
                let shifted = s .>= h
                newLevel.replace(with: xs, where: shifted)
                u.replace(with: zero, where: shifted)
                d.replace(with: zero, where: shifted)
                score.replace(with: zero, where: .!finite)
                UnsafeMutableRawPointer(sb + i).storeBytes(of: score, as: SIMD8<Double>.self)
                UnsafeMutableRawPointer(lb + i).storeBytes(of: l.replacing(with: newLevel, where: finite), as: SIMD8<Double>.self)
                UnsafeMutableRawPointer(mb + i).storeBytes(of: m.replacing(with: newM, where: finite), as: SIMD8<Double>.self)
                UnsafeMutableRawPointer(ub + i).storeBytes(of: u0.replacing(with: u, where: finite), as: SIMD8<Double>.self)
                UnsafeMutableRawPointer(db + i).storeBytes(of: d0.replacing(with: d, where: finite), as: SIMD8<Double>.self)
                i += 8
            }
            while i < n {
                var st = ResidualScoreState(level: lb[i], meanAbsoluteResidual: mb[i])
                st.cusumUp = ub[i]
                st.cusumDown = db[i]
                sb[i] = st.update(vb[i], p)
                lb[i] = st.level; mb[i] = st.meanAbsoluteResidual; ub[i] = st.cusumUp; db[i] = st.cusumDown
                i += 1
            }
        }}}}
    }
}
