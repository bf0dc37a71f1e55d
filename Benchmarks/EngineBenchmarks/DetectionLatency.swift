import Benchmark
import Foreshock
import Foundation
import Synchronization

/// End-to-end detection latency of the embedded engine: wall clock from the
/// `Engine.ingest(spans:)` call of a span batch to the receipt of its anomaly event on an
/// `engine.anomalyEvents()` stream, under a steady real-time load.
///
/// Load: 100 span series (5 services × 20 operations), 1 s windows, one batch of 100 spans
/// (one per series) every 10 ms = 10,000 spans/s, span ends at the real wall clock. Durations
/// are log-normal around 5–35 ms per operation (σ = 0.35). To get past the detectors'
/// warm-up (300 points by default), the same generator first replays 330 windows of history
/// ending now, as fast as the engine takes them, then keeps pace with the wall clock.
///
/// Anomalies: in 25 consecutive live windows, 4 series each (100 in all, each series once)
/// have every span ×10 slower for that one window. The event of an anomaly is the first
/// `opened`/`updated` event of that series (any of its span metrics) whose `time` is the
/// window's start.
///
/// A window [s, s + 1 s) closes when the data's clock (the newest span end seen) reaches
/// s + 2 s (window length × (1 + allowedLatenessWindows = 1), fixed in the engine), i.e. with
/// the first batch of the window after next; only then are its points scored. So the latency
/// from the anomalous spans is bounded below by the window and its lateness, and three
/// figures are reported, p50 and p99 over the anomalies (µs):
/// - from the *first* batch of the anomalous window (≈ 2 s + processing),
/// - from the *last* batch of the anomalous window (≈ 1 s + processing),
/// - processing: from the ingest call of the batch that closes the window (data clock passes
///   s + 2 s) to the event's receipt — queue, aggregation, store, detectors, broadcast, stream.
/// The engine configuration is the default but for the 1 s windows (flush every 5 s, in-memory
/// store). While spans arrive only the data clock closes windows; with no traffic at all, the
/// periodic flush closes the last window by the wall clock once the engine has been idle for
/// two windows, so an idle service's last anomaly can take up to a flush interval longer.
func registerDetectionLatencyBenchmark() {
    let us = { (name: String) in BenchmarkMetric.custom(name, polarity: .prefersSmaller, useScalingFactor: false) }
    let fromFirstP50 = us("first anomalous batch to event p50 us"), fromFirstP99 = us("first anomalous batch to event p99 us")
    let fromLastP50 = us("last anomalous batch to event p50 us"), fromLastP99 = us("last anomalous batch to event p99 us")
    let processingP50 = us("window-closing batch to event p50 us"), processingP99 = us("window-closing batch to event p99 us")
    let processingMax = us("window-closing batch to event max us")
    let scheduled = BenchmarkMetric.custom("anomalies injected", polarity: .prefersLarger, useScalingFactor: false)
    let detected = BenchmarkMetric.custom("anomalies detected", polarity: .prefersLarger, useScalingFactor: false)
    let unscheduled = us("unscheduled opened events in live windows")
    let spansPerSecond = BenchmarkMetric.custom("spans per second", polarity: .prefersLarger, useScalingFactor: false)
    let maxQueue = us("max queue depth during live windows")
    let lateBatches = us("batches sent over 5 ms late")

    Benchmark("Engine detection latency, 1 s windows, 10k spans/s (span batch in to anomaly event out)",
              configuration: .init(metrics: [.wallClock, fromFirstP50, fromFirstP99, fromLastP50, fromLastP99,
                                             processingP50, processingP99, processingMax, scheduled, detected,
                                             unscheduled, spansPerSecond, maxQueue, lateBatches],
                                   timeUnits: .seconds, warmupIterations: 0, maxDuration: .seconds(600), maxIterations: 1)) { benchmark in
        let windowMs: Int64 = 1000
        let services = 5, operationsPerService = 20
        let seriesCount = services * operationsPerService
        let batchesPerWindow = 100, batchStepMs: Int64 = 10
        let historyWindows: Int64 = 330
        let firstAnomalyWindow = 3, anomalyWindows = 25  // live windows 3 ..< 28, 4 series each
        let liveWindows = firstAnomalyWindow + anomalyWindows + 3  // + 2 to close the last one, + 1 spare
        let slowdown = 10.0

        var configuration = EngineConfiguration()
        configuration.spans.windowMilliseconds = windowMs
        configuration.subscriberBuffer = 1 << 16
        let engine = try Engine(configuration: configuration)

        let clock = ContinuousClock()
        let received = EventLog()
        let stream = engine.anomalyEvents()
        let consumer = Task.detached {
            for await event in stream {
                let at = clock.now
                let opened: Bool
                switch event {
                case .opened: opened = true
                case .updated: opened = false
                case .closed: continue
                }
                let a = event.anomaly
                let item = Received(at: at, opened: opened, service: a.series.labels["service"] ?? "",
                                    operation: a.series.labels["operation"] ?? "", time: a.time)
                received.items.withLock { $0.append(item) }
            }
        }

        let resources = (0..<services).map {
            SpanResource(attributes: [SpanAttribute("service.name", .string("service-\($0)"))])
        }
        func service(_ k: Int) -> String { "service-\(k / operationsPerService)" }
        func operation(_ k: Int) -> String { "op-\(k % operationsPerService)" }
        let baseMs = (0..<seriesCount).map { 5.0 + Double($0 % 31) }
        /// Deterministic standard normal for (window, batch, series).
        func normal(_ w: Int64, _ j: Int, _ k: Int) -> Double {
            var z = UInt64(bitPattern: w) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(j * 1024 + k) &* 0xBF58_476D_1CE4_E5B9
            func next() -> Double {
                z &+= 0x9E37_79B9_7F4A_7C15
                var x = z
                x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
                x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
                return (Double((x ^ (x >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
            }
            return (-2 * log(next())).squareRoot() * cos(2 * .pi * next())
        }
        /// Batch j of the window starting at `startMs`: span k ends at start + 10 j ms + 50 k µs.
        func batch(windowStart startMs: Int64, _ j: Int, slow: Set<Int>) -> SpanBatch {
            let w = startMs / windowMs
            let spans = (0..<seriesCount).map { k -> Span in
                let end = (startMs + Int64(j) * batchStepMs) * 1_000_000 + Int64(k) * 50_000
                var ms = baseMs[k] * exp(0.35 * normal(w, j, k))
                if slow.contains(k) { ms *= slowdown }
                let duration = Int64(ms * 1e6)
                return Span(traceID: TraceID(high: UInt64(w), low: UInt64(j * 1024 + k + 1)), spanID: SpanID(UInt64(k + 1)),
                            name: operation(k), kind: .server, startNanos: end - duration, endNanos: end,
                            resource: resources[k / operationsPerService])
            }
            return SpanBatch(spans: spans)
        }

        // Unix time ↔ ContinuousClock.
        func unixNanos() -> Int64 {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        }
        let anchorUnix = unixNanos(), anchor = clock.now
        func instant(unixMs: Int64) -> ContinuousClock.Instant { anchor + .nanoseconds(unixMs * 1_000_000 - anchorUnix) }

        // Live window index → the series slowed in it; ingest instants of live batches.
        var anomalies: [(series: Int, live: Int)] = []
        for k in 0..<seriesCount { anomalies.append((k, firstAnomalyWindow + k % anomalyWindows)) }
        var ingestedAt = [ContinuousClock.Instant?](repeating: nil, count: liveWindows * batchesPerWindow)
        var liveStarts: [Int64] = []
        var maxQueueDepth = 0, late = 0, liveSpans = 0

        var windowStart = (anchorUnix / 1_000_000 / windowMs - historyWindows) * windowMs
        var historyCount = 0
        while liveStarts.count < liveWindows {
            // A window is live once it starts in the future: the replay has caught up.
            let isLive = !liveStarts.isEmpty || instant(unixMs: windowStart) > clock.now
            let liveIndex = liveStarts.count
            if isLive { liveStarts.append(windowStart) } else { historyCount += 1 }
            let slow = isLive ? Set(anomalies.filter { $0.live == liveIndex }.map(\.series)) : []
            for j in 0..<batchesPerWindow {
                let spans = batch(windowStart: windowStart, j, slow: slow)
                if isLive {
                    // Sent 5 ms after the slot opens, when its last span has ended.
                    let due = instant(unixMs: windowStart + Int64(j) * batchStepMs + 5)
                    if clock.now < due { try await Task.sleep(until: due, clock: clock) }
                    let t0 = clock.now
                    if t0 - due > .milliseconds(5) { late += 1 }
                    let result = engine.ingest(spans: spans)
                    ingestedAt[liveIndex * batchesPerWindow + j] = t0
                    precondition(result.shedPoints == 0, "live batch shed")
                    maxQueueDepth = max(maxQueueDepth, engine.queueDepth)
                    liveSpans += spans.spans.count
                } else {
                    // Replay: as fast as the engine drains, never shedding.
                    while engine.queueDepth > 50_000 { try await Task.sleep(for: .milliseconds(1)) }
                    precondition(engine.ingest(spans: spans).shedPoints == 0, "history batch shed")
                }
            }
            windowStart += windowMs
        }
        try await Task.sleep(for: .seconds(1))
        try await engine.shutdown()
        await consumer.value

        // Match each injected anomaly to its first event.
        let events = received.items.withLock { $0 }
        var fromFirst: [Int64] = [], fromLast: [Int64] = [], processing: [Int64] = []
        var matched = Set<String>()
        for (k, live) in anomalies {
            let start = liveStarts[live]
            guard let event = events.first(where: { $0.service == service(k) && $0.operation == operation(k) && $0.time == start }),
                  let first = ingestedAt[live * batchesPerWindow], let last = ingestedAt[live * batchesPerWindow + batchesPerWindow - 1],
                  let closing = ingestedAt[(live + 2) * batchesPerWindow] else { continue }
            matched.insert("\(service(k))/\(operation(k))@\(start)")
            fromFirst.append((event.at - first).microseconds)
            fromLast.append((event.at - last).microseconds)
            processing.append((event.at - closing).microseconds)
        }
        let liveRange = liveStarts.first!...liveStarts.last!
        let stray = events.filter { $0.opened && liveRange.contains($0.time) && !matched.contains("\($0.service)/\($0.operation)@\($0.time)") }
        func percentile(_ values: [Int64], _ q: Double) -> Int {
            guard !values.isEmpty else { return -1 }
            let sorted = values.sorted()
            return Int(sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))])
        }
        benchmark.measurement(fromFirstP50, percentile(fromFirst, 0.5))
        benchmark.measurement(fromFirstP99, percentile(fromFirst, 0.99))
        benchmark.measurement(fromLastP50, percentile(fromLast, 0.5))
        benchmark.measurement(fromLastP99, percentile(fromLast, 0.99))
        benchmark.measurement(processingP50, percentile(processing, 0.5))
        benchmark.measurement(processingP99, percentile(processing, 0.99))
        benchmark.measurement(processingMax, percentile(processing, 1))
        benchmark.measurement(scheduled, anomalies.count)
        benchmark.measurement(detected, processing.count)
        benchmark.measurement(unscheduled, stray.count)
        benchmark.measurement(spansPerSecond, liveSpans * 1000 / (liveWindows * Int(windowMs)))
        benchmark.measurement(maxQueue, maxQueueDepth)
        benchmark.measurement(lateBatches, late)
        print("detection latency: \(historyCount) history windows replayed, \(liveWindows) live; "
              + "\(processing.count)/\(anomalies.count) anomalies detected, \(stray.count) stray opened events; "
              + "processing µs sorted: \(processing.sorted())")
    }
}

/// An anomaly event as the subscriber received it.
struct Received: Sendable {
    let at: ContinuousClock.Instant
    let opened: Bool
    let service: String, operation: String, time: Int64
}

final class EventLog: Sendable {
    let items = Mutex<[Received]>([])
}

extension Duration {
    var microseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }
}
