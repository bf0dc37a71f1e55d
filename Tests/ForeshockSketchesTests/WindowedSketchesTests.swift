import ForeshockTestSupport
@testable import ForeshockSketches
import Testing

@Suite("Windowed sketches")
struct WindowedSketchesTests {
    /// Timestamps over `minutes` minutes around the epoch (some before 1970) and latencies.
    static func stream(count: Int, minutes: Int64, seed: UInt64) -> (timestamps: [Int64], values: [Double]) {
        var rng = SplitMix64(seed: seed)
        var timestamps = (0..<count).map { _ in Int64(rng.next() % UInt64(minutes * 60_000)) - 10 * 60_000 }
        timestamps.sort()
        let values = (0..<count).map { _ in Distribution.logNormal.sample(&rng) }
        return (timestamps, values)
    }

    @Test("window starts floor to the window length, before and after the epoch")
    func windowStarts() {
        let windows = WindowedSketches(windowLength: 60_000)
        #expect(windows.windowStart(for: 0) == 0)
        #expect(windows.windowStart(for: 59_999) == 0)
        #expect(windows.windowStart(for: 60_000) == 60_000)
        #expect(windows.windowStart(for: -1) == -60_000)
        #expect(windows.windowStart(for: -60_000) == -60_000)
        #expect(windows.windowStart(for: -60_001) == -120_000)
    }

    @Test("merging a time range equals sketching the values of its windows")
    func rangeMerge() {
        let (timestamps, values) = Self.stream(count: 20_000, minutes: 120, seed: 1)
        var windows = WindowedSketches(windowLength: 60_000)
        windows.add(values, at: timestamps)
        #expect(windows.count == 120)
        for (from, to) in [(Int64(0), Int64(3_600_000)), (-600_000, 0), (-10_000_000, 10_000_000), (90_000, 150_000), (5, 5)] {
            // Windows overlapping [from, to).
            let selected = zip(timestamps, values).filter { t, _ in
                let start = windows.windowStart(for: t)
                return start < to && start + 60_000 > from
            }.map(\.1)
            let merged = windows.merged(from: from, to: to)
            #expect(merged.hasSameContents(as: sketchScalar(selected)), "[\(from), \(to))")
        }
        #expect(windows.mergedAll().hasSameContents(as: sketchScalar(values)))
    }

    @Test("batch add equals one-by-one add")
    func batchAdd() {
        let (timestamps, values) = Self.stream(count: 5_000, minutes: 30, seed: 2)
        var batch = WindowedSketches(windowLength: 60_000)
        batch.add(values, at: timestamps)
        var scalar = WindowedSketches(windowLength: 60_000)
        for (t, v) in zip(timestamps, values) { scalar.add(v, at: t) }
        #expect(batch.windowStarts == scalar.windowStarts)
        for start in batch.windowStarts {
            #expect(batch[windowStart: start]!.hasSameContents(as: scalar[windowStart: start]!))
        }
        // Unsorted timestamps work too (each run of one window is one batch).
        var shuffled = WindowedSketches(windowLength: 60_000)
        var rng = SplitMix64(seed: 3)
        let order = Array(timestamps.indices).shuffled(using: &rng)
        shuffled.add(order.map { values[$0] }, at: order.map { timestamps[$0] })
        for start in batch.windowStarts {
            #expect(batch[windowStart: start]!.hasSameContents(as: shuffled[windowStart: start]!))
        }
    }

    @Test("rolling up to longer windows equals building them directly")
    func rollUp() {
        let (timestamps, values) = Self.stream(count: 10_000, minutes: 300, seed: 4)
        var minutes = WindowedSketches(windowLength: 60_000)
        minutes.add(values, at: timestamps)
        var hours = WindowedSketches(windowLength: 3_600_000)
        hours.add(values, at: timestamps)
        let rolled = minutes.rolledUp(by: 60)
        #expect(rolled.windowLength == 3_600_000)
        #expect(rolled.windowStarts == hours.windowStarts)
        for start in hours.windowStarts {
            #expect(rolled[windowStart: start]!.hasSameContents(as: hours[windowStart: start]!))
        }
    }

    @Test("window sets merge window by window; incompatible ones throw")
    func mergeSets() throws {
        let (timestamps, values) = Self.stream(count: 4_000, minutes: 20, seed: 5)
        var a = WindowedSketches(), b = WindowedSketches(), whole = WindowedSketches()
        for (i, (t, v)) in zip(timestamps, values).enumerated() {
            if i % 3 == 0 { a.add(v, at: t) } else { b.add(v, at: t) }
            whole.add(v, at: t)
        }
        try a.merge(b)
        #expect(a.windowStarts == whole.windowStarts)
        for start in whole.windowStarts {
            #expect(a[windowStart: start]!.hasSameContents(as: whole[windowStart: start]!))
        }
        var other = WindowedSketches(windowLength: 10_000)
        #expect(throws: SketchError.self) { try other.merge(whole) }
        #expect(throws: SketchError.self) { try other.merge(DDSketch(mapping: .logarithmic(relativeAccuracy: 0.01)), at: 0) }
        try other.merge(sketchBatch([1, 2, 3]), at: 12_345)
        #expect(other[windowStart: 10_000]?.count == 3)
    }

    @Test("retention drops the windows that ended")
    func retention() {
        var windows = WindowedSketches(windowLength: 60_000)
        for minute in 0..<10 { windows.add(1, at: Int64(minute) * 60_000 + 5) }
        windows.removeWindows(endingAtOrBefore: 180_000)
        #expect(windows.windowStarts.first == 180_000)
        windows.removeWindows(endingAtOrBefore: 180_001)
        #expect(windows.windowStarts.first == 180_000)
        windows.removeAll()
        #expect(windows.count == 0)
    }

    @Test("a window set round-trips through bytes")
    func roundTrip() throws {
        let (timestamps, values) = Self.stream(count: 10_000, minutes: 90, seed: 6)
        for mapping in allMappings(relativeAccuracy: 0.01) + [.exponentialHistogram(scale: 5)] {
            var windows = WindowedSketches(windowLength: 60_000, mapping: mapping, maxBuckets: 512)
            windows.add(values, at: timestamps)
            windows.add(.nan, at: -1_000_000_000)
            let bytes = windows.serialized()
            let decoded = try WindowedSketches(serialized: bytes)
            #expect(decoded == windows)
            #expect(decoded.serialized() == bytes)
        }
        let empty = WindowedSketches()
        #expect(try WindowedSketches(serialized: empty.serialized()) == empty)
    }

    @Test("damaged window sets never crash and never over-allocate")
    func corruption() {
        let (timestamps, values) = Self.stream(count: 400, minutes: 5, seed: 7)
        var windows = WindowedSketches(windowLength: 60_000)
        windows.add(values, at: timestamps)
        let bytes = windows.serialized()
        for length in 0..<bytes.count {
            #expect(throws: SketchError.self) { try WindowedSketches(serialized: bytes[..<length]) }
        }
        var rng = SplitMix64(seed: 8)
        for position in bytes.indices {
            for mask in [0xFF, 0x01, UInt8(truncatingIfNeeded: rng.next() | 1)] as [UInt8] {
                var damaged = bytes
                damaged[position] ^= mask
                if let decoded = try? WindowedSketches(serialized: damaged) {
                    for sketch in decoded.windows.values { sketch._checkInvariants() }
                }
            }
        }
        // Many tiny windows each claiming a sparse store spanning 65,536 slots (5 GiB in all):
        // the slot cap stops the decoder.
        var writer = SketchByteWriter()
        writer.writeByte(1)
        writer.writeVarint(60_000)
        DDSketch.writeMapping(.default(), maxBuckets: 65_536, to: &writer)
        writer.writeVarint(10_000)
        for i in 0..<10_000 {
            if i == 0 { writer.writeSignedVarint(0) } else { writer.writeVarint(1) }
            // count 2, zero 0, NaN 0, Inf 0, sum, min 1, max 1, positive sparse {0: 1, 65535: 1}, negative empty
            var body = SketchByteWriter()
            for v: UInt64 in [2, 0, 0, 0] { body.writeVarint(v) }
            body.writeDouble(2)
            body.writeDouble(1)
            body.writeDouble(1e300)
            body.writeByte(1)
            body.writeVarint(2)
            body.writeSignedVarint(0)
            body.writeVarint(1)
            body.writeVarint(65_535)
            body.writeVarint(1)
            body.writeByte(0)
            writer.writeVarint(UInt64(body.bytes.count))
            writer.append(body.bytes)
        }
        #expect(throws: SketchError.self) { try WindowedSketches(serialized: writer.bytes, maximumBucketSlots: 1 << 20) }
        #expect(throws: SketchError.self) { try WindowedSketches(serialized: writer.bytes) }  // default cap: 128 MiB
    }
}
