import Foundation

/// Number and duration text for charts and reports.
enum ReportFormat {
    /// Up to `digits` significant digits (`%g`): `812.4`, `0.0031`, `1.2e+07`; `NaN`, `Inf`.
    static func significant(_ v: Double, digits: Int = 4) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Inf" : "-Inf" }
        return String(format: "%.\(digits)g", v)
    }

    /// A span of time: `45 s`, `42 min`, `3 h 05 min`, `2 d 4 h`.
    static func duration(milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds) / 1000
        if seconds < 60 { return "\(seconds) s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 { return "\(hours) h " + (minutes % 60 < 10 ? "0" : "") + "\(minutes % 60) min" }
        return "\(hours / 24) d \(hours % 24) h"
    }
}
