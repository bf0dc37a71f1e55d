/// Formats Int64 milliseconds since the Unix epoch as UTC text, without Foundation.
public enum TimestampFormatter {
    /// `YYYY-MM-DD HH:MM:SS` (the NAB layout), with `.mmm` appended when the time has
    /// milliseconds. ``TimestampParser`` reads it back to the same value.
    public static func string(milliseconds: Int64) -> String {
        let (seconds, millis) = floorDivide(milliseconds, 1000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = CivilDate.civilFromDays(Int(days))
        let hour = Int(secondOfDay / 3600), minute = Int(secondOfDay % 3600 / 60), second = Int(secondOfDay % 60)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + " " + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        if millis != 0 { text += "." + pad(Int(millis), 3) }
        return text
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension TimestampFormatter {
    /// Reads back a timestamp as the CSV reader does — ISO 8601 (`2026-12-24T18:00:00Z`,
    /// `2026-12-24 18:00:00`, with an optional offset) or a numeric Unix epoch — in Unix
    /// milliseconds, or nil when `text` is not one.
    public static func milliseconds(from text: String) -> Int64? {
        var text = text
        return text.withUTF8 { bytes in try? TimestampParser.milliseconds(bytes) }
    }
}
