import Foundation
import Foreshock
import Synchronization
import Testing

private func temporaryDirectory(_ name: String) -> String {
    NSTemporaryDirectory() + "foreshock-engine-\(name)-\(UUID().uuidString)"
}

/// A seasonal-ish series with an injected spike at `spikeAt`.
private func series(count: Int, spikeAt: Int? = nil, start: Int64 = 1_700_000_000_000) -> (timestamps: [Int64], values: [Double]) {
    var rng = SystemRandomNumberGenerator()
    let timestamps = (0..<count).map { start + Int64($0) * 60_000 }
    let values = (0..<count).map { i -> Double in
        let base = 100 + 20 * sin(Double(i) / 1440 * 2 * .pi) + Double.random(in: -2...2, using: &rng)
        return i == spikeAt ? base + 400 : base
    }
    return (timestamps, values)
}

@Suite struct EngineTests {
    /// The "Embedding Foreshock" example of the README, compiled and run.
    @Test func embeddingExampleDetectsASpikeAndStreamsIt() async throws {
        var configuration = EngineConfiguration()
        configuration.dataDirectory = nil  // in memory
        let engine = try Engine(configuration: configuration)
        let events = engine.anomalyEvents()
        let key = try SeriesKey(name: "queue.depth", labels: ["queue": "payments"])
        let data = series(count: 3000, spikeAt: 2500)
        for start in stride(from: 0, to: data.timestamps.count, by: 100) {
            let end = min(start + 100, data.timestamps.count)
            let result = engine.ingest(series: key, timestamps: Array(data.timestamps[start..<end]), values: Array(data.values[start..<end]))
            #expect(result.shedPoints == 0)
        }
        try await engine.flush()
        var opened: Anomaly?
        for await event in events {
            if case let .opened(anomaly) = event, anomaly.time == data.timestamps[2500] { opened = anomaly; break }
        }
        let anomaly = try #require(opened)
        #expect(anomaly.series.name == "queue.depth")
        #expect(anomaly.series.labels["queue"] == "payments")
        #expect(anomaly.observed > anomaly.upper)
        #expect(try engine.store.read(series: key).count == 3000)
        try await engine.shutdown()
    }

    @Test func restartRestoresSeriesBlocksAndDetectorState() async throws {
        let directory = temporaryDirectory("restart")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = EngineConfiguration()
        configuration.dataDirectory = directory
        let key = try SeriesKey(name: "latency", labels: ["service": "checkout"])
        // More points than a fresh detector would learn from history (4096), so the saved
        // state, not a relearning, is what the reopened engine must continue from.
        let data = series(count: 5000)
        do {
            let engine = try Engine(configuration: configuration)
            engine.ingest(series: key, timestamps: data.timestamps, values: data.values)
            try await engine.shutdown()
        }
        #expect(FileManager.default.fileExists(atPath: directory + "/detectors.json"))
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/detectors.json"))) as? [String: Any]
        let entries = try #require(saved?["series"] as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries[0]["lastTimestamp"] as? Int64 == data.timestamps.last)

        // Reopened, the detector continues where it stopped and flags a spike right away.
        let engine = try Engine(configuration: configuration)
        #expect(try engine.store.read(series: key).count == 5000)
        let events = engine.anomalyEvents()
        let next = data.timestamps.last! + 60_000
        engine.ingest(series: key, timestamps: [next, next + 60_000], values: [400, 100])
        try await engine.flush()
        var sawSpike = false
        for await event in events {
            if case let .opened(anomaly) = event, anomaly.time == next { sawSpike = true; break }
        }
        #expect(sawSpike)
        try await engine.shutdown()
        let reloaded = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/detectors.json"))) as? [String: Any]
        let detector = try #require((reloaded?["series"] as? [[String: Any]])?.first?["detector"] as? [String: Any])
        #expect(detector["pointsSeen"] as? Int == 5002)
    }

    @Test func sheddingUnderOverloadLosesOnlyWhatItReports() async throws {
        var configuration = EngineConfiguration()
        configuration.queueCapacity = 5_000
        let engine = try Engine(configuration: configuration)
        var accepted: [SeriesKey: Int] = [:]
        var shed = 0
        for i in 0..<200 {
            let key = try SeriesKey(name: "burst", labels: ["n": "\(i % 20)"])
            let base = Int64(i / 20) * 1_000_000
            let timestamps = (0..<500).map { base + Int64($0) }
            let result = engine.ingest(series: key, timestamps: timestamps, values: timestamps.map(Double.init))
            accepted[key, default: 0] += result.acceptedPoints
            shed += result.shedPoints
            #expect(result.acceptedPoints + result.shedPoints == 500)
        }
        try await engine.flush()
        var stored = 0
        for (key, count) in accepted {
            let read = try engine.store.read(series: key).count
            #expect(read == count)
            stored += read
        }
        #expect(stored + shed == 200 * 500)
        try await engine.shutdown()
    }

    @Test func concurrentIngestFromManyTasksKeepsEveryPoint() async throws {
        let engine = try Engine(configuration: EngineConfiguration())
        try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<16 {
                group.addTask {
                    let key = try SeriesKey(name: "concurrent", labels: ["task": "\(task)"])
                    var accepted = 0
                    for batch in 0..<50 {
                        let timestamps = (0..<20).map { Int64(batch * 20 + $0) * 1000 }
                        accepted += engine.ingest(series: key, timestamps: timestamps, values: timestamps.map { Double($0) }).acceptedPoints
                    }
                    return accepted
                }
            }
            var total = 0
            for try await accepted in group { total += accepted }
            #expect(total == 16 * 1000)
        }
        try await engine.flush()
        for task in 0..<16 {
            #expect(try engine.store.read(series: try SeriesKey(name: "concurrent", labels: ["task": "\(task)"])).count == 1000)
        }
        try await engine.shutdown()
    }

    @Test func malformedBatchesAreRejectedByNameAndTheRestQueued() async throws {
        let engine = try Engine(configuration: EngineConfiguration())
        let good = SeriesPoints(key: try SeriesKey(name: "ok"), timestamps: [1, 2], values: [1, 2])
        let bad = SeriesPoints(key: try SeriesKey(name: "bad"), timestamps: [1, 2], values: [1])
        let result = engine.ingest([good, bad])
        #expect(result.acceptedPoints == 2)
        #expect(result.rejected.count == 1 && result.rejected[0].contains("bad"))
        try await engine.shutdown()
        #expect(engine.ingest([good]).shedPoints == 2)  // after shutdown nothing is accepted
    }

    @Test func configurationFilesReportUnknownKeysAndBadValues() throws {
        let directory = temporaryDirectory("config")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func write(_ name: String, _ text: String) throws -> String {
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let yaml = try write("ok.yaml", """
            dataDirectory: /tmp/x
            queueCapacity: 1000
            detector:
              riskLevel: 0.00001
            store:
              encodingEffort: compact
            thresholds:
              - match: {__name__: latency, service: checkout}
                above: 800
            """)
        let loaded = try EngineConfiguration.load(path: yaml)
        #expect(loaded.queueCapacity == 1000 && loaded.detector.riskLevel == 1e-5 && loaded.dataDirectory == "/tmp/x")
        #expect(loaded.store.encodingEffort == .compact && loaded.thresholds.first?.above == 800)
        #expect(loaded.detector.warmupLength == DetectorConfiguration().warmupLength)

        let typo = try write("typo.json", #"{"detector": {"riskLevell": 0.1}}"#)
        #expect(throws: ConfigurationOverrides.UnknownKey.self) { _ = try EngineConfiguration.load(path: typo) }
        do { _ = try EngineConfiguration.load(path: typo) } catch { #expect("\(error)".contains("detector.riskLevell")) }

        let range = try write("range.json", #"{"queueCapacity": 0}"#)
        #expect(throws: ConfigurationError.self) { _ = try EngineConfiguration.load(path: range) }
        let type = try write("type.yml", "flushInterval: soon\n")
        #expect(throws: (any Error).self) { _ = try EngineConfiguration.load(path: type) }
        let rule = try write("rule.json", #"{"thresholds": [{"match": {"service": "a"}, "above": 1, "below": 0}]}"#)
        #expect(throws: ConfigurationError.self) { _ = try EngineConfiguration.load(path: rule) }
    }
}

@Suite struct SuppressionWindowTests {
    /// A maintenance window: the load test inside it (a plateau 5× the normal level) is stored
    /// but raises nothing and is not learned — the same plateau after the window is an anomaly.
    @Test func pointsInAMaintenanceWindowAreStoredButNeitherScoredNorLearned() async throws {
        let start: Int64 = 1_700_000_000_000
        let minute: Int64 = 60_000
        var configuration = EngineConfiguration()
        let json = #"{"suppressions": [{"match": {"service": "checkout"}, "start": "2023-11-16T14:00:00Z", "end": \#(start + 3_300 * minute), "reason": "load test"}]}"#
        configuration = try ConfigurationOverrides.apply(Data(json.utf8), to: configuration, source: "test")
        try configuration.validate()
        let window = try #require(configuration.suppressions.first)
        #expect(window.start == 1_700_143_200_000 && window.reason == "load test")
        let engine = try Engine(configuration: configuration)
        let events = Mutex<[AnomalyEvent]>([])
        engine.onAnomaly { event in events.withLock { $0.append(event) } }
        let key = try SeriesKey(name: "latency", labels: ["service": "checkout"])
        let other = try SeriesKey(name: "latency", labels: ["service": "search"])
        let timestamps = (0..<3_600).map { start + Int64($0) * minute }
        let plateau = { (t: Int64) in (t >= window.start && t < window.end) || t >= start + 3_500 * minute }
        let values = timestamps.map { t in 100 + Double(t / minute % 7) + (plateau(t) ? 400 : 0) }
        for (series, data) in [(key, values), (other, values)] {
            for chunk in stride(from: 0, to: timestamps.count, by: 100) {
                let end = min(chunk + 100, timestamps.count)
                engine.ingest(series: series, timestamps: Array(timestamps[chunk..<end]), values: Array(data[chunk..<end]))
            }
        }
        try await engine.shutdown()
        #expect(try engine.store.read(series: key).count == 3_600, "suppressed points are stored")
        let opened = events.withLock { $0 }.compactMap { event -> Anomaly? in if case let .opened(a) = event { a } else { nil } }
        let checkout = opened.filter { $0.series.labels["service"] == "checkout" }
        #expect(!checkout.contains { $0.time >= window.start && $0.time < window.end }, "nothing raised inside the window")
        let afterWindow = events.withLock { $0 }.filter {
            $0.anomaly.series.labels["service"] == "checkout" && $0.anomaly.time >= start + 3_500 * minute
        }
        #expect(afterWindow.contains { $0.anomaly.observed > $0.anomaly.upper && $0.anomaly.expected < 150 },
                "the same plateau after the window is anomalous against the old level: it was not learned")
        #expect(opened.contains { $0.series.labels["service"] == "search" && $0.time >= window.start && $0.time < window.end },
                "a series the window does not match is scored as usual")
    }
}

@Suite struct SeasonalTimeZoneTests {
    @Test func aTimeZoneNameBecomesItsOffsets() throws {
        let berlin = try #require(UTCOffsets.timeZone("Europe/Berlin"))
        #expect(berlin.initialOffset == 3_600_000)
        // 2026-03-29 01:00 UTC: Berlin moves to summer time.
        let change: Int64 = 1_774_746_000_000
        #expect(berlin.local(change - 1) == change - 1 + 3_600_000)
        #expect(berlin.local(change) == change + 7_200_000)
        #expect(UTCOffsets.timeZone("Mars/Olympus_Mons") == nil)
        var configuration = EngineConfiguration()
        configuration.seasonalTimeZone = "Mars/Olympus_Mons"
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        configuration.seasonalTimeZone = "Europe/Berlin"
        try configuration.validate()
    }
}
