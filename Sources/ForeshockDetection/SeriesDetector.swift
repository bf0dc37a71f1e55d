#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The verdict on one point.
public struct PointScore: Sendable, Equatable {
    /// The point's time (ms since epoch) and value, as given.
    public var timestamp: Int64
    public var value: Double
    /// The baseline's expected value at this time (the warm-up median while warming up).
    public var expected: Double
    /// The normal band: values inside [lower, upper] are not point anomalies.
    public var lower: Double
    public var upper: Double
    /// How anomalous the point is, in [0, 1): −ln P / (−ln P − ln q), where P is the estimated
    /// probability of so large a deviation and q the risk level, so 0.5 is exactly the alert
    /// threshold. 0 for missing points and (except gross deviations) during warm-up.
    public var score: Double
    /// The sparse, cross-series comparable alert score (the column written for NAB):
    /// `e / (e − ln q)` for the largest of the alert surprises — the residual's innovation
    /// (``DetectorConfiguration/innovationWeight``; the point's own surprise when that is 0),
    /// the change test, the windowed means of the last
    /// ``DetectorConfiguration/windowedMeanLength`` and
    /// ``DetectorConfiguration/longWindowedMeanLength`` clipped standardised residuals, the
    /// level range, the range extension and the unchanged run (docs/DETECTION.md, item 10), and
    /// a predicted breach — kept only when it is higher than every such value of the previous
    /// ``DetectorConfiguration/suppressionLength`` points (a window that grows with the
    /// history, ``DetectorConfiguration/suppressionGrowth``), else 0. For any threshold it
    /// fires at most once per rising run, which is what ranking-based evaluations such as NAB
    /// reward. The kept value is ≥ 0.5 exactly when the point is past the alert threshold of
    /// one of the evidences (for the innovation, at its weighted risk).
    public var alertScore: Double
    /// True while the detector is still learning (no baseline yet).
    public var isWarmingUp: Bool
    /// False for NaN/±Inf input: such points are skipped and change no state.
    public var isValid: Bool
    /// The incident event this point caused, if any.
    public var event: AnomalyEvent?

    public init(timestamp: Int64, value: Double, expected: Double, lower: Double, upper: Double, score: Double,
                alertScore: Double, isWarmingUp: Bool, isValid: Bool, event: AnomalyEvent?) {
        self.timestamp = timestamp
        self.value = value
        self.expected = expected
        self.lower = lower
        self.upper = upper
        self.score = score
        self.alertScore = alertScore
        self.isWarmingUp = isWarmingUp
        self.isValid = isValid
        self.event = event
    }
}

/// A streaming anomaly detector for one series: robust seasonal baseline, robust residual
/// scale, EVT (SPOT) threshold on the standardised residual, a two-sided CUSUM change test
/// whose confirmed shifts the baseline adopts, and an optional breach forecast against a
/// static threshold. See docs/DETECTION.md for the model and the measurements behind it.
///
/// ## Contract
/// - Feed points in arrival order with ``update(timestamp:value:)``; timestamps in ms. Repeated
///   or backwards timestamps are accepted (they only affect the seasonal phase of that point).
/// - NaN and ±Inf are *missing points*: they are reported with `isValid == false`, score 0,
///   and never enter any state. Gaps need no special handling: the seasonal phase comes from
///   the timestamp.
/// - The first ``DetectorConfiguration/warmupLength`` valid points are learned, and only
///   gross deviations (beyond ``DetectorConfiguration/grossDeviationFactor`` robust standard
///   deviations of the warm-up buffer) are reported.
/// - A season (1 day, 1 week, or configured) is looked for once the buffer covers 2.2
///   periods; the buffer (at most ~2.2 × ``DetectorConfiguration/maximumSeasonLength``
///   points) is freed when no candidate is left.
/// - The whole state is `Codable`: encode it, decode it, and the next scores are identical.
///
/// - Complexity: O(1) amortised per point (a refit over the buffer happens at most once per
///   candidate period); memory O(period) after warm-up.
public struct SeriesDetector: Sendable, Codable {
    public let series: SeriesRef
    public let configuration: DetectorConfiguration

    /// The sampling interval (ms), fixed at the end of warm-up from the median time step.
    public private(set) var interval: Int64?
    private var steps: [Int64] = []
    private var lastTimestamp: Int64?
    /// Valid points learned so far.
    public private(set) var pointsSeen: Int = 0

    private var historyTimes: [Int64] = []
    private var historyValues: [Double] = []
    private var pendingPeriods: [Int] = []
    private var historyLimit: Int = 0
    private var warmCenter: Double = 0
    private var warmSpread: Double = 0

    /// The learned baseline (nil while warming up).
    public private(set) var baseline: SeasonalBaseline?
    /// EWMA of |residual| (Huber-clipped), in the series' units.
    public private(set) var meanAbsoluteResidual: Double = 0
    /// The EVT threshold on the standardised residual (nil while warming up).
    public private(set) var threshold: PeaksOverThreshold?
    private var cusumUp: Double = 0
    private var cusumDown: Double = 0
    private var runUpSum: Double = 0
    private var runUpCount: Double = 0
    private var runDownSum: Double = 0
    private var runDownCount: Double = 0
    /// The last residuals (ring), for a robust estimate of a confirmed shift.
    private var recentResiduals: [Double] = []
    private var recentNext: Int = 0
    /// EWMA of |value|, for the relative scale floor.
    private var meanAbsoluteValue: Double = 0
    public private(set) var tracker: AnomalyTracker
    private var recentScores: TrailingMaximum
    /// The windowed means of clipped standardised residuals, each with its EVT threshold:
    /// ``DetectorConfiguration/windowedMeanLength`` (incidents and alerts) and
    /// ``DetectorConfiguration/longWindowedMeanLength`` (alerts only).
    private var shortMean: WindowedMean
    private var longMean: WindowedMean
    /// The one-step innovation of the standardised residual and its EVT threshold (alert
    /// evidence; nil until calibrated or when ``DetectorConfiguration/innovationWeight`` is 0).
    private var innovation: ResidualInnovation?
    /// The range of the valid values seen (range-extension evidence).
    private var valueRange = SeenRange()
    /// The moving average of the last ``DetectorConfiguration/levelRangeLength`` values and the
    /// range of every such level seen (level-range evidence).
    private var level: WindowedMean
    private var levelRange = SeenRange()
    /// Runs of repeated values (unchanged-run evidence).
    private var unchangedRun = UnchangedRun()

    /// - Throws: ``DetectionError/invalidConfiguration(field:reason:)``.
    public init(series: SeriesRef, configuration: DetectorConfiguration = DetectorConfiguration()) throws(DetectionError) {
        try configuration.validate()
        self.series = series
        self.configuration = configuration
        tracker = AnomalyTracker(quietPointsToClose: configuration.quietPointsToClose)
        recentScores = TrailingMaximum(length: configuration.suppressionLength)
        shortMean = WindowedMean(length: configuration.windowedMeanLength, clip: configuration.huberClip)
        longMean = WindowedMean(length: configuration.longWindowedMeanLength, clip: configuration.huberClip)
        level = WindowedMean(length: configuration.levelRangeLength, clip: .greatestFiniteMagnitude)
    }

    /// The surprise −ln q at which the score is 0.5.
    @inlinable var alertSurprise: Double { -log(configuration.riskLevel) }

    /// The residual standard deviation estimate (ms units of the series), floored so a
    /// constant stretch cannot make it 0.
    var sigma: Double {
        let level = abs(baseline?.level ?? warmCenter)
        // Under `log` a residual already is a relative deviation, so the floor is the fraction
        // itself rather than a fraction of the (log) level.
        let floorBase = configuration.transform == .log ? 1 : meanAbsoluteValue
        return max(1.2533 * meanAbsoluteResidual, configuration.relativeScaleFloor * floorBase, 1e-9 * max(level, 1), 1e-12)
    }

    // MARK: - Public API

    /// Scores one point and learns from it.
    ///
    /// - Parameters:
    ///   - timestamp: ms since the Unix epoch.
    ///   - value: the observation; NaN/±Inf mean "missing".
    /// - Returns: the verdict, with any incident event this point caused.
    /// - Complexity: O(1) amortised.
    public mutating func update(timestamp: Int64, value: Double) -> PointScore {
        process(timestamp: timestamp, value: value, emitEvents: true)
    }

    /// Learns from history without reporting anything (no events, the tracker is untouched):
    /// the detector then starts from a warm state. Mismatched lengths use the shorter.
    public mutating func warm(timestamps: [Int64], values: [Double]) {
        for i in 0..<min(timestamps.count, values.count) {
            _ = process(timestamp: timestamps[i], value: values[i], emitEvents: false)
        }
    }

    /// Scores a whole series in order, as if each point arrived in turn (row i uses rows ≤ i).
    ///
    /// - Throws: ``DetectionError/lengthMismatch(what:expected:found:)``.
    public mutating func score(timestamps: [Int64], values: [Double]) throws(DetectionError) -> [PointScore] {
        guard timestamps.count == values.count else {
            throw DetectionError.lengthMismatch(what: "values", expected: timestamps.count, found: values.count)
        }
        var out: [PointScore] = []
        out.reserveCapacity(values.count)
        for i in values.indices { out.append(update(timestamp: timestamps[i], value: values[i])) }
        return out
    }

    /// Closes the open incident, if any (e.g. when the series stops reporting).
    public mutating func flush() -> AnomalyEvent? { tracker.flush() }

    // MARK: - The pipeline

    /// - Parameter time: Unix ms as given; the model works on local time (``DetectorConfiguration/localTime``),
    ///   verdicts are reported at `time`.
    private mutating func process(timestamp time: Int64, value raw: Double, emitEvents: Bool) -> PointScore {
        let t = configuration.localTime?.local(time) ?? time
        let x = configuration.transform.forward(raw)
        guard raw.isFinite, x.isFinite else {
            let e = configuration.transform.inverse(baseline?.expected(at: t) ?? warmCenter)
            return PointScore(timestamp: time, value: raw, expected: e, lower: e, upper: e, score: 0, alertScore: 0,
                              isWarmingUp: baseline == nil, isValid: false, event: nil)
        }
        if interval == nil, let last = lastTimestamp, time > last, steps.count < 64 { steps.append(time - last) }
        lastTimestamp = time
        pointsSeen += 1
        if baseline == nil { meanAbsoluteValue = pointsSeen == 1 ? abs(x) : 0.99 * meanAbsoluteValue + 0.01 * abs(x) }
        if baseline == nil || !pendingPeriods.isEmpty { remember(t, x) }

        guard baseline != nil else {
            let verdict = warmupVerdict(t, x)
            if pointsSeen >= configuration.warmupLength { finishWarmup() }
            _ = rangeEvidence(x)  // warm-up values set the ranges but never alert
            return report(verdict, raw: raw, at: time, evidence: surprise(ofScore: verdict.score), emitEvents: emitEvents)
        }
        let (verdict, evidence, admitted) = scoreAndLearn(t, x)
        let ranges = rangeEvidence(x)
        var alertEvidence = max(evidence, ranges.level, ranges.unchanged)
        if admitted { alertEvidence = max(alertEvidence, ranges.value) }
        checkSeason(at: t)
        if let st = transformedThreshold, verdict.kind == nil, let breach = forecastBreach(st, from: t, observed: x) {
            var v = verdict
            v.kind = .predictedBreach
            v.leadTime = breach.lead
            v.score = max(v.score, breach.score)
            v.severity = breach.severity
            return report(v, raw: raw, at: time, evidence: max(alertEvidence, surprise(ofScore: breach.score)), emitEvents: emitEvents)
        }
        return report(verdict, raw: raw, at: time, evidence: alertEvidence, emitEvents: emitEvents)
    }

    /// Records `x` in the value range, its moving average in the level range and its run of
    /// repeats; returns the evidence of each record broken (0 when it breaks none).
    private mutating func rangeEvidence(_ x: Double) -> (value: Double, level: Double, unchanged: Double) {
        let c = configuration
        var value = 0.0, levelEvidence = 0.0, unchanged = 0.0
        if let tolerance = c.rangeExtensionTolerance {
            let excess = valueRange.record(x, tolerance: tolerance, direction: c.direction)
            if excess > 0 { value = rangeExtensionEvidence(excess, tolerance: tolerance) }
        }
        // An average of values near ±Double.greatestFiniteMagnitude overflows: no evidence then.
        if let average = level.push(x), average.isFinite {
            let excess = levelRange.record(average, tolerance: c.levelRangeTolerance, direction: c.direction)
            if excess > 0 { levelEvidence = rangeExtensionEvidence(excess, tolerance: c.levelRangeTolerance) }
        }
        // A stuck value lies on neither side of the expected one: only a two-sided detector reports it.
        if c.unchangedRunMinimum > 0, c.direction == .both,
           unchangedRun.record(x, minimumRecord: c.unchangedRunMinimum) {
            unchanged = c.rangeExtensionSurprise * alertSurprise
        }
        return (value, levelEvidence, unchanged)
    }

    /// The surprise of a range extension by `excess` (a fraction of the seen range, past
    /// `tolerance`): ``DetectorConfiguration/rangeExtensionSurprise`` alert surprises at the
    /// tolerance, plus ``DetectorConfiguration/rangeExtensionGrowth`` per e-fold beyond it, so
    /// that extensions rank by size (a fixed surprise ties every extension in a corpus).
    private func rangeExtensionEvidence(_ excess: Double, tolerance: Double) -> Double {
        // Capped so that an extension of a near-zero range stays finite (ln 1e300 ≈ 691).
        let ratio = min(max(1, excess / max(tolerance, 1e-9)), 1e300)
        let growth = configuration.rangeExtensionGrowth * log(ratio)
        return (configuration.rangeExtensionSurprise + growth) * alertSurprise
    }

    /// The static threshold in the transformed units (the transforms are monotone, so a
    /// crossing there is a crossing in the series' units).
    private var transformedThreshold: StaticThreshold? {
        guard var st = configuration.staticThreshold else { return nil }
        st.value = configuration.transform.forward(st.value)
        return st.value.isFinite ? st : nil
    }

    /// Whether the deviation from `expected` to `expected + residual` (transformed units) is at
    /// least ``DetectorConfiguration/minimumDeviation`` in the series' units.
    @inline(__always) private func meetsMinimumDeviation(expected: Double, residual: Double) -> Bool {
        let c = configuration
        guard c.minimumDeviation > 0 else { return true }
        return abs(c.transform.inverse(expected + residual) - c.transform.inverse(expected)) >= c.minimumDeviation
    }

    /// The surprise `e` whose score `e / (e − ln q)` is `score` (capped at 1e12).
    private func surprise(ofScore score: Double) -> Double {
        score < 1 ? score * alertSurprise / (1 - score) : 1e12
    }

    /// - Parameters:
    ///   - v: the verdict in transformed units (mapped back to the series' units here).
    ///   - raw: the observed value in the series' units.
    ///   - time: the point's time as given (the verdict carries local time).
    ///   - evidence: the alert surprise of the point (``PointScore/alertScore`` before the
    ///     suppression by the trailing maximum).
    private mutating func report(_ transformed: AnomalyTracker.Verdict, raw: Double, at time: Int64, evidence: Double,
                                 emitEvents: Bool) -> PointScore {
        var v = transformed
        let transform = configuration.transform
        v.time = time
        v.observed = raw
        v.expected = transform.inverse(v.expected)
        v.lower = transform.inverse(v.lower)
        v.upper = transform.inverse(v.upper)
        var event: AnomalyEvent?
        let value = evidence / (evidence + alertSurprise)
        let alert = value > recentScores.maximum ? value : 0
        let grown = Int(configuration.suppressionGrowth * Double(recentScores.position + 1))
        recentScores.length = max(configuration.suppressionLength, min(configuration.maximumSuppressionLength, grown))
        recentScores.push(value)
        if emitEvents { event = tracker.observe(v) }
        return PointScore(timestamp: v.time, value: v.observed, expected: v.expected, lower: v.lower, upper: v.upper,
                          score: v.score, alertScore: alert, isWarmingUp: baseline == nil, isValid: true, event: event)
    }

    private mutating func remember(_ t: Int64, _ x: Double) {
        historyTimes.append(t)
        historyValues.append(x)
        if historyLimit > 0, historyTimes.count > historyLimit {
            let drop = historyTimes.count - historyLimit * 3 / 4
            historyTimes.removeFirst(drop)
            historyValues.removeFirst(drop)
        }
    }

    /// Warm-up: only gross deviations from the buffer's median/MAD are reported.
    private mutating func warmupVerdict(_ t: Int64, _ x: Double) -> AnomalyTracker.Verdict {
        let n = historyValues.count
        if n <= 8 || n % 16 == 0 {
            let sorted = historyValues.sorted()
            warmCenter = sorted[sorted.count / 2]
            let deviations = sorted.map { abs($0 - warmCenter) }.sorted()
            let mad = deviations[deviations.count / 2] * 1.4826
            warmSpread = mad > 0 ? mad : deviations.reduce(0, +) / Double(deviations.count)
        }
        let band = configuration.grossDeviationFactor * warmSpread
        let r = x - warmCenter
        var score = 0.0
        var kind: AnomalyKind?
        if n > 8, warmSpread > 0, abs(r) > band, meetsMinimumDeviation(expected: warmCenter, residual: r), configuration.direction.admits(r) {
            let e = alertSurprise * abs(r) / band
            score = e / (e + alertSurprise)
            kind = r > 0 ? .spike : .dip
        }
        return .init(series: series, time: t, observed: x, expected: warmCenter, lower: warmCenter - band,
                     upper: warmCenter + band, score: score, kind: kind)
    }

    private mutating func finishWarmup() {
        let sorted = steps.sorted()
        let step = sorted.isEmpty ? 1000 : max(sorted[sorted.count / 2], 1)
        interval = step
        var candidates: [Int] = []
        func samples(_ ms: Int64) -> Int? {
            guard ms % step == 0 || ms / step >= 64 else { return nil }
            let p = Int((Double(ms) / Double(step)).rounded())
            return p >= 4 && p <= configuration.maximumSeasonLength ? p : nil
        }
        switch configuration.seasonality {
        case .none: break
        case .auto:
            candidates = [86_400_000, 604_800_000].compactMap(samples)
        case let .period(ms):
            if let p = samples(ms) { candidates = [p] }
        }
        pendingPeriods = candidates
        historyLimit = Int(2.3 * Double(candidates.max() ?? 0)) + configuration.warmupLength
        refit(period: 0)
        if pendingPeriods.isEmpty { releaseHistory() }
    }

    private mutating func releaseHistory() {
        historyTimes = []
        historyValues = []
        pendingPeriods = []
    }

    /// Tries the next candidate period once the buffer covers 2.2 of them (1 for a configured one).
    private mutating func checkSeason(at t: Int64) {
        guard let p = pendingPeriods.first, let step = interval, let first = historyTimes.first else { return }
        let configured: Bool = if case .period = configuration.seasonality { true } else { false }
        let needed = configured ? Double(p) * 1.05 : Double(p) * 2.2
        guard Double((t - first) / step) >= needed else { return }
        pendingPeriods.removeFirst()
        if configured {
            refit(period: p)
        } else if let acf = PeriodDetector.autocorrelation(timestamps: historyTimes, values: historyValues, interval: step, period: p),
                  acf.atPeriod >= 0.3, acf.atPeriod - acf.atHalf >= 0.3 {
            refit(period: p)
        }
        if pendingPeriods.isEmpty { releaseHistory() }
    }

    /// Rebuilds baseline, scale and EVT threshold from the buffer.
    private mutating func refit(period: Int) {
        guard let step = interval, !historyValues.isEmpty else { return }
        let fitted = SeasonalBaseline(timestamps: historyTimes, values: historyValues, interval: step, period: period, configuration: configuration)
        baseline = fitted
        var residuals = zip(historyTimes, historyValues).map { abs($1 - fitted.expected(at: $0)) }
        residuals.sort()
        meanAbsoluteResidual = residuals[residuals.count / 2] * 1.4826 / 1.2533
        if meanAbsoluteResidual == 0 { meanAbsoluteResidual = residuals.reduce(0, +) / Double(residuals.count) }
        var calibration: [Double] = []
        calibration.reserveCapacity(historyValues.count)
        var shortCalibration: [Double] = []
        var longCalibration: [Double] = []
        shortMean.clear()
        longMean.clear()
        let skip = historyValues.count / 4
        var replay: [Double] = []
        replay.reserveCapacity(historyValues.count)
        for i in historyValues.indices {
            let z = learn(historyTimes[i], historyValues[i], gain: 1)
            replay.append(z)
            if i >= skip { calibration.append(directional(z)) }
            if let m = shortMean.push(z), i >= skip { shortCalibration.append(directional(m)) }
            if let m = longMean.push(z), i >= skip { longCalibration.append(directional(m)) }
        }
        func tailModel(_ calibration: [Double]) -> PeaksOverThreshold {
            PeaksOverThreshold(calibration: calibration, initialQuantile: 0.98, riskLevel: configuration.riskLevel,
                               learnsAlarms: configuration.thresholdLearnsAlarms, maximumShape: configuration.maximumTailShape)
        }
        threshold = tailModel(calibration)
        let c = configuration
        innovation = c.innovationWeight > 0
            ? ResidualInnovation(replay: replay, skip: skip, clip: c.huberClip, smoothing: c.innovationSmoothing,
                                 scaleSmoothing: c.scaleSmoothing, direction: c.direction, tail: tailModel)
            : nil
        shortMean.threshold = shortCalibration.isEmpty ? nil : tailModel(shortCalibration)
        longMean.threshold = longCalibration.isEmpty ? nil : tailModel(longCalibration)
        resetChange()
    }

    @inline(__always) private func directional(_ z: Double) -> Double {
        configuration.direction.oriented(z)
    }

    private mutating func resetChange() {
        cusumUp = 0; cusumDown = 0
        recentResiduals = []; recentNext = 0
        runUpSum = 0; runUpCount = 0; runDownSum = 0; runDownCount = 0
    }

    /// Robust Holt–Winters and scale update; returns the standardised residual.
    @discardableResult
    private mutating func learn(_ t: Int64, _ x: Double, gain: Double) -> Double {
        guard var b = baseline else { return 0 }
        let expected = b.expected(at: t)
        let s = sigma
        let r = x - expected
        let limit = configuration.huberClip * s
        let clipped = min(max(r, -limit), limit)
        b.update(at: t, cleaned: expected + clipped, gain: gain)
        baseline = b
        let w = configuration.scaleSmoothing
        meanAbsoluteResidual = (1 - w) * meanAbsoluteResidual + w * abs(clipped)
        meanAbsoluteValue = 0.99 * meanAbsoluteValue + 0.01 * abs(expected + clipped)
        return r / s
    }

    /// Scores the point, learns from it; returns the verdict (its score from the point,
    /// change-test and short windowed-mean surprises), the alert evidence of the residual (the
    /// largest of the innovation — or point — change-test and both windowed-mean surprises),
    /// and whether the deviation is admitted (direction and minimum deviation).
    private mutating func scoreAndLearn(_ t: Int64, _ x: Double) -> (AnomalyTracker.Verdict, Double, Bool) {
        guard let b = baseline, var pot = threshold else {
            return (.init(series: series, time: t, observed: x, expected: x, lower: x, upper: x, score: 0, kind: nil), 0, false)
        }
        let c = configuration
        let expected = b.expected(at: t)
        let s = sigma
        let r = x - expected
        let z = r / s
        let d = directional(z)
        let bandHalf = pot.alertThreshold * s
        let admitted = c.direction.admits(r) && meetsMinimumDeviation(expected: expected, residual: r)
        let pointSurprise = admitted ? pot.surprise(d) : 0
        let pointAlarm = pot.observe(d)
        threshold = pot
        var suddenSurprise = pointSurprise
        if var i = innovation {
            suddenSurprise = c.innovationWeight * i.observe(z, direction: c.direction, admitted: admitted)
            innovation = i
        }

        // Two-sided CUSUM on clipped standardised residuals (Page 1954).
        let zc = min(max(z, -4), 4)
        let k = c.changeReference
        cusumUp = max(0, cusumUp + zc - k)
        if cusumUp > 0 { runUpSum += r; runUpCount += 1 } else { runUpSum = 0; runUpCount = 0 }
        cusumDown = max(0, cusumDown - zc - k)
        if cusumDown > 0 { runDownSum += r; runDownCount += 1 } else { runDownSum = 0; runDownCount = 0 }
        if recentResiduals.count < Self.recentCapacity {
            recentResiduals.append(r)
        } else {
            recentResiduals[recentNext] = r
        }
        recentNext = (recentNext + 1) % Self.recentCapacity
        let upShift = runUpCount > 0 ? recentShift(run: runUpCount) : 0
        let downShift = runDownCount > 0 ? recentShift(run: runDownCount) : 0
        var changeSurprise = 0.0
        if c.direction != .down, upShift >= 0, meetsMinimumDeviation(expected: expected, residual: upShift) { changeSurprise = max(changeSurprise, cusumUp / c.changeThreshold * alertSurprise) }
        if c.direction != .up, downShift <= 0, meetsMinimumDeviation(expected: expected, residual: downShift) { changeSurprise = max(changeSurprise, cusumDown / c.changeThreshold * alertSurprise) }
        var shifted = false
        if cusumUp >= c.changeThreshold || cusumDown >= c.changeThreshold {
            let delta = cusumUp >= c.changeThreshold ? upShift : downShift
            var nb = b
            nb.shiftLevel(by: delta)
            baseline = nb
            innovation?.rebase(by: delta / s)
            resetChange()
            shifted = true
        }

        // Windowed means of the clipped standardised residuals, each with its own EVT threshold.
        var meanSurprise = 0.0
        var meanResidual = 0.0
        if let window = shortMean.observe(z, direction: c.direction) {
            meanResidual = window.mean
            if c.direction.admits(window.mean), meetsMinimumDeviation(expected: expected, residual: window.mean * s) {
                meanSurprise = window.surprise
            }
        }
        var driftSurprise = 0.0
        if let window = longMean.observe(z, direction: c.direction), c.direction.admits(window.mean),
           meetsMinimumDeviation(expected: expected, residual: window.mean * s) {
            driftSurprise = window.surprise
        }
        if shifted {
            shortMean.clear()
            longMean.clear()
        }

        // The incident score: the strongest of the point, the change test and the windowed mean
        // (a sustained excursion: a run of moderate deviations as surprising as one big point).
        let surprise = max(pointSurprise, changeSurprise, meanSurprise)
        let score = surprise / (surprise + alertSurprise)
        var kind: AnomalyKind?
        if score >= 0.5 {
            if changeSurprise >= max(pointSurprise, meanSurprise) || shifted {
                let slope = abs(b.trend) * Double(c.warmupLength)
                kind = slope > 3 * s ? .trend : .levelShift
            } else if pointSurprise >= meanSurprise {
                kind = r > 0 ? .spike : .dip
            } else {
                kind = meanResidual > 0 ? .spike : .dip
            }
        }
        if !shifted {
            // An open incident, an alarm or a building change statistic teaches the baseline at
            // a tenth of the rate: the incident must not leak into the baseline, and a small
            // shift must not be absorbed before the change test can confirm it.
            let suspicious = max(cusumUp, cusumDown) > c.changeThreshold / 4
            let gain = (tracker.current != nil || pointAlarm || suspicious) ? 0.1 : 1
            learn(t, x, gain: gain)
        }
        var verdict = AnomalyTracker.Verdict(series: series, time: t, observed: x, expected: expected, lower: expected - bandHalf,
                                             upper: expected + bandHalf, score: score, kind: kind)
        // An incident stays open while the change statistic is still building.
        verdict.holdOpen = max(cusumUp, cusumDown) > c.changeThreshold / 4
        return (verdict, max(suddenSurprise, changeSurprise, meanSurprise, driftSurprise), admitted)
    }

    static let recentCapacity = 9

    /// The median of the last min(run, 9) residuals: the size of a shift that started `run`
    /// points ago, robust to a spike inside the run.
    private func recentShift(run: Double) -> Double {
        let m = min(Int(run), recentResiduals.count)
        guard m > 0 else { return 0 }
        var last: [Double] = []
        last.reserveCapacity(m)
        for j in 1...m {
            let i = (recentNext - j + Self.recentCapacity * 2) % Self.recentCapacity
            if i < recentResiduals.count { last.append(recentResiduals[i]) }
        }
        last.sort()
        return last.isEmpty ? 0 : last[last.count / 2]
    }

    /// Whether the forecast, minus `confidence` forecast standard deviations, is past the static
    /// threshold at some step within the horizon; if so, the lead time is the first step at
    /// which the *point* forecast crosses (the expected time of breach).
    ///
    /// - Complexity: O(64 + log horizon) forecast evaluations.
    private func forecastBreach(_ st: StaticThreshold, from t: Int64, observed: Double) -> (lead: Int64, score: Double, severity: AnomalySeverity)? {
        guard let b = baseline, let step = interval, !st.isBreached(by: observed) else { return nil }
        // The measured residual scale, not the scoring floor: the floor is about which
        // deviations matter, not about how uncertain the forecast is.
        let s = max(1.2533 * meanAbsoluteResidual, 1e-12)
        // Forecast variance of ETS(A,A,N) (Hyndman et al. 2008): its β is α × Holt's β.
        let a = b.levelSmoothing, beta = b.levelSmoothing * b.trendSmoothing
        func crosses(_ h: Int, margin: Double) -> Bool {
            let f = b.forecast(from: t, steps: h)
            guard margin > 0 else { return st.isBreached(by: f) }
            let hd = Double(h)
            let variance = 1 + (hd - 1) * (a * a + a * beta * hd + beta * beta * hd * (2 * hd - 1) / 6)
            let sd = s * variance.squareRoot()
            return st.isBreached(by: st.side == .above ? f - margin * sd : f + margin * sd)
        }
        /// The first step in 1...horizon that crosses (probing 64 steps, then bisecting).
        func firstCrossing(margin: Double) -> Int? {
            let probes = min(st.horizon, 64)
            var previous = 0
            for j in 1...probes {
                let h = (st.horizon * j + probes - 1) / probes
                if crosses(h, margin: margin) {
                    var lo = previous + 1, hi = h
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if crosses(mid, margin: margin) { hi = mid } else { lo = mid + 1 }
                    }
                    return lo
                }
                previous = h
            }
            return nil
        }
        guard let confident = firstCrossing(margin: st.confidence) else { return nil }
        let expected = st.confidence > 0 ? (firstCrossing(margin: 0) ?? confident) : confident
        let fraction = Double(expected) / Double(st.horizon)
        let severity: AnomalySeverity = fraction <= 0.25 ? .critical : .warning
        return (Int64(expected) * step, 0.5 + 0.49 * (1 - fraction), severity)
    }
}
