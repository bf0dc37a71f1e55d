#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The upper tail of the Poisson distribution, in log space: how improbable at least k events
/// are when `mean` are expected. Used for counts of rare events (errors, violations) where a
/// normal approximation is poor.
public enum PoissonTail {
    /// ln P(X ≥ k) for X ~ Poisson(mean): 0 for k ≤ 0; otherwise summed from the term at k
    /// upwards while terms matter (k above the mean), or as ln(1 − P(X < k)) below it.
    public static func logProbability(atLeast k: Int, mean: Double) -> Double {
        guard k > 0 else { return 0 }
        guard mean > 0 else { return -.infinity }
        let logTerm = { (i: Int) -> Double in Double(i) * log(mean) - mean - lgamma(Double(i) + 1) }
        if Double(k) > mean {
            // Terms decrease from k on; sum them relative to the first.
            let first = logTerm(k)
            var sum = 1.0, ratio = 1.0, i = k
            while ratio > 1e-17 * sum, i < k + 100_000 {
                i += 1
                ratio *= mean / Double(i)
                sum += ratio
            }
            return first + log(sum)
        }
        var below = 0.0
        for i in 0..<k { below += exp(logTerm(i)) }
        return log(max(1e-300, 1 - below))
    }
}
