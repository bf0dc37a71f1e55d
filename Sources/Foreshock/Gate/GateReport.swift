/// The outcome of ``ReleaseGate/compare(baseline:candidate:options:)``: one result per
/// (service, operation), failures first, and its renderings (``table``, ``junitXML``).
public struct GateReport: Sendable {
    /// The options the comparison ran with.
    public var options: ReleaseGate.Options
    /// Regressions first, then passes, insufficient data, groups in one export only; by
    /// service and operation within each.
    public var groups: [GateGroupResult]
    public var baselineSpanCount: Int
    public var candidateSpanCount: Int

    public init(options: ReleaseGate.Options, groups: [GateGroupResult], baselineSpanCount: Int, candidateSpanCount: Int) {
        self.options = options
        self.groups = groups
        self.baselineSpanCount = baselineSpanCount
        self.candidateSpanCount = candidateSpanCount
    }

    /// True when some group regressed: the gate fails.
    public var hasRegression: Bool { groups.contains { $0.verdict == .regression } }

    /// The groups with a given verdict.
    public func groups(_ verdict: GateVerdict) -> [GateGroupResult] { groups.filter { $0.verdict == verdict } }

    /// One line: `FAIL: 2 of 14 compared operations regressed (3 insufficient data, 1 only in candidate)`.
    public var summary: String {
        let compared = groups.filter { $0.verdict == .regression || $0.verdict == .pass }.count
        var extras: [String] = []
        for verdict in [GateVerdict.insufficientData, .onlyInCandidate, .onlyInBaseline] {
            let n = groups(verdict).count
            if n > 0 { extras.append("\(n) \(verdict.rawValue)") }
        }
        let tail = extras.isEmpty ? "" : " (" + extras.joined(separator: ", ") + ")"
        let spans = "; \(baselineSpanCount) baseline spans, \(candidateSpanCount) candidate spans"
        if hasRegression {
            return "FAIL: \(groups(.regression).count) of \(compared) compared operations regressed" + tail + spans
        }
        return "PASS: \(compared) compared operations, no regression" + tail + spans
    }
}

extension GateGroupResult {
    /// Why the group regressed, or what exceeded a limit without being significant:
    /// `p99 +35.2% (limit 10%), Mann–Whitney p=1.2e-09; errors 0.10%→2.00% (+1.90pp, limit 0.5pp), z-test p=3.1e-05`.
    public func explanation(_ options: ReleaseGate.Options) -> String {
        switch verdict {
        case .onlyInBaseline: return "absent from the candidate"
        case .onlyInCandidate: return "new in the candidate"
        case .insufficientData:
            return "insufficient data: \(baseline?.count ?? 0) baseline and \(candidate?.count ?? 0) candidate spans "
                + "(at least \(options.minimumSpans) each needed)"
        case .pass, .regression: break
        }
        var parts: [String] = []
        let exceeded = quantileChanges.filter { $0.relativeChange > options.maxLatencyRegression }
        if !exceeded.isEmpty, let test = latencyTest {
            let changes = exceeded.map { "\(GateFormat.quantileName($0.quantile)) \(GateFormat.milliseconds($0.baseline))→\(GateFormat.milliseconds($0.candidate)) ms (\(GateFormat.signedPercent($0.relativeChange)))" }
            parts.append(changes.joined(separator: ", ") + ", limit \(GateFormat.percent(options.maxLatencyRegression)); "
                         + "Mann–Whitney p=\(GateFormat.pValue(test.pValue))" + (latencyRegressed ? "" : " not significant"))
        }
        if let b = baseline, let c = candidate, let test = errorTest, c.errorRatio - b.errorRatio > options.maxErrorRateIncrease {
            parts.append("errors \(GateFormat.ratio(b.errorRatio))→\(GateFormat.ratio(c.errorRatio)) "
                         + "(\(GateFormat.percentagePoints(c.errorRatio - b.errorRatio)), limit \(GateFormat.percentagePoints(options.maxErrorRateIncrease, signed: false))); "
                         + "z-test p=\(GateFormat.pValue(test.pValue))" + (errorRatioRegressed ? "" : " not significant"))
        }
        if verdict == .regression, let attribution = candidateAttribution {
            let what = errorRatioRegressed ? "candidate errors" : "candidate spans"
            let dimensions = attribution.keys.sorted().map { name in
                name + " " + (attribution[name] ?? [:]).sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                    .map { "\($0.key) \(GateFormat.ratio($0.value))" }.joined(separator: ", ")
            }
            parts.append("\(what) by " + dimensions.joined(separator: "; "))
        }
        return parts.joined(separator: "; ")
    }
}
