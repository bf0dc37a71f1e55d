/// Runs of repeated values, for the unchanged-run evidence of ``PointScore/alertScore``: a
/// series that stops changing for longer than it ever has (a stuck gauge, a stalled exporter,
/// a disk that stopped writing). Like ``SeenRange`` it is a record: the evidence is that the
/// current run of values, each exactly equal to the one before it, has become longer than
/// every earlier run. O(1) state and time.
///
/// A series whose values never repeat has no runs and never reports; one that repeats a
/// value now and then must first have completed a run of `minimumRecord` repeats, so that a
/// flat stretch is news only against a history that already had flat stretches.
struct UnchangedRun: Sendable, Codable {
    private var previous: Double?
    /// Repeats in the current run (values equal to their predecessor since the last change).
    private(set) var current = 0
    /// The most repeats of any run that has ended.
    private(set) var longest = 0
    private var reported = false

    /// Records `x` (a valid value). Returns true once per run: at the point where the current
    /// run becomes longer than every run that has ended, provided the longest of those had at
    /// least `minimumRecord` (≥ 1) repeats.
    mutating func record(_ x: Double, minimumRecord: Int) -> Bool {
        if let p = previous, p == x {
            current += 1
        } else {
            longest = max(longest, current)
            current = 0
            reported = false
        }
        previous = x
        guard !reported, longest >= max(minimumRecord, 1), current > longest else { return false }
        reported = true
        return true
    }
}
