/// The smallest and largest values seen, for range-extension evidence (what NAB's HTM detector
/// calls a "spatial anomaly"): whether a value lies beyond everything seen so far by more than
/// a fraction of the range seen so far. O(1) state and time.
struct SeenRange: Sendable, Codable {
    private(set) var minimum = Double.infinity
    private(set) var maximum = -Double.infinity

    /// Records `x`. Returns by how much it extends the range, as a fraction of the range seen
    /// before it, when that is more than `tolerance` on a side `direction` admits; else 0
    /// (also while fewer than two distinct values have been seen).
    mutating func record(_ x: Double, tolerance: Double, direction: Direction) -> Double {
        var excess = 0.0
        let range = maximum - minimum
        if range > 0 {
            if x > maximum + range * tolerance && direction != .down { excess = (x - maximum) / range }
            if x < minimum - range * tolerance && direction != .up { excess = (minimum - x) / range }
        }
        minimum = min(minimum, x)
        maximum = max(maximum, x)
        return excess
    }
}
