// A soak run of the engine under a label explosion and a load burst, for the bounded-resources
// test and RELIABILITY.md: simulated shop traffic in which every span carries a distinct
// `user.id` configured as a dimension (a million-value attribute), first paced to the engine's
// throughput, then a burst: the recent batches offered again as fast as the caller can,
// opening with three queues' worth built beforehand and offered at once (so it outruns the
// engine in any build), against a small queue. Prints one JSON line: spans offered, accepted and shed, the
// series stored (capped by maxStoredSeries = 60,000), and the peak RSS (VmHWM).
//
// Usage: engine-soak DATA_DIR SECONDS
import Foreshock
import ForeshockTestSupport
import Foundation

@main
struct EngineSoak {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count == 3, let seconds = Double(arguments[2]) else {
            print("usage: engine-soak DATA_DIR SECONDS")
            exit(2)
        }
        do {
            var configuration = EngineConfiguration()
            configuration.dataDirectory = arguments[1]
            configuration.queueCapacity = 50_000
            configuration.maxDetectedSeries = 20_000
            configuration.maxStoredSeries = 60_000
            configuration.spans.windowMilliseconds = 10_000
            configuration.spans.maxSeriesPerService = 500
            configuration.spans.dimensions += ["user.id"]
            configuration.spans.allowedAttributes = ["user.id"]
            let engine = try Engine(configuration: configuration)
            var scenario = SimulationScenario.invariantRegression
            scenario.durationMinutes = 7 * 24 * 60
            scenario.peakRequestsPerSecond = 200
            var generator = SpanStreamGenerator(scenario: scenario)
            var offered = 0, accepted = 0, shed = 0, user: UInt64 = 0
            var recent: [[Span]] = []
            func offer(_ spans: [Span]) {
                let result = engine.ingest(spans: SpanBatch(spans: spans))
                offered += spans.count
                accepted += result.acceptedPoints
                shed += result.shedPoints
            }
            // Paced: new traffic, every span a new user id, offered as fast as the engine takes it.
            let start = ContinuousClock.now
            let pacedUntil = start + .seconds(seconds / 2), end = start + .seconds(seconds)
            while ContinuousClock.now < pacedUntil, var spans = generator.nextSecond() {
                for i in spans.indices {
                    user += 1
                    spans[i].attributes.append(SpanAttribute("user.id", .string("user-\(user)")))
                }
                while engine.queueDepth > configuration.queueCapacity / 4 { try await Task.sleep(for: .milliseconds(1)) }
                offer(spans)
                recent.append(spans)
                if recent.count > 256 { recent.removeFirst() }
            }
            // Burst: the recent batches again, moved forward in time so that they are new
            // traffic (not late), offered without waiting.
            var next = 0
            let span = Int64(max(1, recent.count)) * 1_000_000_000
            func moved(_ k: Int) -> [Span] {
                let shift = Int64(k / recent.count + 1) * span
                return recent[k % recent.count].map { original in
                    var moved = original
                    moved.startNanos += shift
                    moved.endNanos += shift
                    return moved
                }
            }
            // It opens with three queues' worth built beforehand and offered back to back:
            // queueing a batch is O(1), so this outruns the worker in any build (a sanitizer
            // slows copying spans as much as ingesting them, so a copying loop alone may not).
            var salvo: [[Span]] = []
            var salvoSpans = 0
            while salvoSpans < 3 * configuration.queueCapacity, recent.contains(where: { !$0.isEmpty }) {
                salvo.append(moved(next))
                salvoSpans += salvo[salvo.count - 1].count
                next += 1
            }
            for spans in salvo { offer(spans) }
            salvo = []
            while ContinuousClock.now < end, !recent.isEmpty {
                offer(moved(next))
                next += 1
            }
            try await engine.shutdown()
            let statistics = engine.store.statistics()
            print("{\"offered\":\(offered),\"accepted\":\(accepted),\"shed\":\(shed),\"distinctUserIDs\":\(user),"
                  + "\"simulatedSeconds\":\(generator.second),\"storedSeries\":\(statistics.seriesCount),"
                  + "\"peakRSSBytes\":\(peakResidentBytes())}")
        } catch {
            print("ERROR \(error)")
            exit(1)
        }
    }

    /// VmHWM from /proc/self/status (Linux), in bytes; 0 elsewhere.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}
