/// One time series read from an input file: a name and its points, in file order.
///
/// `timestamps[i]` and `values[i]` form one point, so both arrays always have the same
/// length. Timestamps are **milliseconds since the Unix epoch, UTC** (1970-01-01T00:00:00Z
/// is 0; earlier instants are negative). Points are kept exactly in the order the input
/// listed them: readers neither sort nor remove duplicate timestamps. Values may be NaN or
/// ±infinity when the input says so; missing cells produce no point at all.
public struct NamedSeries: Sendable, Equatable {
    /// The series name: the column header, or for a "series, time, value" long-format file
    /// the content of the series cell.
    public var name: String
    /// Milliseconds since the Unix epoch (UTC), one per point, in input order.
    public var timestamps: [Int64]
    /// One value per point, parallel to `timestamps`.
    public var values: [Double]
    /// Labels that identify the series besides its name (empty for CSV columns; a Prometheus
    /// series' label set; a span-derived series' service, operation, dimensions).
    public var labels: [String: String]

    public init(name: String, timestamps: [Int64], values: [Double], labels: [String: String] = [:]) {
        self.name = name
        self.timestamps = timestamps
        self.values = values
        self.labels = labels
    }

    /// The number of points.
    public var count: Int { timestamps.count }
}
