import Foundation
import ForeshockSketches

/// The Mann–Whitney U test (Mann & Whitney, "On a Test of Whether one of Two Random Variables
/// is Stochastically Larger than the Other", Annals of Mathematical Statistics 18(1), 1947),
/// one-sided: is the candidate sample stochastically larger than the baseline?
///
/// Rank-based, so it makes no assumption on the shape of latency distributions (skewed,
/// multi-modal) and one outlier moves it by at most one rank. The p-value uses the normal
/// approximation with the tie correction of the variance and a continuity correction of ½:
///
/// `U = R_c − n_c(n_c + 1)/2`, `μ = n_b·n_c/2`,
/// `σ² = n_b·n_c/12 · ((n + 1) − Σ(t³ − t) / (n(n − 1)))`, `z = (U − μ − ½)/σ`,
/// `p = 1 − Φ(z)`,
///
/// where `R_c` is the sum of the candidate's mid-ranks in the pooled sample of `n = n_b + n_c`
/// values and `t` runs over the sizes of the groups of tied values. The approximation is good
/// from about 20 values per sample, the minimum ``ReleaseGate`` compares.
///
/// ```swift
/// let test = MannWhitneyU(baseline: [10, 11, 12, …], candidate: [14, 15, 13, …])
/// if test.pValue < 0.01 { /* the candidate is slower */ }
/// ```
public struct MannWhitneyU: Sendable, Equatable {
    /// The sizes of the two samples.
    public var baselineCount: Int
    public var candidateCount: Int
    /// `U` of the candidate sample: the number of (baseline, candidate) pairs where the
    /// candidate value is larger, ties counting ½.
    public var u: Double
    /// The standardised statistic (continuity-corrected); 0 when every value is tied.
    public var z: Double
    /// One-sided p-value of "the candidate is stochastically larger"; 1 when every value is
    /// tied or a sample is empty.
    public var pValue: Double

    /// `U / (n_b·n_c)`: the probability that a random candidate value exceeds a random
    /// baseline value (ties ½), the common-language effect size; 0.5 means no shift.
    public var probabilityOfSuperiority: Double {
        baselineCount == 0 || candidateCount == 0 ? 0.5 : u / (Double(baselineCount) * Double(candidateCount))
    }

    /// Runs the test. NaN values must not be passed (they have no rank).
    ///
    /// - Complexity: O(n log n) for n = both counts (one sort of the pooled sample).
    public init(baseline: [Double], candidate: [Double]) {
        // The pooled sample, sorted, each value tagged with the sample it came from.
        var pooled: [(value: Double, isCandidate: Bool)] = []
        pooled.reserveCapacity(baseline.count + candidate.count)
        for v in baseline { pooled.append((v, false)) }
        for v in candidate { pooled.append((v, true)) }
        pooled.sort { $0.value < $1.value }
        var ties: [(baseline: Int, candidate: Int)] = []
        var start = 0
        while start < pooled.count {
            var end = start + 1
            while end < pooled.count, pooled[end].value == pooled[start].value { end += 1 }
            var candidatesInRun = 0
            for i in start..<end where pooled[i].isCandidate { candidatesInRun += 1 }
            ties.append((end - start - candidatesInRun, candidatesInRun))
            start = end
        }
        self.init(tieGroups: ties)
    }

    /// Runs the test on two latency sketches with the same mapping, each bucket a group of tied
    /// values (so the test sees the data at the sketch's relative accuracy, which only makes it
    /// a little more conservative). Zeros form one group; negative values are not expected
    /// (durations) and are ranked below zero.
    ///
    /// - Complexity: O(buckets).
    public init(baseline: DDSketch, candidate: DDSketch) {
        /// The buckets of both stores by ascending index.
        func groups(_ a: DenseStore, _ b: DenseStore) -> [(baseline: Int, candidate: Int)] {
            var byIndex: [Int: (baseline: Int, candidate: Int)] = [:]
            for (index, count) in a.buckets { byIndex[index, default: (0, 0)].baseline += Int(clamping: count) }
            for (index, count) in b.buckets { byIndex[index, default: (0, 0)].candidate += Int(clamping: count) }
            return byIndex.sorted { $0.key < $1.key }.map(\.value)
        }
        // Negative values: a larger index is a more negative value.
        let negative = groups(baseline.negativeStore, candidate.negativeStore).reversed()
        let zeros = (baseline: Int(clamping: baseline.zeroCount), candidate: Int(clamping: candidate.zeroCount))
        self.init(tieGroups: Array(negative) + [zeros] + groups(baseline.positiveStore, candidate.positiveStore))
    }

    /// The test from the pooled sample's groups of tied values, in ascending order of value:
    /// how many of each group come from each sample.
    init(tieGroups: [(baseline: Int, candidate: Int)]) {
        let nbInt = tieGroups.reduce(0) { $0 + $1.baseline }, ncInt = tieGroups.reduce(0) { $0 + $1.candidate }
        baselineCount = nbInt
        candidateCount = ncInt
        guard nbInt > 0, ncInt > 0 else {
            u = 0
            z = 0
            pValue = 1
            return
        }
        var candidateRankSum = 0.0
        var tieTerm = 0.0
        var below = 0
        for group in tieGroups {
            let size = group.baseline + group.candidate
            guard size > 0 else { continue }
            // Ranks below+1 … below+size (1-based) share their mean.
            let midRank = Double(2 * below + size + 1) / 2
            candidateRankSum += midRank * Double(group.candidate)
            let t = Double(size)
            tieTerm += t * t * t - t
            below += size
        }
        let n = Double(below)
        let nb = Double(nbInt), nc = Double(ncInt)
        u = candidateRankSum - nc * (nc + 1) / 2
        let mean = nb * nc / 2
        let variance = nb * nc / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else {
            z = 0
            pValue = 1
            return
        }
        z = (u - mean - 0.5) / variance.squareRoot()
        pValue = StandardNormal.upperTail(z)
    }
}

/// The standard normal distribution.
enum StandardNormal {
    /// `P(Z > z) = ½·erfc(z/√2)`, accurate in the far tail (no cancellation in `1 − Φ`).
    static func upperTail(_ z: Double) -> Double {
        0.5 * erfc(z / 2.0.squareRoot())
    }
}
