extension Store {
    /// Appends a batch of points to one series.
    ///
    /// Points may be in any order; see ``AppendResult`` for the order and duplicate policy.
    /// NaN and ±Inf are stored bit-exactly like any value. Nothing is durable until
    /// ``flush()`` returns.
    ///
    /// - Throws: ``StorageError/invalidArgument(_:)`` for mismatched lengths or a closed store.
    /// - Complexity: amortised O(n) for in-order points (O(head size) per out-of-order insert),
    ///   plus block encoding when a head fills up.
    @discardableResult
    public func append(series key: SeriesKey, timestamps: [Int64], values: [Double]) throws -> AppendResult {
        guard timestamps.count == values.count else {
            throw StorageError.invalidArgument("\(timestamps.count) timestamps but \(values.count) values")
        }
        guard !isClosed else { throw StorageError.invalidArgument("append to a closed store") }
        let state = intern(key)
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
            try sealReady(&data, seriesID: state.id)
        }
        if logging { try spillLogIfLarge() }
        return result
    }

    /// Convenience for ``append(series:timestamps:values:)``.
    @discardableResult
    public func append(series key: SeriesKey, points: [Point]) throws -> AppendResult {
        try append(series: key, timestamps: points.map(\.timestamp), values: points.map(\.value))
    }
}
