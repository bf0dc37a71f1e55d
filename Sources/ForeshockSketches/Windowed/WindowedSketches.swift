/// One ``DDSketch`` per time window of a series: window start → sketch.
///
/// Windows are `[start, start + windowLength)` with `start` a multiple of `windowLength`
/// (milliseconds since the Unix epoch, floor division for times before 1970). All sketches share
/// one mapping and bucket limit, so any range of windows merges exactly: the quantiles of a
/// day of 1-minute windows are those of one sketch fed the whole day, at the same accuracy.
///
/// ```swift
/// var windows = WindowedSketches(windowLength: 60_000)       // 1-minute windows
/// windows.add(latency, at: timestampMilliseconds)
/// let lastHour = windows.merged(from: now - 3_600_000, to: now)
/// let p99 = lastHour.quantile(0.99)
/// let bytes = windows.serialized()                           // for the storage layer
/// ```
///
/// `WindowedSketches` is a `Sendable` value type.
public struct WindowedSketches: Sendable, Equatable {
    /// The length of every window, in milliseconds (> 0).
    public let windowLength: Int64
    /// The mapping shared by every window's sketch.
    public let mapping: IndexMapping
    /// The bucket limit shared by every window's sketch.
    public let maxBuckets: Int
    /// Window start → sketch.
    public private(set) var windows: [Int64: DDSketch] = [:]
    /// An empty sketch with the shared configuration (allocates nothing until used).
    private let empty: DDSketch

    /// An empty set.
    ///
    /// - Precondition: `windowLength > 0`, `maxBuckets` in `1...65_536`.
    public init(windowLength: Int64 = 60_000, mapping: IndexMapping = .default(),
                maxBuckets: Int = DDSketch.defaultMaxBuckets) {
        precondition(windowLength > 0, "windowLength must be positive, got \(windowLength)")
        precondition((1...DenseStore.maxBucketsLimit).contains(maxBuckets), "maxBuckets must be in 1...\(DenseStore.maxBucketsLimit)")
        self.windowLength = windowLength
        self.mapping = mapping
        self.maxBuckets = maxBuckets
        self.empty = DDSketch(mapping: mapping, maxBuckets: maxBuckets)
    }

    /// The start of the window holding `timestamp` (floor to a multiple of ``windowLength``).
    public func windowStart(for timestamp: Int64) -> Int64 {
        let (quotient, remainder) = timestamp.quotientAndRemainder(dividingBy: windowLength)
        return (remainder < 0 ? quotient - 1 : quotient) * windowLength
    }

    /// The window starts, in increasing order.
    ///
    /// - Complexity: O(w log w) for w windows.
    public var windowStarts: [Int64] { windows.keys.sorted() }

    /// The number of windows.
    public var count: Int { windows.count }

    /// The sketch of the window starting at `start`, if it has one.
    public subscript(windowStart start: Int64) -> DDSketch? { windows[start] }

    /// An empty sketch with the set's mapping and bucket limit.
    public func makeSketch() -> DDSketch { empty }

    // MARK: Adding

    /// Counts `value` in the window holding `timestamp`.
    ///
    /// - Complexity: amortised O(1).
    public mutating func add(_ value: Double, at timestamp: Int64) {
        let start = windowStart(for: timestamp)
        windows[start, default: empty].add(value)
    }

    /// Counts `values[i]` in the window holding `timestamps[i]`; each run of values in one window
    /// goes through the vectorised batch insert.
    ///
    /// - Precondition: `values.count == timestamps.count`.
    /// - Complexity: O(n).
    public mutating func add(_ values: UnsafeBufferPointer<Double>, at timestamps: UnsafeBufferPointer<Int64>) {
        precondition(values.count == timestamps.count, "values and timestamps must have the same count")
        var runStart = 0
        while runStart < values.count {
            let start = windowStart(for: timestamps[runStart])
            var runEnd = runStart + 1
            while runEnd < values.count && timestamps[runEnd] >= start && timestamps[runEnd] - start < windowLength {
                runEnd += 1
            }
            windows[start, default: empty].add(contentsOf: UnsafeBufferPointer(rebasing: values[runStart..<runEnd]))
            runStart = runEnd
        }
    }

    /// Counts `values[i]` in the window holding `timestamps[i]`.
    ///
    /// - Precondition: `values.count == timestamps.count`.
    public mutating func add(_ values: [Double], at timestamps: [Int64]) {
        values.withUnsafeBufferPointer { v in timestamps.withUnsafeBufferPointer { t in add(v, at: t) } }
    }

    /// Merges `sketch` into the window holding `timestamp` (e.g. a sketch a client sent for one
    /// minute).
    ///
    /// - Throws: ``SketchError/incompatible(_:)`` when the sketch's mapping is not the set's.
    public mutating func merge(_ sketch: DDSketch, at timestamp: Int64) throws(SketchError) {
        guard sketch.mapping == mapping else {
            throw .incompatible("sketch mapping \(sketch.mapping) ≠ window set mapping \(mapping)")
        }
        windows[windowStart(for: timestamp), default: empty].mergeUnchecked(sketch)
    }

    /// Merges every window of `other` into the same window here.
    ///
    /// - Throws: ``SketchError/incompatible(_:)`` when the window lengths or mappings differ.
    /// - Complexity: O(total bucket slots of `other`).
    public mutating func merge(_ other: WindowedSketches) throws(SketchError) {
        guard other.windowLength == windowLength, other.mapping == mapping else {
            throw .incompatible("window sets of \(other.windowLength) ms / \(other.mapping) and \(windowLength) ms / \(mapping)")
        }
        for (start, sketch) in other.windows {
            windows[start, default: empty].mergeUnchecked(sketch)
        }
    }

    // MARK: Querying

    /// The merge of every window that overlaps `[from, to)`: windows are the time resolution, so
    /// a range that cuts a window includes all of it.
    ///
    /// - Complexity: O(w + total bucket slots of the selected windows) for w windows.
    public func merged(from: Int64, to: Int64) -> DDSketch {
        var result = makeSketch()
        for (start, sketch) in windows where start < to && start > from &- windowLength {
            result.mergeUnchecked(sketch)
        }
        return result
    }

    /// The merge of every window.
    public func mergedAll() -> DDSketch {
        windows.values.reduce(into: makeSketch()) { $0.mergeUnchecked($1) }
    }

    /// The same values in windows `factor` times longer (e.g. 1-minute windows rolled up to
    /// hours with `factor` 60): exact, since merging is.
    ///
    /// - Precondition: `factor ≥ 1` and `windowLength · factor` does not overflow.
    /// - Complexity: O(total bucket slots).
    public func rolledUp(by factor: Int64) -> WindowedSketches {
        precondition(factor >= 1, "factor must be at least 1")
        let (length, overflow) = windowLength.multipliedReportingOverflow(by: factor)
        precondition(!overflow, "window length overflows")
        var result = WindowedSketches(windowLength: length, mapping: mapping, maxBuckets: maxBuckets)
        for (start, sketch) in windows {
            result.windows[result.windowStart(for: start), default: empty].mergeUnchecked(sketch)
        }
        return result
    }

    /// Drops every window that ends at or before `timestamp` (retention).
    public mutating func removeWindows(endingAtOrBefore timestamp: Int64) {
        windows = windows.filter { $0.key > timestamp &- windowLength }
    }

    /// Drops every window.
    public mutating func removeAll() { windows.removeAll() }

    /// Bytes held by all sketches.
    public var estimatedMemoryBytes: Int { windows.values.reduce(0) { $0 + $1.estimatedMemoryBytes } }
}

// MARK: - Serialization

extension WindowedSketches {
    /// The window set as bytes (docs/SKETCHES.md, "Window set"): version, window length, the
    /// shared mapping and bucket limit once, then per window (increasing start) the start as a
    /// delta in windows, the body length and the sketch body.
    ///
    /// - Complexity: O(total bucket slots + w log w).
    public func serialized() -> [UInt8] {
        var writer = SketchByteWriter(capacity: 32 + windows.count * 64)
        writer.writeByte(SketchFormat.version)
        writer.writeVarint(UInt64(windowLength))
        DDSketch.writeMapping(mapping, maxBuckets: maxBuckets, to: &writer)
        let starts = windowStarts
        writer.writeVarint(UInt64(starts.count))
        var previous: Int64 = 0
        for (i, start) in starts.enumerated() {
            let units = start / windowLength
            if i == 0 { writer.writeSignedVarint(units) } else { writer.writeVarint(UInt64(units - previous)) }
            previous = units
            var body = SketchByteWriter()
            windows[start]!.writeBody(to: &body)
            writer.writeVarint(UInt64(body.bytes.count))
            writer.append(body.bytes)
        }
        return writer.bytes
    }

    /// Decodes bytes written by ``serialized()``.
    ///
    /// Never traps on any input; every count is checked against the bytes present before
    /// anything is allocated, and each sketch against its declared body length. A sparse store
    /// of a few bytes may legitimately span up to `maxBuckets` slots, so the bucket arrays of the
    /// whole set are also capped: at most `maximumBucketSlots` slots (8 bytes each) are allocated.
    ///
    /// - Parameters:
    ///   - bytes: the output of ``serialized()``.
    ///   - maximumBucketSlots: the cap on the bucket slots of all windows together (default
    ///     16 Mi slots = 128 MiB, ten times a day of 1-minute windows at the full 2,048 buckets
    ///     per sign, both signs); decoding fails rather than exceed it.
    /// - Throws: ``SketchError`` naming the field and byte offset of the first problem.
    /// - Complexity: O(bytes + bucket slots).
    public init(serialized bytes: some Collection<UInt8>, maximumBucketSlots: Int = 1 << 24) throws(SketchError) {
        self = try withSketchBytes(Array(bytes)) { (buffer) throws(SketchError) -> WindowedSketches in
            var reader = SketchByteReader(buffer)
            let versionOffset = reader.absolutePosition
            let version = try reader.readByte("window set format version")
            if version == 0 { throw .corrupt(what: "window set format version 0", offset: versionOffset) }
            if version > SketchFormat.version {
                throw .unsupportedVersion(what: "window set", found: Int(version), supported: Int(SketchFormat.version))
            }
            let length = Int64(try reader.readCount("window length", in: 1...UInt64(Int64.max)))
            let (mapping, maxBuckets) = try DDSketch.readMapping(&reader)
            var set = WindowedSketches(windowLength: length, mapping: mapping, maxBuckets: maxBuckets)
            // A window takes at least 2 bytes (start delta, body length) plus a 5-byte body.
            let countOffset = reader.absolutePosition
            let count = Int(try reader.readCount("window count", in: 0...UInt64(Int.max)))
            guard count <= reader.remaining / 7 else { throw .truncated(what: "\(count) windows", offset: countOffset) }
            set.windows.reserveCapacity(count)
            var slots = 0
            let unitLimit = Int64.min / length...Int64.max / length
            var units: Int64 = 0
            for i in 0..<count {
                let startOffset = reader.absolutePosition
                if i == 0 {
                    units = try reader.readSigned("window 0 start", in: unitLimit)
                } else {
                    let delta = try reader.readCount("window \(i) start delta", in: 1...UInt64(Int64.max))
                    let (next, overflow) = units.addingReportingOverflow(Int64(delta))
                    guard !overflow, unitLimit.contains(next) else {
                        throw .corrupt(what: "window \(i) start", offset: startOffset)
                    }
                    units = next
                }
                let bodyLengthOffset = reader.absolutePosition
                let bodyLength = Int(try reader.readCount("window \(i) body length", in: 0...UInt64(Int.max)))
                guard bodyLength <= reader.remaining else {
                    throw .truncated(what: "window \(i) body (\(bodyLength) bytes)", offset: bodyLengthOffset)
                }
                let bodyStart = reader.absolutePosition
                var body = SketchByteReader(try reader.readBytes(bodyLength, "window \(i) body"), baseOffset: bodyStart)
                let sketch = try DDSketch.readBody(&body, mapping: mapping, maxBuckets: maxBuckets)
                guard body.isAtEnd else {
                    throw .corrupt(what: "window \(i) body (\(body.remaining) trailing bytes)", offset: body.absolutePosition)
                }
                set.windows[units * length] = sketch
                slots += sketch.positive.slotCount + sketch.negative.slotCount
                guard slots <= maximumBucketSlots else {
                    throw .corrupt(what: "window \(i) (more than \(maximumBucketSlots) bucket slots in all)", offset: bodyStart)
                }
            }
            guard reader.isAtEnd else {
                throw .corrupt(what: "window set (\(reader.remaining) trailing bytes)", offset: reader.absolutePosition)
            }
            return set
        }
    }
}
