import ForeshockTelemetry
import Foundation

/// Reads a Prometheus HTTP API `query_range` response (`{"status":"success","data":
/// {"resultType":"matrix","result":[{"metric":{…},"values":[[unixSeconds,"value"],…]}]}}`):
/// one ``NamedSeries`` per result, named by `__name__` (or `value`) with the other labels.
/// Timestamps are seconds with a fraction (rounded to milliseconds); values are strings,
/// `NaN`, `+Inf` and `-Inf` included.
public enum PrometheusQueryRange {
    public static func read(path: String) throws -> [NamedSeries] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(source: path, line: 0, message: "cannot read the file")
        }
        return try decode(data, source: path)
    }

    public static func decode(_ data: Data, source: String) throws -> [NamedSeries] {
        func fail(_ message: String) -> InputError { InputError(source: source, line: 0, message: message) }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail("not valid JSON (\(error.localizedDescription))")
        }
        guard let object = root as? [String: Any], let body = object["data"] as? [String: Any] else {
            throw fail("expected an object with \"data\" (a Prometheus query_range response)")
        }
        if let status = object["status"] as? String, status != "success" {
            throw fail("status is \(status), not success")
        }
        guard body["resultType"] as? String == "matrix" else {
            throw fail("data.resultType is \(body["resultType"] ?? "missing"), expected matrix")
        }
        guard let results = body["result"] as? [[String: Any]] else { throw fail("data.result is not an array of objects") }
        var series: [NamedSeries] = []
        for (i, result) in results.enumerated() {
            let metric = result["metric"] as? [String: String] ?? [:]
            guard let values = result["values"] as? [[Any]] else { throw fail("data.result[\(i)].values is not an array of pairs") }
            var timestamps: [Int64] = [], numbers: [Double] = []
            timestamps.reserveCapacity(values.count)
            numbers.reserveCapacity(values.count)
            for (j, pair) in values.enumerated() {
                guard pair.count == 2, let time = (pair[0] as? NSNumber)?.doubleValue, time.isFinite,
                      abs(time) < 9.2e15, let text = pair[1] as? String, let value = parseValue(text) else {
                    throw fail("data.result[\(i)].values[\(j)]: expected [unixSeconds, \"number\"]")
                }
                timestamps.append(Int64((time * 1000).rounded()))
                numbers.append(value)
            }
            var labels = metric
            let name = labels.removeValue(forKey: "__name__") ?? "value"
            series.append(NamedSeries(name: name, timestamps: timestamps, values: numbers, labels: labels))
        }
        return series
    }

    private static func parseValue(_ text: String) -> Double? {
        switch text {
        case "NaN": .nan
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        default: Double(text)
        }
    }
}
