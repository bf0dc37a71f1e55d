import ForeshockTestSupport
import Foundation
import Testing

/// The engine under a label explosion (a distinct `user.id` dimension on every span) and a
/// burst far above what it can take (`engine-soak`): it must not crash, must shed the excess
/// with a count, keep the series it creates within the cardinality guard's bound, and keep its
/// memory bounded.
@Suite struct EngineSoakTests {
    static let soakPath = TestTool.path("engine-soak")

    @Test(.enabled(if: soakPath != nil, "engine-soak is built with the tests"))
    func labelExplosionAndBurstStayBounded() throws {
        let tool = try #require(Self.soakPath)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foreshock-soak-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (output, status) = try TestTool.run(tool, [dir, "8"])
        #expect(status == 0)
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("{") })
        let result = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int])
        let offered = try #require(result["offered"]), accepted = try #require(result["accepted"]), shed = try #require(result["shed"])
        #expect(accepted + shed == offered, "every span is either taken or counted as shed")
        #expect(shed > 0 && accepted > 0, "the burst is shed, not queued without bound")
        #expect(try #require(result["distinctUserIDs"]) > 10_000, "far more distinct values than the 500-series cap")
        // The span guard admits at most 500 series per service and hour of data; the burst
        // moves time forward by hours, and the store's own cap (60,000) holds whatever gets by.
        #expect(try #require(result["storedSeries"]) <= 60_000)
        #expect(try #require(result["peakRSSBytes"]) < 1_536 << 20, "peak RSS \(result["peakRSSBytes"] ?? 0) bytes")
    }
}
