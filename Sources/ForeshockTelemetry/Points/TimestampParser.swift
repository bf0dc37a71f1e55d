/// Parses one timestamp field, given as UTF-8 bytes, into milliseconds since the Unix epoch
/// (UTC), without Foundation date formatters.
///
/// Accepted forms (the field must already be trimmed of surrounding blanks):
///
/// - **ISO 8601 / RFC 3339 date-time**: `YYYY-MM-DD` followed by `T`, `t` or a space, then
///   `HH:MM` or `HH:MM:SS`, optionally `.` (or `,`) and 1 to 9 fractional-second digits,
///   optionally a zone: `Z`/`z`, `±HH:MM`, `±HHMM` or `±HH`. Without a zone the time is
///   taken as UTC. Fractional digits beyond milliseconds are truncated, which on the time
///   line is rounding toward the past. Leap seconds (`:60`) are rejected.
/// - **Date alone**: `YYYY-MM-DD` is midnight UTC of that day.
/// - **Numeric Unix epoch**: an optional sign, digits, an optional fraction, and optionally
///   an exponent (`1.4e9`). The unit is chosen by magnitude:
///   |x| < 1e11 → seconds (up to year 5138), |x| < 1e14 → milliseconds,
///   |x| < 1e17 → microseconds, otherwise nanoseconds. Sub-millisecond parts are dropped
///   rounding toward negative infinity (the same instant ISO truncation gives). Digits and
///   fractions are converted exactly with integer arithmetic; only the rare exponent form
///   goes through `Double`.
///
/// A field of four digits followed by `-` is parsed as a date; anything else as an epoch.
/// Dates use the proleptic Gregorian calendar (``CivilDate``).
enum TimestampParser {
    /// Why a field is not a timestamp: `reason` completes "cannot parse timestamp "…": ".
    struct Failure: Error {
        var reason: String
    }

    static let expectedForms =
        "expected an ISO 8601 date-time (YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]) or a numeric Unix epoch"

    /// Milliseconds since 1970-01-01T00:00:00Z for the timestamp in `field`.
    static func milliseconds(_ field: UnsafeBufferPointer<UInt8>) throws(Failure) -> Int64 {
        let n = field.count
        if n == 0 { throw Failure(reason: "empty timestamp: " + expectedForms) }
        if n >= 5, isDigit(field[0]), isDigit(field[1]), isDigit(field[2]), isDigit(field[3]),
           field[4] == UInt8(ascii: "-") {
            return try iso8601(field)
        }
        return try epoch(field)
    }

    // MARK: - ISO 8601

    private static func iso8601(_ c: UnsafeBufferPointer<UInt8>) throws(Failure) -> Int64 {
        let n = c.count
        let year = Int(c[0] &- 48) * 1000 + Int(c[1] &- 48) * 100 + Int(c[2] &- 48) * 10 + Int(c[3] &- 48)
        guard n >= 10, let month = twoDigits(c, 5), c[7] == UInt8(ascii: "-"), let day = twoDigits(c, 8)
        else { throw Failure(reason: "expected a date YYYY-MM-DD") }
        if n > 10 {
            let separator = c[10]
            guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ")
            else {
                throw Failure(reason: "unexpected \(describe(c, from: 10)) after the date: expected 'T' or a space and a time HH:MM:SS")
            }
        }
        guard (1...12).contains(month) else {
            throw Failure(reason: "month \(month) out of range (expected 01 to 12)")
        }
        let monthDays = CivilDate.daysInMonth(year: year, month: month)
        guard day >= 1, day <= monthDays else {
            throw Failure(reason: "day \(day) out of range for \(pad4(year))-\(pad2(month)) (expected 01 to \(monthDays))")
        }
        let days = Int64(CivilDate.daysFromCivil(year: year, month: month, day: day))
        if n == 10 { return days * 86_400_000 }

        guard n >= 16, let hour = twoDigits(c, 11), c[13] == UInt8(ascii: ":"), let minute = twoDigits(c, 14)
        else { throw Failure(reason: "expected a time HH:MM[:SS] after the date") }
        var i = 16
        var second = 0
        var fractionMs = 0
        if i < n, c[i] == UInt8(ascii: ":") {
            guard n >= 19, let s = twoDigits(c, 17) else {
                throw Failure(reason: "expected two-digit seconds after HH:MM:")
            }
            second = s
            i = 19
            if i < n, c[i] == UInt8(ascii: ".") || c[i] == UInt8(ascii: ",") {
                i += 1
                let start = i
                while i < n, isDigit(c[i]) {
                    if i - start < 3 { fractionMs = fractionMs * 10 + Int(c[i] &- 48) }
                    i += 1
                }
                let digits = i - start
                if digits == 0 {
                    throw Failure(reason: "expected digits after the decimal point of the seconds")
                }
                if digits > 9 {
                    throw Failure(reason: "\(digits) fractional-second digits (expected at most 9, nanoseconds)")
                }
                var padded = digits
                while padded < 3 { fractionMs *= 10; padded += 1 }
            }
        }
        guard hour <= 23 else { throw Failure(reason: "hour \(hour) out of range (expected 00 to 23)") }
        guard minute <= 59 else { throw Failure(reason: "minute \(minute) out of range (expected 00 to 59)") }
        guard second <= 59 else {
            throw Failure(reason: "second \(second) out of range (expected 00 to 59; leap seconds are not supported)")
        }

        var offsetMinutes = 0
        if i < n {
            switch c[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = c[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let offsetHours = twoDigits(c, i) else {
                    throw Failure(reason: "expected a UTC offset ±HH:MM, ±HHMM or ±HH after the time")
                }
                i += 2
                var minutes = 0
                if i < n, c[i] == UInt8(ascii: ":") {
                    guard let m = twoDigits(c, i + 1) else {
                        throw Failure(reason: "expected two-digit offset minutes after ±HH:")
                    }
                    minutes = m
                    i += 3
                } else if let m = twoDigits(c, i) {
                    minutes = m
                    i += 2
                }
                guard offsetHours <= 23 else {
                    throw Failure(reason: "UTC offset hour \(offsetHours) out of range (expected 00 to 23)")
                }
                guard minutes <= 59 else {
                    throw Failure(reason: "UTC offset minute \(minutes) out of range (expected 00 to 59)")
                }
                offsetMinutes = sign * (offsetHours * 60 + minutes)
            default:
                throw Failure(reason: "unexpected \(describe(c, from: i)) after the time: expected fractional seconds, Z, ±HH:MM or the end of the field")
            }
        }
        guard i == n else {
            throw Failure(reason: "unexpected \(describe(c, from: i)) after the time zone: expected the end of the field")
        }
        let timeOfDayMs = Int64(((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + fractionMs)
        return days * 86_400_000 + timeOfDayMs
    }

    // MARK: - Numeric epoch

    private static func epoch(_ c: UnsafeBufferPointer<UInt8>) throws(Failure) -> Int64 {
        let n = c.count
        var i = 0
        var negative = false
        if c[0] == UInt8(ascii: "-") || c[0] == UInt8(ascii: "+") {
            negative = c[0] == UInt8(ascii: "-")
            i = 1
        }
        let integerStart = i
        var integer: UInt64 = 0
        var overflow = false
        while i < n, isDigit(c[i]) {
            let (times10, o1) = integer.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(c[i] &- 48))
            if o1 || o2 { overflow = true } else { integer = sum }
            i += 1
        }
        let integerDigits = i - integerStart
        // The fraction, as the first three digits (zero-padded) and flags for nonzero digits.
        var fraction3: UInt64 = 0
        var fractionDigits = 0
        var fractionNonzero = false
        var fractionNonzeroAfter3 = false
        if i < n, c[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, isDigit(c[i]) {
                let digit = UInt64(c[i] &- 48)
                if fractionDigits < 3 {
                    fraction3 = fraction3 * 10 + digit
                } else if digit != 0 {
                    fractionNonzeroAfter3 = true
                }
                if digit != 0 { fractionNonzero = true }
                fractionDigits += 1
                i += 1
            }
        }
        guard integerDigits + fractionDigits > 0 else {
            throw Failure(reason: expectedForms)
        }
        if i < n, c[i] == UInt8(ascii: "e") || c[i] == UInt8(ascii: "E") {
            return try scientificEpoch(c, exponentAt: i)
        }
        guard i == n else { throw Failure(reason: expectedForms) }
        guard !overflow else { throw Failure(reason: "epoch value out of range (expected at most 19 digits)") }
        var padded = fractionDigits
        while padded < 3 { fraction3 *= 10; padded += 1 }

        // Magnitude in whole units is `integer`; |x| < 1e11 ⇔ integer < 1e11 (integer bounds).
        let wholeMs: UInt64
        let remainder: Bool
        if integer < 100_000_000_000 {                 // seconds
            wholeMs = integer * 1000 + fraction3
            remainder = fractionNonzeroAfter3
        } else if integer < 100_000_000_000_000 {      // milliseconds
            wholeMs = integer
            remainder = fractionNonzero
        } else if integer < 100_000_000_000_000_000 {  // microseconds
            wholeMs = integer / 1000
            remainder = integer % 1000 != 0 || fractionNonzero
        } else {                                       // nanoseconds
            wholeMs = integer / 1_000_000
            remainder = integer % 1_000_000 != 0 || fractionNonzero
        }
        // wholeMs < 1.85e13 here, so the conversions cannot overflow.
        if negative {
            return -Int64(wholeMs) - (remainder ? 1 : 0)
        }
        return Int64(wholeMs)
    }

    /// The rare `1.4e9` form: validated by hand, converted through `Double`.
    private static func scientificEpoch(_ c: UnsafeBufferPointer<UInt8>, exponentAt e: Int) throws(Failure) -> Int64 {
        var i = e + 1
        if i < c.count, c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-") { i += 1 }
        let digitsStart = i
        while i < c.count, isDigit(c[i]) { i += 1 }
        guard i > digitsStart, i == c.count,
              let x = Double(String(decoding: c, as: UTF8.self)), x.isFinite
        else { throw Failure(reason: expectedForms) }
        let magnitude = x.magnitude
        let scale: Double = magnitude < 1e11 ? 1000 : magnitude < 1e14 ? 1 : magnitude < 1e17 ? 1e-3 : 1e-6
        let ms = (x * scale).rounded(.down)
        guard ms >= -9.2e18, ms <= 9.2e18 else {
            throw Failure(reason: "epoch value out of range")
        }
        return Int64(ms)
    }

    // MARK: - Helpers

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }

    /// The two-digit number at `i`, or nil when `c[i]` and `c[i+1]` are not both digits.
    @inline(__always)
    private static func twoDigits(_ c: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard i + 1 < c.count else { return nil }
        let d0 = c[i] &- 48, d1 = c[i + 1] &- 48
        guard d0 < 10, d1 < 10 else { return nil }
        return Int(d0) * 10 + Int(d1)
    }

    /// The rest of the field from `i`, quoted, for an error message.
    private static func describe(_ c: UnsafeBufferPointer<UInt8>, from i: Int) -> String {
        InputError.quoted(UnsafeBufferPointer(rebasing: c[i...]))
    }

    private static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func pad4(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
