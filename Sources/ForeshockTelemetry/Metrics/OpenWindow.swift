/// A window's per-window state, kept by an aggregator in an array of open windows.
protocol OpenWindow {
    /// Window start, Unix ms.
    var start: Int64 { get }
    /// An empty window starting at `start`.
    init(start: Int64)
}

extension Array where Element: OpenWindow {
    /// The index of the open window starting at `start`, opened (appended) if needed; nil when
    /// that would make more than `limit` windows. `last` caches the previous answer, which is
    /// usually the next one (spans arrive roughly in time order).
    ///
    /// - Complexity: O(1) on a cache hit, else O(open windows) (a handful).
    @inline(__always)
    mutating func openWindow(startingAt start: Int64, last: inout Int, limit: Int) -> Int? {
        if last >= 0, last < count, self[last].start == start { return last }
        if let found = firstIndex(where: { $0.start == start }) {
            last = found
            return found
        }
        guard count < limit else { return nil }
        append(Element(start: start))
        last = count - 1
        return last
    }
}
