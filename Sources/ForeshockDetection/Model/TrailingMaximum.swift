/// The maximum of the last `length` values of a stream (a monotone deque).
///
/// - Complexity: O(1) amortised per ``push(_:)``; at most `length` stored values.
struct TrailingMaximum: Sendable, Codable, Equatable {
    /// The window, in pushes; it may be changed between pushes (a longer window keeps more of
    /// the values already pushed only if they were still stored: lengthen it before they fall
    /// out, as ``SeriesDetector`` does one push at a time).
    var length: Int
    private var indices: [Int] = []
    private var values: [Double] = []
    private var head = 0
    /// The number of values pushed so far.
    private(set) var position = 0

    init(length: Int) { self.length = max(1, length) }

    /// The maximum of the values pushed in the last `length` pushes (−∞ when none).
    var maximum: Double {
        head < values.count ? values[head] : -.infinity
    }

    /// Appends `x` (which becomes part of the window) and drops what fell out.
    mutating func push(_ x: Double) {
        while values.count > head, let last = values.last, last <= x {
            values.removeLast()
            indices.removeLast()
        }
        values.append(x)
        indices.append(position)
        position += 1
        while head < indices.count, indices[head] <= position - 1 - length { head += 1 }
        if head > 64, head * 2 > values.count {
            values.removeFirst(head)
            indices.removeFirst(head)
            head = 0
        }
    }
}
