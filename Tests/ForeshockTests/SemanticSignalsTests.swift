import Foreshock
import ForeshockTestSupport
import Foundation
import Synchronization
import Testing

/// Invariants, deploy-aware baselines and attribution end to end: the simulated shop's
/// checkout release 2.1.0 (AI-written) gets the order total wrong by one cent on 1 % of orders
/// while latency and errors stay flat, and the engine must say so within minutes — naming the
/// rule, the version and the code origin, with an exemplar carrying the offending values.
@Suite struct SemanticSignalsTests {
    static let rule = #"span.name == "PlaceOrder" => attr["order.total_cents"] == attr["order.items_sum_cents"] - attr["order.discount_cents"]"#

    /// Runs `scenario` through an engine with the order-total rule; returns every event.
    static func run(_ scenario: SimulationScenario) async throws -> (engine: Engine, events: [AnomalyEvent]) {
        var configuration = EngineConfiguration()
        configuration.spans.invariants = [InvariantRuleConfiguration(name: "order-total", rule: rule)]
        return try await ScenarioEngineRun.events(scenario, configuration: configuration, batchSeconds: 5)
    }

    @Test func aSilentInvariantRegressionIsRaisedWithinMinutesAndAttributed() async throws {
        let scenario = SimulationScenario.invariantRegression
        let (engine, all) = try await Self.run(scenario)
        let deploy = (scenario.startUnixSeconds + 60 * 60) * 1000
        let opened = all.compactMap { event -> Anomaly? in if case let .opened(a) = event { a } else { nil } }
        let regression = try #require(opened.first { $0.kind == .releaseRegression && $0.series.name == "release.violations" },
                                      "no release regression among \(opened.map { "\($0.kind) \($0.series)" })")
        #expect(regression.series.labels["rule"] == "order-total")
        #expect(regression.series.labels["service"] == "checkout" && regression.series.labels["operation"] == "PlaceOrder")
        #expect(regression.series.labels["service.version"] == "2.1.0")
        #expect(regression.series.labels["baseline.service.version"] == "1.0.0")
        #expect(regression.dimension == "service.version=2.1.0")
        #expect(regression.attribution?["code.origin"]?["ai"] == 1, "every violation comes from AI-written code")
        #expect(regression.observed > 0.003 && regression.observed < 0.04, "about 1 % of the release's orders")
        #expect(regression.expected == 0)
        let minutesAfterDeploy = Double(regression.time - deploy) / 60_000
        #expect(minutesAfterDeploy > 0 && minutesAfterDeploy <= 20, "raised \(minutesAfterDeploy) min after the deploy began")
        let exemplar = try #require(regression.exemplars?.first)
        let total = try #require(exemplar.attributes["order.total_cents"].flatMap { Int($0) })
        let sum = try #require(exemplar.attributes["order.items_sum_cents"].flatMap { Int($0) })
        let discount = try #require(exemplar.attributes["order.discount_cents"].flatMap { Int($0) })
        #expect(total == sum - discount - 1, "the exemplar shows the offending values")
        #expect(regression.exemplarTraceIDs.contains(exemplar.traceID))

        // One incident: once the old version has been gone for adoptAfterWindows, 2.1.0 is the
        // baseline — the incident closes and the confirmed new normal raises nothing more.
        #expect(opened.filter { $0.kind == .releaseRegression }.count == 1)
        let closed = all.compactMap { event -> Anomaly? in if case let .closed(a) = event, a.id == regression.id, a.kind == .releaseRegression { a } else { nil } }
        #expect(closed.count == 1)
        print("invariant regression raised \(minutesAfterDeploy) min after the deploy began; adopted after \(Double((closed.first?.time ?? 0) - deploy) / 60_000) min")

        // Latency and errors did not change: no regression on them, and the old version's
        // invariant series saw no violation at all.
        #expect(!opened.contains { $0.kind == .releaseRegression && $0.series.name != "release.violations" })
        let violations = engine.store.series(matching: [.equal("__name__", "invariant.violations"), .equal("service.version", "1.0.0")])
        #expect(!violations.isEmpty)
        for key in violations { #expect(try engine.store.read(series: key).values.allSatisfy { $0 == 0 }) }
    }

    /// Two candidate releases run beside the stable one (canaries, A/B): each is compared with
    /// the stable version, and only the one that breaks the rule is raised.
    @Test func concurrentCandidatesAreEachComparedWithTheStableRelease() async throws {
        var scenario = SimulationScenario.invariantRegression
        scenario.deploys = [SimulatedDeploy(atMinute: 60, service: "checkout", version: "2.1.0", codeOrigin: "ai", rolloutMinutes: 200),
                            SimulatedDeploy(atMinute: 60, service: "checkout", version: "2.2.0", codeOrigin: "human", rolloutMinutes: 200)]
        scenario.incidents[0].magnitude = 0.02
        let (_, all) = try await Self.run(scenario)
        let regressions = all.compactMap { event -> Anomaly? in if case let .opened(a) = event, a.kind == .releaseRegression { a } else { nil } }
        #expect(regressions.map { $0.series.labels["service.version"] } == ["2.1.0"])
        #expect(regressions.first?.series.labels["baseline.service.version"] == "1.0.0")
    }

    @Test func aBadRuleIsAConfigurationErrorWithItsColumn() throws {
        var configuration = EngineConfiguration()
        configuration.spans.invariants = [InvariantRuleConfiguration(name: "broken", rule: #"span.name == "x" => attr["a"] >"#)]
        #expect {
            try configuration.validate()
        } throws: { error in
            "\(error)".contains("invariants[0] (broken)") && "\(error)".contains("column")
        }
    }
}

@Suite struct ErrorRatioEngineTests {
    /// Payment fails 20 % of charges for 15 minutes on a quiet morning (a few charges a
    /// minute): the engine's count-aware error ratio raises it on `span.error_ratio` within
    /// minutes, with error exemplars, and raises nothing in the two hours before.
    @Test func aSparseOperationsErrorSpikeIsRaisedOnItsErrorRatio() async throws {
        let scenario = SimulationScenario(
            name: "payment-errors", summary: "payment fails 20 % for 15 min", seed: 31,
            startUnixSeconds: SimulationScenario.monday + 8 * 3_600, durationMinutes: 150,
            incidents: [SimulatedIncident(kind: .errorSpike, service: "payment", operation: "Charge",
                                          startMinute: 120, endMinute: 135, magnitude: 0.2)],
            watches: [])
        let events = try await ScenarioEngineRun.events(scenario).events
        let start = (scenario.startUnixSeconds + 120 * 60) * 1000
        let ratioIncidents = ScenarioEngineRun.opened(events, on: "span.error_ratio")
        #expect(!ratioIncidents.contains { $0.time < start }, "no error-ratio alarm before the spike: \(ratioIncidents.map(\.series))")
        let raised = try #require(ratioIncidents.first { $0.series.labels["service"] == "payment" && $0.series.labels["operation"] == "Charge" })
        #expect(raised.time - start <= 10 * 60_000, "raised \(Double(raised.time - start) / 60_000) min after the spike began")
        #expect(raised.observed > 0.05 && raised.expected < 0.02)
        #expect(!raised.exemplarTraceIDs.isEmpty)
    }
}
