import ForeshockDetection
import Foundation

/// Stable JSON for anomalies: sorted keys, no whitespace, NaN/±Inf as strings.
public enum AnomalyJSON {
    public static func encode(_ anomaly: Anomaly) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return String(decoding: try encoder.encode(anomaly), as: UTF8.self)
    }
}
