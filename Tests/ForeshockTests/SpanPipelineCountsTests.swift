@testable import Foreshock
import ForeshockTestSupport
import Logging
import Testing

@Suite struct SpanPipelineCountsTests {
    /// The invariant outcomes each output reports (for the engine's self-metrics) are the
    /// deltas since the previous output: summed, they are the aggregator's totals.
    @Test func invariantCountsAreDeltas() throws {
        var configuration = SpanIngestConfiguration()
        configuration.invariants = [
            InvariantRuleConfiguration(name: "total", rule: SemanticSignalsTests.rule),
            InvariantRuleConfiguration(name: "needs-missing", rule: #"span.name == "PlaceOrder" => attr["no.such"] > 0"#),
        ]
        var pipeline = SpanPipeline(configuration: configuration)
        let store = try Store(directory: nil)
        var generator = SpanStreamGenerator(scenario: SimulationScenario.invariantRegression)
        var evaluations = 0, notApplicable = 0, placeOrders = 0, placeOrderCalls = 0
        for _ in 0..<120 {
            let spans = generator.nextSecond() ?? []
            placeOrders += spans.filter { $0.name == "PlaceOrder" && $0.kind == .server }.count
            placeOrderCalls += spans.filter { $0.name == "PlaceOrder" && $0.kind == .client }.count
            let output = pipeline.ingest(SpanColumns(spans: spans), store: store, logger: Logger(label: "test"), wallClock: 0)
            evaluations += output.invariants.evaluations
            notApplicable += output.invariants.notApplicable
        }
        #expect(placeOrders > 100)
        #expect(evaluations == placeOrders, "the total rule applies to every order, with a verdict")
        // Not applicable: the total rule on the callers' client spans (named after the callee,
        // without order attributes), the missing-attribute rule on both.
        #expect(notApplicable == placeOrders + 2 * placeOrderCalls)
    }
}
