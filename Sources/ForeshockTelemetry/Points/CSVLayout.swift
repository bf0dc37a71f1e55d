/// How the columns of a CSV time-series file map to series, decided from its header row.
///
/// - The **time column** is the first column whose header, trimmed, stripped of quotes and
///   lowercased, is one of ``timeColumnNames``; if none is, the first column.
/// - **Long format** ("series per row", Grafana 5 "Series;Time;Value"): exactly three columns,
///   one of them (not the time column) headed `series`. Each row is one point of the series
///   named by its series cell; series appear in first-seen order.
/// - **Wide format** (everything else, including NAB's `timestamp,value` and Grafana
///   "series as columns"): every column but the time column is one series named after its
///   header. An empty header becomes `column N` (N is the 1-based column number); a repeated
///   header gets a pandas-style suffix (`Value`, `Value.1`, `Value.2`, …) so names stay
///   unique, which matters for Grafana 7 exports that head every column `Value`.
struct CSVLayout: Equatable {
    enum Kind: Equatable {
        /// One series per value column: `valueColumns[k]` feeds the series named `names[k]`.
        case wide(valueColumns: [Int], names: [String])
        /// One series per distinct value of the series column.
        case long(seriesColumn: Int, valueColumn: Int)
    }

    /// The number of fields every record must have.
    var columnCount: Int
    /// The index of the time column.
    var timeColumn: Int
    var kind: Kind
    /// The header text of each column (trimmed of whitespace), for names and messages.
    var headers: [String]

    /// Header names (after normalisation) recognised as the time column.
    static let timeColumnNames: Set<String> = [
        "timestamp", "time", "ts", "date", "datetime", "date_time", "date time", "_time",
        "time (utc)", "timestamp (utc)", "date (utc)", "time_utc", "timestamp_utc",
        "epoch", "unix_time", "unixtime",
    ]

    /// The header name (after normalisation) of the long format's series column.
    static let seriesColumnName = "series"

    init(headers rawHeaders: [String]) {
        let headers = rawHeaders.map { Self.trimmed($0, stripQuotes: false) }
        let normalized = rawHeaders.map { Self.trimmed($0, stripQuotes: true).lowercased() }
        self.headers = headers
        columnCount = headers.count
        let timeColumn = normalized.firstIndex(where: Self.timeColumnNames.contains) ?? 0
        self.timeColumn = timeColumn
        if headers.count == 3,
           let series = normalized.indices.first(where: { $0 != timeColumn && normalized[$0] == Self.seriesColumnName }) {
            let value = (0..<3).first { $0 != timeColumn && $0 != series } ?? 0
            kind = .long(seriesColumn: series, valueColumn: value)
            return
        }
        let valueColumns = headers.indices.filter { $0 != timeColumn }
        var names: [String] = []
        var taken = Set<String>()
        for column in valueColumns {
            let base = headers[column].isEmpty ? "column \(column + 1)" : headers[column]
            var name = base
            var suffix = 1
            while taken.contains(name) {
                name = "\(base).\(suffix)"
                suffix += 1
            }
            taken.insert(name)
            names.append(name)
        }
        kind = .wide(valueColumns: valueColumns, names: names)
    }

    /// `header` trimmed of whitespace and, with `stripQuotes`, of any `"` or `'` left at
    /// either end (the tokenizer already removed the enclosing quotes of a quoted field).
    static func trimmed(_ header: String, stripQuotes: Bool) -> String {
        var scalars = Substring(header).unicodeScalars
        let strip: (Unicode.Scalar) -> Bool = {
            $0.properties.isWhitespace || (stripQuotes && ($0 == "\"" || $0 == "'"))
        }
        while let first = scalars.first, strip(first) { scalars.removeFirst() }
        while let last = scalars.last, strip(last) { scalars.removeLast() }
        return String(scalars)
    }
}
