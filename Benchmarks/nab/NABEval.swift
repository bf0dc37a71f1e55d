import ForeshockDetection
import ForeshockTelemetry
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Streams every NAB file through one `SeriesDetector` configuration and writes
/// `<out>/<category>/<file>.csv` with `timestamp,value,anomaly_score`.
@main
struct NABEval {
    static func main() throws {
        let args = CommandLine.arguments
        guard args.count >= 3 else {
            print("usage: nab-eval <NAB data dir> <out dir> [column: alert|score]")
            exit(2)
        }
        let dataDir = args[1], outDir = args[2]
        let column = args.count > 3 ? args[3] : "alert"
        let fm = FileManager.default
        var config = DetectorConfiguration()
        let env = ProcessInfo.processInfo.environment
        func d(_ k: String) -> Double? { env["FS_" + k].flatMap(Double.init) }
        if let v = d("riskLevel") { config.riskLevel = v }
        if let v = d("warmupLength") { config.warmupLength = Int(v) }
        if let v = d("levelSmoothing") { config.levelSmoothing = v }
        if let v = d("trendSmoothing") { config.trendSmoothing = v }
        if let v = d("seasonalSmoothing") { config.seasonalSmoothing = v }
        if let v = d("scaleSmoothing") { config.scaleSmoothing = v }
        if let v = d("huberClip") { config.huberClip = v }
        if let v = d("changeReference") { config.changeReference = v }
        if let v = d("changeThreshold") { config.changeThreshold = v }
        if let v = d("relativeScaleFloor") { config.relativeScaleFloor = v }
        if let v = d("learnAlarms") { config.thresholdLearnsAlarms = v != 0 }
        if let v = d("maxShape") { config.maximumTailShape = v }
        if let v = d("suppression") { config.suppressionLength = Int(v) }
        if let v = d("quiet") { config.quietPointsToClose = Int(v) }
        if env["FS_season"] == "none" { config.seasonality = .none }
        if let v = d("windowedMeanLength") { config.windowedMeanLength = Int(v) }
        if let v = d("rangeExtensionTolerance") { config.rangeExtensionTolerance = v < 0 ? nil : v }
        if let v = d("rangeExtensionSurprise") { config.rangeExtensionSurprise = v }
        var rows = 0
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        for category in try fm.contentsOfDirectory(atPath: dataDir).sorted() {
            let catPath = dataDir + "/" + category
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: catPath, isDirectory: &isDir), isDir.boolValue else { continue }
            try fm.createDirectory(atPath: outDir + "/" + category, withIntermediateDirectories: true)
            for file in try fm.contentsOfDirectory(atPath: catPath).sorted() where file.hasSuffix(".csv") {
                guard let s = try CSVSeriesReader.read(file: catPath + "/" + file).first else { continue }
                var detector = try SeriesDetector(series: SeriesRef(name: file), configuration: config)
                var scores: [PointScore] = []
                let t = clock.measure { scores = (try? detector.score(timestamps: s.timestamps, values: s.values)) ?? [] }
                elapsed += t
                rows += s.count
                var text = "timestamp,value,anomaly_score\n"
                for p in scores {
                    let v = column == "score" ? p.score : p.alertScore
                    text += "\(formatTime(p.timestamp)),\(p.value),\(String(format: "%.17g", v))\n"
                }
                try text.write(toFile: outDir + "/" + category + "/" + file, atomically: true, encoding: .utf8)
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        FileHandle.standardError.write("\(rows) rows scored in \(String(format: "%.3f", seconds)) s (\(String(format: "%.0f", seconds / Double(max(rows, 1)) * 1e9)) ns/row)\n".data(using: .utf8)!)
    }

    static func formatTime(_ ms: Int64) -> String {
        var seconds = time_t(ms / 1000)
        var tmv = tm()
        gmtime_r(&seconds, &tmv)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec)
    }
}
