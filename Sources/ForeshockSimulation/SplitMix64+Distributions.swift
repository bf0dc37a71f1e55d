import Foundation

/// The few distributions the simulator draws from, built on ``SplitMix64`` so that a seed
/// fixes every draw on every platform with the same libm.
extension SplitMix64 {
    /// Uniform in [0, 1), 53 bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box–Muller; one of the pair is discarded to keep the state simple).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), 0x1.0p-60)
        let u2 = nextUnit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// Log-normal with the given median and shape σ (the standard deviation of the log).
    public mutating func nextLogNormal(median: Double, sigma: Double) -> Double {
        median * Foundation.exp(sigma * nextGaussian())
    }

    /// Poisson with mean `mean` ≥ 0: Knuth's product method below 30, a rounded normal
    /// approximation above (exact enough for traffic counts, O(1)).
    public mutating func nextPoisson(mean: Double) -> Int {
        guard mean > 0, mean.isFinite else { return 0 }
        if mean >= 30 { return max(0, Int((mean + mean.squareRoot() * nextGaussian()).rounded())) }
        let limit = Foundation.exp(-mean)
        var product = nextUnit()
        var count = 0
        while product > limit {
            count += 1
            product *= nextUnit()
        }
        return count
    }

    /// True with probability `p`.
    public mutating func nextBool(probability p: Double) -> Bool { nextUnit() < p }
}
