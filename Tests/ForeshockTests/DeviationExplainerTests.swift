import Foreshock
import Testing

@Suite struct DeviationExplainerTests {
    /// p99 of checkout split by version and code origin: only version 1.4.2 got slower.
    @Test func theVersionThatRegressedExplainsTheDeviation() throws {
        let store = try Store(directory: nil)
        let minute: Int64 = 60_000
        for version in ["1.4.1", "1.4.2"] {
            for origin in ["ai", "human"] {
                let key = try SeriesKey(name: "span.duration.p99", labels: ["service": "checkout", "service.version": version, "code.origin": origin])
                let t = (0..<120).map { Int64($0) * minute }
                let v = t.indices.map { i -> Double in
                    let base = origin == "ai" ? 0.11 : 0.10
                    return i >= 60 && version == "1.4.2" ? base * 3 : base
                }
                try store.append(series: key, timestamps: t, values: v)
            }
        }
        let explanations = try DeviationExplainer.explain(in: store, matching: [.equal("__name__", "span.duration.p99"), .equal("service", "checkout")],
                                                          anomaly: (60 * minute)...(119 * minute), baseline: 0...(59 * minute))
        let top = try #require(explanations.first)
        #expect(top.dimension == "service.version" && top.value == "1.4.2")
        #expect(top.share > 0.99)
        #expect((top.otherChange ?? 1) == 0)
        // code.origin splits the change evenly: it explains about half, not all.
        let origin = try #require(explanations.first { $0.dimension == "code.origin" })
        #expect(origin.share < 0.6)
        #expect(!explanations.contains { $0.dimension == "service" })  // does not vary
    }

    @Test func nothingChangedMeansNoExplanation() throws {
        let store = try Store(directory: nil)
        let key = try SeriesKey(name: "m", labels: ["a": "1"])
        try store.append(series: key, timestamps: [1, 2, 3, 4], values: [5, 5, 5, 5])
        #expect(try DeviationExplainer.explain(in: store, matching: [], anomaly: 3...4, baseline: 1...2).isEmpty)
    }
}
