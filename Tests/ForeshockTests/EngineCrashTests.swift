import Foreshock
import ForeshockTestSupport
import Foundation
import Testing

/// Kills an engine (`engine-crash-writer`) with SIGKILL at random moments during span ingest
/// and flushes, reopens its data directory, and checks that every acknowledged span is counted
/// in the stored series and that the directory opens cleanly.
@Suite struct EngineCrashTests {
    static let writerPath = TestTool.path("engine-crash-writer")

    /// The sum of `span.count` over every operation series in [from, to) (Unix ms).
    private func storedSpans(_ store: Store, from: Int64, to: Int64) throws -> Int {
        var total = 0.0
        for key in store.series(matching: [.equal("__name__", "span.count")]) {
            let read = try store.read(series: key, from: from, to: to)
            total += read.values.reduce(0, +)
        }
        return Int(total)
    }

    @Test(.enabled(if: writerPath != nil, "engine-crash-writer is built with the tests"))
    func sigkillDuringSpanIngestAndFlushLosesNothingAcknowledged() async throws {
        let writer = try #require(Self.writerPath)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foreshock-engine-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = SystemRandomNumberGenerator()
        var survived = 0
        for run in 1...10 {
            let (output, _) = try TestTool.run(writer, [dir, String(run)],
                                               killAfterMicroseconds: UInt32.random(in: 300_000...1_500_000, using: &rng))
            #expect(!output.contains("ERROR"), "writer failed: \(output.suffix(300))")
            let acknowledged = output.split(separator: "\n").compactMap { $0.hasPrefix("ACK ") ? Int($0.dropFirst(4)) : nil }.max() ?? 0

            // Reopen the directory as the engine would: store, then detector states.
            var configuration = EngineConfiguration()
            configuration.dataDirectory = dir
            configuration.spans.windowMilliseconds = 1_000
            let engine = try Engine(configuration: configuration)
            for issue in engine.store.recoveryIssues { #expect("\(issue)".contains("wal.log"), "unexpected damage: \(issue)") }
            let day = (SimulationScenario.monday + Int64(run) * 86_400) * 1000
            let stored = try storedSpans(engine.store, from: day, to: day + 86_400_000)
            #expect(stored >= acknowledged, "run \(run): \(stored) spans stored, \(acknowledged) acknowledged")
            if acknowledged > 0 { survived += 1 }
            let states = URL(fileURLWithPath: dir).appendingPathComponent("detectors.json")
            if let data = try? Data(contentsOf: states) {
                #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "detectors.json is whole")
            }
            try await engine.shutdown()
        }
        #expect(survived >= 5, "the writer acknowledged something in at least half the runs (\(survived))")
    }
}
