import ForeshockSketches
import ForeshockTelemetry

/// A CI release gate from traces: compares a candidate's spans with a baseline's, per
/// (service, operation), and says whether latency or errors regressed.
///
/// For every (service, span name) present in both exports with at least
/// ``Options/minimumSpans`` spans on each side:
/// - **latency**: the ``Options/quantiles`` of the durations, from a ``DDSketch`` per side
///   (relative accuracy ``Options/relativeAccuracy``), and a one-sided ``MannWhitneyU`` test on
///   the raw durations (at most ``Options/maxTestSample`` per side, by stride sampling). The
///   group regresses when some quantile grows by more than ``Options/maxLatencyRegression``
///   (relative) **and** the test is significant at ``Options/significance``.
/// - **errors**: the ratio of error spans (``isError(_:)``) and a one-sided
///   ``TwoProportionZTest``. The group regresses when the ratio grows by more than
///   ``Options/maxErrorRateIncrease`` (absolute, e.g. 0.005 = 0.5 percentage points) **and** the
///   test is significant.
///
/// Requiring both a practical effect and statistical significance keeps the gate quiet on big
/// samples with negligible shifts and on small samples with noisy quantiles. Groups with too few
/// spans are reported as insufficient data, groups in one export only are listed; neither fails
/// the gate.
///
/// ```swift
/// let report = ReleaseGate.compare(baseline: try TraceExport.load(path: "main.json"),
///                                  candidate: try TraceExport.load(path: "pr.json"))
/// print(report.table)
/// if report.hasRegression { exit(1) }
/// ```
public enum ReleaseGate {
    /// The gate's thresholds and test settings.
    public struct Options: Sendable, Equatable {
        /// Latency quantiles compared, each in (0, 1].
        public var quantiles: [Double] = [0.5, 0.95, 0.99]
        /// Largest allowed relative growth of any quantile (0.10 = 10 %).
        public var maxLatencyRegression: Double = 0.10
        /// Largest allowed growth of the error ratio, as a fraction (0.005 = 0.5 percentage points).
        public var maxErrorRateIncrease: Double = 0.005
        /// One-sided significance level of both tests.
        public var significance: Double = 0.01
        /// Fewer spans than this in either export: insufficient data.
        public var minimumSpans: Int = 20
        /// The most durations per side the Mann–Whitney test ranks; larger samples are thinned by
        /// taking every (n / cap)-th span in input order, which is deterministic and, for exports
        /// in time order, spread over the whole period. Quantiles and error ratios use all spans.
        public var maxTestSample: Int = 20_000
        /// Relative accuracy of the quantile sketches.
        public var relativeAccuracy: Double = 0.01

        public init() {}

        /// - Throws: ``OptionError`` for a value out of range.
        public func validate() throws(OptionError) {
            guard !quantiles.isEmpty, quantiles.allSatisfy({ $0 > 0 && $0 <= 1 }) else {
                throw OptionError(option: "quantiles", message: "each quantile must be in (0, 1]")
            }
            guard maxLatencyRegression >= 0, maxLatencyRegression.isFinite else {
                throw OptionError(option: "max-latency-regression", message: "must be a non-negative percentage")
            }
            guard maxErrorRateIncrease >= 0, maxErrorRateIncrease < 1 else {
                throw OptionError(option: "max-error-rate-increase", message: "must be between 0pp and 100pp")
            }
            guard significance > 0, significance < 1 else {
                throw OptionError(option: "significance", message: "must be in (0, 1)")
            }
            guard minimumSpans >= 2 else { throw OptionError(option: "min-spans", message: "must be at least 2") }
            guard maxTestSample >= minimumSpans else {
                throw OptionError(option: "max-test-sample", message: "must be at least the minimum span count")
            }
        }
    }

    /// A bad option value, named by its command-line spelling.
    public struct OptionError: Error, Sendable, Equatable, CustomStringConvertible {
        public var option: String
        public var message: String
        public init(option: String, message: String) {
            self.option = option
            self.message = message
        }
        public var description: String { "--\(option): \(message)" }
    }

    /// Compares `candidate` with `baseline`.
    ///
    /// - Precondition: `options` is valid (``Options/validate()``).
    /// - Complexity: O(n log n) in the spans per group (the rank test sorts; the sketches are
    ///   O(n)).
    public static func compare(baseline: [Span], candidate: [Span], options: Options = Options()) -> GateReport {
        let base = group(baseline), cand = group(candidate)
        var keys = Set(base.keys)
        keys.formUnion(cand.keys)
        var results: [GateGroupResult] = []
        results.reserveCapacity(keys.count)
        for key in keys {
            results.append(evaluate(key, base[key], cand[key], options))
        }
        results.sort { a, b in
            (a.verdict.order, a.service, a.operation) < (b.verdict.order, b.service, b.operation)
        }
        return GateReport(options: options, groups: results, baselineSpanCount: baseline.count, candidateSpanCount: candidate.count)
    }

    /// The effective-error rule of the telemetry module (``Span/isEffectiveError``).
    public static func isError(_ span: Span) -> Bool { span.isEffectiveError }

    // MARK: Internals

    struct GroupKey: Hashable {
        var service: String
        var operation: String
    }

    /// The attribution dimensions of a group's spans (span attribute, else resource attribute).
    static let attributionDimensions = ["code.origin", "gen_ai.request.model", "service.version"]

    struct Samples {
        /// Durations in milliseconds, input order.
        var durations: [Double] = []
        var errors = 0
        /// Spans and errors by attribution dimension and value.
        var attributed: [String: [String: (spans: Int, errors: Int)]] = [:]

        mutating func add(_ span: Span) {
            durations.append(Double(span.durationNanos) / 1e6)
            let isError = ReleaseGate.isError(span)
            if isError { errors += 1 }
            for name in ReleaseGate.attributionDimensions {
                guard let value = (span.attribute(name) ?? span.resource.attribute(name))?.labelText else { continue }
                attributed[name, default: [:]][value, default: (0, 0)].spans += 1
                if isError { attributed[name, default: [:]][value, default: (0, 0)].errors += 1 }
            }
        }

        /// Shares by dimension and value of the errors (`ofErrors`) or of all spans.
        func shares(ofErrors: Bool) -> [String: [String: Double]]? {
            var out: [String: [String: Double]] = [:]
            for (name, values) in attributed {
                let weights = values.mapValues { Double(ofErrors ? $0.errors : $0.spans) }
                let total = weights.values.reduce(0, +)
                if total > 0 { out[name] = weights.filter { $0.value > 0 }.mapValues { $0 / total } }
            }
            return out.isEmpty ? nil : out
        }
    }

    static func group(_ spans: [Span]) -> [GroupKey: Samples] {
        var groups: [GroupKey: Samples] = [:]
        for span in spans {
            groups[GroupKey(service: span.serviceName, operation: span.name), default: Samples()].add(span)
        }
        return groups
    }

    static func summarize(_ samples: Samples, _ options: Options) -> GateSampleSummary {
        var sketch = DDSketch(relativeAccuracy: options.relativeAccuracy)
        sketch.add(contentsOf: samples.durations)
        return GateSampleSummary(count: samples.durations.count, errors: samples.errors,
                                 quantiles: sketch.quantiles(options.quantiles) ?? options.quantiles.map { _ in .nan })
    }

    /// At most `cap` values: all of them, or every (count / cap)-th, deterministically.
    static func strideSample(_ values: [Double], cap: Int) -> [Double] {
        guard values.count > cap else { return values }
        return (0..<cap).map { values[$0 * values.count / cap] }
    }

    /// The gate's latency rule: some quantile grew by more than `maxLatencyRegression` and the
    /// one-sided rank test is significant.
    static func latencyRegressed(_ changes: [QuantileChange], _ test: MannWhitneyU, _ options: Options) -> Bool {
        changes.contains { $0.relativeChange > options.maxLatencyRegression } && test.pValue < options.significance
    }

    /// The gate's ratio rule (errors; the engine also applies it to invariant violations): the
    /// ratio grew by more than `allowance` and the one-sided z-test is significant.
    static func ratioRegressed(baseline: Double, candidate: Double, allowance: Double, test: TwoProportionZTest,
                               _ options: Options) -> Bool {
        candidate - baseline > allowance && test.pValue < options.significance
    }

    static func evaluate(_ key: GroupKey, _ base: Samples?, _ cand: Samples?, _ options: Options) -> GateGroupResult {
        var result = GateGroupResult(service: key.service, operation: key.operation,
                                     baseline: base.map { summarize($0, options) },
                                     candidate: cand.map { summarize($0, options) })
        guard let base, let cand, let b = result.baseline, let c = result.candidate else {
            result.verdict = base == nil ? .onlyInCandidate : .onlyInBaseline
            return result
        }
        result.quantileChanges = options.quantiles.indices.map { i in
            QuantileChange(quantile: options.quantiles[i], baseline: b.quantiles[i], candidate: c.quantiles[i])
        }
        guard b.count >= options.minimumSpans, c.count >= options.minimumSpans else {
            result.verdict = .insufficientData
            return result
        }
        let latency = MannWhitneyU(baseline: strideSample(base.durations, cap: options.maxTestSample),
                                   candidate: strideSample(cand.durations, cap: options.maxTestSample))
        let errors = TwoProportionZTest(baselineSuccesses: b.errors, baselineCount: b.count,
                                        candidateSuccesses: c.errors, candidateCount: c.count)
        result.latencyTest = latency
        result.errorTest = errors
        result.latencyRegressed = latencyRegressed(result.quantileChanges, latency, options)
        result.errorRatioRegressed = ratioRegressed(baseline: b.errorRatio, candidate: c.errorRatio,
                                                    allowance: options.maxErrorRateIncrease, test: errors, options)
        result.verdict = result.latencyRegressed || result.errorRatioRegressed ? .regression : .pass
        result.candidateAttribution = cand.shares(ofErrors: result.errorRatioRegressed)
        return result
    }
}

/// The count, errors and latency quantiles of one group in one export.
public struct GateSampleSummary: Sendable, Equatable {
    public var count: Int
    /// Spans counted as errors (``ReleaseGate/isError(_:)``).
    public var errors: Int
    /// Duration quantiles in milliseconds, in the order of ``ReleaseGate/Options/quantiles``.
    public var quantiles: [Double]

    /// `errors / count`.
    public var errorRatio: Double { count == 0 ? 0 : Double(errors) / Double(count) }
}

/// One latency quantile of a group in both exports.
public struct QuantileChange: Sendable, Equatable {
    public var quantile: Double
    /// Milliseconds.
    public var baseline: Double
    public var candidate: Double

    /// `candidate / baseline − 1`; +∞ when the baseline is 0 and the candidate is not, 0 when
    /// both are 0.
    public var relativeChange: Double {
        if baseline > 0 { return candidate / baseline - 1 }
        return candidate > 0 ? .infinity : 0
    }
}

/// What the gate concluded for one group.
public enum GateVerdict: String, Sendable, CaseIterable {
    case regression
    case pass
    /// Fewer than ``ReleaseGate/Options/minimumSpans`` spans in one of the exports.
    case insufficientData = "insufficient data"
    /// The operation is new in the candidate.
    case onlyInCandidate = "only in candidate"
    /// The operation is absent from the candidate.
    case onlyInBaseline = "only in baseline"

    /// Report order: failures first.
    var order: Int { Self.allCases.firstIndex(of: self)! }
}

/// The comparison of one (service, operation) group.
public struct GateGroupResult: Sendable, Equatable {
    public var service: String
    /// The span name.
    public var operation: String
    /// Nil when the group is absent from that export.
    public var baseline: GateSampleSummary?
    public var candidate: GateSampleSummary?
    /// Every compared quantile (empty unless the group is in both exports).
    public var quantileChanges: [QuantileChange] = []
    /// The tests, run when both sides have enough spans.
    public var latencyTest: MannWhitneyU?
    public var errorTest: TwoProportionZTest?
    /// Some quantile grew beyond the limit and the rank test is significant.
    public var latencyRegressed = false
    /// The error ratio grew beyond the limit and the z-test is significant.
    public var errorRatioRegressed = false
    public var verdict: GateVerdict = .pass
    /// Share of the candidate's affected spans — its errors when the error ratio regressed,
    /// else all its spans — by `code.origin`, `gen_ai.request.model` and `service.version`.
    public var candidateAttribution: [String: [String: Double]]?
}
