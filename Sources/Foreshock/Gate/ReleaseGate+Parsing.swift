import Foundation

extension ReleaseGate.Options {
    /// Parses a relative limit written as a percentage: `10%` → 0.10, `2.5%` → 0.025.
    ///
    /// The `%` is required so that `10` is not silently read as 1,000 %.
    /// - Throws: ``ReleaseGate/OptionError`` naming `option`.
    public static func parsePercentage(_ text: String, option: String) throws(ReleaseGate.OptionError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("%"), let value = Double(trimmed.dropLast().trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else {
            throw ReleaseGate.OptionError(option: option, message: "expected a percentage such as 10%, got \(text)")
        }
        return value / 100
    }

    /// Parses an absolute limit in percentage points: `0.5pp` → 0.005.
    ///
    /// The `pp` is required: "0.5 %" of an error ratio is ambiguous (relative or absolute).
    /// - Throws: ``ReleaseGate/OptionError`` naming `option`.
    public static func parsePercentagePoints(_ text: String, option: String) throws(ReleaseGate.OptionError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("pp"), let value = Double(trimmed.dropLast(2).trimmingCharacters(in: .whitespaces)), value.isFinite,
              value >= 0, value < 100 else {
            throw ReleaseGate.OptionError(option: option, message: "expected percentage points such as 0.5pp, got \(text)")
        }
        return value / 100
    }

    /// Parses a comma-separated list of quantiles: `0.5,0.95,0.99` or `p50,p95,p99.9`.
    /// - Throws: ``ReleaseGate/OptionError`` naming `option`.
    public static func parseQuantiles(_ text: String, option: String) throws(ReleaseGate.OptionError) -> [Double] {
        var quantiles: [Double] = []
        for field in text.split(separator: ",") {
            let item = field.trimmingCharacters(in: .whitespaces)
            let value: Double?
            if item.first == "p" || item.first == "P" {
                // Rounded so that p99.9 is the double nearest 0.999, as "0.999" would be.
                value = Double(item.dropFirst()).map { ($0 / 100 * 1e12).rounded() / 1e12 }
            } else {
                value = Double(item)
            }
            guard let value, value > 0, value <= 1 else {
                throw ReleaseGate.OptionError(option: option, message: "expected quantiles in (0, 1] such as 0.5,0.95,0.99 or p50,p99, got \(item)")
            }
            quantiles.append(value)
        }
        guard !quantiles.isEmpty else { throw ReleaseGate.OptionError(option: option, message: "no quantile given") }
        return quantiles
    }
}
