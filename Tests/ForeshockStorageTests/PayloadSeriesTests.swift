import Foundation
@testable import ForeshockStorage
import Testing

/// Payload series: opaque byte strings per timestamp (serialized sketches), same rules as numbers.
@Suite struct PayloadSeriesTests {
    private func key(_ n: Int) throws -> SeriesKey { try SeriesKey(name: "latency.sketch", labels: ["pod": "\(n)"]) }

    private func payload(_ i: Int) -> [UInt8] { (0..<(i % 50 + 1)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) } }

    @Test func payloadsRoundTripThroughHeadsBlocksLogAndSegments() throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let config = StoreConfiguration(blockCapacity: 160)  // payload blocks seal at 10
        let timestamps = (0..<95).map { Int64($0) * 60_000 }
        let payloads = timestamps.indices.map(payload)
        do {
            let store = try Store(directory: dir, configuration: config)
            let result = try store.appendPayloads(series: try key(1), timestamps: timestamps.reversed(), payloads: payloads.reversed())
            #expect(result.accepted == 95)
            #expect(try store.appendPayloads(series: try key(1), timestamps: [timestamps[94]], payloads: [[7, 7]]).replaced == 1)
            let read = try store.readPayloads(series: try key(1))
            #expect(read.map(\.timestamp) == timestamps)
            #expect(read.last?.payload == [7, 7])
            #expect(store.statistics().blockCount == 9)
            try store.flush()
        }
        // Reopen: blocks from the segment, the head from the log.
        let reopened = try Store(directory: dir, configuration: config)
        #expect(reopened.recoveryIssues.isEmpty)
        let read = try reopened.readPayloads(series: try key(1), from: timestamps[10], to: timestamps[20])
        #expect(read.map(\.timestamp) == Array(timestamps[10...20]))
        #expect(read.map(\.payload) == Array(payloads[10...20]))
        #expect(try reopened.readPayloads(series: try key(1)).last?.payload == [7, 7])
        try reopened.close(sealingHeads: true)
        let sealed = try Store(directory: dir, configuration: config)
        #expect(sealed.statistics().headPointCount == 0)
        #expect(try sealed.readPayloads(series: try key(1)).count == 95)
    }

    @Test func aSeriesKeepsItsKind() throws {
        let store = try Store(directory: nil)
        try store.append(series: try key(1), timestamps: [1], values: [1])
        #expect(throws: StorageError.self) { try store.appendPayloads(series: try key(1), timestamps: [2], payloads: [[1]]) }
        try store.appendPayloads(series: try key(2), timestamps: [1], payloads: [[1]])
        #expect(throws: StorageError.self) { try store.append(series: try key(2), timestamps: [2], values: [2]) }
        #expect(throws: StorageError.self) { _ = try store.read(series: try key(2)) }
        #expect(throws: StorageError.self) { _ = try store.readPayloads(series: try key(1)) }
        #expect(throws: StorageError.self) { try store.appendPayloads(series: try key(3), timestamps: [1], payloads: [[UInt8](repeating: 0, count: BlockFormat.maxPayloadBytes + 1)]) }
    }

    @Test func payloadBlocksRejectDamageAndNumericDecoding() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let block = try [Int64(10), 20, 30].withUnsafeBufferPointer { t in
            try encoder.encode(seriesID: 1, timestamps: t, payloads: [[1, 2, 3], [], [9]])
        }
        let decoded = try decoder.decodePayloads(block)
        #expect(decoded.timestamps == [10, 20, 30] && decoded.payloads == [[1, 2, 3], [], [9]])
        var t: [Int64] = [], v: [Double] = []
        #expect(throws: StorageError.self) { try decoder.decode(block, appendingTo: &t, &v) }
        for i in 0..<block.count {
            var damaged = block
            damaged[i] ^= 0x40
            #expect(throws: StorageError.self) { _ = try decoder.decodePayloads(damaged) }
        }
        let numeric = try encoder.encode(seriesID: 1, timestamps: [1], values: [1])
        #expect(throws: StorageError.self) { _ = try decoder.decodePayloads(numeric) }
    }

    @Test func checkpointKeepsUnsealedPayloads() throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let config = StoreConfiguration(blockCapacity: 1600, walCheckpointBytes: 512)
        do {
            let store = try Store(directory: dir, configuration: config)
            for i in 0..<40 {
                try store.appendPayloads(series: try key(1), timestamps: [Int64(i)], payloads: [payload(i)])
                try store.flush()
            }
            #expect(store.statistics().logBytes < 4096)
        }
        let reopened = try Store(directory: dir, configuration: config)
        #expect(try reopened.readPayloads(series: try key(1)).map(\.payload) == (0..<40).map(payload))
    }
}
