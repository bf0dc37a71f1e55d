/// Which deviations count as anomalous.
public enum Direction: String, Sendable, Codable, CaseIterable {
    /// Only values above the expected band (latency, error counts).
    case up
    /// Only values below the expected band (throughput, success counts).
    case down
    /// Both.
    case both

    @inlinable func admits(_ residual: Double) -> Bool {
        switch self {
        case .up: residual > 0
        case .down: residual < 0
        case .both: true
        }
    }

    /// The statistic the tail models see: `z` (up), `−z` (down) or `|z|` (both).
    @inlinable func oriented(_ z: Double) -> Double {
        switch self {
        case .up: z
        case .down: -z
        case .both: abs(z)
        }
    }
}

/// How the seasonal period of a series is chosen.
public enum Seasonality: Sendable, Codable, Equatable {
    /// Try one day and one week (in samples, from the sampling interval) on the warm-up
    /// buffer and keep the first whose autocorrelation is clearly seasonal.
    case auto
    /// No seasonal component.
    case none
    /// A fixed period in milliseconds (must be a whole number of sampling intervals).
    case period(milliseconds: Int64)
}

/// A static threshold (an SLO line) for early warning.
public struct StaticThreshold: Sendable, Codable, Equatable {
    public enum Side: String, Sendable, Codable {
        /// Breached when the value goes above ``value``.
        case above
        /// Breached when the value goes below ``value``.
        case below
    }

    public var value: Double
    public var side: Side
    /// How far ahead to forecast, in samples (sampling intervals). 1...100 000.
    public var horizon: Int
    /// How many forecast standard deviations the forecast must clear the threshold by
    /// (the "with confidence" margin); 0 means the point forecast alone.
    public var confidence: Double

    public init(value: Double, side: Side, horizon: Int, confidence: Double = 1.0) {
        self.value = value
        self.side = side
        self.horizon = horizon
        self.confidence = confidence
    }

    @inlinable func isBreached(by x: Double) -> Bool { side == .above ? x >= value : x <= value }
}

/// The knobs of a ``SeriesDetector``. Every field has a meaning in the units of the series or
/// in samples; the defaults are the single configuration measured on NAB (docs/DETECTION.md).
public struct DetectorConfiguration: Sendable, Codable, Equatable {
    /// Which side of the band is anomalous.
    public var direction: Direction = .both
    /// The variance-stabilising transform the model works under (``ValueTransform``): `log`
    /// for latencies, `sqrt` for counts and error ratios, `none` for everything else. Bands,
    /// expected values, thresholds and ``minimumDeviation`` stay in the series' units.
    public var transform: ValueTransform = .none
    /// Deviations smaller than this, in the series' own units, are never anomalous
    /// (e.g. 5 ms on a latency series). 0 disables the floor.
    public var minimumDeviation: Double = 0
    /// Risk level q: the target probability that a normal point exceeds the alert threshold
    /// (SPOT's q). Score 0.5 sits exactly at that threshold. In (0, 0.1].
    public var riskLevel: Double = 1e-4
    /// Points learned before any alert is raised (except gross ones, see
    /// ``grossDeviationFactor``). ≥ 16.
    public var warmupLength: Int = 300
    /// During warm-up, a point more than this many robust standard deviations (median/MAD of
    /// the warm-up buffer) from the median is still reported. ≥ 3.
    public var grossDeviationFactor: Double = 10
    /// How the seasonal period is found.
    public var seasonality: Seasonality = .auto
    /// The longest season kept, in samples (bounds memory: 8 bytes per sample). ≥ 4.
    public var maximumSeasonLength: Int = 4032
    /// Level smoothing weight per sample (Holt–Winters α). In (0, 1).
    public var levelSmoothing: Double = 0.05
    /// Trend smoothing weight per sample (Holt β); 0 disables the trend component. In [0, 1).
    public var trendSmoothing: Double = 0.0
    /// Seasonal smoothing weight per visit of a phase (Holt–Winters γ). In (0, 1).
    public var seasonalSmoothing: Double = 0.1
    /// Weight of the residual scale's EWMA of |residual| per sample. In (0, 1).
    public var scaleSmoothing: Double = 0.003
    /// Residuals beyond this many scale units are clipped before they update the baseline
    /// and the scale (Huber ψ; the outlier cannot drag the baseline). ≥ 1.
    public var huberClip: Double = 4
    /// CUSUM reference value k, in scale units: shifts larger than about 2k are caught fastest.
    public var changeReference: Double = 0.5
    /// CUSUM decision value h, in scale units: a shift is confirmed when the cumulative sum
    /// passes h. The baseline then adopts the new level.
    public var changeThreshold: Double = 24
    /// The residual scale never drops below this fraction of the mean |value| (so a series
    /// that is mostly constant, or mostly 0, does not turn every small change into a huge
    /// standardised residual). In [0, 1).
    public var relativeScaleFloor: Double = 0.03
    /// The largest GPD tail shape γ the EVT fit may use, in [0, 0.99). Lower values keep huge
    /// deviations surprising on heavy-tailed series (γ = 0 is an exponential tail). The
    /// method-of-moments fit never exceeds 0.5, so the default 0.5 means "as fitted" (on NAB
    /// a cap of 0.3 raised false positives once range extensions carry the clear cases).
    public var maximumTailShape: Double = 0.5
    /// Whether EVT alarms still teach the threshold (their excess capped at the threshold),
    /// so a series whose alarms become routine stops alarming.
    public var thresholdLearnsAlarms: Bool = true
    /// ``PointScore/alertScore`` keeps a score only when it beats every score of this many
    /// previous points. ≥ 1.
    public var suppressionLength: Int = 100
    /// The window of ``suppressionLength`` also grows to this fraction of the points scored so
    /// far, up to ``maximumSuppressionLength``: a series with a long history suppresses a
    /// repeat of an episode over a longer span (its normal bursts recur at longer intervals
    /// than a young series can know). 0 keeps the window fixed. In [0, 1].
    public var suppressionGrowth: Double = 0.05
    /// The longest the suppression window grows (memory: at most this many scores per
    /// series). ≥ ``suppressionLength``, ≤ 1000000.
    public var maximumSuppressionLength: Int = 500
    /// Length of the windowed-mean evidence of ``PointScore/alertScore``: the mean of the last
    /// this many standardised residuals (each clipped to ±``huberClip``) gets its own EVT
    /// threshold, so a run of moderate deviations is as surprising as one large point.
    /// 0 disables. In 0...10000.
    public var windowedMeanLength: Int = 10
    /// Length of a second, longer windowed mean, evidence for ``PointScore/alertScore`` only
    /// (incidents are unchanged by it): slow drifts and changes of shape that the short window
    /// averages away. Same clipping and its own EVT threshold. 0 disables. In 0...10000.
    public var longWindowedMeanLength: Int = 60
    /// Innovation evidence of ``PointScore/alertScore``: the standardised residual's one-step
    /// AR(1) innovation gets its own EVT threshold, and its surprise × this weight takes the
    /// place of the point's own surprise in the alert score (a step or spike inside a
    /// wandering level is sudden even when its distance from the smoothed level is ordinary).
    /// Any weight > 0 replaces the point's surprise; exactly 0 keeps it (the innovation is then
    /// not computed). A point counts only when its deviation is admitted as for the point
    /// evidence (``direction``, ``minimumDeviation``) and the innovation points the admitted
    /// way. A weight w < 1 makes the innovation alert only at the tail probability q^(1/w)
    /// (0.92: 4.5·10⁻⁵ for q = 10⁻⁴), a slightly stricter risk for an evidence tested at every
    /// point beside the others; the default was chosen on NAB (docs/DETECTION.md). Incidents
    /// are unchanged by it. In [0, 10].
    public var innovationWeight: Double = 0.92
    /// EWMA weight of the lag-1 autocorrelation estimate of the innovation evidence. In (0, 1).
    public var innovationSmoothing: Double = 0.001
    /// Range-extension evidence of ``PointScore/alertScore``: after warm-up, a value beyond the
    /// largest (smallest) value ever seen by more than this fraction of the seen range counts
    /// as at least ``rangeExtensionSurprise`` × the alert surprise (NAB's "spatial anomaly").
    /// nil disables. ≥ 0.
    public var rangeExtensionTolerance: Double? = 0.02
    /// The surprise of a range extension at the tolerance, in units of the alert surprise −ln q
    /// (1 = exactly the alert threshold); also the surprise of an unchanged run
    /// (``unchangedRunMinimum``), the other record-breaking evidence. > 0.
    public var rangeExtensionSurprise: Double = 1.2
    /// How much more surprising a larger range extension is: units of −ln q added per e-fold
    /// of the extension over the tolerance (extension 0.2 of the range at tolerance 0.02 adds
    /// 0.1 × ln 10 ≈ 0.23). 0 gives every extension the same surprise. ≥ 0.
    public var rangeExtensionGrowth: Double = 0.1
    /// Level-range evidence of ``PointScore/alertScore``: the moving average of the last this
    /// many values (the level, not single points) beyond every level seen by more than
    /// ``levelRangeTolerance`` of their range scores like a range extension: a sustained new
    /// level that no single point makes extreme. 0 disables. In 0...10000.
    public var levelRangeLength: Int = 20
    /// The level-range evidence's tolerance, a fraction of the range of the levels seen. ≥ 0.
    public var levelRangeTolerance: Double = 0.05
    /// Unchanged-run evidence of ``PointScore/alertScore``: after warm-up, when the current run
    /// of values each equal to the one before becomes longer than every earlier such run, that
    /// point counts as ``rangeExtensionSurprise`` × the alert surprise, once per run (a stuck
    /// gauge, a stalled exporter, a writer that stopped). It needs an earlier run of at least
    /// this many repeats, so a series that rarely repeats a value is not news on its first flat
    /// stretch. Only with ``direction`` `.both` (a stuck value is neither above nor below the
    /// expected one). Incidents are unchanged by it. 0 disables. In 0...1000000.
    public var unchangedRunMinimum: Int = 10
    /// Consecutive normal points that close an open incident. ≥ 1.
    public var quietPointsToClose: Int = 5
    /// Seasonal phases in local time: the offsets of a time zone (``UTCOffsets``); nil means
    /// UTC. Reported times stay Unix ms.
    public var localTime: UTCOffsets? = nil
    /// Optional static threshold for early warning (``AnomalyKind/predictedBreach``).
    public var staticThreshold: StaticThreshold? = nil

    public init() {}

    /// Checks every field's range.
    ///
    /// - Throws: ``DetectionError/invalidConfiguration(field:reason:)`` naming the first bad field.
    public func validate() throws(DetectionError) {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws(DetectionError) {
            if !ok { throw DetectionError.invalidConfiguration(field: field, reason: reason) }
        }
        try check(minimumDeviation.isFinite && minimumDeviation >= 0, "minimumDeviation", "must be finite and ≥ 0")
        try check(riskLevel > 0 && riskLevel <= 0.1, "riskLevel", "must be in (0, 0.1]")
        try check(warmupLength >= 16 && warmupLength <= 1_000_000, "warmupLength", "must be in 16...1000000")
        try check(grossDeviationFactor >= 3 && grossDeviationFactor.isFinite, "grossDeviationFactor", "must be ≥ 3")
        if case let .period(ms) = seasonality { try check(ms > 0, "seasonality", "period must be > 0 ms") }
        try check(maximumSeasonLength >= 4 && maximumSeasonLength <= 1 << 20, "maximumSeasonLength", "must be in 4...1048576")
        try check(levelSmoothing > 0 && levelSmoothing < 1, "levelSmoothing", "must be in (0, 1)")
        try check(trendSmoothing >= 0 && trendSmoothing < 1, "trendSmoothing", "must be in [0, 1)")
        try check(seasonalSmoothing > 0 && seasonalSmoothing < 1, "seasonalSmoothing", "must be in (0, 1)")
        try check(scaleSmoothing > 0 && scaleSmoothing < 1, "scaleSmoothing", "must be in (0, 1)")
        try check(huberClip >= 1 && huberClip.isFinite, "huberClip", "must be ≥ 1")
        try check(changeReference > 0 && changeReference.isFinite, "changeReference", "must be > 0")
        try check(changeThreshold > 0 && changeThreshold.isFinite, "changeThreshold", "must be > 0")
        try check(relativeScaleFloor >= 0 && relativeScaleFloor < 1, "relativeScaleFloor", "must be in [0, 1)")
        try check(maximumTailShape >= 0 && maximumTailShape < 0.99, "maximumTailShape", "must be in [0, 0.99)")
        try check(suppressionLength >= 1 && suppressionLength <= 1_000_000, "suppressionLength", "must be in 1...1000000")
        try check(suppressionGrowth >= 0 && suppressionGrowth <= 1, "suppressionGrowth", "must be in [0, 1]")
        try check(maximumSuppressionLength >= suppressionLength && maximumSuppressionLength <= 1_000_000,
                  "maximumSuppressionLength", "must be in suppressionLength...1000000")
        try check(windowedMeanLength >= 0 && windowedMeanLength <= 10_000, "windowedMeanLength", "must be in 0...10000")
        try check(longWindowedMeanLength >= 0 && longWindowedMeanLength <= 10_000, "longWindowedMeanLength", "must be in 0...10000")
        try check(innovationWeight >= 0 && innovationWeight <= 10, "innovationWeight", "must be in [0, 10]")
        try check(innovationSmoothing > 0 && innovationSmoothing < 1, "innovationSmoothing", "must be in (0, 1)")
        if let t = rangeExtensionTolerance { try check(t >= 0 && t.isFinite, "rangeExtensionTolerance", "must be finite and ≥ 0") }
        try check(rangeExtensionSurprise > 0 && rangeExtensionSurprise.isFinite, "rangeExtensionSurprise", "must be > 0")
        try check(rangeExtensionGrowth >= 0 && rangeExtensionGrowth.isFinite, "rangeExtensionGrowth", "must be finite and ≥ 0")
        try check(levelRangeLength >= 0 && levelRangeLength <= 10_000, "levelRangeLength", "must be in 0...10000")
        try check(levelRangeTolerance >= 0 && levelRangeTolerance.isFinite, "levelRangeTolerance", "must be finite and ≥ 0")
        try check(unchangedRunMinimum >= 0 && unchangedRunMinimum <= 1_000_000, "unchangedRunMinimum", "must be in 0...1000000")
        try check(quietPointsToClose >= 1, "quietPointsToClose", "must be ≥ 1")
        if let l = localTime { try check(l.isValid, "localTime", "needs ascending transitions, one offset each, within ±18 h") }
        if let s = staticThreshold {
            try check(s.value.isFinite, "staticThreshold.value", "must be finite")
            try check(s.horizon >= 1 && s.horizon <= 100_000, "staticThreshold.horizon", "must be in 1...100000")
            try check(s.confidence >= 0 && s.confidence.isFinite, "staticThreshold.confidence", "must be ≥ 0")
        }
    }
}
