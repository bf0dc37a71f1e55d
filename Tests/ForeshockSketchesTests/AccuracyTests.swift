import ForeshockTestSupport
@testable import ForeshockSketches
import Testing

/// The relative-error guarantee, checked against exact sorted quantiles.
@Suite("Accuracy guarantee")
struct AccuracyTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let distribution: Distribution
        let mapping: IndexMapping
        /// Enough buckets that nothing collapses (the guarantee's precondition).
        var maxBuckets: Int { mapping.relativeAccuracy < 0.005 ? 65_536 : DDSketch.defaultMaxBuckets }
        var testDescription: String { "\(distribution.rawValue) / \(mapping)" }
    }

    static let cases: [Case] = Distribution.allCases.flatMap { distribution in
        (allMappings(relativeAccuracy: 0.01) + [.cubicallyInterpolated(relativeAccuracy: 0.001),
                                                 .linearlyInterpolated(relativeAccuracy: 0.05),
                                                 .exponentialHistogram(scale: 4)])
            .map { Case(distribution: distribution, mapping: $0) }
    }

    @Test("every quantile is within α of the exact one, for several seeds", arguments: cases)
    func withinAccuracy(_ c: Case) {
        let alpha = c.mapping.relativeAccuracy
        for seed in [1, 2, 3] as [UInt64] {
            let values = c.distribution.values(count: 4_000, seed: seed)
            let sorted = values.sorted()
            var quantiles = manyQuantiles
            var rng = SplitMix64(seed: seed)
            for _ in 0..<40 { quantiles.append(rng.unit()) }
            for sketch in [sketchScalar(values, mapping: c.mapping, maxBuckets: c.maxBuckets),
                           sketchBatch(values, mapping: c.mapping, maxBuckets: c.maxBuckets)] {
                sketch._checkInvariants()
                let worst = maxRelativeError(sketch, sorted: sorted, quantiles: quantiles)
                #expect(worst.error <= alpha * (1 + roundingSlack), "seed \(seed): error \(worst.error) at q = \(worst.q)")
                #expect(sketch.quantile(0) == sorted.first)
                #expect(sketch.quantile(1) == sorted.last)
                #expect(sketch.count == UInt64(values.count))
                #expect(sketch.minimum == sorted.first && sketch.maximum == sorted.last)
            }
        }
    }

    @Test("headline quantiles on log-normal, Pareto and real EC2 latencies; observed maxima printed")
    func headlineQuantilesReport() throws {
        var datasets: [(String, [Double])] = [
            ("log-normal", Distribution.logNormal.values(count: 200_000, seed: 42)),
            ("Pareto 1.5", Distribution.pareto.values(count: 200_000, seed: 42)),
        ]
        if let ec2 = ec2RequestLatencies() {
            try #require(ec2.count == 4_032)
            datasets.append(("NAB ec2_request_latency", ec2))
        } else {
            Issue.record("shared NAB corpus not found at \(sharedPath("datasets"))")
        }
        for mapping in allMappings(relativeAccuracy: 0.01) {
            for (name, values) in datasets {
                let sorted = values.sorted()
                let sketch = sketchBatch(values, mapping: mapping)
                let worst = maxRelativeError(sketch, sorted: sorted, quantiles: headlineQuantiles)
                #expect(worst.error <= 0.01 * (1 + roundingSlack))
                print("accuracy \(mapping.kind) \(name) n=\(values.count): max error \(worst.error) at q=\(worst.q)")
            }
        }
    }

    @Test("the guarantee holds for negative values, zeros and mixed signs")
    func signs() {
        let values: [Double] = [-1000, -10, -1, -0.001, 0, 0, -0.0, 0.001, 1, 10, 1000]
        let sorted = values.sorted()
        for mapping in allMappings(relativeAccuracy: 0.02) {
            let sketch = sketchBatch(values, mapping: mapping)
            for (k, x) in sorted.enumerated() {
                let q = Double(k) / Double(sorted.count - 1)
                let estimate = sketch.quantile(q)!
                #expect(relativeError(estimate, x) <= 0.02 * (1 + roundingSlack), "q \(q): \(estimate) vs \(x)")
                #expect((estimate < 0) == (x < 0) && (estimate == 0) == (x == 0))
            }
        }
    }

    @Test("NaN is ignored and counted; infinities are rejected and counted; subnormals count as zero")
    func specialValues() {
        var sketch = DDSketch()
        sketch.add(contentsOf: [1, .nan, .infinity, -.infinity, 2, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 3,
                                Double(bitPattern: 0x7FF8_0000_DEAD_BEEF), .greatestFiniteMagnitude, -.greatestFiniteMagnitude])
        #expect(sketch.nanCount == 2)
        #expect(sketch.infinityCount == 2)
        #expect(sketch.count == 7)
        #expect(sketch.zeroCount == 2)
        #expect(sketch.minimum == -.greatestFiniteMagnitude)
        #expect(sketch.maximum == .greatestFiniteMagnitude)
        #expect(sketch.quantile(1) == .greatestFiniteMagnitude)
        #expect(sketch.quantile(0) == -.greatestFiniteMagnitude)
        // 1…3 and the largest double span more than 2,048 buckets: 1, 2, 3 collapse into the
        // lowest kept bucket, whose representative is finite.
        #expect(sketch.positiveStore.nonEmptyRange!.count == DDSketch.defaultMaxBuckets)
        #expect(sketch.quantiles([0.6])![0].isFinite)
        sketch._checkInvariants()
    }

    @Test("an empty sketch has no quantiles")
    func empty() {
        let sketch = DDSketch()
        #expect(sketch.quantile(0.5) == nil)
        #expect(sketch.isEmpty)
        #expect(sketch.mean.isNaN)
        var onlyNaN = DDSketch()
        onlyNaN.add(.nan)
        #expect(onlyNaN.quantile(0.5) == nil)
    }

    @Test("rank(of:) counts the values at or below a value")
    func rank() {
        let values = (1...1000).map(Double.init)
        let sketch = sketchBatch(values + values.map { -$0 })
        #expect(sketch.rank(of: 2000) == 2000)
        #expect(sketch.rank(of: -2000) == 0)
        for x in [-500.0, -10, 1, 10, 100, 500] {
            let exact = Double((values + values.map { -$0 }).filter { $0 <= x }.count)
            // Off by at most the count of the bucket holding x (values within a factor γ ≈ 1.02).
            #expect(abs(Double(sketch.rank(of: x)) - exact) <= 1 + 0.021 * abs(x), "x = \(x)")
        }
    }
}
