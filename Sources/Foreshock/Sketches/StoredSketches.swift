import ForeshockSketches
import ForeshockStorage

/// Windowed latency sketches kept in the column store: one serialized ``DDSketch`` per series
/// per window, as a payload series, so that "p99 of checkout between 10:00 and 14:00 across
/// all pods" is a merge of stored sketches (exact: merging sketches equals sketching the union).
public enum StoredSketches {
    /// Appends every window of `windows` to the payload series `key` (timestamp = window start).
    /// - Throws: ``StorageError`` (e.g. `key` is a numeric series).
    @discardableResult
    public static func append(_ windows: WindowedSketches, series key: SeriesKey, to store: Store) throws -> AppendResult {
        let starts = windows.windowStarts
        let payloads = starts.compactMap { windows[windowStart: $0]?.serialized() }
        return try store.appendPayloads(series: key, timestamps: starts, payloads: payloads)
    }

    /// The merge of the sketches of every payload series matching `matchers` whose window
    /// starts lie in `from...to` (milliseconds), or nil if there are none.
    ///
    /// - Throws: ``StorageError`` if a block cannot be read; ``SketchError`` if a stored sketch
    ///   is damaged or sketches with different mappings meet.
    public static func merged(in store: Store, matching matchers: [LabelMatcher], from: Int64, to: Int64) throws -> DDSketch? {
        var merged: DDSketch?
        for key in store.series(matching: matchers) where store.kind(of: key) == .payload {
            for (_, payload) in try store.readPayloads(series: key, from: from, to: to) {
                let sketch = try DDSketch(serialized: payload)
                if merged == nil { merged = sketch } else { try merged?.merge(sketch) }
            }
        }
        return merged
    }
}
