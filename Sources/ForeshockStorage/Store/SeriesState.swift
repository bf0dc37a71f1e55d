import Synchronization

/// Where a sealed block's bytes are.
enum BlockLocation: Sendable {
    /// Sealed but not yet written to a segment (or an in-memory store).
    case memory([UInt8])
    /// In segment `segment` (index into the store's segment list) at byte `offset`.
    case segment(Int, offset: Int)
}

struct BlockReference: Sendable {
    var summary: BlockSummary
    var location: BlockLocation
}

/// The mutable part of one series: its sorted head buffer and its sealed blocks.
struct SeriesData: Sendable {
    var headTimestamps: [Int64] = []
    var headValues: [Double] = []
    /// Sorted by time, non-overlapping, all before the head.
    var blocks: [BlockReference] = []
    /// The last timestamp of the newest sealed block; points at or before it are rejected.
    var sealedThrough: Int64? { blocks.last?.summary.lastTimestamp }

    /// Applies one point with the store's order policy (see ``AppendResult``).
    /// - Returns: whether the point was applied (accepted or replaced).
    mutating func apply(_ t: Int64, _ v: Double, into result: inout AppendResult) -> Bool {
        if let sealed = sealedThrough, t <= sealed {
            result.rejectedTooOld += 1
            return false
        }
        if let last = headTimestamps.last, t <= last {
            // Out of order within the head: binary search, replace or insert.
            var low = 0, high = headTimestamps.count
            while low < high {
                let mid = (low + high) / 2
                if headTimestamps[mid] < t { low = mid + 1 } else { high = mid }
            }
            if headTimestamps[low] == t {
                headValues[low] = v
                result.replaced += 1
            } else {
                headTimestamps.insert(t, at: low)
                headValues.insert(v, at: low)
                result.accepted += 1
            }
            return true
        }
        headTimestamps.append(t)
        headValues.append(v)
        result.accepted += 1
        return true
    }

    /// How many leading head points should be sealed now (0 if none).
    func sealableCount(capacity: Int, maxSpan: Int64) -> Int {
        guard let first = headTimestamps.first, let last = headTimestamps.last else { return 0 }
        if headTimestamps.count >= capacity { return capacity }
        if last - first >= maxSpan {
            let limit = first + maxSpan
            var n = 0
            while n < headTimestamps.count && headTimestamps[n] < limit { n += 1 }
            return max(1, n)
        }
        return 0
    }
}

/// One series: its stable id, key, and locked data.
final class SeriesState: Sendable {
    let id: UInt64
    let key: SeriesKey
    let data = Mutex(SeriesData())

    init(id: UInt64, key: SeriesKey) {
        self.id = id
        self.key = key
    }
}
