import Foundation

/// Number formatting shared by the gate's table and JUnit report.
enum GateFormat {
    /// `p50`, `p95`, `p99.9`.
    static func quantileName(_ q: Double) -> String {
        "p" + trimmed(String(format: "%.4f", q * 100))
    }

    /// Milliseconds with three significant digits or so: `0.412`, `4.12`, `41.2`, `412`.
    static func milliseconds(_ v: Double) -> String {
        guard v.isFinite else { return "-" }
        switch abs(v) {
        case 0: return "0"
        case ..<1: return String(format: "%.3f", v)
        case ..<10: return String(format: "%.2f", v)
        case ..<100: return String(format: "%.1f", v)
        default: return String(format: "%.0f", v)
        }
    }

    /// `+12.3%`, `-4.0%`, `+inf%`.
    static func signedPercent(_ fraction: Double) -> String {
        if fraction.isInfinite { return fraction > 0 ? "+inf%" : "-inf%" }
        return String(format: "%+.1f%%", fraction * 100)
    }

    /// `10%`, `2.5%`.
    static func percent(_ fraction: Double) -> String { trimmed(String(format: "%.4f", fraction * 100)) + "%" }

    /// An error ratio: `0.10%`.
    static func ratio(_ fraction: Double) -> String { String(format: "%.2f%%", fraction * 100) }

    /// `+1.90pp`, or `0.5pp` unsigned.
    static func percentagePoints(_ fraction: Double, signed: Bool = true) -> String {
        signed ? String(format: "%+.2fpp", fraction * 100) : trimmed(String(format: "%.4f", fraction * 100)) + "pp"
    }

    /// `0.412`, `0.0031`, `1.2e-09`; `<1e-300` for an underflowed tail.
    static func pValue(_ p: Double) -> String {
        if p <= 0 { return "<1e-300" }
        if p >= 0.001 { return trimmed(String(format: "%.3f", p)) }
        return String(format: "%.1e", p)
    }

    /// `value` with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    /// Without trailing zeros after a decimal point (`12.500` → `12.5`, `10.000` → `10`).
    private static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = Substring(text)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }
}
