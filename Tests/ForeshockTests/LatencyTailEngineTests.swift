import Foreshock
import ForeshockDetection
import ForeshockSimulation
import ForeshockTelemetry
import Testing

@Suite struct LatencyTailEngineTests {
    /// The `opened` incidents on `span.latency_tail` when `scenario` runs through an engine.
    private static func latencyTailIncidents(_ scenario: SimulationScenario,
                                             configuration: EngineConfiguration = EngineConfiguration()) async throws -> [Anomaly] {
        ScenarioEngineRun.opened(try await ScenarioEngineRun.events(scenario, configuration: configuration).events, on: "span.latency_tail")
    }

    /// Payment's charges twice as slow for 15 minutes after two normal hours, on a quiet morning.
    private static let slowdown = SimulationScenario(
        name: "payment-slow", summary: "payment twice as slow for 15 min", seed: 37,
        startUnixSeconds: SimulationScenario.monday + 8 * 3_600, durationMinutes: 150,
        incidents: [SimulatedIncident(kind: .latencySpike, service: "payment", operation: "Charge",
                                      startMinute: 120, endMinute: 135, magnitude: 1)],
        watches: [])

    /// Payment's charges take twice as long for 15 minutes on a quiet morning (a few charges a
    /// minute, so a minute's p99 is its slowest charge): judged by how many charges exceed the
    /// operation's recent p99 given how many there were, the slowdown is raised within minutes,
    /// with the slowest spans as exemplars, and nothing is raised in the two hours before.
    @Test func aSparseOperationsSlowdownIsRaisedFromItsSketches() async throws {
        let scenario = Self.slowdown
        let incidents = try await Self.latencyTailIncidents(scenario)
        let start = (scenario.startUnixSeconds + 120 * 60) * 1000
        #expect(!incidents.contains { $0.time < start }, "no latency alarm before the slowdown: \(incidents.map { ($0.series.labels, $0.time) })")
        let raised = try #require(incidents.first { $0.series.labels["service"] == "payment" && $0.series.labels["operation"] == "Charge" })
        #expect(raised.time - start <= 10 * 60_000, "raised \(Double(raised.time - start) / 60_000) min after the slowdown began")
        #expect(raised.observed > 0.1 && raised.expected < 0.03, "share of slow charges \(raised.observed) against \(raised.expected)")
        #expect(!raised.exemplarTraceIDs.isEmpty)
    }

    /// Switched off, the engine raises no `span.latency_tail` incident for the slowdown that the
    /// test above sees raised.
    @Test func canBeSwitchedOff() async throws {
        var configuration = EngineConfiguration()
        configuration.spans.latencyTail.enabled = false
        #expect(try await Self.latencyTailIncidents(Self.slowdown, configuration: configuration).isEmpty)
    }

    /// Settings out of range are refused with their name.
    @Test func invalidSettingsAreNamed() {
        var configuration = EngineConfiguration()
        configuration.spans.latencyTail.quantile = 1
        #expect(throws: (any Error).self) { try configuration.validate() }
        do { try configuration.validate() } catch { #expect("\(error)".contains("latencyTail.quantile")) }
        configuration.spans.latencyTail.quantile = 0.99
        configuration.spans.latencyTail.detector.priorRatio = 2
        #expect(throws: (any Error).self) { try configuration.validate() }
        do { try configuration.validate() } catch { #expect("\(error)".contains("priorRatio")) }
        configuration.spans.latencyTail.detector.priorRatio = nil
        #expect(throws: Never.self) { try configuration.validate() }
    }
}
