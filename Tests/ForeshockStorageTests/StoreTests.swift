import Foundation
@testable import ForeshockStorage
import Testing

/// A fresh temporary data directory, removed by the caller with `cleanup`.
func temporaryDirectory(_ name: String = #function) -> String {
    let path = NSTemporaryDirectory() + "foreshock-test-\(name.prefix(24).filter { $0.isLetter })-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func cleanup(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

private func key(_ n: Int) throws -> SeriesKey { try SeriesKey(name: "latency", labels: ["series": "\(n)"]) }

@Suite struct StoreTests {
    @Test func appendThenReadReturnsSortedPointsWithLastWriteWinning() throws {
        let store = try Store(directory: nil)
        let k = try key(1)
        var r = try store.append(series: k, timestamps: [30, 10, 20, 20], values: [3, 1, 2, 2.5])
        #expect(r == AppendResult(accepted: 3, replaced: 1, rejectedTooOld: 0))
        r = try store.append(series: k, timestamps: [40], values: [.nan])
        let read = try store.read(series: k)
        #expect(read.timestamps == [10, 20, 30, 40])
        #expect(read.values[0...2] == [1, 2.5, 3])
        #expect(read.values[3].isNaN)
    }

    @Test func pointsOlderThanSealedDataAreRejectedAndCounted() throws {
        let store = try Store(directory: nil, configuration: StoreConfiguration(blockCapacity: 4))
        let k = try key(1)
        try store.append(series: k, timestamps: [1, 2, 3, 4, 5], values: [1, 2, 3, 4, 5])
        let r = try store.append(series: k, timestamps: [4, 2, 6], values: [0, 0, 6])
        #expect(r == AppendResult(accepted: 1, replaced: 0, rejectedTooOld: 2))
        #expect(try store.read(series: k).values == [1, 2, 3, 4, 5, 6])
        #expect(store.statistics().blockCount == 1)
    }

    @Test func rangeReadIsInclusiveAndSpansBlocksAndHead() throws {
        let store = try Store(directory: nil, configuration: StoreConfiguration(blockCapacity: 100))
        let k = try key(1)
        let t = (0..<1000).map { Int64($0) * 1000 }
        try store.append(series: k, timestamps: t, values: t.map { Double($0) / 1000 })
        let read = try store.read(series: k, from: 150_000, to: 950_000)
        #expect(read.timestamps.first == 150_000)
        #expect(read.timestamps.last == 950_000)
        #expect(read.count == 801)
        #expect(try store.read(series: try key(99)).count == 0)
    }

    @Test func downsampleMatchesDirectComputationAndUsesHeaders() throws {
        let store = try Store(directory: nil, configuration: StoreConfiguration(blockCapacity: 60))
        let k = try key(1)
        var rng = SystemRandomNumberGenerator()
        let t = (0..<10_000).map { Int64($0) * 1000 }
        var v = t.map { _ in Double(Int.random(in: 0..<1000, using: &rng)) / 10 }
        v[17] = .nan
        v[599] = .nan  // last point of a block: that block cannot be answered from its header
        try store.append(series: k, timestamps: t, values: v)
        for step: Int64 in [7_000, 60_000, 3_600_000] {
            let windows = try store.downsample(series: k, from: 5_000, to: 9_000_000, step: step)
            var expected: [Int64: (count: Int, sum: Double, min: Double, max: Double, last: Double)] = [:]
            for i in t.indices where t[i] >= 5_000 && t[i] <= 9_000_000 && !v[i].isNaN {
                let w = Aggregation.windowStart(t[i], step: step)
                var e = expected[w] ?? (0, 0, .infinity, -.infinity, .nan)
                e.count += 1; e.sum += v[i]; e.min = min(e.min, v[i]); e.max = max(e.max, v[i]); e.last = v[i]
                expected[w] = e
            }
            #expect(windows.count == expected.count)
            for w in windows {
                let e = try #require(expected[w.start])
                #expect(w.count == e.count)
                #expect(abs(w.sum - e.sum) <= 1e-9 * max(1, abs(e.sum)))
                #expect(w.minimum == e.min && w.maximum == e.max && w.last == e.last)
            }
        }
    }

    @Test func flushedDataSurvivesReopenIncludingHeadsAndDuplicatesPolicy() throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let config = StoreConfiguration(blockCapacity: 1000)
        var expected: [SeriesKey: PointColumns] = [:]
        do {
            let store = try Store(directory: dir, configuration: config)
            for s in 0..<20 {
                let k = try key(s)
                let n = 300 * s + 7
                let t = (0..<n).map { Int64($0) * 60_000 + Int64(s) }
                let v = t.map { Double($0 % 977) / 100 }
                try store.append(series: k, timestamps: t, values: v)
                try store.append(series: k, timestamps: [t[n - 1]], values: [-1])  // replace the newest
                var columns = PointColumns(timestamps: t, values: v)
                columns.values[n - 1] = -1
                expected[k] = columns
            }
            try store.flush()
        }
        let reopened = try Store(directory: dir, configuration: config)
        #expect(reopened.recoveryIssues.isEmpty)
        #expect(reopened.series().count == 20)
        for (k, columns) in expected { #expect(try reopened.read(series: k) == columns) }
        #expect(reopened.statistics().segmentCount >= 1)
    }

    @Test func closeSealingHeadsLeavesOnlyBlocksAndReopens() throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let k = try key(1)
        do {
            let store = try Store(directory: dir)
            try store.append(series: k, timestamps: [1, 2, 3], values: [0.1, 0.2, 0.3])
            try store.close(sealingHeads: true)
            #expect(throws: StorageError.self) { try store.append(series: k, timestamps: [4], values: [1]) }
        }
        let reopened = try Store(directory: dir)
        #expect(reopened.statistics().headPointCount == 0)
        #expect(reopened.statistics().blockCount == 1)
        #expect(try reopened.read(series: k).values == [0.1, 0.2, 0.3])
    }

    @Test func checkpointShrinksTheLogAndKeepsEverything() throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let config = StoreConfiguration(blockCapacity: 500, walCheckpointBytes: 4096)
        let k = try key(1)
        do {
            let store = try Store(directory: dir, configuration: config)
            for batch in 0..<20 {
                let t = (0..<100).map { Int64(batch * 100 + $0) }
                try store.append(series: k, timestamps: t, values: t.map(Double.init))
                try store.flush()
            }
            #expect(store.statistics().logBytes < 4096 + 2000)
        }
        let reopened = try Store(directory: dir, configuration: config)
        #expect(try reopened.read(series: k).values == (0..<2000).map(Double.init))
    }

    @Test func tornLogTailIsReportedAndEverythingBeforeItKept() throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let k = try key(1)
        do {
            let store = try Store(directory: dir)
            try store.append(series: k, timestamps: [1, 2], values: [1, 2])
            try store.flush()
            try store.append(series: k, timestamps: [3], values: [3])
            try store.flush()
        }
        let wal = dir + "/wal.log"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: wal))
        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: wal))  // tear the last record
        let reopened = try Store(directory: dir)
        #expect(reopened.recoveryIssues.count == 1)
        #expect("\(reopened.recoveryIssues[0])".contains("wal.log"))
        #expect(try reopened.read(series: k).values == [1, 2])
        // The torn tail was cut off: appending and reopening again is clean.
        try reopened.append(series: k, timestamps: [4], values: [4])
        try reopened.close()
        let again = try Store(directory: dir)
        #expect(again.recoveryIssues.isEmpty)
        #expect(try again.read(series: k).values == [1, 2, 4])
    }

    @Test func corruptBlockInSegmentIsReportedWithPathAndOtherBlocksSurvive() throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let config = StoreConfiguration(blockCapacity: 100)
        do {
            let store = try Store(directory: dir, configuration: config)
            for s in 0..<3 {
                let t = (0..<300).map { Int64($0) }
                try store.append(series: try key(s), timestamps: t, values: t.map { Double($0) * Double(s + 1) })
            }
            try store.close(sealingHeads: true)
        }
        let segmentDir = dir + "/segments"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: segmentDir).sorted().first)
        let path = segmentDir + "/" + name
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let total = bytes.count
        bytes[total / 2] ^= 0xFF  // damage one block in the middle
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reopened = try Store(directory: dir, configuration: config)
        #expect(reopened.recoveryIssues.count == 1)
        #expect("\(reopened.recoveryIssues[0])".contains(name))
        // 9 blocks were written; exactly one is lost to the damage.
        #expect(reopened.statistics().blockCount == 8)
        var surviving = 0
        for s in 0..<3 { surviving += try reopened.read(series: try key(s)).count }
        #expect(surviving == 800)
    }

    @Test func secondOpenOfTheSameDirectoryIsRefused() throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let first = try Store(directory: dir)
        #expect(throws: StorageError.self) { _ = try Store(directory: dir) }
        _ = first
    }

    @Test func concurrentAppendsAndReadsAreSafeAndLoseNothing() async throws {
        let dir = temporaryDirectory()
        defer { cleanup(dir) }
        let store = try Store(directory: dir, configuration: StoreConfiguration(blockCapacity: 256))
        let perTask = 2_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for s in 0..<8 {
                group.addTask {
                    let k = try key(s)
                    for batch in 0..<(perTask / 100) {
                        let t = (0..<100).map { Int64(batch * 100 + $0) }
                        try store.append(series: k, timestamps: t, values: t.map { Double($0) + Double(s) })
                        if batch % 5 == 0 { try store.flush() }
                    }
                }
                group.addTask {
                    let k = try key(s)
                    for _ in 0..<50 {
                        let read = try store.read(series: k)
                        #expect(zip(read.timestamps, read.timestamps.dropFirst()).allSatisfy { $0 < $1 })
                    }
                }
            }
            try await group.waitForAll()
        }
        try store.close()
        let reopened = try Store(directory: dir, configuration: StoreConfiguration(blockCapacity: 256))
        for s in 0..<8 {
            let read = try reopened.read(series: try key(s))
            #expect(read.count == perTask)
            #expect(read.values == (0..<perTask).map { Double($0 + s) })
        }
    }

    @Test func seriesKeysAreValidatedAndMatched() throws {
        #expect(throws: StorageError.self) { _ = try SeriesKey(name: "", labels: [:]) }
        #expect(throws: StorageError.self) { _ = try SeriesKey(name: "x", labels: [Label("a", "1"), Label("a", "2")]) }
        let tooMany = (0...SeriesKey.maxLabels).map { Label("l\($0)", "v") }
        #expect(throws: StorageError.self) { _ = try SeriesKey(name: "x", labels: tooMany) }
        let store = try Store(directory: nil)
        try store.append(series: try SeriesKey(name: "cpu", labels: ["host": "a1"]), timestamps: [1], values: [1])
        try store.append(series: try SeriesKey(name: "cpu", labels: ["host": "b1"]), timestamps: [1], values: [1])
        try store.append(series: try SeriesKey(name: "mem", labels: ["host": "a1"]), timestamps: [1], values: [1])
        #expect(store.series(matching: [.equal("__name__", "cpu")]).count == 2)
        #expect(store.series(matching: [.prefix("host", "a")]).count == 2)
        #expect(store.series(matching: [LabelMatcher(parsing: "host!=a1")!]).count == 1)
    }
}
