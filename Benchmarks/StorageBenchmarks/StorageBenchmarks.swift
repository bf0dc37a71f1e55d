import Benchmark
import CZstdPeer
import Foreshock

/// Storage figures on the NAB corpus, each beside its peer measured in the same run:
/// - encode / decode of column blocks vs plain zstd-3 compress / decompress of the raw
///   Int64 + Float64 columns (`ZSTD_compress` / `ZSTD_decompress`);
/// - bytes per sample of the sealed blocks (headers included) as a custom metric;
/// - SIMD reduction / downsampling over 10M points vs the scalar loop.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           timeUnits: .microseconds, maxDuration: .seconds(3), maxIterations: 200)
    let corpus = NABCorpus.shared
    let blockCapacity = 8192

    /// Every series cut into blocks of `blockCapacity` points.
    func encodeAll(_ encoder: BlockEncoder) throws -> [[UInt8]] {
        var blocks: [[UInt8]] = []
        for (id, s) in corpus.series.enumerated() {
            var start = 0
            while start < s.timestamps.count {
                let end = min(start + blockCapacity, s.timestamps.count)
                blocks.append(try encoder.encode(seriesID: UInt64(id), timestamps: Array(s.timestamps[start..<end]),
                                                 values: Array(s.values[start..<end])))
                start = end
            }
        }
        return blocks
    }

    /// Encodes the corpus with `effort`, reporting the bytes per sample of the blocks.
    func encodeBenchmark(_ effort: EncodingEffort, maxIterations: Int) {
        let metric = BenchmarkMetric.custom("bytes per sample x1000", polarity: .prefersSmaller, useScalingFactor: false)
        Benchmark("NAB encode blocks (8192 points, \(effort) effort)",
                  configuration: .init(metrics: [.wallClock, .throughput, metric], maxIterations: maxIterations)) { benchmark in
            let encoder = try BlockEncoder(effort: effort)
            var bytes = 0
            for _ in benchmark.scaledIterations {
                let blocks = try encodeAll(encoder)
                bytes = blocks.reduce(0) { $0 + $1.count }
                blackHole(blocks)
            }
            benchmark.measurement(metric, bytes * 1000 / max(1, corpus.sampleCount))
        }
    }
    encodeBenchmark(.fast, maxIterations: 200)
    encodeBenchmark(.compact, maxIterations: 20)

    Benchmark("NAB decode blocks (8192 points)") { benchmark in
        let blocks = try encodeAll(try BlockEncoder(effort: .compact))
        let decoder = try BlockDecoder()
        let timestamps = UnsafeMutableBufferPointer<Int64>.allocate(capacity: blockCapacity)
        let values = UnsafeMutableBufferPointer<Double>.allocate(capacity: blockCapacity)
        defer { timestamps.deallocate(); values.deallocate() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for block in blocks {
                try block.withUnsafeBytes { raw in
                    blackHole(try decoder.decode(raw, timestamps: timestamps, values: values))
                }
            }
        }
    }

    // Peer: zstd level 3 on the raw columns, same series, same run.
    let rawColumns: [(timestamps: [UInt8], values: [UInt8])] = corpus.series.map { s in
        (s.timestamps.withUnsafeBytes { Array($0) }, s.values.withUnsafeBytes { Array($0) })
    }
    func zstd(_ input: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let n = input.withUnsafeBytes { i in output.withUnsafeMutableBytes { o in
            ZSTD_compress(o.baseAddress, o.count, i.baseAddress, i.count, 3) } }
        return Array(output[0..<n])
    }

    Benchmark("Peer: zstd-3 compress raw columns") { benchmark in
        for _ in benchmark.scaledIterations {
            for c in rawColumns { blackHole(zstd(c.timestamps)); blackHole(zstd(c.values)) }
        }
    }

    Benchmark("Peer: zstd-3 decompress raw columns") { benchmark in
        let compressed = rawColumns.map { (zstd($0.timestamps), zstd($0.values), $0.timestamps.count) }
        var output = [UInt8](repeating: 0, count: compressed.map(\.2).max() ?? 0)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for (t, v, size) in compressed {
                output.withUnsafeMutableBytes { o in
                    t.withUnsafeBytes { blackHole(ZSTD_decompress(o.baseAddress, size, $0.baseAddress, $0.count)) }
                    v.withUnsafeBytes { blackHole(ZSTD_decompress(o.baseAddress, size, $0.baseAddress, $0.count)) }
                }
            }
        }
    }

    // SIMD aggregation over 10M decoded points vs the scalar loop.
    let tenMillion = 10_000_000
    let values = (0..<tenMillion).map { Double($0 % 1009) * 0.25 }
    let timestamps = (0..<tenMillion).map { Int64($0) * 1000 }

    Benchmark("Reduce 10M values, SIMD", configuration: .init(maxIterations: 50)) { benchmark in
        for _ in benchmark.scaledIterations {
            values.withUnsafeBufferPointer { blackHole(Aggregation.reduce($0)) }
        }
    }

    Benchmark("Reduce 10M values, scalar peer", configuration: .init(maxIterations: 50)) { benchmark in
        for _ in benchmark.scaledIterations {
            values.withUnsafeBufferPointer { blackHole(Aggregation.reduceScalar($0)) }
        }
    }

    Benchmark("Downsample 10M points into 1-minute windows", configuration: .init(maxIterations: 50)) { benchmark in
        for _ in benchmark.scaledIterations {
            var windows: [WindowAggregate] = []
            windows.reserveCapacity(tenMillion / 60 + 1)
            timestamps.withUnsafeBufferPointer { t in
                values.withUnsafeBufferPointer { v in
                    Aggregation.downsample(timestamps: t, values: v, step: 60_000, into: &windows)
                }
            }
            blackHole(windows)
        }
    }

    Benchmark("Downsample 10M points into 1-minute windows, scalar peer", configuration: .init(maxIterations: 50)) { benchmark in
        for _ in benchmark.scaledIterations {
            var windows: [WindowAggregate] = []
            windows.reserveCapacity(tenMillion / 60 + 1)
            for i in 0..<tenMillion {
                let v = values[i]
                let start = Aggregation.windowStart(timestamps[i], step: 60_000)
                if windows.last?.start != start { windows.append(WindowAggregate(start: start)) }
                guard !v.isNaN else { continue }
                let k = windows.count - 1
                windows[k].count += 1
                windows[k].sum += v
                if v < windows[k].minimum { windows[k].minimum = v }
                if v > windows[k].maximum { windows[k].maximum = v }
                windows[k].last = v
                windows[k].lastTimestamp = timestamps[i]
            }
            blackHole(windows)
        }
    }
}
