/// Points of one series as columns, sorted by timestamp.
public struct PointColumns: Sendable, Equatable {
    public var timestamps: [Int64] = []
    public var values: [Double] = []

    public init(timestamps: [Int64] = [], values: [Double] = []) {
        self.timestamps = timestamps
        self.values = values
    }

    public var count: Int { timestamps.count }

    public static func == (a: PointColumns, b: PointColumns) -> Bool {
        a.timestamps == b.timestamps && a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
    }
}

/// Store-wide figures for `foreshock inspect` and self-metrics.
public struct StoreStatistics: Sendable, Equatable, Codable {
    public var seriesCount = 0
    public var blockCount = 0
    public var blockPointCount = 0
    public var blockBytes = 0
    public var headPointCount = 0
    public var segmentCount = 0
    public var segmentBytes = 0
    public var logBytes = 0
    /// Blocks per value codec name.
    public var valueCodecs: [String: Int] = [:]
    /// Blocks per timestamp codec name.
    public var timestampCodecs: [String: Int] = [:]

    /// Sealed-block bytes (headers included) per sealed point.
    public var blockBytesPerPoint: Double { blockPointCount > 0 ? Double(blockBytes) / Double(blockPointCount) : 0 }
}

extension Store {
    /// Series whose labels satisfy every matcher, sorted by their text form.
    /// - Complexity: O(series × matchers).
    public func series(matching matchers: [LabelMatcher] = []) -> [SeriesKey] {
        let keys = catalog.withLock { Array($0.byKey.keys) }
        return keys.filter { key in matchers.allSatisfy { $0.matches(key) } }.sorted { $0.description < $1.description }
    }

    /// The points of `key` with `from <= timestamp <= to`, sorted. Unknown series read as empty.
    /// - Throws: ``StorageError`` if a block cannot be read or fails its checksum.
    public func read(series key: SeriesKey, from: Int64 = .min, to: Int64 = .max) throws -> PointColumns {
        guard let state = catalog.withLock({ $0.byKey[key] }) else { return PointColumns() }
        guard state.kind == .numeric else { throw StorageError.invalidArgument("series \(key) holds payloads: use readPayloads") }
        let (blocks, headTimestamps, headValues) = state.data.withLock { data in
            (data.blocks.filter { $0.summary.lastTimestamp >= from && $0.summary.firstTimestamp <= to },
             data.headTimestamps, data.headValues)
        }
        var result = PointColumns()
        let decoder = try BlockDecoder()
        for block in blocks {
            let bytes = try blockBytes(block)
            var t: [Int64] = [], v: [Double] = []
            try decoder.decode(bytes, appendingTo: &t, &v)
            appendRange(t, v, from: from, to: to, into: &result)
        }
        appendRange(headTimestamps, headValues, from: from, to: to, into: &result)
        return result
    }

    /// Fixed-width windows over `from...to`: count, sum, min, max, mean and last of the non-NaN
    /// values per window of `step` milliseconds (windows start at multiples of `step`; empty
    /// windows are omitted).
    ///
    /// A block that lies inside one window and inside the range is answered from its header
    /// without decoding; other blocks are decoded and reduced with SIMD (``Aggregation``).
    /// - Throws: ``StorageError/invalidArgument(_:)`` if `step <= 0`; read errors as ``read(series:from:to:)``.
    public func downsample(series key: SeriesKey, from: Int64 = .min, to: Int64 = .max, step: Int64) throws -> [WindowAggregate] {
        guard step > 0 else { throw StorageError.invalidArgument("downsample step must be positive, got \(step)") }
        guard let state = catalog.withLock({ $0.byKey[key] }) else { return [] }
        guard state.kind == .numeric else { throw StorageError.invalidArgument("series \(key) holds payloads, not numbers") }
        let (blocks, headTimestamps, headValues) = state.data.withLock { data in
            (data.blocks.filter { $0.summary.lastTimestamp >= from && $0.summary.firstTimestamp <= to },
             data.headTimestamps, data.headValues)
        }
        var windows: [WindowAggregate] = []
        let decoder = try BlockDecoder()
        for block in blocks {
            let s = block.summary
            let start = Aggregation.windowStart(s.firstTimestamp, step: step)
            if s.firstTimestamp >= from, s.lastTimestamp <= to, Aggregation.windowStart(s.lastTimestamp, step: step) == start {
                var window = WindowAggregate(start: start)
                window.count = s.valueCount
                window.sum = s.sum
                window.minimum = s.minimum
                window.maximum = s.maximum
                if !s.lastValue.isNaN {
                    window.last = s.lastValue
                    window.lastTimestamp = s.lastTimestamp
                } else if s.valueCount > 0 {
                    // The last point is NaN: the header cannot say which value is last.
                    var t: [Int64] = [], v: [Double] = []
                    try decoder.decode(try blockBytes(block), appendingTo: &t, &v)
                    aggregate(t, v, from: from, to: to, step: step, into: &windows)
                    continue
                }
                Aggregation.merge(window, into: &windows)
                continue
            }
            var t: [Int64] = [], v: [Double] = []
            try decoder.decode(try blockBytes(block), appendingTo: &t, &v)
            aggregate(t, v, from: from, to: to, step: step, into: &windows)
        }
        aggregate(headTimestamps, headValues, from: from, to: to, step: step, into: &windows)
        return windows
    }

    /// The payloads of `key` with `from <= timestamp <= to`, sorted by timestamp. Unknown
    /// series read as empty.
    /// - Throws: ``StorageError/invalidArgument(_:)`` for a numeric series; read errors as
    ///   ``read(series:from:to:)``.
    public func readPayloads(series key: SeriesKey, from: Int64 = .min, to: Int64 = .max) throws -> [(timestamp: Int64, payload: [UInt8])] {
        guard let state = catalog.withLock({ $0.byKey[key] }) else { return [] }
        guard state.kind == .payload else { throw StorageError.invalidArgument("series \(key) holds numbers: use read") }
        let (blocks, headTimestamps, headPayloads) = state.data.withLock { data in
            (data.blocks.filter { $0.summary.lastTimestamp >= from && $0.summary.firstTimestamp <= to },
             data.headTimestamps, data.headPayloads)
        }
        var result: [(timestamp: Int64, payload: [UInt8])] = []
        let decoder = try BlockDecoder()
        for block in blocks {
            let decoded = try decoder.decodePayloads(try blockBytes(block))
            for i in decoded.timestamps.indices where decoded.timestamps[i] >= from && decoded.timestamps[i] <= to {
                result.append((decoded.timestamps[i], decoded.payloads[i]))
            }
        }
        for i in headTimestamps.indices where headTimestamps[i] >= from && headTimestamps[i] <= to {
            result.append((headTimestamps[i], headPayloads[i]))
        }
        return result
    }

    /// The number of series. - Complexity: O(1).
    public var seriesCount: Int { catalog.withLock { $0.byKey.count } }

    /// The kind of a series, or nil if the store does not have it.
    public func kind(of key: SeriesKey) -> SeriesKind? { catalog.withLock { $0.byKey[key]?.kind } }

    /// Store-wide statistics.
    public func statistics() -> StoreStatistics {
        var stats = StoreStatistics()
        let all = catalog.withLock { Array($0.byID.values) }
        stats.seriesCount = all.count
        for series in all {
            series.data.withLock { data in
                stats.headPointCount += data.headTimestamps.count
                for block in data.blocks {
                    stats.blockCount += 1
                    stats.blockPointCount += block.summary.count
                    stats.blockBytes += block.summary.byteCount
                    stats.valueCodecs["\(block.summary.valueCodec)", default: 0] += 1
                    stats.timestampCodecs["\(block.summary.timestampCodec)", default: 0] += 1
                }
            }
        }
        segments.withLock { list in
            stats.segmentCount = list.count
            stats.segmentBytes = list.reduce(0) { $0 + $1.byteCount }
        }
        if let walPath { stats.logBytes = FileIO.size(walPath) + walBuffer.withLock { $0.count } }
        return stats
    }

    func blockBytes(_ block: BlockReference) throws -> [UInt8] {
        switch block.location {
        case let .memory(bytes):
            return bytes
        case let .segment(index, offset):
            let segment = segments.withLock { $0[index] }
            return try FileIO.read(segment.descriptor, path: segment.path, offset: offset, count: block.summary.byteCount)
        }
    }

    private func appendRange(_ t: [Int64], _ v: [Double], from: Int64, to: Int64, into result: inout PointColumns) {
        let lower = t.firstIndex { $0 >= from } ?? t.count
        let upper = t.lastIndex { $0 <= to }.map { $0 + 1 } ?? 0
        guard lower < upper else { return }
        result.timestamps += t[lower..<upper]
        result.values += v[lower..<upper]
    }

    private func aggregate(_ t: [Int64], _ v: [Double], from: Int64, to: Int64, step: Int64, into windows: inout [WindowAggregate]) {
        var range = PointColumns()
        appendRange(t, v, from: from, to: to, into: &range)
        range.timestamps.withUnsafeBufferPointer { tp in
            range.values.withUnsafeBufferPointer { vp in
                Aggregation.downsample(timestamps: tp, values: vp, step: step, into: &windows)
            }
        }
    }
}
