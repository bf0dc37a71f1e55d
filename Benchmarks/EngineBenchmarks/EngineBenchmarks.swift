import Benchmark
import Foreshock
import Foundation

/// The cost of embedding the engine in a host: latency of the `ingest` call on the host's
/// request path under a steady 100k spans/s load, and the CPU time the engine adds per span
/// (the call plus the background worker: derive metrics, store, detect).
///
/// The steady load: 100-span batches every millisecond for 5 s (500k spans), paced by the
/// clock; each call is timed with `ContinuousClock`, and the distribution's p50/p99/max are
/// reported as custom metrics; CPU time comes from `getrusage` over the run, after the engine
/// has drained (`flush()`).
let benchmarks: @Sendable () -> Void = {
    let batchSize = 100, batchesPerSecond = 1000, seconds = 5

    func makeBatches(count: Int) -> [SpanBatch] {
        let services = (0..<5).map { SpanResource(attributes: [SpanAttribute("service.name", .string("service-\($0)")),
                                                               SpanAttribute("service.version", .string("1.\($0).0"))]) }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        return (0..<count).map { b in
            var spans: [Span] = []
            spans.reserveCapacity(batchSize)
            for i in 0..<batchSize {
                let end = now + Int64(b) * 1_000_000 + Int64(i) * 10_000
                let duration = Int64(5_000_000 + (i * 7919 % 20_000_000))
                spans.append(Span(traceID: TraceID(high: UInt64(b), low: UInt64(i + 1)), spanID: SpanID(UInt64(i + 1)),
                                  name: "op-\(i % 20)", kind: .server, startNanos: end - duration, endNanos: end,
                                  status: i % 97 == 0 ? .error : .unset,
                                  attributes: [SpanAttribute("http.route", .string("/r/\(i % 20)")),
                                               SpanAttribute("http.response.status_code", .int(i % 97 == 0 ? 500 : 200)),
                                               SpanAttribute("code.origin", .string(i % 3 == 0 ? "ai" : "human"))],
                                  resource: services[i % services.count]))
            }
            return SpanBatch(spans: spans)
        }
    }

    func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let seconds = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        return seconds + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    Benchmark("Engine ingest under 100k spans/s (call latency, CPU per span)",
              configuration: .init(metrics: [.wallClock,
                                             .custom("ingest call p50 ns", polarity: .prefersSmaller, useScalingFactor: false),
                                             .custom("ingest call p99 ns", polarity: .prefersSmaller, useScalingFactor: false),
                                             .custom("ingest call max ns", polarity: .prefersSmaller, useScalingFactor: false),
                                             .custom("CPU ns per span", polarity: .prefersSmaller, useScalingFactor: false),
                                             .custom("shed spans", polarity: .prefersSmaller, useScalingFactor: false)],
                                   maxDuration: .seconds(30), maxIterations: 2)) { benchmark in
        let batches = makeBatches(count: batchesPerSecond * seconds)
        let engine = try Engine(configuration: EngineConfiguration())
        let clock = ContinuousClock()
        var latencies: [Int64] = []
        latencies.reserveCapacity(batches.count)
        var shed = 0
        let cpuBefore = cpuSeconds()
        let start = clock.now
        for (k, batch) in batches.enumerated() {
            let due = start + .milliseconds(k * 1000 / batchesPerSecond)
            if clock.now < due { try await Task.sleep(until: due, clock: clock) }
            let t0 = clock.now
            let result = engine.ingest(spans: batch)
            latencies.append((clock.now - t0).nanosecondsCount)
            shed += result.shedPoints
        }
        try await engine.flush()
        let cpu = cpuSeconds() - cpuBefore
        try await engine.shutdown()
        latencies.sort()
        func percentile(_ q: Double) -> Int { Int(latencies[min(latencies.count - 1, Int(q * Double(latencies.count)))]) }
        benchmark.measurement(.custom("ingest call p50 ns", polarity: .prefersSmaller, useScalingFactor: false), percentile(0.5))
        benchmark.measurement(.custom("ingest call p99 ns", polarity: .prefersSmaller, useScalingFactor: false), percentile(0.99))
        benchmark.measurement(.custom("ingest call max ns", polarity: .prefersSmaller, useScalingFactor: false), Int(latencies.last ?? 0))
        benchmark.measurement(.custom("CPU ns per span", polarity: .prefersSmaller, useScalingFactor: false),
                              Int(cpu * 1e9 / Double(batches.count * batchSize)))
        benchmark.measurement(.custom("shed spans", polarity: .prefersSmaller, useScalingFactor: false), shed)
    }

    // Span batch in → anomaly event out, under a steady real-time load (DetectionLatency.swift).
    registerDetectionLatencyBenchmark()
}

extension Duration {
    var nanosecondsCount: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
