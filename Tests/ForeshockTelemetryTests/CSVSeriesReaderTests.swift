import ForeshockTelemetry
import Testing

// MARK: - Helpers

/// The repository's sibling `shared` folder (`<repo>/../shared`), found from this file's path.
private func sharedPath(_ relative: String) -> String {
    var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3)                       // CSVSeriesReaderTests.swift, ForeshockTelemetryTests, Tests
    return components.joined(separator: "/") + "/../shared/" + relative
}

/// The single timestamp of a one-row `timestamp,value` document.
private func timestamp(_ cell: String) throws -> Int64 {
    let series = try CSVSeriesReader.read(text: "timestamp,value\n\(cell),1\n", source: "t.csv")
    #expect(series.count == 1)
    return try #require(series.first?.timestamps.first)
}

/// The single value of a one-row `timestamp,value` document.
private func value(_ cell: String) throws -> Double? {
    let series = try CSVSeriesReader.read(text: "timestamp,value\n0,\(cell)\n", source: "t.csv")
    return series.first?.values.first
}

/// The error reading `text` throws (failing the test when it does not throw).
private func inputError(_ text: String, source: String = "data.csv") -> InputError? {
    do {
        let series = try CSVSeriesReader.read(text: text, source: source)
        Issue.record("expected an InputError, got \(series)")
        return nil
    } catch {
        return error
    }
}

// MARK: - NAB

@Test func readsNABTaxiFileWithAllPointsInFileOrder() throws {
    let path = sharedPath("datasets/nab/data/realKnownCause/nyc_taxi.csv")
    let series = try CSVSeriesReader.read(file: path)
    #expect(series.count == 1)
    let taxi = try #require(series.first)
    #expect(taxi.name == "value")
    #expect(taxi.count == 10_320)
    #expect(taxi.values.count == 10_320)
    #expect(taxi.timestamps.first == 1_404_172_800_000)   // 2014-07-01 00:00:00 UTC
    #expect(taxi.values.first == 10_844)
    #expect(taxi.timestamps.last == 1_422_747_000_000)    // 2015-01-31 23:30:00 UTC
    #expect(taxi.values.last == 26_288)
    // Half-hourly, in file order.
    #expect(zip(taxi.timestamps, taxi.timestamps.dropFirst()).allSatisfy { $1 - $0 == 1_800_000 })
}

@Test func readsNABFileWithCRLFLineEndings() throws {
    let path = sharedPath("datasets/nab/data/realAdExchange/exchange-2_cpc_results.csv")
    let series = try CSVSeriesReader.read(file: path)
    #expect(series.map(\.name) == ["value"])
    #expect(series[0].count > 1000)
    #expect(series[0].values.allSatisfy { $0.isFinite })
}

@Test func missingFileIsAnInputErrorNamingThePath() throws {
    let error = try #require(throws: InputError.self) {
        try CSVSeriesReader.read(file: "/nonexistent/foreshock/missing.csv")
    }
    #expect(error.line == 0)
    #expect(error.description == "/nonexistent/foreshock/missing.csv: cannot read file: no such file or directory")
}

// MARK: - Timestamps

@Test(arguments: [
    ("2014-02-14T14:30:00Z", 1_392_388_200_000),
    ("2014-02-14t14:30:00z", 1_392_388_200_000),
    ("2014-02-14 14:30:00", 1_392_388_200_000),
    ("2014-02-14T14:30:00", 1_392_388_200_000),
    ("2014-02-14T14:30", 1_392_388_200_000),
    ("2014-02-14T14:30:00.123+00:00", 1_392_388_200_123),
    ("2014-02-14T14:30:00.1+00:00", 1_392_388_200_100),
    ("2014-02-14T14:30:00.1234567+02:00", 1_392_381_000_123),
    ("2014-02-14T14:30:00.123456789Z", 1_392_388_200_123),
    ("2014-02-14T14:30:00-0530", 1_392_408_000_000),
    ("2014-02-14T14:30:00-05", 1_392_406_200_000),
    ("2014-02-14T14:30+01:00", 1_392_384_600_000),
    ("2014-02-14", 1_392_336_000_000),
    ("2000-02-29T23:59:59.999Z", 951_868_799_999),
    ("1969-12-31T23:59:59.5Z", -500),
    ("1970-01-01T00:00:00Z", 0),
    ("1900-03-01", -2_203_891_200_000),
    ("1600-02-29", -11_670_998_400_000),
    ("0001-01-01", -62_135_596_800_000),
    ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
    ("2018-12-12T12:00:00+11:00", 1_544_576_400_000),
] as [(String, Int64)])
func parsesISO8601Timestamps(text: String, milliseconds: Int64) throws {
    #expect(try timestamp(text) == milliseconds)
}

@Test(arguments: [
    // |x| < 1e11: seconds, fractions to the millisecond.
    ("0", 0),
    ("1392388200", 1_392_388_200_000),
    ("1392388200.5", 1_392_388_200_500),
    ("1392388200.123999", 1_392_388_200_123),
    ("99999999999", 99_999_999_999_000),
    ("-1", -1000),
    ("-1.5", -1500),
    ("-0.0005", -1),                       // sub-millisecond parts round toward the past
    ("+60", 60_000),
    ("1.4e9", 1_400_000_000_000),
    // 1e11 <= |x| < 1e14: milliseconds.
    ("100000000000", 100_000_000_000),
    ("1392388200123", 1_392_388_200_123),
    ("1589324745157.7249", 1_589_324_745_157),
    ("-1392388200123.5", -1_392_388_200_124),
    // 1e14 <= |x| < 1e17: microseconds.
    ("100000000000000", 100_000_000_000),
    ("1392388200123456", 1_392_388_200_123),
    ("-1392388200123456", -1_392_388_200_124),
    // |x| >= 1e17: nanoseconds.
    ("100000000000000000", 100_000_000_000),
    ("1392388200123456789", 1_392_388_200_123),
] as [(String, Int64)])
func parsesNumericEpochByMagnitude(text: String, milliseconds: Int64) throws {
    #expect(try timestamp(text) == milliseconds)
}

@Test(arguments: [
    ("2014-13-01 00:00:00", "month 13 out of range (expected 01 to 12)"),
    ("2014-00-01", "month 0 out of range (expected 01 to 12)"),
    ("2014-02-29", "day 29 out of range for 2014-02 (expected 01 to 28)"),
    ("1900-02-29", "day 29 out of range for 1900-02 (expected 01 to 28)"),
    ("2014-02-14 24:00:00", "hour 24 out of range (expected 00 to 23)"),
    ("2014-02-14 12:60:00", "minute 60 out of range (expected 00 to 59)"),
    ("2014-02-14 12:00:60", "second 60 out of range (expected 00 to 59; leap seconds are not supported)"),
    ("2014-02-14T12:00:00.", "expected digits after the decimal point of the seconds"),
    ("2014-02-14T12:00:00.1234567891Z", "10 fractional-second digits (expected at most 9, nanoseconds)"),
    ("2014-02-14T12:00:00+24:00", "UTC offset hour 24 out of range (expected 00 to 23)"),
    ("2014-02-14T12:00:00 UTC", "unexpected \" UTC\" after the time: expected fractional seconds, Z, ±HH:MM or the end of the field"),
    ("2014-02-14x12:00:00", "unexpected \"x12:00:00\" after the date: expected 'T' or a space and a time HH:MM:SS"),
    ("2014-2-14", "expected a date YYYY-MM-DD"),
    ("2014-07-901 00:00", "unexpected \"1 00:00\" after the date: expected 'T' or a space and a time HH:MM:SS"),
    ("14/02/2014", "expected an ISO 8601 date-time (YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]) or a numeric Unix epoch"),
    ("yesterday", "expected an ISO 8601 date-time (YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]) or a numeric Unix epoch"),
    ("99999999999999999999", "epoch value out of range (expected at most 19 digits)"),
])
func rejectsBadTimestampsWithReason(text: String, reason: String) throws {
    let error = try #require(inputError("timestamp,value\n0,1\n\(text),2\n"))
    #expect(error.source == "data.csv")
    #expect(error.line == 3)
    #expect(error.column == 1)
    #expect(error.message == "cannot parse timestamp \"\(text)\": \(reason)")
}

@Test func timestampErrorDescriptionHasFileLineAndColumn() throws {
    var text = "timestamp,value\n"
    for row in 0..<15 { text += "2014-01-01 00:\(row < 10 ? "0" : "")\(row):00,\(row)\n" }
    text += "2014-13-01 00:00:00,1\n"
    let error = try #require(inputError(text))
    #expect(error.description == "data.csv:17:1: cannot parse timestamp \"2014-13-01 00:00:00\": month 13 out of range (expected 01 to 12)")
}

@Test func emptyTimestampIsAnError() throws {
    let error = try #require(inputError("timestamp,value\n,1\n"))
    #expect(error.line == 2)
    #expect(error.column == 1)
    #expect(error.message.hasPrefix("cannot parse timestamp \"\": empty timestamp"))
}

// MARK: - Values

@Test(arguments: [
    "0", "-0", "1", "-17", "+3.25", "0.1", ".5", "5.", "1e10", "1E-5", "-2.5e+3", "123456789012345678",
    "0.30000000000000004", "1.7976931348623157e308", "4.9e-324", "2.2250738585072014e-308",
    "9007199254740993", "1e23", "8.589973e9", "3.14159265358979323846264338327950288",
    "0.000000000000000000000000000001", "1e-400", "1e400", "10844",
])
func parsesDecimalValuesExactlyLikeDoubleInit(text: String) throws {
    let parsed = try #require(try value(text))
    let expected = try #require(Double(text))
    #expect(parsed.bitPattern == expected.bitPattern)
}

@Test func parsesNaNAndInfinityInAnyCase() throws {
    for text in ["NaN", "nan", "NAN", "+nan"] {
        #expect(try value(text)?.isNaN == true, "\(text)")
    }
    for text in ["Inf", "+Inf", "inf", "INF", "infinity", "Infinity", "+infinity"] {
        #expect(try value(text) == .infinity, "\(text)")
    }
    for text in ["-Inf", "-inf", "-Infinity"] {
        #expect(try value(text) == -.infinity, "\(text)")
    }
}

@Test func emptyCellsAreMissingPointsNotErrors() throws {
    let text = """
        time,a,b,c
        1000,1,,NaN
        2000,,2,inf
        3000,3,"",-Inf
        4000,4,4,

        """
    let series = try CSVSeriesReader.read(text: text, source: "m.csv")
    #expect(series.map(\.name) == ["a", "b", "c"])
    #expect(series[0].timestamps == [1_000_000, 3_000_000, 4_000_000])
    #expect(series[0].values == [1, 3, 4])
    #expect(series[1].timestamps == [2_000_000, 4_000_000])
    #expect(series[1].values == [2, 4])
    #expect(series[2].timestamps == [1_000_000, 2_000_000, 3_000_000])
    #expect(series[2].values[0].isNaN)
    #expect(series[2].values[1] == .infinity)
    #expect(series[2].values[2] == -.infinity)
}

@Test(arguments: ["abc", "1;5", "0x1p3", "1e", "1.2.3", "--1", "nanx", "infinit", "1 2", "\"\"\"\"", "12%"])
func rejectsBadValuesWithLineAndColumn(text: String) throws {
    let error = try #require(inputError("timestamp,value\n0,1\n\n1,\(text)\n"))
    #expect(error.line == 4)
    #expect(error.column == 2)
    #expect(error.message.hasPrefix("cannot parse value "))
    #expect(error.message.hasSuffix(" in column \"value\": expected a decimal number, NaN, Inf or an empty cell"))
}

@Test func badValueMessageQuotesTheCell() throws {
    let error = try #require(inputError("timestamp,value\n2014-01-01,12abc\n"))
    #expect(error.description == "data.csv:2:2: cannot parse value \"12abc\" in column \"value\": expected a decimal number, NaN, Inf or an empty cell")
}

@Test func thousandsSeparatorsOnlyWithNonCommaDelimiters() throws {
    let series = try CSVSeriesReader.read(text: "time;v\n0;1,234,567.5\n1;-12,345\n2;999\n", source: "s.csv")
    #expect(series[0].values == [1_234_567.5, -12_345, 999])
    for bad in ["1,23", "1234,567", ",123", "1,234,", "12,3456"] {
        #expect(throws: InputError.self, "\(bad)") {
            try CSVSeriesReader.read(text: "time;v\n0;\(bad)\n", source: "s.csv")
        }
    }
}

// MARK: - CSV syntax

@Test func quotedFieldsWithEscapedQuotesDelimitersAndLineBreaks() throws {
    let text = "\"time\",\"cpu, \"\"user\"\"\",\"multi\nline\"\n\"1000\",\"1.5\",\"2\"\n1001 , 2.5 ,\"3\" \n"
    let series = try CSVSeriesReader.read(text: text, source: "q.csv")
    #expect(series.map(\.name) == ["cpu, \"user\"", "multi\nline"])
    #expect(series[0].timestamps == [1_000_000, 1_001_000])
    #expect(series[0].values == [1.5, 2.5])
    #expect(series[1].values == [2, 3])
}

@Test func linesAreCountedInsideQuotedFields() throws {
    let error = try #require(inputError("Series,Time,Value\n\"x\r\ny\",1,1\n\"x\r\ny\",2,oops\n"))
    #expect(error.line == 5)
    #expect(error.column == 3)
}

@Test func unterminatedQuoteIsAnError() throws {
    let error = try #require(inputError("time,value\n1,\"2\n3,4\n"))
    #expect(error.line == 2)
    #expect(error.column == 2)
    #expect(error.message == "unterminated quoted field: expected a closing \" before the end of the input")
}

@Test func textAfterClosingQuoteIsAnError() throws {
    let error = try #require(inputError("time,value\n1,\"2\"x\n"))
    #expect(error.line == 2)
    #expect(error.message.contains("after a closing quote"))
}

@Test func crlfLineEndingsAndTrailingBlankLines() throws {
    let series = try CSVSeriesReader.read(
        text: "timestamp,value\r\n2014-02-14 00:00:00,1\r\n2014-02-14 00:05:00,2\r\n\r\n\r\n", source: "c.csv")
    #expect(series == [NamedSeries(name: "value", timestamps: [1_392_336_000_000, 1_392_336_300_000], values: [1, 2])])
}

@Test func byteOrderMarkIsSkipped() throws {
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("timestamp,value\n1,2\n".utf8)
    let series = try CSVSeriesReader.read(bytes: bytes, source: "b.csv")
    #expect(series == [NamedSeries(name: "value", timestamps: [1000], values: [2])])
}

@Test func utf16IsRejected() throws {
    #expect(throws: InputError.self) {
        try CSVSeriesReader.read(bytes: [0xFF, 0xFE, 0x74, 0x00], source: "u.csv")
    }
}

@Test func detectsSemicolonAndTabDelimitersAndExcelSepLine() throws {
    let semicolon = try CSVSeriesReader.read(text: "time;a;b\n1;2;3\n", source: "s.csv")
    #expect(semicolon.map(\.name) == ["a", "b"])
    #expect(semicolon.map(\.values) == [[2], [3]])
    let tab = try CSVSeriesReader.read(text: "time\ta b\n1\t2.5\n", source: "t.tsv")
    #expect(tab.map(\.name) == ["a b"])
    #expect(tab[0].values == [2.5])
    let excel = try CSVSeriesReader.read(text: "sep=;\r\n\"Time\";\"cpu\"\r\n1;1,000\r\n", source: "e.csv")
    #expect(excel.map(\.name) == ["cpu"])
    #expect(excel[0].values == [1000])
}

@Test func timeColumnIsFoundByNameElseTheFirstColumn() throws {
    let named = try CSVSeriesReader.read(text: "host, \"Time (UTC)\" ,load\n3,60,1\n", source: "n.csv")
    #expect(named.map(\.name) == ["host", "load"])
    #expect(named[0].timestamps == [60_000])
    #expect(named[0].values == [3])
    let unnamed = try CSVSeriesReader.read(text: "when,load\n60,1\n", source: "u.csv")
    #expect(unnamed.map(\.name) == ["load"])
    #expect(unnamed[0].timestamps == [60_000])
}

@Test func repeatedAndEmptyHeadersGetUniqueNames() throws {
    let series = try CSVSeriesReader.read(text: "time,v,v,,v.1\n1,1,2,3,4\n", source: "d.csv")
    #expect(series.map(\.name) == ["v", "v.1", "column 4", "v.1.1"])
}

@Test func keepsFileOrderAndDuplicates() throws {
    let series = try CSVSeriesReader.read(text: "ts,v\n3,1\n1,2\n3,3\n", source: "o.csv")
    #expect(series[0].timestamps == [3000, 1000, 3000])
    #expect(series[0].values == [1, 2, 3])
}

// MARK: - Grafana exports

@Test func readsGrafana3SeriesAsColumnsExport() throws {
    let series = try CSVSeriesReader.read(file: sharedPath("formats/grafana-csv/grafana-3.x-series-as-columns.pr4041.csv"))
    #expect(series.map(\.name) == ["valA", "valB"])
    #expect(series.map(\.count) == [8, 8])
    #expect(series[0].timestamps.first == 1_434_023_400_000)   // 2015-06-11T11:50:00.000Z
    #expect(series[0].timestamps.last == 1_434_023_820_000)    // 2015-06-11T11:57:00.000Z
    #expect(series[0].values == [1.1, 1.2, 1.2, 1.1, 1.11, 1.13, 1.13, 0.8])
    #expect(series[1].values == [2.0, 2.3, 2.31, 1.15, 1.1, 1.16, 1.8, 1.5])
}

@Test func readsGrafana5SeriesTimeValueExport() throws {
    let series = try CSVSeriesReader.read(file: sharedPath("formats/grafana-csv/grafana-5.4-series-time-value.issue14578.csv"))
    #expect(series.map(\.name) == ["[[tag_host]]"])
    let host = try #require(series.first)
    #expect(host.count == 13)
    #expect(host.timestamps.first == 1_544_576_400_000)        // 2018-12-12T12:00:00+11:00
    #expect(host.values.first == 1_721_992_142.283)
    #expect(host.timestamps.last == 1_544_619_600_000)         // 2018-12-13T00:00:00+11:00
    #expect(host.values.last == 2_209_055_283.617)
    #expect(zip(host.timestamps, host.timestamps.dropFirst()).allSatisfy { $1 - $0 == 3_600_000 })
}

@Test func longFormatMakesOneSeriesPerNameInFirstSeenOrder() throws {
    let text = "Series;Time;Value\nb;1;1\na;2;2\nb;3;\n\"a\";4;4\nc;5;5\n"
    let series = try CSVSeriesReader.read(text: text, source: "l.csv")
    #expect(series == [
        NamedSeries(name: "b", timestamps: [1000], values: [1]),
        NamedSeries(name: "a", timestamps: [2000, 4000], values: [2, 4]),
        NamedSeries(name: "c", timestamps: [5000], values: [5]),
    ])
    let error = try #require(inputError("Series;Time;Value\n;1;1\n"))
    #expect(error.line == 2)
    #expect(error.column == 1)
}

@Test func readsGrafana7InspectorDownload() throws {
    let series = try CSVSeriesReader.read(file: sharedPath("formats/grafana-csv/grafana-7.1-inspect-download.issue24600.csv"))
    #expect(series.map(\.name) == ["Value", "Value.1", "Value.2", "Value.3"])
    #expect(series.allSatisfy { $0.timestamps == [1_589_324_745_157] })   // fractional epoch ms, truncated
    #expect(series.map(\.values) == [[0.6862745098039216], [0.6666666666666666], [0.6095057458440254], [0.5]])
}

// MARK: - Structure errors

@Test func wrongFieldCountNamesTheLine() throws {
    let tooMany = try #require(inputError("timestamp,value\n1,2\n2,3,4\n"))
    #expect(tooMany.line == 3)
    #expect(tooMany.column == nil)
    #expect(tooMany.description == "data.csv:3: expected 2 fields as in the header, found 3 (delimiter \",\")")
    let tooFew = try #require(inputError("timestamp,a,b\r\n1,2,3\r\n2,3\r\n"))
    #expect(tooFew.line == 3)
    #expect(tooFew.message == "expected 3 fields as in the header, found 2 (delimiter \",\")")
}

@Test func emptyInputThrowsNoHeaderError() throws {
    for text in ["", "\n\n", "\u{FEFF}", "  \r\n"] {
        let error = try #require(inputError(text))
        #expect(error.message == "empty input: expected a header row such as \"timestamp,value\"")
    }
    #expect(throws: InputError.self) { try CSVSeriesReader.read(bytes: [], source: "e.csv") }
}

@Test func headerOnlyInputYieldsEmptySeries() throws {
    let series = try CSVSeriesReader.read(text: "timestamp,value,other\n\n", source: "h.csv")
    #expect(series == [
        NamedSeries(name: "value", timestamps: [], values: []),
        NamedSeries(name: "other", timestamps: [], values: []),
    ])
    #expect(try CSVSeriesReader.read(text: "Series;Time;Value", source: "h.csv").isEmpty)
}

@Test func longInputIsTruncatedInMessages() throws {
    let cell = String(repeating: "x", count: 500)
    let error = try #require(inputError("t,v\n1,\(cell)\n"))
    #expect(error.message.count < 300)
    #expect(error.message.contains("…"))
}
