extension Store {
    /// Appends a batch of points to one series.
    ///
    /// Points may be in any order; see ``AppendResult`` for the order and duplicate policy.
    /// NaN and ±Inf are stored bit-exactly like any value. Nothing is durable until
    /// ``flush()`` returns.
    ///
    /// - Throws: ``StorageError/invalidArgument(_:)`` for mismatched lengths, a closed store, or
    ///   a key that names a payload series.
    /// - Complexity: amortised O(n) for in-order points (O(head size) per out-of-order insert),
    ///   plus block encoding when a head fills up.
    @discardableResult
    public func append(series key: SeriesKey, timestamps: [Int64], values: [Double]) throws -> AppendResult {
        guard timestamps.count == values.count else {
            throw StorageError.invalidArgument("\(timestamps.count) timestamps but \(values.count) values")
        }
        guard !isClosed else { throw StorageError.invalidArgument("append to a closed store") }
        let state = try intern(key, kind: .numeric)
        var result = AppendResult()
        let logging = directory != nil
        try state.data.withLock { data in
            var appliedTimestamps: [Int64] = []
            var appliedValues: [Double] = []
            if logging {
                appliedTimestamps.reserveCapacity(timestamps.count)
                appliedValues.reserveCapacity(values.count)
            }
            for i in timestamps.indices where data.apply(timestamps[i], values[i], into: &result) && logging {
                appliedTimestamps.append(timestamps[i])
                appliedValues.append(values[i])
            }
            if logging && !appliedTimestamps.isEmpty {
                appliedTimestamps.withUnsafeBufferPointer { t in
                    appliedValues.withUnsafeBufferPointer { v in
                        walBuffer.withLock { WriteAheadLog.appendPoints(id: state.id, timestamps: t, values: v, to: &$0) }
                    }
                }
            }
            try sealReady(&data, series: state)
        }
        if logging { try spillLogIfLarge() }
        return result
    }

    /// Convenience for ``append(series:timestamps:values:)``.
    @discardableResult
    public func append(series key: SeriesKey, points: [Point]) throws -> AppendResult {
        try append(series: key, timestamps: points.map(\.timestamp), values: points.map(\.value))
    }

    /// Appends opaque payloads (e.g. one serialized sketch per window) to a payload series,
    /// with the same order, duplicate and durability rules as numbers. Payload blocks seal at
    /// a sixteenth of ``StoreConfiguration/blockCapacity`` payloads.
    ///
    /// - Throws: ``StorageError/invalidArgument(_:)`` for mismatched lengths, a payload over
    ///   ``BlockFormat/maxPayloadBytes``, a closed store, or a key that names a numeric series.
    @discardableResult
    public func appendPayloads(series key: SeriesKey, timestamps: [Int64], payloads: [[UInt8]]) throws -> AppendResult {
        guard timestamps.count == payloads.count else {
            throw StorageError.invalidArgument("\(timestamps.count) timestamps but \(payloads.count) payloads")
        }
        if let large = payloads.first(where: { $0.count > BlockFormat.maxPayloadBytes }) {
            throw StorageError.invalidArgument("payload of \(large.count) bytes (limit \(BlockFormat.maxPayloadBytes))")
        }
        guard !isClosed else { throw StorageError.invalidArgument("append to a closed store") }
        let state = try intern(key, kind: .payload)
        var result = AppendResult()
        let logging = directory != nil
        try state.data.withLock { data in
            var appliedTimestamps: [Int64] = [], appliedPayloads: [[UInt8]] = []
            for i in timestamps.indices where data.apply(timestamps[i], payload: payloads[i], into: &result) && logging {
                appliedTimestamps.append(timestamps[i])
                appliedPayloads.append(payloads[i])
            }
            if logging && !appliedTimestamps.isEmpty {
                walBuffer.withLock { WriteAheadLog.appendPayloads(id: state.id, timestamps: appliedTimestamps, payloads: appliedPayloads, to: &$0) }
            }
            try sealReady(&data, series: state)
        }
        if logging { try spillLogIfLarge() }
        return result
    }
}
