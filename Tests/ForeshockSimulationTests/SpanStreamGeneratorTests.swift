import ForeshockSimulation
import ForeshockSketches
import ForeshockTelemetry
import Testing

@Suite struct SpanStreamGeneratorTests {
    private static let shortScenario = SimulationScenario(
        name: "short", summary: "two hours", seed: 9, durationMinutes: 120, peakRequestsPerSecond: 10,
        deploys: [SimulatedDeploy(atMinute: 30, service: "checkout", version: "2.0.0", codeOrigin: "ai", rolloutMinutes: 20)],
        incidents: [SimulatedIncident(kind: .latencySpike, service: "payment", operation: "Charge",
                                      startMinute: 60, endMinute: 80, magnitude: 5)],
        watches: [ScenarioWatch(service: "payment", operation: "Charge", signal: .p99Milliseconds, threshold: 250),
                  ScenarioWatch(service: "payment", operation: "Charge", signal: .requests),
                  ScenarioWatch(service: "payment", operation: "Charge", signal: .errorRatio)])

    @Test func sameSeedSameSpans() {
        var a = SpanStreamGenerator(scenario: Self.shortScenario)
        var b = SpanStreamGenerator(scenario: Self.shortScenario)
        for _ in 0..<300 {
            let x = a.nextSecond() ?? [], y = b.nextSecond() ?? []
            #expect(x.map(\.spanID) == y.map(\.spanID))
            #expect(x.map(\.endNanos) == y.map(\.endNanos))
        }
    }

    @Test func tracesAreWellFormed() {
        var generator = SpanStreamGenerator(scenario: Self.shortScenario)
        var spans: [Span] = []
        for _ in 0..<600 { spans += generator.nextSecond() ?? [] }
        #expect(spans.count > 1_000)
        let byID = Dictionary(spans.map { ($0.spanID, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byID.count == spans.count, "span ids are unique")
        for span in spans {
            #expect(span.endNanos >= span.startNanos)
            guard !span.parentSpanID.isZero else { continue }
            let parent = byID[span.parentSpanID]
            #expect(parent != nil, "every parent is in the stream")
            #expect(parent?.traceID == span.traceID)
            if let parent {
                #expect(parent.startNanos <= span.startNanos && span.endNanos <= parent.endNanos, "children lie within parents")
            }
        }
    }

    @Test func deployRollsOutBothVersionsSideBySide() {
        var generator = SpanStreamGenerator(scenario: Self.shortScenario)
        var versionsDuringRollout: [String: Int] = [:]
        var originAfter: Set<String> = []
        while let spans = generator.nextSecond() {
            let minute = (generator.second - 1) / 60
            for span in spans where span.serviceName == "checkout" && span.kind == .server {
                let version = span.resource.attribute("service.version")?.stringValue ?? "?"
                if (35..<45).contains(minute) { versionsDuringRollout[version, default: 0] += 1 }
                if minute >= 55 { originAfter.insert(span.attribute("code.origin")?.stringValue ?? "?") }
            }
        }
        #expect(versionsDuringRollout["1.0.0", default: 0] > 0 && versionsDuringRollout["2.0.0", default: 0] > 0)
        #expect(originAfter == ["ai"])
    }

    /// The exported p99 is the p99 of exactly the server spans of the operation in the minute
    /// (within the sketch's 1 % relative accuracy), and the incident's breach is where it is.
    @Test func exportedSeriesMatchADirectComputation() throws {
        let exported = ScenarioSeries(scenario: Self.shortScenario)
        var generator = SpanStreamGenerator(scenario: Self.shortScenario)
        var durations: [Int64: [Double]] = [:]
        while let spans = generator.nextSecond() {
            for span in spans where span.serviceName == "payment" && span.kind == .server && span.name == "Charge" {
                durations[span.endNanos / 60_000_000_000 * 60_000, default: []].append(Double(span.durationNanos) / 1e6)
            }
        }
        let p99 = try #require(exported.series.first { $0.watch.signal == .p99Milliseconds })
        let requests = try #require(exported.series.first { $0.watch.signal == .requests })
        #expect(p99.timestamps.count >= 110)
        for (t, value) in zip(requests.timestamps, requests.values) {
            #expect(value == Double(durations[t]?.count ?? 0))
        }
        for (t, value) in zip(p99.timestamps, p99.values) {
            let sorted = try #require(durations[t]).sorted()
            let rank = 0.99 * Double(sorted.count - 1)
            let lower = sorted[Int(rank.rounded(.down))], upper = sorted[Int(rank.rounded(.up))]
            #expect(value >= lower * 0.98 && value <= upper * 1.02, "minute \(t): \(value) vs [\(lower), \(upper)]")
        }
        let truth = exported.truth(for: p99)
        #expect(truth.count == 1)
        let breach = try #require(truth.first?.breach)
        let start = (Self.shortScenario.startUnixSeconds + 60 * 60) * 1000
        #expect(breach >= start && breach < start + 20 * 60_000)
        for (t, value) in zip(p99.timestamps, p99.values) where t < start { #expect(value < 250, "no breach before the spike") }
    }

    /// An error ratio's minute counts are the operation's server spans and errors in each minute,
    /// and its exported ratio is their trailing 10-minute ratio.
    @Test func errorCountsAreTheRatiosParts() throws {
        var scenario = try #require(SimulationScenario.named("error-creep-after-deploy"))
        scenario.durationMinutes = 60
        let exported = ScenarioSeries(scenario: scenario)
        let ratio = try #require(exported.series.first { $0.watch.signal == .errorRatio })
        let counts = try #require(ratio.counts)
        var generator = SpanStreamGenerator(scenario: scenario)
        var direct: [Int64: (errors: Int, requests: Int)] = [:]
        while let spans = generator.nextSecond() {
            for span in spans where span.serviceName == ratio.watch.service && span.kind == .server && span.name == ratio.watch.operation {
                let minute = span.endNanos / 60_000_000_000 * 60_000
                direct[minute, default: (0, 0)].requests += 1
                if span.isEffectiveError { direct[minute, default: (0, 0)].errors += 1 }
            }
        }
        #expect(counts.count == ratio.timestamps.count && counts.count >= 55)
        for (index, t) in ratio.timestamps.enumerated().dropLast() {
            #expect(counts[index].errors == direct[t]?.errors ?? 0 && counts[index].requests == direct[t]?.requests ?? 0, "minute \(t)")
            let trailing = counts[max(0, index - ScenarioSeries.errorRatioMinutes + 1)...index]
            let requests = trailing.reduce(0) { $0 + $1.requests }, errors = trailing.reduce(0) { $0 + $1.errors }
            #expect(ratio.values[index] == (requests == 0 ? 0 : Double(errors) / Double(requests)))
        }
        let csv = try #require(ScenarioSeries.countsCSV(ratio)).split(separator: "\n")
        #expect(csv.first == "timestamp,errors,requests" && csv.count == counts.count + 1)
        #expect(exported.truth.series.first { $0.watch.signal == .errorRatio }?.counts == ratio.watch.countsFileName)
    }
}
