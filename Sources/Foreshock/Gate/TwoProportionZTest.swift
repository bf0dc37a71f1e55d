/// A one-sided two-proportion z-test: is the candidate's proportion (error ratio) larger?
///
/// `p̂ = (x_b + x_c)/(n_b + n_c)`, `z = (x_c/n_c − x_b/n_b) / √(p̂(1 − p̂)(1/n_b + 1/n_c))`,
/// `p = 1 − Φ(z)` (pooled standard error, no continuity correction). The normal approximation
/// wants about five successes and five failures in each sample; with fewer errors it is only
/// indicative, which is why the gate also requires the increase to exceed a fixed number of
/// percentage points.
public struct TwoProportionZTest: Sendable, Equatable {
    public var baselineSuccesses: Int
    public var baselineCount: Int
    public var candidateSuccesses: Int
    public var candidateCount: Int
    /// The standardised difference; 0 when the pooled proportion is 0 or 1.
    public var z: Double
    /// One-sided p-value of "the candidate's proportion is larger"; 1 when both proportions are
    /// 0 or both 1, or a sample is empty.
    public var pValue: Double

    public var baselineProportion: Double { baselineCount == 0 ? 0 : Double(baselineSuccesses) / Double(baselineCount) }
    public var candidateProportion: Double { candidateCount == 0 ? 0 : Double(candidateSuccesses) / Double(candidateCount) }

    /// - Precondition: `0 ≤ successes ≤ count` for both samples.
    /// - Complexity: O(1).
    public init(baselineSuccesses: Int, baselineCount: Int, candidateSuccesses: Int, candidateCount: Int) {
        precondition(0 <= baselineSuccesses && baselineSuccesses <= baselineCount
                     && 0 <= candidateSuccesses && candidateSuccesses <= candidateCount, "successes must be within 0...count")
        self.baselineSuccesses = baselineSuccesses
        self.baselineCount = baselineCount
        self.candidateSuccesses = candidateSuccesses
        self.candidateCount = candidateCount
        let nb = Double(baselineCount), nc = Double(candidateCount)
        let pooled = nb + nc > 0 ? Double(baselineSuccesses + candidateSuccesses) / (nb + nc) : 0
        let variance = pooled * (1 - pooled) * (nb > 0 && nc > 0 ? 1 / nb + 1 / nc : 0)
        guard variance > 0 else {
            z = 0
            pValue = 1
            return
        }
        let nbRatio = Double(baselineSuccesses) / nb, ncRatio = Double(candidateSuccesses) / nc
        z = (ncRatio - nbRatio) / variance.squareRoot()
        pValue = StandardNormal.upperTail(z)
    }
}
