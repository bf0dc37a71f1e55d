/// One sample: a timestamp in Int64 milliseconds since the Unix epoch and a Float64 value.
public struct Point: Sendable, Hashable, Codable {
    public var timestamp: Int64
    public var value: Double

    public init(timestamp: Int64, value: Double) {
        self.timestamp = timestamp
        self.value = value
    }

    public static func == (a: Point, b: Point) -> Bool {
        a.timestamp == b.timestamp && a.value.bitPattern == b.value.bitPattern
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(timestamp)
        hasher.combine(value.bitPattern)
    }
}

/// What ``Store/append(series:timestamps:values:)`` did with a batch.
///
/// Policy (see `docs/FORMAT.md`, "Order and duplicates"): points may arrive in any order as
/// long as they are newer than the series' last sealed block; a point at a timestamp already in
/// the head replaces the earlier value (last write wins); a point at or before the end of the
/// last sealed block is rejected and counted, never silently merged.
public struct AppendResult: Sendable, Equatable {
    /// Points now in the store (new timestamps).
    public var accepted = 0
    /// Points that replaced a value at the same timestamp.
    public var replaced = 0
    /// Points rejected because they are not newer than the series' sealed data.
    public var rejectedTooOld = 0

    public init(accepted: Int = 0, replaced: Int = 0, rejectedTooOld: Int = 0) {
        self.accepted = accepted
        self.replaced = replaced
        self.rejectedTooOld = rejectedTooOld
    }

    public static func += (a: inout AppendResult, b: AppendResult) {
        a.accepted += b.accepted
        a.replaced += b.replaced
        a.rejectedTooOld += b.rejectedTooOld
    }
}
