// A writer for the engine's crash-safety test: runs the engine on a data directory, ingests
// simulated span traffic (one second of the shop at a time), flushes every few batches and
// prints `ACK <spans>` after each flush returns: the spans of this run whose one-second window
// had closed by then (by the data's clock, with the engine's one window of lateness), which
// the flush made durable. The test kills it with SIGKILL at a random moment and checks.
//
// Usage: engine-crash-writer DATA_DIR RUN   (each run simulates its own day, so runs never overlap)
import Foreshock
import ForeshockTestSupport
#if canImport(Glibc)
import Glibc
#endif

@main
struct EngineCrashWriter {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count == 3, let run = Int64(arguments[2]) else {
            print("usage: engine-crash-writer DATA_DIR RUN")
            exit(2)
        }
        do {
            var configuration = EngineConfiguration()
            configuration.dataDirectory = arguments[1]
            configuration.spans.windowMilliseconds = 1_000
            configuration.flushInterval = 3_600
            let engine = try Engine(configuration: configuration)
            var scenario = SimulationScenario.invariantRegression
            scenario.startUnixSeconds = SimulationScenario.monday + run * 86_400
            scenario.seed = UInt64(run)
            scenario.durationMinutes = 24 * 60
            var generator = SpanStreamGenerator(scenario: scenario)
            // The engine's window bookkeeping, replayed: a window closes once the newest span
            // end is two windows past its start; spans for a closed window are late (dropped).
            var clock = Int64.min, closed = 0
            var open: [Int64: Int] = [:]
            while let spans = generator.nextSecond() {
                while engine.queueDepth > configuration.queueCapacity / 2 { try await Task.sleep(for: .milliseconds(1)) }
                guard engine.ingest(spans: SpanBatch(spans: spans)).shedPoints == 0 else { continue }
                for span in spans {
                    let window = span.endNanos / 1_000_000 / 1_000 * 1_000
                    if clock != .min, window + 2_000 <= clock { continue }
                    open[window, default: 0] += 1
                }
                for span in spans { clock = max(clock, span.endNanos / 1_000_000) }
                for (window, count) in open where window + 2_000 <= clock {
                    closed += count
                    open[window] = nil
                }
                if generator.second % 3 == 0 {
                    try await engine.flush()
                    let line = "ACK \(closed)\n"
                    _ = line.utf8CString.withUnsafeBufferPointer { write(1, $0.baseAddress, $0.count - 1) }
                }
            }
            try await engine.shutdown()
        } catch {
            print("ERROR \(error)")
            exit(1)
        }
    }
}
