/// A fast, strict reader of time series from CSV text.
///
/// ## Layout
/// - A **header row is required**. Leading blank lines and a UTF-8 byte-order mark are
///   skipped; UTF-16 input is rejected. An Excel `sep=;` first line sets the delimiter.
/// - The **delimiter** is `,`, `;` or tab: whichever occurs most often (outside quotes) in the
///   header line, `,` when none does.
/// - Fields follow RFC 4180: `"…"` quoting with `""` for a quote, line breaks allowed inside
///   quotes; records end with `\n`, `\r\n` or `\r`. Blanks around fields are ignored.
/// - The **time column** is the first column headed `timestamp`, `time`, `ts`, `date`,
///   `datetime`, `date_time`, `_time`, `time (utc)`, `timestamp (utc)`, `epoch`, … (trimmed,
///   quotes stripped, case-insensitive), else the first column.
///   Every other column is a series named after its header (repeated headers become
///   `Value`, `Value.1`, …). A three-column header with a `series` column (Grafana's
///   `"Series";"Time";"Value"` export) is read in **long format**: one series per distinct
///   series cell, in first-seen order.
///
/// ## Cells
/// - **Timestamps**: ISO 8601 (`2014-02-14T14:30:00Z`, `T` or space, up to 9 fractional
///   digits truncated to milliseconds, `Z`, `±HH:MM`, `±HHMM` or no zone meaning UTC),
///   `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD`, or a numeric Unix epoch whose unit follows its
///   magnitude: |x| < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, else
///   nanoseconds; sub-millisecond digits are dropped (rounding toward the past). Results are
///   milliseconds since the Unix epoch, UTC (``NamedSeries/timestamps``).
/// - **Values**: decimal or scientific numbers (converted exactly like `Double(_:)`/`strtod`),
///   `NaN`, `Inf`, `+Inf`, `-Inf`, `Infinity` (any case); with a `;` or tab delimiter also
///   `,` thousands separators in valid groups. An **empty cell is a missing point**: that
///   series simply has no point at that row.
/// - Blank lines are skipped. Points keep file order: nothing is sorted or deduplicated.
///
/// ## Errors
/// Anything else throws an ``InputError`` naming the source, 1-based line and field, what was
/// found and what was expected: an unparseable timestamp or value, an empty timestamp, a
/// record whose field count differs from the header's, an unterminated quote, or an input
/// with no header row at all. A header-only input is not an error: it yields one empty
/// series per value column (none in long format).
public enum CSVSeriesReader {
    /// Reads the series in CSV `text`.
    ///
    /// - Parameters:
    ///   - text: the whole CSV document.
    ///   - source: a label for error messages, usually the file path.
    /// - Returns: the series in column order (wide format) or first-seen order (long format).
    /// - Throws: ``InputError`` for malformed input.
    public static func read(text: String, source: String = "<text>") throws(InputError) -> [NamedSeries] {
        var text = text
        let result = text.withUTF8 { buffer in
            catching { () throws(InputError) in try read(buffer: buffer, source: source) }
        }
        return try result.get()
    }

    /// Reads the series in CSV `bytes` (UTF-8, optionally starting with a byte-order mark).
    ///
    /// - Parameters:
    ///   - bytes: the whole CSV document.
    ///   - source: a label for error messages, usually the file path.
    /// - Returns: the series in column order (wide format) or first-seen order (long format).
    /// - Throws: ``InputError`` for malformed input.
    public static func read(bytes: [UInt8], source: String) throws(InputError) -> [NamedSeries] {
        let result = bytes.withUnsafeBufferPointer { buffer in
            catching { () throws(InputError) in try read(buffer: buffer, source: source) }
        }
        return try result.get()
    }

    /// Reads the series in the CSV document `buffer`; the buffer is only read during the call.
    static func read(buffer: UnsafeBufferPointer<UInt8>, source: String) throws(InputError) -> [NamedSeries] {
        let (delimiter, headerStart, headerLine) = try preamble(buffer, source: source)
        var tokenizer = CSVTokenizer(
            bytes: buffer, delimiter: delimiter, source: source, position: headerStart, line: headerLine)
        var fields: [CSVField] = []
        fields.reserveCapacity(16)
        guard try tokenizer.nextRecord(into: &fields) else {
            throw InputError(source: source, line: headerLine, message: "empty input: expected a header row such as \"timestamp,value\"")
        }
        let layout = CSVLayout(headers: fields.map { tokenizer.text(of: $0) })
        var reader = RowReader(layout: layout, source: source, delimiter: delimiter)
        switch layout.kind {
        case let .wide(valueColumns, names):
            return try reader.readWide(&tokenizer, fields: &fields, valueColumns: valueColumns, names: names)
        case let .long(seriesColumn, valueColumn):
            return try reader.readLong(&tokenizer, fields: &fields, seriesColumn: seriesColumn, valueColumn: valueColumn)
        }
    }

    /// Skips a byte-order mark and leading blank lines, and finds the delimiter.
    ///
    /// - Returns: the delimiter, the offset of the header row and its 1-based line number.
    private static func preamble(_ bytes: UnsafeBufferPointer<UInt8>, source: String) throws(InputError)
        -> (delimiter: UInt8, headerStart: Int, headerLine: Int)
    {
        let n = bytes.count
        var p = 0
        var line = 1
        if n >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
            throw InputError(source: source, line: 1, message: "input is UTF-16 (byte-order mark found): expected UTF-8 text")
        }
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { p = 3 }
        // Leading blank lines.
        while true {
            var q = p
            while q < n, bytes[q] == UInt8(ascii: " ") || bytes[q] == UInt8(ascii: "\t") { q += 1 }
            if q >= n {
                throw InputError(source: source, line: line, message: "empty input: expected a header row such as \"timestamp,value\"")
            }
            guard bytes[q] == UInt8(ascii: "\n") || bytes[q] == UInt8(ascii: "\r") else { break }
            p = bytes[q] == UInt8(ascii: "\r") && q + 1 < n && bytes[q + 1] == UInt8(ascii: "\n") ? q + 2 : q + 1
            line += 1
        }
        // Excel's "sep=X" directive line.
        if n - p >= 5, bytes[p] | 0x20 == UInt8(ascii: "s"), bytes[p + 1] | 0x20 == UInt8(ascii: "e"),
           bytes[p + 2] | 0x20 == UInt8(ascii: "p"), bytes[p + 3] == UInt8(ascii: "=") {
            let delimiter = bytes[p + 4]
            var q = p + 5
            while q < n, bytes[q] == UInt8(ascii: " ") { q += 1 }
            let atLineEnd = q >= n || bytes[q] == UInt8(ascii: "\n") || bytes[q] == UInt8(ascii: "\r")
            if atLineEnd, delimiter == UInt8(ascii: ",") || delimiter == UInt8(ascii: ";") || delimiter == UInt8(ascii: "\t") {
                if q >= n {
                    throw InputError(source: source, line: line + 1, message: "empty input: expected a header row after the \"sep=\" line")
                }
                q = bytes[q] == UInt8(ascii: "\r") && q + 1 < n && bytes[q + 1] == UInt8(ascii: "\n") ? q + 2 : q + 1
                return (delimiter, q, line + 1)
            }
        }
        return (detectDelimiter(bytes, headerStart: p), p, line)
    }

    /// The most frequent of `,`, `;` and tab outside quotes on the header line (`,` on ties
    /// with it or when none occurs, then `;` before tab).
    private static func detectDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, headerStart: Int) -> UInt8 {
        var commas = 0, semicolons = 0, tabs = 0
        var inQuotes = false
        var p = headerStart
        while p < bytes.count {
            let byte = bytes[p]
            if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if !inQuotes {
                switch byte {
                case UInt8(ascii: "\n"), UInt8(ascii: "\r"): p = bytes.count; continue
                case UInt8(ascii: ","): commas += 1
                case UInt8(ascii: ";"): semicolons += 1
                case UInt8(ascii: "\t"): tabs += 1
                default: break
                }
            }
            p += 1
        }
        if semicolons > commas, semicolons >= tabs { return UInt8(ascii: ";") }
        if tabs > commas, tabs > semicolons { return UInt8(ascii: "\t") }
        return UInt8(ascii: ",")
    }

    /// Runs `body`, capturing its typed error (closure-taking buffer APIs are not all
    /// typed-throws generic).
    private static func catching<T>(_ body: () throws(InputError) -> T) -> Result<T, InputError> {
        do {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }
}

/// The per-row work of ``CSVSeriesReader``: validating records and parsing their cells.
private struct RowReader {
    let layout: CSVLayout
    let source: String
    let delimiter: UInt8
    /// Whether values may have `,` thousands separators (only when `,` is not the delimiter).
    let allowThousandsSeparators: Bool

    init(layout: CSVLayout, source: String, delimiter: UInt8) {
        self.layout = layout
        self.source = source
        self.delimiter = delimiter
        self.allowThousandsSeparators = delimiter != UInt8(ascii: ",")
    }

    private var delimiterName: String {
        delimiter == UInt8(ascii: "\t") ? "tab" : InputError.quoted(String(UnicodeScalar(delimiter)))
    }

    /// Reads the next data record, skipping blank lines and checking the field count.
    @inline(__always)
    private func nextRecord(_ tokenizer: inout CSVTokenizer, _ fields: inout [CSVField]) throws(InputError) -> Bool {
        while try tokenizer.nextRecord(into: &fields) {
            if fields.count == layout.columnCount { return true }
            if fields.count == 1, !fields[0].quoted, fields[0].start == fields[0].end { continue }
            let line = fields[0].line
            throw InputError(
                source: source, line: line,
                message: "expected \(layout.columnCount) field\(layout.columnCount == 1 ? "" : "s") as in the header, found \(fields.count) (delimiter \(delimiterName))")
        }
        return false
    }

    @inline(__always)
    private func timestamp(_ tokenizer: CSVTokenizer, _ fields: [CSVField]) throws(InputError) -> Int64 {
        let field = fields[layout.timeColumn]
        do {
            return try TimestampParser.milliseconds(tokenizer.raw(field))
        } catch {
            throw InputError(
                source: source, line: field.line, column: layout.timeColumn + 1,
                message: "cannot parse timestamp \(InputError.quoted(tokenizer.text(of: field))): \(error.reason)")
        }
    }

    /// The value in `fields[column]`, or nil for an empty (missing) cell.
    @inline(__always)
    private func value(_ tokenizer: CSVTokenizer, _ fields: [CSVField], column: Int) throws(InputError) -> Double? {
        let field = fields[column]
        if field.start == field.end { return nil }
        if let value = ValueParser.parse(tokenizer.raw(field), allowThousandsSeparators: allowThousandsSeparators) {
            return value
        }
        throw InputError(
            source: source, line: field.line, column: column + 1,
            message: "cannot parse value \(InputError.quoted(tokenizer.text(of: field))) in column \(InputError.quoted(layout.headers[column])): expected a decimal number, NaN, Inf or an empty cell")
    }

    /// Wide format: one series per value column.
    ///
    /// All series share one timestamp array until a column has its first missing cell; only
    /// then does that column get its own copy, so complete columns cost no extra memory.
    mutating func readWide(_ tokenizer: inout CSVTokenizer, fields: inout [CSVField],
                           valueColumns: [Int], names: [String]) throws(InputError) -> [NamedSeries] {
        var shared: [Int64] = []
        var values = [[Double]](repeating: [], count: valueColumns.count)
        var own = [[Int64]?](repeating: nil, count: valueColumns.count)
        while try nextRecord(&tokenizer, &fields) {
            let time = try timestamp(tokenizer, fields)
            shared.append(time)
            for k in valueColumns.indices {
                if let value = try value(tokenizer, fields, column: valueColumns[k]) {
                    values[k].append(value)
                    own[k]?.append(time)
                } else if own[k] == nil {
                    own[k] = Array(shared[0..<values[k].count])
                }
            }
        }
        return valueColumns.indices.map { k in
            NamedSeries(name: names[k], timestamps: own[k] ?? shared, values: values[k])
        }
    }

    /// Long format: one series per distinct series cell, in first-seen order.
    mutating func readLong(_ tokenizer: inout CSVTokenizer, fields: inout [CSVField],
                           seriesColumn: Int, valueColumn: Int) throws(InputError) -> [NamedSeries] {
        var names: [String] = []
        var timestamps: [[Int64]] = []
        var values: [[Double]] = []
        var index: [String: Int] = [:]
        var last: (field: CSVField, series: Int)?
        while try nextRecord(&tokenizer, &fields) {
            let time = try timestamp(tokenizer, fields)
            let nameField = fields[seriesColumn]
            let series: Int
            if let last, sameContent(tokenizer, last.field, nameField) {
                series = last.series
            } else {
                let name = tokenizer.text(of: nameField)
                if name.isEmpty {
                    throw InputError(
                        source: source, line: nameField.line, column: seriesColumn + 1,
                        message: "empty series name in column \(InputError.quoted(layout.headers[seriesColumn])): expected the name of a series")
                }
                if let existing = index[name] {
                    series = existing
                } else {
                    series = names.count
                    index[name] = series
                    names.append(name)
                    timestamps.append([])
                    values.append([])
                }
                last = (nameField, series)
            }
            if let value = try value(tokenizer, fields, column: valueColumn) {
                timestamps[series].append(time)
                values[series].append(value)
            }
        }
        return names.indices.map { NamedSeries(name: names[$0], timestamps: timestamps[$0], values: values[$0]) }
    }

    /// Whether two fields have identical raw bytes and escaping.
    @inline(__always)
    private func sameContent(_ tokenizer: CSVTokenizer, _ a: CSVField, _ b: CSVField) -> Bool {
        guard a.end - a.start == b.end - b.start, a.hasEscapedQuotes == b.hasEscapedQuotes else { return false }
        let bytes = tokenizer.bytes
        var i = a.start, j = b.start
        while i < a.end {
            if bytes[i] != bytes[j] { return false }
            i += 1
            j += 1
        }
        return true
    }
}
