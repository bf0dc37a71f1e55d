// libFuzzer target: CSVSeriesReader (header detection, delimiters, quoting, wide and long
// layouts, ISO 8601 / epoch timestamps, numeric cells).
import ForeshockTelemetry

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let series: [NamedSeries]
    do { series = try CSVSeriesReader.read(bytes: bytes, source: "fuzz.csv") } catch {
        check(error.description.contains("fuzz.csv"), "error does not name its source: \(error)")
        consume(UInt64(error.description.utf8.count))
        if let text = String(validating: bytes, as: UTF8.self) {
            check((try? CSVSeriesReader.read(text: text, source: "fuzz.csv")) == nil, "read(bytes:) threw, read(text:) did not")
        }
        probeNumber(bytes)
        return 0
    }
    var total: UInt64 = 0
    for s in series {
        check(s.timestamps.count == s.values.count, "series \(s.name): \(s.timestamps.count) timestamps, \(s.values.count) values")
        total &+= UInt64(s.name.utf8.count)
        var sum = 0.0
        for (t, v) in zip(s.timestamps, s.values) {
            total &+= UInt64(bitPattern: t)
            if !v.isNaN { sum += v }
        }
        total &+= sum.bitPattern
    }
    consume(total)
    // The String entry point must agree with the bytes one on valid UTF-8 (values bit for bit).
    if let text = String(validating: bytes, as: UTF8.self) {
        guard let again = try? CSVSeriesReader.read(text: text, source: "fuzz.csv") else {
            propertyFailed("read(bytes:) succeeded, read(text:) threw")
        }
        check(again.count == series.count && zip(again, series).allSatisfy { a, b in
            a.name == b.name && a.labels == b.labels && a.timestamps == b.timestamps
                && a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
        }, "read(text:) and read(bytes:) disagree")
    }
    probeNumber(bytes)
    return 0
}

/// When the input is a plain decimal number (digits, `.`, `e`, sign), reads it as the one value
/// cell of a CSV and checks the documented contract: "converted exactly like Double(_:)".
func probeNumber(_ bytes: [UInt8]) {
    guard !bytes.isEmpty, bytes.count <= 64,
          bytes.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 || $0 == 0x2B || $0 == 0x2D })
    else { return }
    let token = String(decoding: bytes, as: UTF8.self)
    guard let series = try? CSVSeriesReader.read(text: "timestamp,value\n1700000000," + token + "\n", source: "probe"),
          let value = series.first?.values.first else { return }
    guard let expected = Double(token) else {
        propertyFailed("the reader accepted the value \(token) (as \(value)) that Double(_:) rejects")
    }
    check(value.bitPattern == expected.bitPattern, "value \(token): the reader gives \(value), Double(_:) \(expected)")
}
