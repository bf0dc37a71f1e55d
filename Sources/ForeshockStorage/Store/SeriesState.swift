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

/// What a series holds: numbers (Float64 points) or payloads (an opaque byte string per
/// timestamp, e.g. a serialized sketch per window).
public enum SeriesKind: UInt8, Sendable, Codable {
    case numeric = 0
    case payload = 1
}

/// The mutable part of one series: its sorted head buffer and its sealed blocks.
struct SeriesData: Sendable {
    var headTimestamps: [Int64] = []
    /// The head's values (numeric series).
    var headValues: [Double] = []
    /// The head's payloads (payload series).
    var headPayloads: [[UInt8]] = []
    /// Sorted by time, non-overlapping, all before the head.
    var blocks: [BlockReference] = []
    /// The last timestamp of the newest sealed block; points at or before it are rejected.
    var sealedThrough: Int64? { blocks.last?.summary.lastTimestamp }

    /// Where a point at `t` goes under the store's order policy (see ``AppendResult``).
    enum Placement {
        case append
        case replace(Int)
        case insert(Int)
    }

    /// The placement of a point at `t`, counting it in `result`; nil if it is rejected.
    mutating func place(_ t: Int64, into result: inout AppendResult) -> Placement? {
        if let sealed = sealedThrough, t <= sealed {
            result.rejectedTooOld += 1
            return nil
        }
        guard let last = headTimestamps.last, t <= last else {
            result.accepted += 1
            return .append
        }
        // Out of order within the head: binary search, replace or insert.
        var low = 0, high = headTimestamps.count
        while low < high {
            let mid = (low + high) / 2
            if headTimestamps[mid] < t { low = mid + 1 } else { high = mid }
        }
        if headTimestamps[low] == t {
            result.replaced += 1
            return .replace(low)
        }
        result.accepted += 1
        return .insert(low)
    }

    /// Applies one numeric point. - Returns: whether it was applied (accepted or replaced).
    mutating func apply(_ t: Int64, _ v: Double, into result: inout AppendResult) -> Bool {
        switch place(t, into: &result) {
        case nil: return false
        case .append:
            headTimestamps.append(t)
            headValues.append(v)
        case let .replace(i):
            headValues[i] = v
        case let .insert(i):
            headTimestamps.insert(t, at: i)
            headValues.insert(v, at: i)
        }
        return true
    }

    /// Applies one payload point. - Returns: whether it was applied (accepted or replaced).
    mutating func apply(_ t: Int64, payload: [UInt8], into result: inout AppendResult) -> Bool {
        switch place(t, into: &result) {
        case nil: return false
        case .append:
            headTimestamps.append(t)
            headPayloads.append(payload)
        case let .replace(i):
            headPayloads[i] = payload
        case let .insert(i):
            headTimestamps.insert(t, at: i)
            headPayloads.insert(payload, at: i)
        }
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

/// One series: its stable id, key, kind, and locked data.
final class SeriesState: Sendable {
    let id: UInt64
    let key: SeriesKey
    let kind: SeriesKind
    let data = Mutex(SeriesData())

    init(id: UInt64, key: SeriesKey, kind: SeriesKind) {
        self.id = id
        self.key = key
        self.kind = kind
    }
}
