import Foundation
import ForeshockTestSupport
import ForeshockStorage
import Testing

/// Kills a writer process with SIGKILL at random moments and checks that every acknowledged
/// point is in the store and the store opens cleanly.
@Suite struct CrashRecoveryTests {
    static let writerPath = TestTool.path("store-crash-writer")

    @Test(.enabled(if: writerPath != nil, "store-crash-writer is built with the tests"))
    func sigkillDuringIngestAndFlushLosesNothingAcknowledged() throws {
        let writer = try #require(Self.writerPath)
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        var acknowledged = [Int](repeating: 0, count: 8)
        var rng = SystemRandomNumberGenerator()
        let kills = 12
        for round in 0..<kills {
            // Let it run for a random while, then kill it without warning.
            let (output, _) = try TestTool.run(writer, [dir, String(round + 1)],
                                               killAfterMicroseconds: UInt32.random(in: 20_000...250_000, using: &rng))
            #expect(!output.contains("ERROR"), "writer failed: \(output.suffix(300))")
            for line in output.split(separator: "\n") where line.hasPrefix("ACK ") {
                let parts = line.split(separator: " ")
                if parts.count == 3, let s = Int(parts[1]), let n = Int(parts[2]) { acknowledged[s] = max(acknowledged[s], n) }
            }
            let store = try Store(directory: dir, configuration: StoreConfiguration(blockCapacity: 512))
            // A kill can tear only what was never acknowledged: at most the log's tail.
            for issue in store.recoveryIssues { #expect("\(issue)".contains("wal.log"), "unexpected damage: \(issue)") }
            for s in 0..<8 {
                let read = try store.read(series: try SeriesKey(name: "crash", labels: ["series": "\(s)"]))
                #expect(read.count >= acknowledged[s], "series \(s): \(read.count) stored, \(acknowledged[s]) acknowledged")
                let expected = (0..<read.count).map { Double(s * 1_000_003 + $0) / 7 }
                #expect(read.values == expected)
                #expect(read.timestamps == (0..<read.count).map { Int64($0) * 1000 })
            }
        }
        #expect(acknowledged.reduce(0, +) > 0, "the writer never acknowledged anything")
    }
}
