/// A time zone's offset from UTC over time, so that seasonal phases follow local time: a
/// service whose traffic peaks at 12:00 in Berlin peaks at 11:00 UTC in summer and 12:00 UTC in
/// winter, and a baseline on UTC phases would see every daylight-saving change as an hour-long
/// shift of the whole day.
///
/// A plain table (the detection module depends on nothing): the offset in force before the
/// first transition, then each transition instant with the offset from it on. The engine builds
/// it from a time-zone name (`EngineConfiguration.seasonalTimeZone`).
public struct UTCOffsets: Sendable, Codable, Equatable {
    /// Offset (ms) before the first transition.
    public var initialOffset: Int64
    /// Transition instants, Unix ms, ascending.
    public var transitions: [Int64]
    /// The offset (ms) in force from each transition.
    public var offsets: [Int64]

    public init(initialOffset: Int64, transitions: [Int64] = [], offsets: [Int64] = []) {
        self.initialOffset = initialOffset
        self.transitions = transitions
        self.offsets = offsets
    }

    /// Local wall-clock time (Unix ms shifted by the offset in force at `t`).
    /// - Complexity: O(log transitions).
    public func local(_ t: Int64) -> Int64 {
        var low = 0, high = transitions.count
        while low < high {
            let mid = (low + high) / 2
            if transitions[mid] <= t { low = mid + 1 } else { high = mid }
        }
        return t &+ (low == 0 ? initialOffset : offsets[low - 1])
    }

    /// Whether the table is well formed: as many offsets as transitions, transitions ascending,
    /// every offset within ±18 hours.
    var isValid: Bool {
        let limit: Int64 = 18 * 3_600_000
        return offsets.count == transitions.count
            && zip(transitions, transitions.dropFirst()).allSatisfy { $0 < $1 }
            && ([initialOffset] + offsets).allSatisfy { abs($0) <= limit }
    }
}
